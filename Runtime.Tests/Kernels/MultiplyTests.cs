using System;
using System.Linq;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Multiply"/> against scalar references (a float product is exact to its rounding, so elementwise and
/// plane results are compared bit for bit; the scale gradient against a double sum), finite differences, determinism across
/// thread counts, skipped gradients and argument checks. PyTorch's values through a model are in CnnGoldenTests
/// (SqueezeExciteCnn).
/// </summary>
public sealed class MultiplyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(785)]
    public void Elementwise_IsEachProduct_AndItsGradientsTheOtherFactorTimesTheOutputGradient(int length)
    {
        float[] a = KernelReference.Random(length, seed: 1), b = KernelReference.Random(length, seed: 2), dy = KernelReference.Random(length, seed: 3);
        float[] y = Filled(length), da = Filled(length), db = Filled(length);
        Kernels.Multiply.Forward(a, b, y, length);
        Kernels.Multiply.Backward(dy, a, b, da, db, length);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(a[i] * b[i], y[i]);
            Assert.Equal(dy[i] * b[i], da[i]);
            Assert.Equal(dy[i] * a[i], db[i]);
        }
    }

    [Fact]
    public void Elementwise_LeavesAnEmptyGradientUncomputed_AndWritesNothingBeyondLength()
    {
        float[] a = [2f, 3f, 4f], b = [5f, 6f, 7f], dy = [1f, -1f, 2f];
        float[] db = [9f, 9f, 9f, 9f];
        Kernels.Multiply.Backward(dy, a, b, Span<float>.Empty, db, 3);
        Assert.Equal([2f, -3f, 8f, 9f], db);
        float[] da = [9f, 9f, 9f];
        Kernels.Multiply.Backward(dy, a, b, da, Span<float>.Empty, 2);
        Assert.Equal([5f, -6f, 9f], da);
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 3, 5, 7)]      // odd planes: vector bodies and scalar tails
    [InlineData(3, 8, 1, 1)]      // a [C, 1, 1] image times a flat [C]
    [InlineData(2, 5, 16, 17)]
    [InlineData(0, 4, 3, 3)]
    public void ByChannel_ScalesEachPlane_AndItsGradientsAreThePlaneSums(int batch, int channels, int height, int width)
    {
        int planes = batch * channels, plane = height * width;
        float[] x = KernelReference.Random(planes * plane, seed: 4), s = KernelReference.Random(planes, seed: 5), dy = KernelReference.Random(planes * plane, seed: 6);
        float[] y = Filled(x.Length), dx = Filled(x.Length), ds = Filled(planes);
        Kernels.Multiply.ForwardByChannel(x, s, y, batch, channels, height, width);
        Kernels.Multiply.BackwardByChannel(dy, x, s, dx, ds, batch, channels, height, width);
        for (int p = 0; p < planes; p++)
        {
            double sum = 0;
            for (int i = 0; i < plane; i++)
            {
                int at = (p * plane) + i;
                Assert.Equal(x[at] * s[p], y[at]);
                Assert.Equal(dy[at] * s[p], dx[at]);
                sum += (double)dy[at] * x[at];
            }

            KernelReference.AssertClose(sum, ds[p], 1e-6, $"scale gradient of plane {p}");
        }
    }

    [Fact]
    public void ByChannel_GradientsMatchFiniteDifferences()
    {
        const int Batch = 2, Channels = 3, Height = 4, Width = 5;
        float[] x = KernelReference.Random(Batch * Channels * Height * Width, seed: 7), s = KernelReference.Random(Batch * Channels, seed: 8);
        float[] dy = KernelReference.Random(x.Length, seed: 9), y = new float[x.Length], dx = new float[x.Length], ds = new float[s.Length];
        Kernels.Multiply.BackwardByChannel(dy, x, s, dx, ds, Batch, Channels, Height, Width);
        double Loss()
        {
            Kernels.Multiply.ForwardByChannel(x, s, y, Batch, Channels, Height, Width);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "image", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, s, ds, "scale", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
    }

    [Fact]
    public void ByChannel_GivesTheSameBitsOnOneAndTwoThreads_AndSkipsAnEmptyGradient()
    {
        const int Batch = 16, Channels = 32, Height = 14, Width = 14;
        float[] x = KernelReference.Random(Batch * Channels * Height * Width, seed: 10), s = KernelReference.Random(Batch * Channels, seed: 11);
        float[] dy = KernelReference.Random(x.Length, seed: 12);
        float[][] results = new[] { 1, 2 }.Select(threads =>
        {
            float[] y = new float[x.Length], dx = new float[x.Length], ds = new float[s.Length];
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.Multiply.ForwardByChannel(x, s, y, Batch, Channels, Height, Width);
                Kernels.Multiply.BackwardByChannel(dy, x, s, dx, ds, Batch, Channels, Height, Width);
            }

            return y.Concat(dx).Concat(ds).ToArray();
        }).ToArray();
        Assert.Equal(results[0], results[1]);

        float[] scaleOnly = Filled(s.Length);
        Kernels.Multiply.BackwardByChannel(dy, x, s, Span<float>.Empty, scaleOnly, Batch, Channels, Height, Width);
        Assert.Equal(results[0].AsSpan(2 * x.Length).ToArray(), scaleOnly);
        float[] imageOnly = Filled(x.Length);
        Kernels.Multiply.BackwardByChannel(dy, x, s, imageOnly, Span<float>.Empty, Batch, Channels, Height, Width);
        Assert.Equal(results[0].AsSpan(x.Length, x.Length).ToArray(), imageOnly);
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(2, 3, 5, 7)]
    [InlineData(3, 8, 4, 4)]
    [InlineData(0, 2, 3, 3)]
    public void ByPixel_ScalesEveryChannel_AndTheMapsGradientIsTheChannelSum(int batch, int channels, int height, int width)
    {
        int plane = height * width, planes = batch * channels;
        float[] x = KernelReference.Random(planes * plane, seed: 13), m = KernelReference.Random(batch * plane, seed: 14), dy = KernelReference.Random(planes * plane, seed: 15);
        float[] y = Filled(x.Length), dx = Filled(x.Length), dm = Filled(m.Length);
        Kernels.Multiply.ForwardByPixel(x, m, y, batch, channels, height, width);
        Kernels.Multiply.BackwardByPixel(dy, x, m, dx, dm, batch, channels, height, width);
        for (int n = 0; n < batch; n++)
        {
            for (int i = 0; i < plane; i++)
            {
                float sum = 0;
                for (int c = 0; c < channels; c++)
                {
                    int at = (((n * channels) + c) * plane) + i;
                    Assert.Equal(x[at] * m[(n * plane) + i], y[at]);
                    Assert.Equal(dy[at] * m[(n * plane) + i], dx[at]);
                    float product = dy[at] * x[at];
                    sum = c == 0 ? product : sum + product;
                }

                Assert.Equal(sum, dm[(n * plane) + i]);
            }
        }
    }

    [Fact]
    public void ByPixel_GradientsMatchFiniteDifferences_AndGiveTheSameBitsOnOneAndTwoThreads()
    {
        const int Batch = 2, Channels = 3, Height = 4, Width = 5;
        float[] x = KernelReference.Random(Batch * Channels * Height * Width, seed: 16), m = KernelReference.Random(Batch * Height * Width, seed: 17);
        float[] dy = KernelReference.Random(x.Length, seed: 18), y = new float[x.Length], dx = new float[x.Length], dm = new float[m.Length];
        Kernels.Multiply.BackwardByPixel(dy, x, m, dx, dm, Batch, Channels, Height, Width);
        double Loss()
        {
            Kernels.Multiply.ForwardByPixel(x, m, y, Batch, Channels, Height, Width);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "image", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, m, dm, "map", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);

        const int Large = 16, Wide = 24;
        float[] bx = KernelReference.Random(Large * Wide * 14 * 14, seed: 19), bm = KernelReference.Random(Large * 14 * 14, seed: 20), bdy = KernelReference.Random(bx.Length, seed: 21);
        float[][] results = new[] { 1, 2 }.Select(threads =>
        {
            float[] by = new float[bx.Length], bdx = new float[bx.Length], bdm = new float[bm.Length];
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.Multiply.ForwardByPixel(bx, bm, by, Large, Wide, 14, 14);
                Kernels.Multiply.BackwardByPixel(bdy, bx, bm, bdx, bdm, Large, Wide, 14, 14);
            }

            return by.Concat(bdx).Concat(bdm).ToArray();
        }).ToArray();
        Assert.Equal(results[0], results[1]);
        float[] mapOnly = Filled(bm.Length);
        Kernels.Multiply.BackwardByPixel(bdy, bx, bm, Span<float>.Empty, mapOnly, Large, Wide, 14, 14);
        Assert.Equal(results[0].AsSpan(2 * bx.Length).ToArray(), mapOnly);
        Assert.Throws<ArgumentException>("map", () => Kernels.Multiply.ForwardByPixel(bx, new float[3], new float[bx.Length], Large, Wide, 14, 14));
        Assert.Throws<ArgumentException>("mapGradient", () => Kernels.Multiply.BackwardByPixel(bdy, bx, bm, Span<float>.Empty, new float[3], Large, Wide, 14, 14));
    }

    [Fact]
    public void BadArguments_NameTheArgument()
    {
        float[] four = new float[4], two = new float[2];
        Assert.Throws<ArgumentOutOfRangeException>("length", () => Kernels.Multiply.Forward(four, four, new float[4], -1));
        Assert.Throws<ArgumentException>("b", () => Kernels.Multiply.Forward(four, two, new float[4], 4));
        Assert.Throws<ArgumentException>("output", () => Kernels.Multiply.Forward(four, new float[4], four, 4));
        Assert.Throws<ArgumentException>("bGradient", () => Kernels.Multiply.Backward(four, new float[4], new float[4], Span<float>.Empty, two, 4));
        Assert.Throws<ArgumentOutOfRangeException>("channels", () => Kernels.Multiply.ForwardByChannel(four, two, new float[4], 1, 0, 2, 2));
        Assert.Throws<ArgumentException>("scale", () => Kernels.Multiply.ForwardByChannel(four, new float[1], new float[4], 1, 2, 1, 2));
        Assert.Throws<ArgumentException>("scaleGradient", () => Kernels.Multiply.BackwardByChannel(four, new float[4], two, Span<float>.Empty, new float[1], 1, 2, 1, 2));
        float[] shared = new float[4];
        Assert.Throws<ArgumentException>("imageGradient", () => Kernels.Multiply.BackwardByChannel(shared, new float[4], two, shared, Span<float>.Empty, 1, 2, 1, 2));
    }

    private static float[] Filled(int length) => Enumerable.Repeat(float.NaN, length).ToArray();
}
