using System;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The fused linear + cross-entropy head against a double-precision scalar reference and against the unfused
/// kernels (<see cref="LinearForward"/>, <see cref="SoftmaxCrossEntropy"/>, the bias reduction and the two
/// gradient products), on odd sizes with several class blocks and a partial last one, in both of its modes
/// (logits parked in the weight gradient when rows ≤ features, recomputed otherwise), with every option:
/// class weights, ignored rows, label smoothing, mean/sum/none. Also: the same bits for 1, 2 and 3 threads,
/// no allocation, and the edge cases.
/// </summary>
public sealed class FusedLinearCrossEntropyTests
{
    private const int Ignore = -100;

    /// <summary>(rows, features, classes, classBlock): parked (rows ≤ features) and recomputed, blocks with remainders.</summary>
    private static readonly int[][] Sizes =
    [
        [7, 33, 101, 32], [45, 13, 97, 32], [1, 5, 3, 0], [33, 785, 7, 0], [13, 13, 200, 64], [64, 40, 1000, 0], [17, 3, 65, 33],
    ];

    public static TheoryData<int, bool, bool, float, Reduction> Cases()
    {
        var data = new TheoryData<int, bool, bool, float, Reduction>();
        for (int size = 0; size < Sizes.Length; size++)
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            {
                foreach ((bool weighted, bool ignore, float smoothing) in new[] { (false, false, 0f), (true, false, 0f), (false, true, 0f), (false, false, 0.1f), (true, true, 0.2f) })
                {
                    data.Add(size, weighted, ignore, smoothing, reduction);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheScalarReference_AndTheUnfusedKernels(int size, bool weighted, bool ignore, float smoothing, Reduction reduction)
    {
        Problem p = Problem.Create(Sizes[size], weighted, ignore, seed: (ulong)(size + 1));
        Result fused = RunFused(p, smoothing, reduction);
        Result reference = Reference(p, smoothing, reduction);
        Result unfused = RunUnfused(p, smoothing, reduction);
        string what = $"({p.Rows},{p.Features},{p.Classes}) block {p.Block} w={weighted} ignore={ignore} e={smoothing} {reduction}";
        AssertClose(reference, fused, what + " vs reference");
        AssertClose(unfused, fused, what + " vs unfused");
    }

    /// <summary>Logits all equal to a huge value (hidden 1, weights M, bias 0) give ln C, as the unfused kernel does.</summary>
    [Theory]
    [InlineData(1e16f, 0f)]
    [InlineData(1e20f, 0.1f)]
    [InlineData(-3e38f, 0f)]
    public void HugeEqualLogits_GiveTheLogOfTheClassCount(float magnitude, float smoothing)
    {
        const int Rows = 2, Classes = 4;
        float[] weight = [magnitude, magnitude, magnitude, magnitude];
        float[] losses = new float[Rows];
        float loss = FusedLinearCrossEntropy.ForwardBackward(
            [1f, 1f], weight, new float[Classes], [0, 3], new float[Rows], new float[Classes], new float[Classes], losses,
            new float[FusedLinearCrossEntropy.WorkspaceFloats(Rows, Classes)], Rows, 1, Classes, [], Ignore, smoothing, Reduction.None);
        Assert.All(losses, l => Assert.Equal((float)Math.Log(Classes), l, 1e-6f));
        Assert.Equal(2 * (float)Math.Log(Classes), loss, 1e-6f);
    }

    [Fact]
    public void EveryThreadCount_GivesTheSameBits()
    {
        foreach (int[] size in new[] { new[] { 64, 96, 700, 0 }, new[] { 70, 20, 333, 64 } })
        {
            Problem p = Problem.Create(size, weighted: true, ignore: true, seed: 9);
            Result single;
            using (Partition.Override(1, splitAlways: false))
            {
                single = RunFused(p, 0.1f, Reduction.Mean);
            }

            foreach (int threads in new[] { 2, 3 })
            {
                using (Partition.Override(threads, splitAlways: true))
                {
                    Result split = RunFused(p, 0.1f, Reduction.Mean);
                    Assert.Equal(BitConverter.SingleToInt32Bits(single.Loss), BitConverter.SingleToInt32Bits(split.Loss));
                    GemmShapeTests.AssertSameBits(single.Hidden, split.Hidden, $"hidden gradient, {threads} threads");
                    GemmShapeTests.AssertSameBits(single.Weight, split.Weight, $"weight gradient, {threads} threads");
                    GemmShapeTests.AssertSameBits(single.Bias, split.Bias, $"bias gradient, {threads} threads");
                }
            }
        }
    }

    [Fact]
    public void LargeLogits_StayAccurate()
    {
        // Logits of magnitude ~1e3: the online max must be subtracted before every exponential.
        Problem p = Problem.Create([9, 16, 300, 64], weighted: false, ignore: false, seed: 4);
        for (int i = 0; i < p.Hidden.Length; i++)
        {
            p.Hidden[i] *= 300f;
        }

        Result fused = RunFused(p, 0.1f, Reduction.Sum);
        Result reference = Reference(p, 0.1f, Reduction.Sum);
        Assert.False(float.IsNaN(fused.Loss) || float.IsInfinity(fused.Loss));
        KernelReference.AssertClose(reference.Loss, fused.Loss, 1e-5 * Math.Abs(reference.Loss), "loss");
    }

    [Fact]
    public void EveryRowIgnored_UnderMean_IsNaN_WithZeroGradients()
    {
        Problem p = Problem.Create([5, 8, 40, 16], weighted: false, ignore: false, seed: 2);
        Array.Fill(p.Labels, Ignore);
        Result fused = RunFused(p, 0f, Reduction.Mean);
        Assert.True(float.IsNaN(fused.Loss));
        Assert.All(fused.Weight, g => Assert.Equal(0f, g));
        Assert.All(fused.Hidden, g => Assert.Equal(0f, g));
        Assert.All(fused.Bias, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ZeroRows_GiveNaNUnderMean_AndZeroWeightGradients()
    {
        Problem p = Problem.Create([0, 8, 40, 16], weighted: false, ignore: false, seed: 2);
        Result mean = RunFused(p, 0f, Reduction.Mean);
        Assert.True(float.IsNaN(mean.Loss));
        Assert.All(mean.Weight, g => Assert.Equal(0f, g));
        Assert.Equal(0f, RunFused(p, 0f, Reduction.Sum).Loss);
    }

    [Fact]
    public void BadArguments_Throw_BeforeAnythingIsWritten()
    {
        Problem p = Problem.Create([4, 8, 40, 16], weighted: false, ignore: false, seed: 2);
        p.Labels[2] = 40;
        float[] dw = new float[p.Weight.Length];
        Array.Fill(dw, 7f);
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedLinearCrossEntropy.ForwardBackward(
            p.Hidden, p.Weight, p.Bias, p.Labels, new float[p.Hidden.Length], dw, new float[p.Classes], [],
            new float[FusedLinearCrossEntropy.WorkspaceFloats(p.Rows, p.Classes, p.Block)], p.Rows, p.Features, p.Classes, [], Ignore, 0f, Reduction.Mean, p.Block));
        Assert.All(dw, g => Assert.Equal(7f, g));
        p.Labels[2] = 1;
        Assert.Throws<ArgumentException>(() => FusedLinearCrossEntropy.ForwardBackward(
            p.Hidden, p.Weight, p.Bias, p.Labels, new float[p.Hidden.Length], dw, new float[p.Classes], [],
            new float[FusedLinearCrossEntropy.WorkspaceFloats(p.Rows, p.Classes, p.Block) - 1], p.Rows, p.Features, p.Classes, [], Ignore, 0f, Reduction.Mean, p.Block));
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedLinearCrossEntropy.ForwardBackward(
            p.Hidden, p.Weight, p.Bias, p.Labels, new float[p.Hidden.Length], dw, new float[p.Classes], [],
            new float[FusedLinearCrossEntropy.WorkspaceFloats(p.Rows, p.Classes, p.Block)], p.Rows, p.Features, p.Classes, [], Ignore, 1.5f, Reduction.Mean, p.Block));
    }

    [Fact]
    public void Workspace_IsPerClassBlock()
    {
        // 512 -> 50,000 at batch 256: 1,024-class blocks, 1 MB, against 51 MB for the unfused logits.
        Assert.Equal(1024, FusedLinearCrossEntropy.ClassBlock(256, 50_000));
        Assert.Equal((256 * 1024) + (6 * 256), FusedLinearCrossEntropy.WorkspaceFloats(256, 50_000));
        Assert.Equal(7, FusedLinearCrossEntropy.ClassBlock(64, 7));
        Assert.Equal(32, FusedLinearCrossEntropy.ClassBlock(100_000, 50_000));
    }

    [Fact]
    public void AllocatesNothing_OnTwoThreads()
    {
        Problem p = Problem.Create([64, 96, 700, 0], weighted: true, ignore: true, seed: 5);
        float[] dh = new float[p.Hidden.Length], dw = new float[p.Weight.Length], db = new float[p.Classes], losses = new float[p.Rows];
        float[] workspace = new float[FusedLinearCrossEntropy.WorkspaceFloats(p.Rows, p.Classes)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("FusedLinearCrossEntropy.ForwardBackward", () => FusedLinearCrossEntropy.ForwardBackward(
                p.Hidden, p.Weight, p.Bias, p.Labels, dh, dw, db, losses, workspace, p.Rows, p.Features, p.Classes, p.ClassWeights, Ignore, 0.1f, Reduction.Mean), calls: 10);
        }
    }

    private static void AssertClose(Result expected, Result actual, string what)
    {
        if (float.IsNaN(expected.Loss))
        {
            Assert.True(float.IsNaN(actual.Loss), $"{what} loss: expected NaN, got {actual.Loss:R}");
        }
        else
        {
            KernelReference.AssertClose(expected.Loss, actual.Loss, 1e-5 * (1 + Math.Abs(expected.Loss)), what + " loss");
        }

        for (int i = 0; i < expected.Losses.Length; i++)
        {
            KernelReference.AssertClose(expected.Losses[i], actual.Losses[i], 1e-5 * (1 + Math.Abs(expected.Losses[i])), $"{what} losses[{i}]");
        }

        Compare(expected.Hidden, actual.Hidden, what + " hidden gradient");
        Compare(expected.Weight, actual.Weight, what + " weight gradient");
        Compare(expected.Bias, actual.Bias, what + " bias gradient");

        static void Compare(float[] expected, float[] actual, string what)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                KernelReference.AssertClose(expected[i], actual[i], 1e-5 * (1 + Math.Abs(expected[i])), $"{what}[{i}]");
            }
        }
    }

    private static Result RunFused(Problem p, float smoothing, Reduction reduction)
    {
        var result = new Result(p);
        float[] workspace = new float[FusedLinearCrossEntropy.WorkspaceFloats(p.Rows, p.Classes, p.Block)];
        Array.Fill(result.Hidden, float.NaN);
        Array.Fill(result.Weight, float.NaN);
        Array.Fill(result.Bias, float.NaN);
        Array.Fill(workspace, float.NaN);
        result.Loss = FusedLinearCrossEntropy.ForwardBackward(
            p.Hidden, p.Weight, p.Bias, p.Labels, result.Hidden, result.Weight, result.Bias, result.Losses, workspace,
            p.Rows, p.Features, p.Classes, p.ClassWeights, Ignore, smoothing, reduction, p.Block);
        return result;
    }

    private static Result RunUnfused(Problem p, float smoothing, Reduction reduction)
    {
        var result = new Result(p);
        float[] logits = new float[p.Rows * p.Classes];
        LinearForward.Run(p.Hidden, p.Weight, p.Bias, logits, p.Rows, p.Features, p.Classes, Activation.None);
        result.Loss = SoftmaxCrossEntropy.ForwardBackward(logits, p.Labels, result.Losses, p.Rows, p.Classes, p.ClassWeights, Ignore, smoothing, reduction);
        ActivationBackward.ApplyAndReduceBias(logits, logits, result.Bias, p.Rows, p.Classes, Activation.None);
        if (p.Rows > 0)
        {
            Gemm.MultiplyTransposeA(logits, p.Hidden, result.Weight, p.Classes, p.Rows, p.Features);
            Gemm.Multiply(logits, p.Weight, result.Hidden, p.Rows, p.Classes, p.Features);
        }

        return result;
    }

    /// <summary>The scalar reference, in double: PyTorch's formulas written out one element at a time.</summary>
    private static Result Reference(Problem p, double e, Reduction reduction)
    {
        int rows = p.Rows, features = p.Features, classes = p.Classes;
        var result = new Result(p);
        double[] w = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            w[c] = p.ClassWeights.Length == 0 ? 1.0 : p.ClassWeights[c];
        }

        double weightSum = 0, denominator = 0, targetTotal = 0, uniformTotal = 0;
        foreach (double x in w)
        {
            weightSum += x;
        }

        for (int r = 0; r < rows; r++)
        {
            denominator += p.Labels[r] == Ignore ? 0 : w[p.Labels[r]];
        }

        double scale = reduction == Reduction.Mean ? 1.0 / denominator : 1.0;
        double[] dz = new double[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            int y = p.Labels[r];
            if (y == Ignore)
            {
                continue;
            }

            double[] z = new double[classes];
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                z[c] = p.Bias[c];
                for (int f = 0; f < features; f++)
                {
                    z[c] += (double)p.Hidden[(r * features) + f] * p.Weight[(c * features) + f];
                }

                max = Math.Max(max, z[c]);
            }

            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.Exp(z[c] - max);
            }

