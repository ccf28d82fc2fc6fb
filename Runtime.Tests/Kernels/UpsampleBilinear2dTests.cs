using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="StaticGrad.Kernels.UpsampleBilinear2d"/> against a scalar transcription of PyTorch 1.13's bilinear
/// interpolation (source index <c>ratio · (i + 0.5) - 0.5</c> clamped at 0, or <c>i · (in - 1) / (out - 1)</c> with
/// align_corners, in float; the four products summed in double and rounded once; the backward pass's fused
/// multiply-adds in output scan order), bit for bit on one to three threads; a plane that is one pixel along an axis;
/// rows wider than the columns the pass tabulates;
/// its argument checks and allocation. ConvGoldenTests compares it with PyTorch.
/// </summary>
public sealed class UpsampleBilinear2dTests
{
    [Theory]
    [InlineData(2, 3, 4, 5, 2, 2, false)]
    [InlineData(2, 3, 4, 5, 2, 2, true)]
    [InlineData(1, 2, 3, 7, 3, 1, false)]
    [InlineData(1, 2, 3, 7, 1, 3, true)]
    [InlineData(3, 1, 1, 1, 1, 4, false)]
    [InlineData(2, 1, 1, 6, 5, 2, true)]
    [InlineData(1, 2, 5, 33, 4, 2, false)]
    [InlineData(1, 1, 2, 513, 2, 2, true)]
    public void MatchesTheReference_OnOneTwoAndThreeThreads(int batch, int channels, int height, int width, int scaleHeight, int scaleWidth, bool align)
    {
        int planes = batch * channels, outHeight = height * scaleHeight, outWidth = width * scaleWidth;
        float[] x = KernelReference.Random(planes * height * width, seed: 11);
        float[] dy = KernelReference.Random(planes * outHeight * outWidth, seed: 12);
        float[] expectedY = new float[dy.Length], expectedDx = new float[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < outHeight; i++)
            {
                (int h0, int h1, float a0, float a1) = Reference(i, height, outHeight, scaleHeight, align);
                for (int j = 0; j < outWidth; j++)
                {
                    (int w0, int w1, float b0, float b1) = Reference(j, width, outWidth, scaleWidth, align);
                    int x00 = (((p * height) + h0) * width) + w0, x01 = (((p * height) + h0) * width) + w1;
                    int x10 = (((p * height) + h1) * width) + w0, x11 = (((p * height) + h1) * width) + w1;
                    int o = (((p * outHeight) + i) * outWidth) + j;
                    expectedY[o] = (float)((((x[x00] * (double)b0) + (x[x01] * (double)b1)) * a0) + (((x[x10] * (double)b0) + (x[x11] * (double)b1)) * a1));
                    expectedDx[x00] = MathF.FusedMultiplyAdd(a0 * b0, dy[o], expectedDx[x00]);
                    expectedDx[x01] = MathF.FusedMultiplyAdd(a0 * b1, dy[o], expectedDx[x01]);
                    expectedDx[x10] = MathF.FusedMultiplyAdd(a1 * b0, dy[o], expectedDx[x10]);
                    expectedDx[x11] = MathF.FusedMultiplyAdd(a1 * b1, dy[o], expectedDx[x11]);
                }
            }
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[dy.Length], dx = new float[x.Length];
            Array.Fill(y, float.NaN);
            Array.Fill(dx, float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.UpsampleBilinear2d.Forward(x, y, batch, channels, height, width, scaleHeight, scaleWidth, align);
                Kernels.UpsampleBilinear2d.Backward(dy, dx, batch, channels, height, width, scaleHeight, scaleWidth, align);
            }

            GemmShapeTests.AssertSameBits(expectedY, y, $"forward, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedDx, dx, $"backward, {threads} threads");
        }
    }

