using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="StaticGrad.Kernels.ZeroPad2d"/> against a scalar transcription of <c>F.pad</c> (each output value the input
/// value at its position less the leading padding, or zero), padding and cropping on every side, rows shorter and
/// longer than a vector, one to three threads, bad arguments and allocation. ConvGoldenTests compares it with PyTorch.
/// </summary>
public sealed class ZeroPad2dTests
{
    [Theory]
    [InlineData(2, 3, 4, 5, 1, 1, 1, 1)]
    [InlineData(1, 2, 5, 3, 0, 1, 2, 0)]
    [InlineData(3, 1, 6, 7, -1, 2, 1, -2)]
    [InlineData(2, 2, 3, 37, 5, 0, 0, 3)]
    [InlineData(1, 4, 9, 20, -3, -4, -2, -6)]
    [InlineData(2, 1, 1, 1, 17, 0, 0, 2)]
    [InlineData(1, 2, 4, 4, -4, 1, 0, 0)]
    public void MatchesTheReference_ForwardAndBackward_OnOneTwoAndThreeThreads(int batch, int channels, int height, int width, int left, int right, int top, int bottom)
    {
        (int outHeight, int outWidth) = Kernels.ZeroPad2d.PaddedSize(height, width, left, right, top, bottom);
        Assert.Equal((top + height + bottom, left + width + right), (outHeight, outWidth));
        int planes = batch * channels;
        float[] x = KernelReference.Random(planes * height * width, seed: 7);
        float[] dy = KernelReference.Random(planes * outHeight * outWidth, seed: 8);
        float[] expectedY = new float[dy.Length], expectedDx = new float[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < outHeight; r++)
            {
                for (int c = 0; c < outWidth; c++)
                {
                    int sr = r - top, sc = c - left;
                    if (sr >= 0 && sr < height && sc >= 0 && sc < width)
                    {
                        expectedY[(((p * outHeight) + r) * outWidth) + c] = x[(((p * height) + sr) * width) + sc];
                        expectedDx[(((p * height) + sr) * width) + sc] = dy[(((p * outHeight) + r) * outWidth) + c];
                    }
                }
            }
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            // NaN-filled outputs: every value, zero or copied, must be written.
            float[] y = new float[dy.Length], dx = new float[x.Length];
            Array.Fill(y, float.NaN);
            Array.Fill(dx, float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.ZeroPad2d.Forward(x, y, batch, channels, height, width, left, right, top, bottom);
                Kernels.ZeroPad2d.Backward(dy, dx, batch, channels, height, width, left, right, top, bottom);
            }

            Assert.Equal(expectedY, y);
            Assert.Equal(expectedDx, dx);
        }
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 3 * 4 * 5], y = new float[2 * 3 * 5 * 7], dx = new float[x.Length];
        Kernels.ZeroPad2d.Forward(x, y, 2, 3, 4, 5, 1, 1, 0, 1);
        Assert.Throws<ArgumentException>("input", () => Kernels.ZeroPad2d.Forward(x.AsSpan(1), y, 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.ZeroPad2d.Forward(x, y.AsSpan(1), 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.ZeroPad2d.Backward(y.AsSpan(1), dx, 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.ZeroPad2d.Backward(y, dx.AsSpan(1), 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.ZeroPad2d.Forward(y.AsSpan(0, x.Length), y, 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("left", () => Kernels.ZeroPad2d.Forward(x, y, 2, 3, 4, 5, -3, -2, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("top", () => Kernels.ZeroPad2d.Forward(x, y, 2, 3, 4, 5, 1, 1, -4, 0));
        Assert.Throws<ArgumentOutOfRangeException>("height", () => Kernels.ZeroPad2d.Forward(x, y, 2, 3, 0, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("channels", () => Kernels.ZeroPad2d.Forward(x, y, 2, 0, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Kernels.ZeroPad2d.Forward(x, y, -1, 3, 4, 5, 1, 1, 0, 1));

        const int Batch = 16, Channels = 6, Size = 28;
        float[] big = KernelReference.Random(Batch * Channels * Size * Size, seed: 3), padded = new float[Batch * Channels * 31 * 31], back = new float[big.Length];
        AllocationAssert.None("ZeroPad2d.Forward", () => Kernels.ZeroPad2d.Forward(big, padded, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        AllocationAssert.None("ZeroPad2d.Backward", () => Kernels.ZeroPad2d.Backward(padded, back, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("ZeroPad2d.Forward, 2 threads", () => Kernels.ZeroPad2d.Forward(big, padded, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        }

        Assert.Equal(big, back);
    }
}
