using System;

namespace StaticGrad.Kernels;

/// <summary>
/// 2-d average pooling, PyTorch's <c>nn.AvgPool2d</c>, over NCHW input <c>[batch, channels, height, width]</c>: each
/// output is the sum of the inputs in its window divided by <c>kernelHeight · kernelWidth</c> (PyTorch's default
/// <c>count_include_pad=True</c>: the zero padding counts), or with <c>countIncludePad: false</c> by the number of the
/// window's positions inside the input. With <c>ceilMode: true</c> (PyTorch's <c>ceil_mode=True</c>) the output sizes
/// round up and a last window that runs past the padded input divides, as PyTorch's does, by its part inside the padded
/// input (padding included) or inside the input. Planes are independent: a large pass splits them across threads, the
/// same bits for any thread count.
/// </summary>
public static unsafe class AvgPool2d
{
    /// <summary>The forward pass: per window, a float sum in scan order (rows, then columns), then one division, as PyTorch's CPU kernel.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, outHeight, outWidth]</c> (<see cref="SlidingWindow.OutputSize"/> with dilation 1); must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Window height; positive.</param>
    /// <param name="kernelWidth">Window width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive (PyTorch's default is the kernel size).</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; at most <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">Zero padding left and right; at most <c>kernelWidth / 2</c>.</param>
    /// <param name="countIncludePad">PyTorch's <c>count_include_pad</c>: divide by the whole window (true, the default) or by its positions inside the input.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="SlidingWindow.OutputSize"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, or the window does not fit the padded input.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, bool countIncludePad = true, bool ceilMode = false)
    {
        Pool2dGeometry g = Pool2dGeometry.Create(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, 1, 1, ceilMode);
        KernelGuard.Holds(input.Length, g.Planes, g.InputPlane, nameof(input), "batch*channels*height*width");
        KernelGuard.Holds(output.Length, g.Planes, g.OutputPlane, nameof(output), "batch*channels*outHeight*outWidth");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        fixed (float* x = input)
        fixed (float* y = output)
        {
            var pass = new Pass { From = x, To = y, Geometry = g, CountIncludePad = countIncludePad };
            PlaneParts.Run(ref pass, g.Planes, g.InputPlane);
        }
    }

    /// <summary>The backward pass: clears <paramref name="inputGradient"/>, then adds <c>dY / divisor</c> of each output (the forward pass's divisor) to every input of its window, in output order.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Window height; positive.</param>
    /// <param name="kernelWidth">Window width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Zero padding above and below; at most <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">Zero padding left and right; at most <c>kernelWidth / 2</c>.</param>
    /// <param name="countIncludePad">PyTorch's <c>count_include_pad</c>, as in <see cref="Forward"/>.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>, as in <see cref="Forward"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, or the window does not fit the padded input.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, bool countIncludePad = true, bool ceilMode = false)
    {
        Pool2dGeometry g = Pool2dGeometry.Create(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, 1, 1, ceilMode);
        KernelGuard.Holds(outputGradient.Length, g.Planes, g.OutputPlane, nameof(outputGradient), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(inputGradient.Length, g.Planes, g.InputPlane, nameof(inputGradient), "batch*channels*height*width");
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        fixed (float* dy = outputGradient)
        fixed (float* dx = inputGradient)
        {
            var pass = new Pass { From = dy, To = dx, Geometry = g, CountIncludePad = countIncludePad, Backward = true };
            PlaneParts.Run(ref pass, g.Planes, g.InputPlane);
        }
    }

    /// <summary>
    /// One pass over planes: the forward pass reads input planes (<see cref="From"/>) and writes output planes; the backward
    /// pass reads output-gradient planes and clears, then fills, input-gradient planes (<see cref="To"/>).
    /// </summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public Pool2dGeometry Geometry;
        public bool CountIncludePad;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            Pool2dGeometry g = Geometry;
            for (int p = first; p < end; p++)
            {
                if (Backward)
                {
                    BackwardPlane(From + ((nint)p * g.OutputPlane), To + ((nint)p * g.InputPlane), g);
                }
                else
                {
                    ForwardPlane(From + ((nint)p * g.InputPlane), To + ((nint)p * g.OutputPlane), g);
                }
            }
        }

