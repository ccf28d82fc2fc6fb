using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The pools' <c>ceil_mode</c>: <see cref="SlidingWindow.OutputSize"/> rounding up (and dropping a last window that would
/// start past the input and its leading padding), <see cref="Kernels.MaxPool2d"/> and <see cref="Kernels.AvgPool2d"/> over
/// last windows that run past the padded input, against scalar references written from PyTorch's CPU kernels, finite
/// differences and the thread count. <c>ConvGoldenTests</c> compares the same kernels with PyTorch's own results.
/// </summary>
public sealed partial class Pool2dTests
{
    // batch, channels, height, width, kernel h/w, stride h/w, padding h/w, dilation h/w; pooled in ceil mode
    private static readonly int[][] CeilWindows =
    [
        [2, 3, 7, 5, 2, 2, 2, 2, 0, 0, 1, 1],     // 2 x 2 over odd sides: a last row and column of one input each
        [1, 6, 27, 27, 2, 2, 2, 2, 0, 0, 1, 1],   // LeNet's pool on an odd plane: not the 2 x 2 fast paths
        [2, 2, 8, 10, 3, 3, 2, 2, 1, 1, 1, 1],    // last windows past the padding
        [1, 2, 7, 8, 3, 3, 3, 3, 0, 0, 1, 1],     // a last window of one row
        [2, 2, 10, 9, 3, 2, 2, 2, 1, 1, 2, 1],    // dilated rows
        [2, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1],     // the rounded-up window would start in the trailing padding: dropped
    ];

    public static TheoryData<int> CeilModeWindows() => new(Enumerable.Range(0, CeilWindows.Length));

    public static TheoryData<int, bool> DenseCeilModeWindowsBothDivisors() => DenseWindowsBothDivisors(CeilWindows);

    [Theory]
    [InlineData(7, 2, 2, 0, 1, 3, 4)]
    [InlineData(8, 3, 2, 1, 1, 4, 5)]
    [InlineData(7, 3, 3, 0, 1, 2, 3)]
    [InlineData(10, 3, 2, 1, 2, 4, 5)]
    [InlineData(5, 2, 2, 1, 1, 3, 3)]   // ceil(5/2) + 1 = 4 windows, but the 4th would start at 5 = input + padding
    [InlineData(6, 2, 2, 0, 1, 3, 3)]   // the stride divides: no partial window
    [InlineData(1, 1, 4, 0, 1, 1, 1)]
    [InlineData(1, 2, 2, 0, 1, 0, 1)]   // a kernel longer than the input by less than the stride: one window in ceil mode
    [InlineData(3, 4, 4, 0, 1, 0, 1)]
    [InlineData(5, 4, 4, 0, 1, 1, 2)]
    [InlineData(1, 4, 3, 1, 1, 0, 1)]   // 1 + 2 padding, kernel 4
    [InlineData(1, 4, 2, 0, 1, 0, 0)]   // longer by the stride or more: no window in either mode
    public void CeilMode_OutputSize_RoundsUp_AndDropsAWindowStartingPastTheInput(int input, int kernel, int stride, int padding, int dilation, int floor, int ceil)
    {
        Assert.Equal(floor, SlidingWindow.OutputSize(input, kernel, stride, padding, dilation));
        Assert.Equal(ceil, SlidingWindow.OutputSize(input, kernel, stride, padding, dilation, ceilMode: true));
    }

