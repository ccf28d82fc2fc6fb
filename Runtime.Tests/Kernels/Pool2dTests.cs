using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="MaxPool2d"/>, <see cref="AvgPool2d"/> and <see cref="GlobalAvgPool2d"/> against scalar references written
/// from PyTorch's definitions (first maximum in scan order, -∞ padding; count_include_pad averages), finite differences,
/// zero allocation and validation.
/// </summary>
public sealed partial class Pool2dTests
{
    // batch, channels, height, width, kernel h/w, stride h/w, padding h/w, dilation h/w
    private static readonly int[][] AllWindows =
    [
        [2, 3, 8, 6, 2, 2, 2, 2, 0, 0, 1, 1],
        [2, 3, 9, 19, 2, 2, 2, 2, 0, 0, 1, 1],   // 2 x 2, stride 2 on rows of 9 windows: the four-lane path and its tail
        [1, 2, 6, 41, 2, 2, 2, 2, 0, 0, 1, 1],   // rows of 20 windows: a whole 16-lane step and a partial one
        [1, 6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1],  // LeNet-5's pools: rows of 14 and of 5 windows
        [1, 16, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1],
        [2, 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1],    // rows of 4 windows, and a last input row and column outside every window
        [2, 2, 9, 7, 3, 3, 2, 2, 1, 1, 1, 1],
        [1, 2, 6, 5, 3, 3, 1, 1, 0, 0, 1, 1],
        [3, 1, 7, 7, 5, 5, 2, 2, 2, 2, 1, 1],
        [2, 2, 9, 10, 3, 2, 2, 1, 1, 1, 2, 3],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1],
        [3, 5, 11, 13, 3, 2, 3, 2, 1, 1, 1, 1],
    ];

    public static TheoryData<int> Windows() => new(Enumerable.Range(0, AllWindows.Length));

    [Theory]
    [MemberData(nameof(Windows))]
    public void MaxPool_MatchesTheReference_FirstMaximumWinsTies(int window)
    {
        int[] a = AllWindows[window];
        (int planes, int oh, int ow) = Sizes(a);
        // Values from a set of seven so that windows hold ties.
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 5).Select(v => MathF.Round(v * 3f) * 0.5f).ToArray();
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        MaxPool(a, x, y, indices);
        float[] dy = KernelReference.Random(y.Length, seed: 6);
        float[] dx = new float[x.Length];
        dx.AsSpan().Fill(float.NaN);
        Kernels.MaxPool2d.Backward(dy, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);

        double[] expectedDx = new double[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    int o = (((p * oh) + r) * ow) + c;
                    int best = -1;
                    foreach ((int ih, int iw) in WindowPositions(a, r, c))
                    {
                        int at = (ih * a[3]) + iw;
                        if (best < 0 || x[(p * a[2] * a[3]) + at] > x[(p * a[2] * a[3]) + best])
                        {
                            best = at;
                        }
                    }

                    Assert.Equal(best, indices[o]);
                    Assert.Equal(x[(p * a[2] * a[3]) + best], y[o]);
                    expectedDx[(p * a[2] * a[3]) + best] += dy[o];
                }
            }
        }

        for (int i = 0; i < dx.Length; i++)
        {
            KernelReference.AssertClose(expectedDx[i], dx[i], 1e-6, $"dx[{i}]");
        }
    }

    [Fact]
    public void MaxPool_NaNWins_AndGradientsMatchFiniteDifferences()
    {
        int[] a = AllWindows[1];
        (int planes, int oh, int ow) = Sizes(a);
        // Distinct values 0.01 apart, shuffled, so a perturbation of 1e-3 never changes a maximum.
        int count = planes * a[2] * a[3];
        float[] x = Enumerable.Range(0, count).Select(i => ((i * 37) % count) * 0.01f).ToArray();
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        float[] r = KernelReference.Random(y.Length, seed: 7);
        double Loss()
        {
            MaxPool(a, x, y, indices);
            return y.Select((v, i) => (double)v * r[i]).Sum();
        }

        MaxPool(a, x, y, indices);
        float[] dx = new float[count];
        Kernels.MaxPool2d.Backward(r, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", maxElements: count);

        x[a[3] + 1] = float.NaN; // inside the first windows of plane 0
        MaxPool(a, x, y, indices);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(a[3] + 1, indices[0]);
    }

    [Fact]
    public void MaxPool_AllNegativeInfinity_KeepsTheFirstPosition_AndTheLastNaNWins()
    {
        // 2 x 18: nine windows in a row, so both the four-lane and the one-at-a-time loops run.
        float[] x = Enumerable.Repeat(float.NegativeInfinity, 36).ToArray();
        float[] y = new float[9];
        int[] indices = new int[9];
        Kernels.MaxPool2d.Forward(x, y, indices, 1, 1, 2, 18, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.Equal([0, 2, 4, 6, 8, 10, 12, 14, 16], indices);
        Assert.All(y, v => Assert.Equal(float.NegativeInfinity, v));

        // The third window (columns 4 and 5, a four-lane one) holds two NaNs: the last in scan order wins.
        x[4] = float.NaN;
        x[18 + 5] = float.NaN;
        x[18 + 4] = 1f;
        Kernels.MaxPool2d.Forward(x, y, indices, 1, 1, 2, 18, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(18 + 5, indices[2]);
    }

    public static TheoryData<int, bool> DenseWindowsBothDivisors() => DenseWindowsBothDivisors(AllWindows);

    /// <summary>The windows of <paramref name="table"/> without dilation (average pooling has none), each with PyTorch's <c>count_include_pad</c> true and false.</summary>
    private static TheoryData<int, bool> DenseWindowsBothDivisors(int[][] table)
    {
        var data = new TheoryData<int, bool>();
        foreach (int window in Enumerable.Range(0, table.Length).Where(i => table[i][10] == 1 && table[i][11] == 1))
        {
            data.Add(window, true);
            data.Add(window, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DenseWindowsBothDivisors))]
    public void AvgPool_MatchesTheReference_AndFiniteDifferences(int window, bool countIncludePad)
    {
        int[] a = AllWindows[window];
        (int planes, int oh, int ow) = Sizes(a);
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 8);
        float[] y = new float[planes * oh * ow];
        Kernels.AvgPool2d.Forward(x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad);
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    (int Ih, int Iw)[] inside = WindowPositions(a, r, c);
                    double sum = inside.Sum(q => (double)x[(p * a[2] * a[3]) + (q.Ih * a[3]) + q.Iw]);
                    double divisor = countIncludePad ? a[4] * a[5] : inside.Length;
                    KernelReference.AssertClose(sum / divisor, y[(((p * oh) + r) * ow) + c], 1e-6, $"y[{p},{r},{c}]");
                }
            }
        }

        float[] dy = KernelReference.Random(y.Length, seed: 9);
        float[] dx = new float[x.Length];
        dx.AsSpan().Fill(float.NaN);
        Kernels.AvgPool2d.Backward(dy, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad);
        double Loss()
        {
            Kernels.AvgPool2d.Forward(x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
    }

    [Theory]
    [InlineData(3, 4, 7, 5)]
    [InlineData(2, 3, 1, 1)]
    [InlineData(1, 2, 33, 31)]
    public void GlobalAvgPool_MatchesTheReference_AndFiniteDifferences(int batch, int channels, int height, int width)
    {
        int plane = height * width, planes = batch * channels;
        float[] x = KernelReference.Random(planes * plane, seed: 10);
        float[] y = new float[planes];
        GlobalAvgPool2d.Forward(x, y, batch, channels, height, width);
        for (int p = 0; p < planes; p++)
        {
            double mean = x.Skip(p * plane).Take(plane).Sum(v => (double)v) / plane;
            KernelReference.AssertClose(mean, y[p], 1e-7, $"y[{p}]");
        }

        float[] dy = KernelReference.Random(planes, seed: 11);
        float[] dx = new float[x.Length];
        GlobalAvgPool2d.Backward(dy, dx, batch, channels, height, width);
        double Loss()
        {
            GlobalAvgPool2d.Forward(x, y, batch, channels, height, width);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);
    }

    /// <summary>
    /// The forward pass's bits are one float chain per window in scan order, then one division (PyTorch's CPU kernel),
    /// whether a window runs alone or interleaved with its neighbours; wide rows give the interleaved path several runs.
    /// </summary>
    [Theory]
    [MemberData(nameof(DenseWindowsBothDivisors))]
    public void AvgPool_GivesOneScanOrderChainPerWindow(int window, bool countIncludePad)
    {
        int[] a = [.. AllWindows[window]];
        a[3] = (a[3] * 3) + 5;
        (int planes, int oh, int ow) = Sizes(a);
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 20);
        float[] y = new float[planes * oh * ow];
        Kernels.AvgPool2d.Forward(x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad);
        float[] expected = new float[y.Length];
        for (int p = 0, o = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++, o++)
                {
                    float sum = 0f;
                    (int Ih, int Iw)[] inside = WindowPositions(a, r, c);
                    foreach ((int ih, int iw) in inside)
                    {
                        sum += x[(p * a[2] * a[3]) + (ih * a[3]) + iw];
                    }

                    expected[o] = sum / (float)(countIncludePad ? a[4] * a[5] : inside.Length);
                }
            }
        }

        GemmShapeTests.AssertSameBits(expected, y, $"window {window}, count_include_pad {countIncludePad}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AverageAndGlobalPools_SameBitsForOneTwoAndThreeThreads(bool countIncludePad)
    {
        // 15 planes: 3 threads get 5 each, 2 threads 7 and 8.
        const int Batch = 3, Channels = 5, Height = 11, Width = 9;
        float[] x = KernelReference.Random(Batch * Channels * Height * Width, seed: 17);
        float[] dy = KernelReference.Random(Batch * Channels * 6 * 5, seed: 18);
        float[] dmean = KernelReference.Random(Batch * Channels, seed: 19);
        (float[] Y, float[] Dx, float[] Mean, float[] DxGlobal) Run(int threads)
        {
            float[] y = new float[dy.Length], dx = new float[x.Length], mean = new float[dmean.Length], dxGlobal = new float[x.Length];
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.AvgPool2d.Forward(x, y, Batch, Channels, Height, Width, 3, 3, 2, 2, 1, 1, countIncludePad);
                Kernels.AvgPool2d.Backward(dy, dx, Batch, Channels, Height, Width, 3, 3, 2, 2, 1, 1, countIncludePad);
                GlobalAvgPool2d.Forward(x, mean, Batch, Channels, Height, Width);
                GlobalAvgPool2d.Backward(dmean, dxGlobal, Batch, Channels, Height, Width);
            }

            return (y, dx, mean, dxGlobal);
        }

        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads);
            GemmShapeTests.AssertSameBits(one.Y, many.Y, $"AvgPool2d, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Dx, many.Dx, $"AvgPool2d backward, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Mean, many.Mean, $"GlobalAvgPool2d, {threads} threads");
            GemmShapeTests.AssertSameBits(one.DxGlobal, many.DxGlobal, $"GlobalAvgPool2d backward, {threads} threads");
        }
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void MaxPool_SameBitsForOneTwoAndThreeThreads(int window)
    {
        int[] a = AllWindows[window];
        (int planes, int oh, int ow) = Sizes(a);
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 15);
        float[] y1 = new float[planes * oh * ow];
        int[] indices1 = new int[y1.Length];
        using (Partition.Override(1, splitAlways: false))
        {
            MaxPool(a, x, y1, indices1);
        }

        float[] dy = KernelReference.Random(y1.Length, seed: 16);
        float[] dx1 = new float[x.Length];
        using (Partition.Override(1, splitAlways: false))
        {
            Kernels.MaxPool2d.Backward(dy, indices1, dx1, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
        }

        foreach (int threads in new[] { 2, 3 })
        {
            float[] y = new float[y1.Length];
            int[] indices = new int[y1.Length];
            float[] dx = new float[x.Length];
            using (Partition.Override(threads, splitAlways: true))
            {
                MaxPool(a, x, y, indices);
                Kernels.MaxPool2d.Backward(dy, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            }

            GemmShapeTests.AssertSameBits(y1, y, $"window {window}, {threads} threads");
            Assert.Equal(indices1, indices);
            GemmShapeTests.AssertSameBits(dx1, dx, $"window {window} backward, {threads} threads");
        }
    }

    [Theory]
    [Trait("Category", "InstructionSet")]   // the 16-window, 4-window and scatter paths, by instruction set
    [InlineData(3, 8, 6)]
    [InlineData(2, 9, 19)]    // odd height and width: the last row and column belong to no window
    [InlineData(5, 2, 3)]     // one window per plane, a column left over
    [InlineData(2, 7, 41)]    // rows of 20 windows: a whole 16-window step and a partial one
    public void MaxPoolBackward_TwoByTwo_GivesTheScattersBits(int planes, int height, int width)
    {
        int oh = height / 2, ow = width / 2;
        float[] x = KernelReference.Random(planes * height * width, seed: 17);
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        Kernels.MaxPool2d.Forward(x, y, indices, 1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1);
        float[] dy = KernelReference.Random(y.Length, seed: 18);
        dy[0] = -0f;           // the scatter adds it to +0: +0
        dy[1] = float.NaN;
        dy[^1] = float.NegativeInfinity;
        AssertScatterBits(dy, indices, planes, height, width, "indices of the forward pass");

        // An index in its plane but not in its window (the next window's first position): that plane is scattered.
        indices[0] = 2;
        AssertScatterBits(dy, indices, planes, height, width, "an index outside its window");
    }

    [Theory]
    [Trait("Category", "InstructionSet")]   // the 16-window, 4-window and scatter paths, by instruction set
    [MemberData(nameof(Windows))]
    public void MaxPoolBackwardThroughReLU_GivesTheTwoPassBits_WithOneTwoAndThreeThreads(int window)
    {
        int[] a = AllWindows[window];
        (int planes, int oh, int ow) = Sizes(a);
        float[] x = ReLUOutputs(planes * a[2] * a[3], seed: 19);
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        MaxPool(a, x, y, indices);
        float[] dy = SpecialGradients(y.Length, seed: 20);
        AssertTwoPassBits(a, x, y, indices, dy, $"window {window}");

        if (a[4] == 2 && a[5] == 2 && a[6] == 2 && a[7] == 2 && a[8] == 0 && a[10] == 1 && a[11] == 1)
        {
            // An index in its plane but not in its window (the next window's first position) sends the 2 x 2 path's
            // plane to the scatter; the window's maximum is then that position's value, as the forward pass would give.
            indices[0] = 2;
            y[0] = x[2];
            AssertTwoPassBits(a, x, y, indices, dy, $"window {window}, an index outside its window");
        }
    }

    [Theory]
    [Trait("Category", "InstructionSet")]   // the row-pair, 16-window, 4-window and scalar paths, by instruction set
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(28)]
    [InlineData(30)]
    [InlineData(34)]
    public void MaxPoolBackwardThroughReLU_ANaNMaximumPassesItsGradient_AsPyTorch(int width)
    {
        // max_pool2d(relu(x), 2) with a NaN in the first window and a window of negatives: PyTorch passes the NaN window's
        // gradient to the NaN (threshold_backward zeroes only y <= 0) and drops the negative one's.
        int planes = 3, height = 4, ow = width / 2, oh = height / 2;
        float[] x = new float[planes * height * width];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 7) + 1f;
        }

        int plane = height * width;
        x[plane + width + 1] = float.NaN;                                                   // plane 1, window 0's bottom right
        x[(2 * plane) + 2] = x[(2 * plane) + 3] = x[(2 * plane) + width + 2] = x[(2 * plane) + width + 3] = 0f; // plane 2, window 1
        float[] y = new float[planes * oh * ow];
        int[] indices = new int[y.Length];
        Kernels.MaxPool2d.Forward(x, y, indices, 1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.True(float.IsNaN(y[oh * ow]));
        float[] dy = new float[y.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            dy[i] = i + 3f;
        }

        float[] dx = new float[x.Length];
        Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, 1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.Equal(dy[oh * ow], dx[plane + width + 1]);
        Assert.Equal(0f, dx[(2 * plane) + 2] + dx[(2 * plane) + 3] + dx[(2 * plane) + width + 2] + dx[(2 * plane) + width + 3]);
        Assert.Equal(dy[0], dx[indices[0]]);
    }

    [Fact]
    public void MaxPoolBackwardThroughReLU_OverlappingWindowsPickingOnePosition_AddInOrderOrDropTogether()
    {
        // 3 x 3 windows of stride 1 over rows of 5 padded by 1: three windows pick the 4, and their gradients add in
        // the scatter's order (1e8 + 1 rounds back to 1e8, so another order gives 1); a plane of negatives passes nothing.
        int[] a = [1, 2, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1];
        float[] x = [1f, 2f, 4f, 3f, 0f, -3f, -2f, -5f, -4f, -6f];
        float[] y = new float[10];
        int[] indices = new int[10];
        MaxPool(a, x, y, indices);
        Assert.Equal([1, 2, 2, 2, 3, 1, 1, 1, 3, 3], indices);
        float[] dy = [5f, 1e8f, 1f, -1e8f, 3f, 7f, 11f, 13f, 17f, 19f];
        float[] dx = new float[10];
        Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
        float picked = 0f + dy[1];
        picked += dy[2];
        picked += dy[3];
        float[] expected = [0f, 0f + dy[0], picked, 0f + dy[4], 0f, 0f, 0f, 0f, 0f, 0f];
        Assert.Equal(0f, picked);
        GemmShapeTests.AssertSameBits(expected, dx, "overlapping windows");
        AssertTwoPassBits(a, x, y, indices, dy, "overlapping windows");
    }

    [Fact]
    public void MaxPoolBackwardThroughReLU_AllocatesNothing_AndNamesBadArguments()
    {
        const int Batch = 8, Channels = 6, Size = 28;
        float[] x = ReLUOutputs(Batch * Channels * Size * Size, seed: 21);
        float[] y = new float[Batch * Channels * 14 * 14], dy = KernelReference.Random(y.Length, seed: 22), dx = new float[x.Length];
        int[] indices = new int[y.Length];
        Kernels.MaxPool2d.Forward(x, y, indices, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1);
        AllocationAssert.None("Kernels.MaxPool2d.BackwardThroughReLU", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.MaxPool2d.BackwardThroughReLU, 2 threads", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1), calls: 20);
        }

        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.MaxPool2d.BackwardThroughReLU(dy.AsSpan(1), y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y.AsSpan(1), indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("indices", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices.AsSpan(1), dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx.AsSpan(1), Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        // An overlap names the written span, as every kernel's check does.
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, dx.AsSpan(0, y.Length), indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.MaxPool2d.BackwardThroughReLU(dx.AsSpan(0, y.Length), y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("strideWidth", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 0, 0, 0, 1, 1));
        indices[5] = Size * Size;
        Assert.Throws<ArgumentException>("indices", () => Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1));
    }

    [Fact]
    public void EveryPool_AllocatesNothing()
    {
        const int Batch = 8, Channels = 6, Size = 28;
        float[] x = KernelReference.Random(Batch * Channels * Size * Size, seed: 12);
        float[] y = new float[Batch * Channels * 14 * 14], dy = KernelReference.Random(y.Length, seed: 13), dx = new float[x.Length];
        int[] indices = new int[y.Length];
        float[] mean = new float[Batch * Channels], dmean = KernelReference.Random(mean.Length, seed: 14);
        AllocationAssert.None("Kernels.MaxPool2d.Forward", () => Kernels.MaxPool2d.Forward(x, y, indices, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.MaxPool2d.Forward, 2 threads", () => Kernels.MaxPool2d.Forward(x, y, indices, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1), calls: 20);
        }

        AllocationAssert.None("Kernels.MaxPool2d.Backward", () => Kernels.MaxPool2d.Backward(dy, indices, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0, 1, 1), calls: 20);
        AllocationAssert.None("Kernels.AvgPool2d.Forward", () => Kernels.AvgPool2d.Forward(x, y, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0), calls: 20);
        AllocationAssert.None("Kernels.AvgPool2d.Backward", () => Kernels.AvgPool2d.Backward(dy, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0), calls: 20);
        AllocationAssert.None("Kernels.AvgPool2d.Forward, padding not counted", () => Kernels.AvgPool2d.Forward(x, y, Batch, Channels, Size, Size, 3, 3, 2, 2, 1, 1, countIncludePad: false), calls: 20);
        AllocationAssert.None("Kernels.AvgPool2d.Backward, padding not counted", () => Kernels.AvgPool2d.Backward(dy, dx, Batch, Channels, Size, Size, 3, 3, 2, 2, 1, 1, countIncludePad: false), calls: 20);
        AllocationAssert.None("GlobalAvgPool2d.Forward", () => GlobalAvgPool2d.Forward(x, mean, Batch, Channels, Size, Size), calls: 20);
        AllocationAssert.None("GlobalAvgPool2d.Backward", () => GlobalAvgPool2d.Backward(dmean, dx, Batch, Channels, Size, Size), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.AvgPool2d.Forward, 2 threads", () => Kernels.AvgPool2d.Forward(x, y, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0), calls: 20);
            AllocationAssert.None("Kernels.AvgPool2d.Backward, 2 threads", () => Kernels.AvgPool2d.Backward(dy, dx, Batch, Channels, Size, Size, 2, 2, 2, 2, 0, 0), calls: 20);
            AllocationAssert.None("GlobalAvgPool2d.Forward, 2 threads", () => GlobalAvgPool2d.Forward(x, mean, Batch, Channels, Size, Size), calls: 20);
            AllocationAssert.None("GlobalAvgPool2d.Backward, 2 threads", () => GlobalAvgPool2d.Backward(dmean, dx, Batch, Channels, Size, Size), calls: 20);
        }
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        float[] x = new float[2 * 3 * 8 * 8], y = new float[2 * 3 * 4 * 4], dx = new float[x.Length];
        int[] indices = new int[y.Length];
        Assert.Throws<ArgumentException>("input", () => Kernels.MaxPool2d.Forward(x.AsSpan(1), y, indices, 2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.MaxPool2d.Forward(x, y.AsSpan(1), indices, 2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("indices", () => Kernels.MaxPool2d.Forward(x, y, indices.AsSpan(1), 2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("paddingHeight", () => Kernels.MaxPool2d.Forward(x, y, indices, 2, 3, 8, 8, 2, 2, 2, 2, 2, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("kernelWidth", () => Kernels.MaxPool2d.Forward(x, y, indices, 2, 3, 8, 8, 2, 0, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("width", () => Kernels.MaxPool2d.Forward(x, y, indices, 2, 3, 8, 8, 2, 9, 2, 2, 0, 0, 1, 1));
        indices[3] = 64;
        Assert.Throws<ArgumentException>("indices", () => Kernels.MaxPool2d.Backward(y, indices, dx, 2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.AvgPool2d.Backward(y, dx.AsSpan(1), 2, 3, 8, 8, 2, 2, 2, 2, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("strideHeight", () => Kernels.AvgPool2d.Forward(x, y, 2, 3, 8, 8, 2, 2, 0, 2, 0, 0));
        Assert.Throws<ArgumentException>("output", () => GlobalAvgPool2d.Forward(x, y.AsSpan(0, 5), 2, 3, 8, 8));
        Assert.Throws<ArgumentException>("output", () => GlobalAvgPool2d.Forward(x, x, 2, 3, 8, 8));
    }

    /// <summary>
    /// A 2 × 2, stride-2 backward pass on <paramref name="threads"/> threads against the definition: a cleared input
    /// gradient, then <c>dx[index] += dy</c> in order.
    /// </summary>
    private static void AssertScatterBits(float[] dy, int[] indices, int planes, int height, int width, string what, int threads = 1)
    {
        int outPlane = (height / 2) * (width / 2), plane = height * width;
        float[] expected = new float[planes * plane];
        for (int o = 0; o < dy.Length; o++)
        {
            expected[((o / outPlane) * plane) + indices[o]] += dy[o];
        }

        float[] dx = new float[expected.Length];
        dx.AsSpan().Fill(float.NaN);
        using (Partition.Override(threads, splitAlways: threads > 1))
        {
            Kernels.MaxPool2d.Backward(dy, indices, dx, 1, planes, height, width, 2, 2, 2, 2, 0, 0, 1, 1);
        }

        GemmShapeTests.AssertSameBits(expected, dx, $"{planes} planes of {height} x {width}, {what}, {threads} threads");
    }

    /// <summary>
    /// <see cref="Kernels.MaxPool2d.BackwardThroughReLU"/> against the two passes it replaces, <see cref="Kernels.MaxPool2d.Backward"/>
    /// then ReLU's derivative from the pool's input, bit for bit, on one, two and three threads.
    /// </summary>
    private static void AssertTwoPassBits(int[] a, float[] x, float[] y, int[] indices, float[] dy, string what)
    {
        float[] expected = new float[x.Length];
        using (Partition.Override(1, splitAlways: false))
        {
            Kernels.MaxPool2d.Backward(dy, indices, expected, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            ActivationBackward.Apply(expected, x, x.Length, Activation.ReLU);
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] dx = new float[x.Length];
            dx.AsSpan().Fill(float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.MaxPool2d.BackwardThroughReLU(dy, y, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            }

            GemmShapeTests.AssertSameBits(expected, dx, $"{what}, {threads} threads");
        }
    }

    /// <summary>
    /// What a ReLU gives and a bit more: a third zeros (ties between a window's positions, so the first in scan order
    /// wins), -0, NaN, +∞, a few negatives (ReLU's input, had it none), and positives from a set of five.
    /// </summary>
    private static float[] ReLUOutputs(int count, ulong seed)
    {
        float[] r = KernelReference.Random(count, seed, 0f, 1f);
        return r.Select((v, i) => (i % 97) switch
        {
            5 => -0f,
            11 => float.NaN,
            23 => float.PositiveInfinity,
            31 => -1.5f,
            _ => v < 0.35f ? 0f : MathF.Round(v * 5f) * 0.5f,
        }).ToArray();
    }

    /// <summary>Gradients with -0 (the scatter turns it into +0), NaN and ∞ among them.</summary>
    private static float[] SpecialGradients(int count, ulong seed)
    {
        float[] dy = KernelReference.Random(count, seed);
        for (int i = 0; i < count; i += 13)
        {
            dy[i] = (i / 13 % 4) switch { 0 => -0f, 1 => float.NaN, 2 => float.NegativeInfinity, _ => 1e30f };
        }

        return dy;
    }

    private static void MaxPool(int[] a, float[] x, float[] y, int[] indices) =>
        Kernels.MaxPool2d.Forward(x, y, indices, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);

    private static (int Planes, int OutHeight, int OutWidth) Sizes(int[] a) =>
        (a[0] * a[1], SlidingWindow.OutputSize(a[2], a[4], a[6], a[8], a[10]), SlidingWindow.OutputSize(a[3], a[5], a[7], a[9], a[11]));

    /// <summary>The in-bounds input positions of window (<paramref name="r"/>, <paramref name="c"/>) in scan order.</summary>
    private static (int Ih, int Iw)[] WindowPositions(int[] a, int r, int c) =>
        (from i in Enumerable.Range(0, a[4])
         from j in Enumerable.Range(0, a[5])
         let ih = (r * a[6]) - a[8] + (i * a[10])
         let iw = (c * a[7]) - a[9] + (j * a[11])
         where ih >= 0 && ih < a[2] && iw >= 0 && iw < a[3]
         select (ih, iw)).ToArray();
}