        /// <summary>
        /// One plane's outputs. Each window is one float chain in scan order; four neighbouring windows whose columns lie
        /// inside the input run their four chains interleaved (the adds of one chain wait on each other, those of four do
        /// not), each in the same order, so the bits are the one-chain loop's.
        /// </summary>
        private readonly void ForwardPlane(float* plane, float* output, in Pool2dGeometry g)
        {
            int kw = g.KernelWidth, stride = g.StrideWidth;
            for (int oh = 0, o = 0; oh < g.OutHeight; oh++)
            {
                int top = (oh * g.StrideHeight) - g.PaddingHeight, rows = PaddedSpan(top, g.KernelHeight, g.Height, g.PaddingHeight);
                (int ih0, int ih1) = Clip(top, g.KernelHeight, g.Height);
                for (int ow = 0; ow < g.OutWidth; ow++, o++)
                {
                    int start = (ow * stride) - g.PaddingWidth;
                    if (start >= 0 && ow + 3 < g.OutWidth && start + (3 * stride) + kw <= g.Width)
                    {
                        float sum0 = 0f, sum1 = 0f, sum2 = 0f, sum3 = 0f;
                        for (int ih = ih0; ih < ih1; ih++)
                        {
                            float* row = plane + (ih * g.Width) + start;
                            for (int j = 0; j < kw; j++)
                            {
                                sum0 += row[j];
                                sum1 += row[j + stride];
                                sum2 += row[j + (2 * stride)];
                                sum3 += row[j + (3 * stride)];
                            }
                        }

                        float divisor = Divisor(rows * kw, ih0, ih1, 0, kw, CountIncludePad);
                        output[o] = sum0 / divisor;
                        output[o + 1] = sum1 / divisor;
                        output[o + 2] = sum2 / divisor;
                        output[o + 3] = sum3 / divisor;
                        ow += 3;
                        o += 3;
                        continue;
                    }

                    (int iw0, int iw1) = Clip(start, kw, g.Width);
                    float sum = 0f;
                    for (int ih = ih0; ih < ih1; ih++)
                    {
                        for (int iw = iw0; iw < iw1; iw++)
                        {
                            sum += plane[(ih * g.Width) + iw];
                        }
                    }

                    output[o] = sum / Divisor(rows * PaddedSpan(start, kw, g.Width, g.PaddingWidth), ih0, ih1, iw0, iw1, CountIncludePad);
                }
            }
        }

        private readonly void BackwardPlane(float* outputGradient, float* plane, in Pool2dGeometry g)
        {
            new Span<float>(plane, g.InputPlane).Clear();
            for (int oh = 0, o = 0; oh < g.OutHeight; oh++)
            {
                int top = (oh * g.StrideHeight) - g.PaddingHeight, rows = PaddedSpan(top, g.KernelHeight, g.Height, g.PaddingHeight);
                (int ih0, int ih1) = Clip(top, g.KernelHeight, g.Height);
                for (int ow = 0; ow < g.OutWidth; ow++, o++)
                {
                    int start = (ow * g.StrideWidth) - g.PaddingWidth;
                    (int iw0, int iw1) = Clip(start, g.KernelWidth, g.Width);
                    float share = outputGradient[o] / Divisor(rows * PaddedSpan(start, g.KernelWidth, g.Width, g.PaddingWidth), ih0, ih1, iw0, iw1, CountIncludePad);
                    for (int ih = ih0; ih < ih1; ih++)
                    {
                        for (int iw = iw0; iw < iw1; iw++)
                        {
                            plane[(ih * g.Width) + iw] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The window's size inside the padded input (<paramref name="padded"/>: the whole window but for a last window of
    /// ceil mode), or the positions of the clipped window <c>[ih0, ih1) × [iw0, iw1)</c> (never empty: the padding is at
    /// most half the kernel, and a window of ceil mode starts inside the input or its leading padding).
    /// </summary>
    private static float Divisor(int padded, int ih0, int ih1, int iw0, int iw1, bool countIncludePad)
        => countIncludePad ? padded : (ih1 - ih0) * (iw1 - iw0);

    /// <summary>The length of the window <c>[start, start + kernel)</c> up to the end of the padded input, <c>size + padding</c>, as PyTorch's divisor counts it.</summary>
    private static int PaddedSpan(int start, int kernel, int size, int padding) => Math.Min(start + kernel, size + padding) - start;

    /// <summary>The window <c>[start, start + kernel)</c> clipped to <c>[0, size)</c>.</summary>
    private static (int First, int End) Clip(int start, int kernel, int size) => (Math.Max(start, 0), Math.Min(start + kernel, size));
}