    [Fact]
    public void ScaleOne_CopiesAndCornersLineUpWhenAligned()
    {
        float[] x = KernelReference.Random(2 * 3 * 4, seed: 13), y = new float[x.Length];
        Kernels.UpsampleBilinear2d.Forward(x, y, 2, 1, 3, 4, 1, 1, alignCorners: false);
        Assert.Equal(x, y);

        // Aligned corners: the output's corner values are the input's.
        float[] big = new float[2 * 9 * 8];
        Kernels.UpsampleBilinear2d.Forward(x, big, 2, 1, 3, 4, 3, 2, alignCorners: true);
        for (int p = 0; p < 2; p++)
        {
            Assert.Equal(x[(p * 12) + 0], big[(p * 72) + 0]);
            Assert.Equal(x[(p * 12) + 3], big[(p * 72) + 7]);
            Assert.Equal(x[(p * 12) + 8], big[(p * 72) + 64]);
            Assert.Equal(x[(p * 12) + 11], big[(p * 72) + 71]);
        }
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 3 * 4 * 5], y = new float[2 * 3 * 8 * 10], dx = new float[x.Length];
        Assert.Throws<ArgumentException>("input", () => Kernels.UpsampleBilinear2d.Forward(x.AsSpan(1), y, 2, 3, 4, 5, 2, 2, false));
        Assert.Throws<ArgumentException>("output", () => Kernels.UpsampleBilinear2d.Forward(x, y.AsSpan(1), 2, 3, 4, 5, 2, 2, false));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.UpsampleBilinear2d.Backward(y.AsSpan(1), dx, 2, 3, 4, 5, 2, 2, true));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.UpsampleBilinear2d.Backward(y, dx.AsSpan(1), 2, 3, 4, 5, 2, 2, true));
        Assert.Throws<ArgumentOutOfRangeException>("scaleHeight", () => Kernels.UpsampleBilinear2d.Forward(x, y, 2, 3, 4, 5, 0, 2, false));
        Assert.Throws<ArgumentOutOfRangeException>("scaleWidth", () => Kernels.UpsampleBilinear2d.Forward(x, y, 2, 3, 4, 5, 2, -1, false));
        Assert.Throws<ArgumentOutOfRangeException>("height", () => Kernels.UpsampleBilinear2d.Forward(x, y, 2, 3, 0, 5, 2, 2, false));
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Kernels.UpsampleBilinear2d.Forward(x, y, -1, 3, 4, 5, 2, 2, false));
        Assert.Throws<ArgumentException>("output", () => Kernels.UpsampleBilinear2d.Forward(y.AsSpan(0, x.Length), y, 2, 3, 4, 5, 2, 2, false));

        const int Batch = 8, Channels = 4, Size = 14;
        float[] big = KernelReference.Random(Batch * Channels * Size * Size, seed: 3), up = new float[big.Length * 4], back = new float[big.Length];
        AllocationAssert.None("UpsampleBilinear2d.Forward", () => Kernels.UpsampleBilinear2d.Forward(big, up, Batch, Channels, Size, Size, 2, 2, false), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("UpsampleBilinear2d.Backward, 2 threads", () => Kernels.UpsampleBilinear2d.Backward(up, back, Batch, Channels, Size, Size, 2, 2, true), calls: 20);
        }
    }

    /// <summary>PyTorch 1.13's <c>area_pixel_compute_source_index</c> and <c>guard_index_and_lambda</c>, in float.</summary>
    private static (int First, int Second, float FirstWeight, float SecondWeight) Reference(int index, int inputSize, int outputSize, int scale, bool align)
    {
        if (inputSize == outputSize)
        {
            return (index, index, 1f, 0f);
        }

        float source = align
            ? (outputSize > 1 ? (float)(inputSize - 1) / (outputSize - 1) : 0f) * index
            : Math.Max(((float)(1.0 / scale) * (index + 0.5f)) - 0.5f, 0f);
        int first = Math.Min((int)Math.Floor(source), inputSize - 1);
        float lambda = Math.Min(Math.Max(source - first, 0f), 1f);
        return (first, first < inputSize - 1 ? first + 1 : first, 1f - lambda, lambda);
    }
}
