using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.AdaptiveAvgPool2d"/> against a double reference written from PyTorch's definition (output row <c>i</c>
/// averages input rows <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c>, columns likewise), finite differences, zero allocation and
/// validation. PyTorch's own values, bit for bit, are in <see cref="ConvGoldenTests"/>.
/// </summary>
public sealed class AdaptiveAvgPool2dTests
{
    [Theory]
    [InlineData(2, 3, 7, 7, 3, 3)]     // overlapping windows of 3: rows [0, 3), [2, 5), [4, 7)
    [InlineData(1, 2, 10, 13, 4, 5)]   // windows of 3 or 4 rows, 3 or 4 columns
    [InlineData(2, 2, 8, 6, 4, 3)]     // sizes that divide: equal windows that do not overlap
    [InlineData(1, 3, 3, 5, 7, 4)]     // larger than the input: windows of 1 or 2 rows that repeat inputs
    [InlineData(2, 1, 1, 1, 2, 3)]
    [InlineData(1, 2, 9, 9, 1, 1)]
    public void MatchesTheDefinition_AndFiniteDifferences(int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        int planes = batch * channels, inPlane = height * width, outPlane = outHeight * outWidth;
        float[] x = KernelReference.Random(planes * inPlane, seed: 21);
        float[] y = new float[planes * outPlane];
        y.AsSpan().Fill(float.NaN);
        Kernels.AdaptiveAvgPool2d.Forward(x, y, batch, channels, height, width, outHeight, outWidth);
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < outHeight; r++)
            {
                for (int c = 0; c < outWidth; c++)
                {
                    int[] rows = Window(r, outHeight, height), columns = Window(c, outWidth, width);
                    double mean = rows.SelectMany(ih => columns.Select(iw => (double)x[(p * inPlane) + (ih * width) + iw])).Average();
                    KernelReference.AssertClose(mean, y[(p * outPlane) + (r * outWidth) + c], 1e-6, $"y[{p},{r},{c}]");
                }
            }
        }

        float[] dy = KernelReference.Random(y.Length, seed: 22);
        float[] dx = new float[x.Length];
        dx.AsSpan().Fill(float.NaN);
        Kernels.AdaptiveAvgPool2d.Backward(dy, dx, batch, channels, height, width, outHeight, outWidth);
        double Loss()
        {
            Kernels.AdaptiveAvgPool2d.Forward(x, y, batch, channels, height, width, outHeight, outWidth);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
    }

    [Fact]
    public void OverlappingWindows_GiveAnInputInTwoWindowsBothShares()
    {
        // 3 rows to 2: windows [0, 2) and [1, 3); one column. The middle row is in both.
        float[] x = [1f, 2f, 4f];
        float[] y = new float[2];
        Kernels.AdaptiveAvgPool2d.Forward(x, y, 1, 1, 3, 1, 2, 1);
        Assert.Equal([1.5f, 3f], y);
        float[] dx = new float[3];
        Kernels.AdaptiveAvgPool2d.Backward([2f, 4f], dx, 1, 1, 3, 1, 2, 1);
        Assert.Equal([1f, 3f, 2f], dx);
    }

    [Fact]
    public void NoSamples_WriteNothing()
    {
        float[] y = [7f];
        Kernels.AdaptiveAvgPool2d.Forward([], y, 0, 2, 5, 5, 3, 3);
        Assert.Equal(7f, y[0]);
        Kernels.AdaptiveAvgPool2d.Backward([], y, 0, 2, 5, 5, 3, 3);
        Assert.Equal(7f, y[0]);
    }

    [Fact]
    public void SameBitsForOneTwoAndThreeThreads()
    {
        const int Batch = 3, Channels = 5, Height = 10, Width = 13, OutHeight = 4, OutWidth = 5;
        float[] x = KernelReference.Random(Batch * Channels * Height * Width, seed: 25);
        float[] dy = KernelReference.Random(Batch * Channels * OutHeight * OutWidth, seed: 26);
        (float[] Y, float[] Dx) Run(int threads)
        {
            float[] y = new float[dy.Length], dx = new float[x.Length];
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.AdaptiveAvgPool2d.Forward(x, y, Batch, Channels, Height, Width, OutHeight, OutWidth);
                Kernels.AdaptiveAvgPool2d.Backward(dy, dx, Batch, Channels, Height, Width, OutHeight, OutWidth);
            }

            return (y, dx);
        }

        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads);
            GemmShapeTests.AssertSameBits(one.Y, many.Y, $"forward, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Dx, many.Dx, $"backward, {threads} threads");
        }
    }

    [Fact]
    public void AllocatesNothing()
    {
        const int Batch = 4, Channels = 8, Size = 7, Out = 3;
        float[] x = KernelReference.Random(Batch * Channels * Size * Size, seed: 23);
        float[] y = new float[Batch * Channels * Out * Out], dy = KernelReference.Random(y.Length, seed: 24), dx = new float[x.Length];
        AllocationAssert.None("Kernels.AdaptiveAvgPool2d.Forward", () => Kernels.AdaptiveAvgPool2d.Forward(x, y, Batch, Channels, Size, Size, Out, Out), calls: 20);
        AllocationAssert.None("Kernels.AdaptiveAvgPool2d.Backward", () => Kernels.AdaptiveAvgPool2d.Backward(dy, dx, Batch, Channels, Size, Size, Out, Out), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.AdaptiveAvgPool2d.Forward, 2 threads", () => Kernels.AdaptiveAvgPool2d.Forward(x, y, Batch, Channels, Size, Size, Out, Out), calls: 20);
            AllocationAssert.None("Kernels.AdaptiveAvgPool2d.Backward, 2 threads", () => Kernels.AdaptiveAvgPool2d.Backward(dy, dx, Batch, Channels, Size, Size, Out, Out), calls: 20);
        }
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        float[] x = new float[2 * 3 * 7 * 7], y = new float[2 * 3 * 3 * 3], dx = new float[x.Length];
        Assert.Throws<ArgumentException>("input", () => Kernels.AdaptiveAvgPool2d.Forward(x.AsSpan(1), y, 2, 3, 7, 7, 3, 3));
        Assert.Throws<ArgumentException>("output", () => Kernels.AdaptiveAvgPool2d.Forward(x, y.AsSpan(1), 2, 3, 7, 7, 3, 3));
        Assert.Throws<ArgumentException>("output", () => Kernels.AdaptiveAvgPool2d.Forward(x, x, 2, 3, 7, 7, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Kernels.AdaptiveAvgPool2d.Forward(x, y, -1, 3, 7, 7, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>("channels", () => Kernels.AdaptiveAvgPool2d.Forward(x, y, 2, 0, 7, 7, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>("outHeight", () => Kernels.AdaptiveAvgPool2d.Forward(x, y, 2, 3, 7, 7, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>("outWidth", () => Kernels.AdaptiveAvgPool2d.Backward(y, dx, 2, 3, 7, 7, 3, -1));
        Assert.Throws<ArgumentOutOfRangeException>("width", () => Kernels.AdaptiveAvgPool2d.Backward(y, dx, 2, 3, 7, 0, 3, 3));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.AdaptiveAvgPool2d.Backward(y.AsSpan(2), dx, 2, 3, 7, 7, 3, 3));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.AdaptiveAvgPool2d.Backward(y, dx.AsSpan(1), 2, 3, 7, 7, 3, 3));
    }

    /// <summary>PyTorch's <c>start_index</c> to <c>end_index</c>, computed in floating point here, not as the kernel does.</summary>
    private static int[] Window(int index, int outputSize, int inputSize)
    {
        int start = (int)Math.Floor((double)index * inputSize / outputSize), end = (int)Math.Ceiling((double)(index + 1) * inputSize / outputSize);
        return Enumerable.Range(start, end - start).ToArray();
    }
}