            double lse = max + Math.Log(sum), targetLoss = w[y] * (lse - z[y]), uniformLoss = 0;
            for (int c = 0; c < classes; c++)
            {
                uniformLoss += w[c] * (lse - z[c]);
            }

            targetTotal += targetLoss;
            uniformTotal += uniformLoss;
            result.Losses[r] = (float)(((1 - e) * targetLoss) + (e / classes * uniformLoss));
            for (int c = 0; c < classes; c++)
            {
                double probability = Math.Exp(z[c] - lse);
                dz[(r * classes) + c] = ((probability * (((1 - e) * w[y]) + (e / classes * weightSum))) - (c == y ? (1 - e) * w[y] : 0) - (e / classes * w[c])) * scale;
            }
        }

        double loss = ((1 - e) * targetTotal) + (e / classes * uniformTotal);
        result.Loss = (float)(reduction == Reduction.Mean ? loss / denominator : loss);
        for (int c = 0; c < classes; c++)
        {
            double bias = 0;
            for (int r = 0; r < rows; r++)
            {
                bias += dz[(r * classes) + c];
            }

            result.Bias[c] = (float)bias;
            for (int f = 0; f < features; f++)
            {
                double g = 0;
                for (int r = 0; r < rows; r++)
                {
                    g += dz[(r * classes) + c] * p.Hidden[(r * features) + f];
                }

                result.Weight[(c * features) + f] = (float)g;
            }
        }

        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < features; f++)
            {
                double g = 0;
                for (int c = 0; c < classes; c++)
                {
                    g += dz[(r * classes) + c] * p.Weight[(c * features) + f];
                }

                result.Hidden[(r * features) + f] = (float)g;
            }
        }

        return result;
    }

    private sealed class Problem
    {
        public int Rows, Features, Classes, Block;
        public float[] Hidden = [], Weight = [], Bias = [], ClassWeights = [];
        public int[] Labels = [];

        public static Problem Create(int[] size, bool weighted, bool ignore, ulong seed)
        {
            var p = new Problem { Rows = size[0], Features = size[1], Classes = size[2], Block = size[3] };
            p.Hidden = KernelReference.Random(p.Rows * p.Features, seed);
            p.Weight = KernelReference.Random(p.Classes * p.Features, seed + 100, -0.5f, 0.5f);
            p.Bias = KernelReference.Random(p.Classes, seed + 200);
            p.Labels = KernelReference.RandomLabels(p.Rows, p.Classes, seed + 300);
            if (weighted)
            {
                p.ClassWeights = KernelReference.Random(p.Classes, seed + 400, 0.1f, 2f);
            }

            if (ignore)
            {
                for (int r = 0; r < p.Rows; r += 3)
                {
                    p.Labels[r] = Ignore;
                }
            }

            return p;
        }
    }

    private sealed class Result(Problem p)
    {
        public float Loss;
        public float[] Losses = new float[p.Rows];
        public float[] Hidden = new float[p.Rows * p.Features];
        public float[] Weight = new float[p.Classes * p.Features];
        public float[] Bias = new float[p.Classes];
    }
}
