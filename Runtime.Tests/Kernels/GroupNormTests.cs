using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.GroupNorm"/>: the forward pass against a float64 transcription of PyTorch's definition, the backward
/// pass (with and without affine parameters, with a fused ReLU or Tanh) against central differences of
/// <c>Σ dy · f(y)</c>, and its argument checks. ConvGoldenTests compares both passes with PyTorch's.
/// </summary>
public sealed class GroupNormTests
{
    [Theory]
    [InlineData(2, 6, 3, 5, true)]
    [InlineData(3, 4, 1, 9, false)]
    [InlineData(1, 6, 6, 4, true)]
    [InlineData(4, 12, 4, 1, true)]
    public void Forward_MatchesTheDefinition(int batch, int channels, int groups, int plane, bool affine)
    {
        float[] x = KernelReference.Random(batch * channels * plane, seed: 3, low: -2f, high: 3f);
        float[] weight = affine ? KernelReference.Random(channels, seed: 4, low: 0.5f, high: 1.5f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 5) : [];
        float[] y = new float[x.Length], mean = new float[batch * groups], rstd = new float[batch * groups];
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, batch, channels, groups, plane, 1e-5f);
        int length = channels / groups * plane;
        for (int r = 0; r < batch * groups; r++)
        {
            double m = Enumerable.Range(0, length).Average(i => (double)x[(r * length) + i]);
            double variance = Enumerable.Range(0, length).Average(i => Math.Pow(x[(r * length) + i] - m, 2));
            KernelReference.AssertClose(m, mean[r], 1e-6, $"mean[{r}]");
            KernelReference.AssertClose(1 / Math.Sqrt(variance + 1e-5), rstd[r], 1e-5 / Math.Sqrt(variance + 1e-5), $"rstd[{r}]");
            for (int i = 0; i < length; i++)
            {
                int c = (((r % groups) * length) + i) / plane;
                double expected = ((x[(r * length) + i] - m) / Math.Sqrt(variance + 1e-5) * (affine ? weight[c] : 1)) + (affine ? bias[c] : 0);
                KernelReference.AssertClose(expected, y[(r * length) + i], 1e-5, $"y[{(r * length) + i}]");
            }
        }
    }

    [Theory]
    [InlineData(2, 6, 3, 5, true, Activation.None)]
    [InlineData(3, 4, 2, 3, false, Activation.None)]
    [InlineData(2, 6, 2, 4, true, Activation.Tanh)]
    [InlineData(2, 4, 4, 6, true, Activation.ReLU)]
    public void Backward_MatchesFiniteDifferences(int batch, int channels, int groups, int plane, bool affine, Activation activation)
    {
        float[] x = KernelReference.Random(batch * channels * plane, seed: 11, low: -2f, high: 2f);
        float[] weight = affine ? KernelReference.Random(channels, seed: 12, low: 0.5f, high: 1.5f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 13) : [];
        float[] dy = KernelReference.Random(x.Length, seed: 14);
        float[] y = new float[x.Length], mean = new float[batch * groups], rstd = new float[batch * groups];
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, batch, channels, groups, plane, 1e-5f, activation);
        float[] gradient = (float[])dy.Clone(), dweight = new float[weight.Length], dbias = new float[bias.Length];
        Kernels.GroupNorm.Backward(gradient, x, mean, rstd, weight, dweight, dbias, batch, channels, groups, plane, y, activation);

        float[] scratch = new float[x.Length];
        double Loss()
        {
            Kernels.GroupNorm.Forward(x, weight, bias, scratch, [], [], batch, channels, groups, plane, 1e-5f, activation);
            double sum = 0;
            for (int i = 0; i < scratch.Length; i++)
            {
                sum += (double)dy[i] * scratch[i];
            }

            return sum;
        }

        GradientCheck.AssertGradientMatches(Loss, x, gradient, "dx", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: x.Length);
        if (affine)
        {
            GradientCheck.AssertGradientMatches(Loss, weight, dweight, "dweight", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: channels);
            GradientCheck.AssertGradientMatches(Loss, bias, dbias, "dbias", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: channels);
        }
    }

    /// <summary>
    /// Both passes bit for bit against a scalar transcription of their summation order (LaneSums: 8 lanes, value i of a
    /// run into lane i mod 8, combined ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)); per sample and channel Σ dy · xhat
    /// and Σ dy in float lanes, the parameter gradients their sums over the samples in order, the input gradient's group
    /// sums those of the channels' weighted by the weight, in double), planes with and without a tail past whole vectors,
    /// on one to three threads.
    /// </summary>
    [Theory]
    [InlineData(3, 6, 3, 13, true, Activation.None)]
    [InlineData(2, 8, 2, 16, false, Activation.ReLU)]
    [InlineData(4, 4, 4, 9, true, Activation.Tanh)]
    [InlineData(2, 12, 3, 37, true, Activation.Sigmoid)]
    [InlineData(5, 4, 1, 1, true, Activation.None)]
    public void BothPasses_MatchTheirSummationOrder_OnOneTwoAndThreeThreads(int batch, int channels, int groups, int plane, bool affine, Activation activation)
    {
        float[] x = KernelReference.Random(batch * channels * plane, seed: 21, low: -2f, high: 3f);
        float[] weight = affine ? KernelReference.Random(channels, seed: 22, low: 0.5f, high: 1.5f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 23) : [];
        float[] dy = KernelReference.Random(x.Length, seed: 24);
        (float[] expectedY, float[] expectedMean, float[] expectedRstd) = ReferenceForward(x, weight, bias, batch, channels, groups, plane, activation);
        (float[] expectedDx, float[] expectedDw, float[] expectedDb) = ReferenceBackward(dy, x, expectedY, expectedMean, expectedRstd, weight, batch, channels, groups, plane, activation);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] y = new float[x.Length], mean = new float[batch * groups], rstd = new float[batch * groups];
            float[] dx = (float[])dy.Clone(), dw = new float[weight.Length], db = new float[bias.Length];
            using (Threading.Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, batch, channels, groups, plane, 1e-5f, activation);
                Kernels.GroupNorm.Backward(dx, x, mean, rstd, weight, dw, db, batch, channels, groups, plane, y, activation);
            }

            GemmShapeTests.AssertSameBits(expectedMean, mean, $"mean, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedRstd, rstd, $"rstd, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedY, y, $"y, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedDx, dx, $"dx, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedDw, dw, $"dweight, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedDb, db, $"dbias, {threads} threads");
        }
    }

    private static double Tree(double[] l) => ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));

    private static float Tree(float[] l) => ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));

    private static float Activate(float v, Activation activation) => activation switch
    {
        Activation.ReLU => v > 0f ? v : 0f,
        Activation.Sigmoid => Kernels.SigmoidFunction.Forward<Kernels.ScalarOps, float>(v),
        Activation.Tanh => Kernels.TanhFunction.Forward<Kernels.ScalarOps, float>(v),
        _ => v,
    };

    private static (float[] Y, float[] Mean, float[] Rstd) ReferenceForward(float[] x, float[] weight, float[] bias, int batch, int channels, int groups, int plane, Activation activation)
    {
        int cols = channels / groups * plane, rows = batch * groups;
        float[] y = new float[x.Length], means = new float[rows], rstds = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double[] sum = new double[8], squares = new double[8];
            for (int i = 0; i < cols; i++)
            {
                sum[i % 8] += x[(r * cols) + i];
            }

            double mean = Tree(sum) / cols;
            for (int i = 0; i < cols; i++)
            {
                double d = x[(r * cols) + i] - mean;
                squares[i % 8] += d * d;
            }

            (means[r], rstds[r]) = ((float)mean, (float)(1.0 / Math.Sqrt((Tree(squares) / cols) + 1e-5f)));
            for (int i = 0; i < cols; i++)
            {
                int c = ((r % groups) * (channels / groups)) + (i / plane);
                float normalized = (x[(r * cols) + i] - means[r]) * rstds[r];
                y[(r * cols) + i] = Activate(weight.Length > 0 ? (normalized * weight[c]) + bias[c] : normalized, activation);
            }
        }

        return (y, means, rstds);
    }

    private static (float[] Dx, float[] Dw, float[] Db) ReferenceBackward(
        float[] dy, float[] x, float[] y, float[] means, float[] rstds, float[] weight, int batch, int channels, int groups, int plane, Activation activation)
    {
        int perGroup = channels / groups, cols = perGroup * plane;
        float[] g = dy.Select((v, i) => activation switch
        {
            Activation.ReLU => Kernels.ReLUFunction.Backward<Kernels.ScalarOps, float>(v, y[i]),
            Activation.Sigmoid => Kernels.SigmoidFunction.Backward<Kernels.ScalarOps, float>(v, y[i]),
            Activation.Tanh => Kernels.TanhFunction.Backward<Kernels.ScalarOps, float>(v, y[i]),
            _ => v,
        }).ToArray();
        // Per sample and channel: Σ dy · xhat and Σ dy, each in float lanes.
        int rows = batch * groups;
        float[] products = new float[rows * perGroup], sums = new float[rows * perGroup];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < perGroup; k++)
            {
                float[] p = new float[8], q = new float[8];
                for (int i = 0; i < plane; i++)
                {
                    int at = (r * cols) + (k * plane) + i;
                    p[i % 8] += g[at] * ((x[at] - means[r]) * rstds[r]);
                    q[i % 8] += g[at];
                }

                (products[(r * perGroup) + k], sums[(r * perGroup) + k]) = (Tree(p), Tree(q));
            }
        }

        float[] dw = new float[weight.Length], db = new float[weight.Length];
        for (int c = 0; c < weight.Length; c++)
        {
            float weightSum = 0f, biasSum = 0f;
            for (int n = 0; n < batch; n++)
            {
                int at = (((n * groups) + (c / perGroup)) * perGroup) + (c % perGroup);
                weightSum += products[at];
                biasSum += sums[at];
            }

            (dw[c], db[c]) = (weightSum, biasSum);
        }

        float[] dx = new float[g.Length];
        for (int r = 0; r < rows; r++)
        {
            double sumDxhat = 0, sumDxhatXhat = 0;
            for (int k = 0; k < perGroup; k++)
            {
                double scale = weight.Length > 0 ? weight[((r % groups) * perGroup) + k] : 1.0;
                sumDxhat += scale * sums[(r * perGroup) + k];
                sumDxhatXhat += scale * products[(r * perGroup) + k];
            }

            float meanDxhat = (float)(sumDxhat / cols), meanDxhatXhat = (float)(sumDxhatXhat / cols);
            for (int i = 0; i < cols; i++)
            {
                float scale = weight.Length > 0 ? weight[((r % groups) * perGroup) + (i / plane)] : 1f;
                float xhat = (x[(r * cols) + i] - means[r]) * rstds[r];
                dx[(r * cols) + i] = rstds[r] * ((g[(r * cols) + i] * scale) - meanDxhat - (xhat * meanDxhatXhat));
            }
        }

        return (dx, dw, db);
    }

    /// <summary>
    /// An instance norm's running statistics: each sample's channel mean and unbiased variance moved in by the momentum,
    /// averaged over the batch (PyTorch's F.instance_norm with track_running_stats), against a float64 transcription; the
    /// same bits on one to three threads; no samples change nothing; bad arguments are named.
    /// </summary>
    [Fact]
    public void RunningStatistics_MoveToEachSamplesStatistics_ThenAverage()
    {
        const int Batch = 3, Channels = 5, Plane = 13;
        const float Momentum = 0.3f;
        float[] x = KernelReference.Random(Batch * Channels * Plane, seed: 31, low: -2f, high: 3f);
        float[] mean0 = KernelReference.Random(Channels, seed: 32), var0 = KernelReference.Random(Channels, seed: 33, low: 0.5f, high: 1.5f);
        float[] expectedMean = new float[Channels], expectedVar = new float[Channels];
        for (int c = 0; c < Channels; c++)
        {
            double meanSum = 0, varSum = 0;
            for (int n = 0; n < Batch; n++)
            {
                double[] values = Enumerable.Range(0, Plane).Select(i => (double)x[(((n * Channels) + c) * Plane) + i]).ToArray();
                double m = values.Average(), unbiased = values.Sum(v => (v - m) * (v - m)) / (Plane - 1);
                meanSum += (Momentum * m) + ((1 - Momentum) * mean0[c]);
                varSum += (Momentum * unbiased) + ((1 - Momentum) * var0[c]);
            }

            (expectedMean[c], expectedVar[c]) = ((float)(meanSum / Batch), (float)(varSum / Batch));
        }

        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] mean = (float[])mean0.Clone(), variance = (float[])var0.Clone();
            using (Threading.Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.GroupNorm.UpdateRunningStatistics(x, mean, variance, Batch, Channels, Plane, Momentum);
            }

            for (int c = 0; c < Channels; c++)
            {
                KernelReference.AssertClose(expectedMean[c], mean[c], 1e-6, $"running_mean[{c}]");
                KernelReference.AssertClose(expectedVar[c], variance[c], 1e-6, $"running_var[{c}]");
            }

            float[] both = mean.Concat(variance).ToArray();
            first ??= both;
            GemmShapeTests.AssertSameBits(first, both, $"{threads} threads");
        }

        float[] untouched = (float[])mean0.Clone();
        Kernels.GroupNorm.UpdateRunningStatistics([], untouched, (float[])var0.Clone(), 0, Channels, Plane, Momentum);
        Assert.Equal(mean0, untouched);
        Assert.Throws<ArgumentOutOfRangeException>("plane", () => Kernels.GroupNorm.UpdateRunningStatistics(x, new float[Channels], new float[Channels], Batch, Channels * Plane, 1, Momentum));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => Kernels.GroupNorm.UpdateRunningStatistics(x, new float[Channels], new float[Channels], Batch, Channels, Plane, 1.5f));
        Assert.Throws<ArgumentException>("runningVar", () => Kernels.GroupNorm.UpdateRunningStatistics(x, new float[Channels], new float[Channels - 1], Batch, Channels, Plane, Momentum));
        Assert.Throws<ArgumentException>("input", () => Kernels.GroupNorm.UpdateRunningStatistics(x.AsSpan(1), new float[Channels], new float[Channels], Batch, Channels, Plane, Momentum));
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 6 * 4], y = new float[x.Length], weight = new float[6], bias = new float[6], mean = new float[4], rstd = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>("groups", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 4, 4, 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>("groups", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 0, 4, 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>("eps", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 0f));
        Assert.Throws<ArgumentException>("input", () => Kernels.GroupNorm.Forward(x.AsSpan(1), weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("weight", () => Kernels.GroupNorm.Forward(x, weight.AsSpan(1), bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("bias", () => Kernels.GroupNorm.Forward(x, weight, [], y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("mean", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean.AsSpan(1), rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("rstd", () => Kernels.GroupNorm.Backward(y, x, mean, rstd.AsSpan(1), weight, new float[6], new float[6], 2, 6, 2, 4));
        Assert.Throws<ArgumentException>("weightGradient", () => Kernels.GroupNorm.Backward(y, x, mean, rstd, [], new float[5], [], 2, 6, 2, 4));
        Assert.Throws<ArgumentException>("biasGradient", () => Kernels.GroupNorm.Backward(y, x, mean, rstd, [], [], new float[1], 2, 6, 2, 4));
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f);
        AllocationAssert.None("GroupNorm.Forward", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f), calls: 20);
        float[] dweight = new float[6], dbias = new float[6];
        AllocationAssert.None("GroupNorm.Backward", () => Kernels.GroupNorm.Backward(y, x, mean, rstd, weight, dweight, dbias, 2, 6, 2, 4), calls: 20);
    }
}
