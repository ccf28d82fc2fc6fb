using System;
using StaticGrad.Kernels;

namespace StaticGrad.Runtime.Tests;

/// <summary>One convolution's arguments, and the <see cref="Conv2d"/> calls with them, so tests state a shape once.</summary>
internal readonly record struct ConvShape(
    int Batch, int In, int Height, int Width, int Out, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int PaddingHeight, int PaddingWidth, int DilationHeight, int DilationWidth, int Groups)
{
    public int OutHeight => SlidingWindow.OutputSize(Height, KernelHeight, StrideHeight, PaddingHeight, DilationHeight);

    public int OutWidth => SlidingWindow.OutputSize(Width, KernelWidth, StrideWidth, PaddingWidth, DilationWidth);

    public int InputLength => Batch * In * Height * Width;

    public int OutputLength => Batch * Out * OutHeight * OutWidth;

    public int WeightLength => Out * (In / Groups) * KernelHeight * KernelWidth;

    /// <summary>The shape as the kernels see it.</summary>
    public Conv2dGeometry Geometry => new(
        In, Height, Width, Out, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth,
        Groups, OutHeight, OutWidth);

    /// <summary>A square-kernel shape: the same kernel, stride, padding and dilation in both dimensions.</summary>
    public static ConvShape Square(int batch, int @in, int height, int width, int @out, int kernel, int stride, int padding, int dilation, int groups) =>
        new(batch, @in, height, width, @out, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups);

    public int WorkspaceFloats(int threads) =>
        Kernels.Conv2d.WorkspaceFloats(In, Height, Width, Out, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups, threads);

    public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, Span<float> workspace, Activation activation = Activation.None) =>
        Kernels.Conv2d.Forward(x, w, b, y, workspace, Batch, In, Height, Width, Out, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups, activation);

    public void BackwardData(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, Span<float> workspace) =>
        Kernels.Conv2d.BackwardData(dy, w, dx, workspace, Batch, In, Height, Width, Out, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups);

    public void BackwardWeight(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dw, Span<float> db, Span<float> workspace) =>
        Kernels.Conv2d.BackwardWeight(dy, x, dw, db, workspace, Batch, In, Height, Width, Out, KernelHeight, KernelWidth, StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups);

    /// <summary>
    /// Calls <paramref name="visit"/> for every (output index, input index, weight index) triple of the convolution, in
    /// a plain nested order: the definition every reference below sums over.
    /// </summary>
    public void ForEachTerm(Action<int, int, int> visit)
    {
        int groupIn = In / Groups, groupOut = Out / Groups, oh = OutHeight, ow = OutWidth;
        for (int n = 0; n < Batch; n++)
        {
            for (int o = 0; o < Out; o++)
            {
                int group = o / groupOut;
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        int output = (((n * Out) + o) * oh * ow) + (y * ow) + x;
                        for (int c = 0; c < groupIn; c++)
                        {
                            for (int i = 0; i < KernelHeight; i++)
                            {
                                int ih = (y * StrideHeight) - PaddingHeight + (i * DilationHeight);
                                if (ih < 0 || ih >= Height)
                                {
                                    continue;
                                }

                                for (int j = 0; j < KernelWidth; j++)
                                {
                                    int iw = (x * StrideWidth) - PaddingWidth + (j * DilationWidth);
                                    if (iw < 0 || iw >= Width)
                                    {
                                        continue;
                                    }

                                    int input = (((((n * In) + (group * groupIn) + c) * Height) + ih) * Width) + iw;
                                    int weight = (((((o * groupIn) + c) * KernelHeight) + i) * KernelWidth) + j;
                                    visit(output, input, weight);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The forward pass in double, <c>y = conv(x, w) + b</c> (no activation), and per output <c>Σ|x·w| + |b|</c>.</summary>
    public (double[] Output, double[] Scale) Reference(float[] x, float[] w, float[] b)
    {
        double[] y = new double[OutputLength];
        double[] scale = new double[OutputLength];
        int plane = OutHeight * OutWidth;
        if (b.Length > 0)
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = b[(i / plane) % Out];
                scale[i] = Math.Abs(y[i]);
            }
        }

        ForEachTerm((output, input, weight) =>
        {
            y[output] += (double)x[input] * w[weight];
            scale[output] += Math.Abs((double)x[input] * w[weight]);
        });
        return (y, scale);
    }

    /// <summary>The gradients in double for upstream <paramref name="dy"/>: input, weight and bias, with per element <c>Σ|terms|</c>.</summary>
    public (double[] Dx, double[] DxScale, double[] Dw, double[] DwScale, double[] Db) ReferenceGradients(float[] x, float[] w, float[] dy)
    {
        double[] dx = new double[InputLength], dxScale = new double[InputLength];
        double[] dw = new double[WeightLength], dwScale = new double[WeightLength];
        double[] db = new double[Out];
        ForEachTerm((output, input, weight) =>
        {
            dx[input] += (double)dy[output] * w[weight];
            dxScale[input] += Math.Abs((double)dy[output] * w[weight]);
            dw[weight] += (double)dy[output] * x[input];
            dwScale[weight] += Math.Abs((double)dy[output] * x[input]);
        });
        int plane = OutHeight * OutWidth;
        for (int i = 0; i < dy.Length; i++)
        {
            db[(i / plane) % Out] += dy[i];
        }

        return (dx, dxScale, dw, dwScale, db);
    }
}