    [Theory]
    [MemberData(nameof(CeilModeWindows))]
    public void CeilMode_MaxPool_MatchesTheReference_OnEveryThreadCount(int window)
    {
        int[] a = CeilWindows[window];
        (int planes, int oh, int ow) = CeilSizes(a);
        // Values from a set of seven so that windows hold ties.
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 31).Select(v => MathF.Round(v * 3f) * 0.5f).ToArray();
        float[] dy = KernelReference.Random(planes * oh * ow, seed: 32);
        float[] expectedY = new float[dy.Length];
        int[] expectedIndices = new int[dy.Length];
        double[] expectedDx = new double[x.Length];
        for (int p = 0, o = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++, o++)
                {
                    int best = -1;
                    foreach ((int ih, int iw) in WindowPositions(a, r, c))
                    {
                        int at = (ih * a[3]) + iw;
                        if (best < 0 || x[(p * a[2] * a[3]) + at] > x[(p * a[2] * a[3]) + best])
                        {
                            best = at;
                        }
                    }

                    Assert.True(best >= 0, $"window ({r}, {c}) holds no input");
                    expectedIndices[o] = best;
                    expectedY[o] = x[(p * a[2] * a[3]) + best];
                    expectedDx[(p * a[2] * a[3]) + best] += dy[o];
                }
            }
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[dy.Length], dx = new float[x.Length];
            int[] indices = new int[dy.Length];
            dx.AsSpan().Fill(float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.MaxPool2d.Forward(x, y, indices, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], ceilMode: true);
                Kernels.MaxPool2d.Backward(dy, indices, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], ceilMode: true);
            }

            Assert.Equal(expectedIndices, indices);
            Assert.Equal(expectedY, y);
            for (int i = 0; i < dx.Length; i++)
            {
                KernelReference.AssertClose(expectedDx[i], dx[i], 1e-6, $"dx[{i}], {threads} threads");
            }
        }
    }

    [Theory]
    [MemberData(nameof(DenseCeilModeWindowsBothDivisors))]
    public void CeilMode_AvgPool_MatchesTheReference_FiniteDifferences_AndEveryThreadCount(int window, bool countIncludePad)
    {
        int[] a = CeilWindows[window];
        (int planes, int oh, int ow) = CeilSizes(a);
        float[] x = KernelReference.Random(planes * a[2] * a[3], seed: 33);
        float[] y = new float[planes * oh * ow];
        Kernels.AvgPool2d.Forward(x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
        for (int p = 0, o = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++, o++)
                {
                    (int Ih, int Iw)[] inside = WindowPositions(a, r, c);
                    double sum = inside.Sum(q => (double)x[(p * a[2] * a[3]) + (q.Ih * a[3]) + q.Iw]);

                    // PyTorch's avg_pool2d: the window clipped to the padded input [-padding, size + padding), padding included.
                    int rows = Math.Min((r * a[6]) - a[8] + a[4], a[2] + a[8]) - ((r * a[6]) - a[8]);
                    int columns = Math.Min((c * a[7]) - a[9] + a[5], a[3] + a[9]) - ((c * a[7]) - a[9]);
                    double divisor = countIncludePad ? rows * columns : inside.Length;
                    KernelReference.AssertClose(sum / divisor, y[o], 1e-6, $"y[{p},{r},{c}]");
                }
            }
        }

        float[] dy = KernelReference.Random(y.Length, seed: 34);
        float[] dx = new float[x.Length];
        dx.AsSpan().Fill(float.NaN);
        Kernels.AvgPool2d.Backward(dy, dx, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
        double Loss()
        {
            Kernels.AvgPool2d.Forward(x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
            return y.Select((v, i) => (double)v * dy[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", eps: 1e-2, relativeTolerance: 1e-3, absoluteTolerance: 1e-5);

        foreach (int threads in new[] { 2, 3 })
        {
            float[] yMany = new float[y.Length], dxMany = new float[x.Length];
            float[] yOne = new float[y.Length];
            using (Partition.Override(threads, splitAlways: true))
            {
                Kernels.AvgPool2d.Forward(x, yMany, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
                Kernels.AvgPool2d.Backward(dy, dxMany, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
            }

            using (Partition.Override(1, splitAlways: false))
            {
                Kernels.AvgPool2d.Forward(x, yOne, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], countIncludePad, ceilMode: true);
            }

            GemmShapeTests.AssertSameBits(yOne, yMany, $"forward, {threads} threads");
            GemmShapeTests.AssertSameBits(dx, dxMany, $"backward, {threads} threads");
        }
    }

    [Fact]
    public void CeilMode_TheOutputSpanIsCheckedAgainstTheCeilSize()
    {
        float[] x = new float[7 * 5], floorSized = new float[3 * 2];
        int[] indices = new int[floorSized.Length];
        var error = Assert.Throws<ArgumentException>(() => Kernels.MaxPool2d.Forward(x, floorSized, indices, 1, 1, 7, 5, 2, 2, 2, 2, 0, 0, 1, 1, ceilMode: true));
        Assert.Equal("output", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Kernels.AvgPool2d.Forward(x, floorSized, 1, 1, 7, 5, 2, 2, 2, 2, 0, 0, ceilMode: true));
        Assert.Equal("output", error.ParamName);
    }

    /// <summary>The output sizes as PyTorch's <c>pooling_output_shape</c> computes them in ceil mode.</summary>
    private static (int Planes, int OutHeight, int OutWidth) CeilSizes(int[] a) =>
        (a[0] * a[1], CeilSize(a[2], a[4], a[6], a[8], a[10]), CeilSize(a[3], a[5], a[7], a[9], a[11]));

    private static int CeilSize(int input, int kernel, int stride, int padding, int dilation)
    {
        int size = ((input + (2 * padding) - (dilation * (kernel - 1)) - 1 + (stride - 1)) / stride) + 1;
        return (size - 1) * stride >= input + padding ? size - 1 : size;
    }
}
