using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="StaticGrad.Kernels.Upsample2d"/> against a scalar transcription of nearest-neighbour upsampling (output
/// <c>(i, j)</c> takes input <c>(⌊i / sh⌋, ⌊j / sw⌋)</c>; an input's gradient sums its block in row order) on one to three
/// threads, its argument checks and allocation. ConvGoldenTests compares it with PyTorch.
/// </summary>
public sealed class Upsample2dTests
{
    [Theory]
    [InlineData(2, 3, 4, 5, 2, 2)]
    [InlineData(1, 2, 3, 7, 3, 1)]
    [InlineData(3, 1, 1, 1, 1, 4)]
    public void MatchesTheReference_OnOneTwoAndThreeThreads(int batch, int channels, int height, int width, int scaleHeight, int scaleWidth)
    {
        int planes = batch * channels, outHeight = height * scaleHeight, outWidth = width * scaleWidth;
        float[] x = KernelReference.Random(planes * height * width, seed: 1);
        float[] dy = KernelReference.Random(planes * outHeight * outWidth, seed: 2);
        float[] expectedY = new float[dy.Length], expectedDx = new float[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    int source = (((p * height) + (i / scaleHeight)) * width) + (j / scaleWidth);
                    expectedY[(((p * outHeight) + i) * outWidth) + j] = x[source];
                    expectedDx[source] += dy[(((p * outHeight) + i) * outWidth) + j];
                }
            }
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[dy.Length], dx = new float[x.Length];
            Array.Fill(dx, float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.Upsample2d.Forward(x, y, batch, channels, height, width, scaleHeight, scaleWidth);
                Kernels.Upsample2d.Backward(dy, dx, batch, channels, height, width, scaleHeight, scaleWidth);
            }

            Assert.Equal(expectedY, y);
            Assert.Equal(expectedDx, dx);
        }
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 3 * 4 * 4], y = new float[2 * 3 * 8 * 8], dx = new float[x.Length];
        Assert.Throws<ArgumentException>("input", () => Kernels.Upsample2d.Forward(x.AsSpan(1), y, 2, 3, 4, 4, 2, 2));
        Assert.Throws<ArgumentException>("output", () => Kernels.Upsample2d.Forward(x, y.AsSpan(1), 2, 3, 4, 4, 2, 2));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.Upsample2d.Backward(y.AsSpan(1), dx, 2, 3, 4, 4, 2, 2));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.Upsample2d.Backward(y, dx.AsSpan(1), 2, 3, 4, 4, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>("scaleWidth", () => Kernels.Upsample2d.Forward(x, y, 2, 3, 4, 4, 2, 0));
        AllocationAssert.None("Upsample2d.Forward", () => Kernels.Upsample2d.Forward(x, y, 2, 3, 4, 4, 2, 2), calls: 20);
        AllocationAssert.None("Upsample2d.Backward", () => Kernels.Upsample2d.Backward(y, dx, 2, 3, 4, 4, 2, 2), calls: 20);
    }
}
