using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.AdaptiveMaxPool2d"/> against a scalar transcription of PyTorch's CPU loop (windows
/// <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c>; a value replaces the maximum when larger or NaN; the gradient added at each position
/// in output order) on one to three threads, with ties, NaN and -∞ windows; its argument checks and allocation.
/// ConvGoldenTests compares it with PyTorch.
/// </summary>
public sealed class AdaptiveMaxPool2dTests
{
    [Theory]
    [InlineData(2, 3, 7, 7, 3, 3)]
    [InlineData(1, 2, 3, 4, 5, 6)]
    [InlineData(3, 1, 6, 5, 1, 1)]
    [InlineData(2, 2, 8, 9, 4, 3)]
    public void MatchesTheReference_OnOneTwoAndThreeThreads(int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        int planes = batch * channels;
        float[] x = KernelReference.Random(planes * height * width, seed: 3);
        for (int i = 0; i < x.Length; i++)
        {
            // Ties (values rounded to halves), a NaN and a -∞ or two.
            x[i] = MathF.Round(x[i] * 2f) / 2f;
        }

        x[5] = float.NaN;
        x[^2] = float.NegativeInfinity;
        float[] dy = KernelReference.Random(planes * outHeight * outWidth, seed: 4);
        (float[] expectedY, int[] expectedIndices, float[] expectedDx) = Reference(x, dy, planes, height, width, outHeight, outWidth);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[dy.Length], dx = new float[x.Length];
            int[] indices = new int[dy.Length];
            Array.Fill(dx, float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.AdaptiveMaxPool2d.Forward(x, y, indices, batch, channels, height, width, outHeight, outWidth);
                Kernels.AdaptiveMaxPool2d.Backward(dy, indices, dx, batch, channels, height, width, outHeight, outWidth);
            }

            GemmShapeTests.AssertSameBits(expectedY, y, $"y, {threads} threads");
            Assert.Equal(expectedIndices, indices);
            GemmShapeTests.AssertSameBits(expectedDx, dx, $"dx, {threads} threads");
        }
    }

    [Fact]
    public void AWindowOfMinusInfinity_KeepsItsFirstPosition()
    {
        float[] x = [float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], y = new float[1];
        int[] indices = [-1];
        Kernels.AdaptiveMaxPool2d.Forward(x, y, indices, 1, 1, 2, 2, 1, 1);
        Assert.Equal(float.NegativeInfinity, y[0]);
        Assert.Equal(0, indices[0]);
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 3 * 5 * 5], y = new float[2 * 3 * 2 * 2], dx = new float[x.Length];
        int[] indices = new int[y.Length];
        Assert.Throws<ArgumentException>("input", () => Kernels.AdaptiveMaxPool2d.Forward(x.AsSpan(1), y, indices, 2, 3, 5, 5, 2, 2));
        Assert.Throws<ArgumentException>("indices", () => Kernels.AdaptiveMaxPool2d.Forward(x, y, indices.AsSpan(1), 2, 3, 5, 5, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>("outWidth", () => Kernels.AdaptiveMaxPool2d.Forward(x, y, indices, 2, 3, 5, 5, 2, 0));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.AdaptiveMaxPool2d.Backward(y, indices, dx.AsSpan(1), 2, 3, 5, 5, 2, 2));
        indices[3] = 25;
        Assert.Throws<ArgumentOutOfRangeException>("indices", () => Kernels.AdaptiveMaxPool2d.Backward(y, indices, dx, 2, 3, 5, 5, 2, 2));
        indices[3] = 0;
        AllocationAssert.None("AdaptiveMaxPool2d", () =>
        {
            Kernels.AdaptiveMaxPool2d.Forward(x, y, indices, 2, 3, 5, 5, 2, 2);
            Kernels.AdaptiveMaxPool2d.Backward(y, indices, dx, 2, 3, 5, 5, 2, 2);
        });
    }

    private static (float[] Y, int[] Indices, float[] Dx) Reference(float[] x, float[] dy, int planes, int height, int width, int outHeight, int outWidth)
    {
        float[] y = new float[dy.Length], dx = new float[x.Length];
        int[] indices = new int[dy.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < outHeight; i++)
            {
                int h0 = i * height / outHeight, h1 = (((i + 1) * height) + outHeight - 1) / outHeight;
                for (int j = 0; j < outWidth; j++)
                {
                    int w0 = j * width / outWidth, w1 = (((j + 1) * width) + outWidth - 1) / outWidth;
                    int best = (h0 * width) + w0;
                    float maximum = float.NegativeInfinity;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++)
                        {
                            float value = x[(p * height * width) + (h * width) + w];
                            if (value > maximum || float.IsNaN(value))
                            {
                                maximum = value;
                                best = (h * width) + w;
                            }
                        }
                    }

                    int o = (((p * outHeight) + i) * outWidth) + j;
                    y[o] = maximum;
                    indices[o] = best;
                    dx[(p * height * width) + best] += dy[o];
                }
            }
        }

        return (y, indices, dx);
    }
}
