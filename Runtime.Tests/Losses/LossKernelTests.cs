using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// The fused losses against finite differences of an independent double reference, at the edges of float
/// (logits of 1e4, masked -inf classes, 50,000 classes), and their argument checks.
/// </summary>
public sealed class LossKernelTests
{
    private const int Rows = 6, Classes = 7;
    private static readonly float[] Weights = [0.5f, 2f, 0f, 1f, 3f, 1.5f, 0.25f];

    public static TheoryData<Reduction, float, int> IndexOptions()
    {
        var data = new TheoryData<Reduction, float, int>();
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            foreach (float smoothing in new[] { 0f, 0.2f })
            {
                foreach (int ignoreIndex in new[] { -100, 3 })
                {
                    data.Add(reduction, smoothing, ignoreIndex);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IndexOptions))]
    public void ClassIndexGradient_MatchesFiniteDifferences(Reduction reduction, float smoothing, int ignoreIndex)
    {
        float[] logits = KernelReference.Random(Rows * Classes, seed: 101, -3f, 3f);
        int[] labels = [1, 3, 0, 4, 3, 6];
        foreach (float[]? weights in new[] { null, Weights })
        {
            var loss = new SoftmaxCrossEntropyLoss(Classes, smoothing, reduction, ignoreIndex, TargetKind.ClassIndices, weights);
            float[] gradient = (float[])logits.Clone();
            float[] losses = new float[Rows];
            float value = loss.ForwardBackward(gradient, labels, losses, Rows);

            double[] expectedLosses = new double[Rows];
            double expected = LossReference.CrossEntropy(logits, labels, Rows, Classes, weights, ignoreIndex, smoothing, reduction, expectedLosses);
            KernelReference.AssertClose(expected, value, 1e-6 * Math.Abs(expected), "loss");
            for (int n = 0; n < Rows; n++)
            {
                KernelReference.AssertClose(expectedLosses[n], losses[n], 1e-6 * Math.Max(1, Math.Abs(expectedLosses[n])), $"losses[{n}]");
            }

            GradientCheck.AssertGradientMatches(
                () => LossReference.CrossEntropy(logits, labels, Rows, Classes, weights, ignoreIndex, smoothing, reduction),
                logits, gradient, "logits", eps: 1e-3, relativeTolerance: 1e-4, absoluteTolerance: 1e-6, maxElements: logits.Length);
        }
    }

    [Theory]
    [InlineData(Reduction.Mean, 0f)]
    [InlineData(Reduction.Sum, 0.1f)]
    [InlineData(Reduction.None, 0.3f)]
    public void ProbabilityTargetGradient_MatchesFiniteDifferences(Reduction reduction, float smoothing)
    {
        float[] logits = KernelReference.Random(Rows * Classes, seed: 102, -3f, 3f);
        float[] targets = SoftTargets(Rows, Classes, seed: 103);
        foreach (float[]? weights in new[] { null, Weights })
        {
            var loss = new SoftmaxCrossEntropyLoss(Classes, smoothing, reduction, SoftmaxCrossEntropy.DefaultIgnoreIndex, TargetKind.Probabilities, weights);
            float[] gradient = (float[])logits.Clone();
            float value = loss.ForwardBackward(gradient, targets, Rows);

            double expected = LossReference.ProbabilityCrossEntropy(logits, targets, Rows, Classes, weights, smoothing, reduction);
            KernelReference.AssertClose(expected, value, 1e-6 * Math.Abs(expected), "loss");
            GradientCheck.AssertGradientMatches(
                () => LossReference.ProbabilityCrossEntropy(logits, targets, Rows, Classes, weights, smoothing, reduction),
                logits, gradient, "logits", eps: 1e-3, relativeTolerance: 1e-4, absoluteTolerance: 1e-6, maxElements: logits.Length);
        }
    }

    [Theory]
    [InlineData(Reduction.Mean, -100)]
    [InlineData(Reduction.Sum, 2)]
    [InlineData(Reduction.None, 0)]
    public void NllOfLogSoftmaxGradient_MatchesFiniteDifferences(Reduction reduction, int ignoreIndex)
    {
        float[] logits = KernelReference.Random(Rows * Classes, seed: 104, -3f, 3f);
        int[] labels = [2, 0, 5, 6, 1, 2];
        var loss = new NllLoss(Classes, reduction, ignoreIndex, Weights);
        float[] gradient = (float[])logits.Clone();
        float value = loss.ForwardBackward(gradient, labels, Rows);

        double expected = LossReference.CrossEntropy(logits, labels, Rows, Classes, Weights, ignoreIndex, 0, reduction);
        KernelReference.AssertClose(expected, value, 1e-6 * Math.Abs(expected), "loss");
        GradientCheck.AssertGradientMatches(
            () => LossReference.CrossEntropy(logits, labels, Rows, Classes, Weights, ignoreIndex, 0, reduction),
            logits, gradient, "logits", eps: 1e-3, relativeTolerance: 1e-4, absoluteTolerance: 1e-6, maxElements: logits.Length);
    }

    [Theory]
    [InlineData(Reduction.Mean, 1)]
    [InlineData(Reduction.Mean, 9)]
    [InlineData(Reduction.Sum, 9)]
    [InlineData(Reduction.None, 3)]
    public void BinaryCrossEntropyGradient_MatchesFiniteDifferences(Reduction reduction, int outputs)
    {
        float[] logits = KernelReference.Random(Rows * outputs, seed: 105, -4f, 4f);
        float[] targets = KernelReference.Random(Rows * outputs, seed: 106, 0f, 1f);
        for (int i = 0; i < targets.Length; i += 3)
        {
            targets[i] = i % 2;
        }

        float[] weights = KernelReference.Random(outputs, seed: 107, 0f, 2f);
        float[] posWeight = KernelReference.Random(outputs, seed: 108, 0f, 5f);
        foreach ((float[]? w, float[]? p) in new (float[]?, float[]?)[] { (null, null), (weights, null), (null, posWeight), (weights, posWeight) })
        {
            var loss = new BinaryCrossEntropyWithLogitsLoss(outputs, reduction, w, p);
            float[] gradient = (float[])logits.Clone();
            float[] losses = new float[Rows * outputs];
            float value = loss.ForwardBackward(gradient, targets, losses, Rows);

            double[] expectedLosses = new double[Rows * outputs];
            double expected = LossReference.BinaryCrossEntropy(logits, targets, Rows, outputs, w, p, reduction, expectedLosses);
            KernelReference.AssertClose(expected, value, 1e-6 * Math.Abs(expected), "loss");
            for (int i = 0; i < losses.Length; i++)
            {
                KernelReference.AssertClose(expectedLosses[i], losses[i], 1e-6 * Math.Max(1e-3, Math.Abs(expectedLosses[i])), $"losses[{i}]");
            }

            GradientCheck.AssertGradientMatches(
                () => LossReference.BinaryCrossEntropy(logits, targets, Rows, outputs, w, p, reduction),
                logits, gradient, "logits", eps: 1e-3, relativeTolerance: 1e-4, absoluteTolerance: 1e-6, maxElements: logits.Length);
        }
    }

    [Fact]
    public void LogitsOfMagnitude1e4_GiveFiniteAccurateLossesAndGradients()
    {
        const int rows = 5, classes = 9;
        float[] logits = KernelReference.Random(rows * classes, seed: 111, -1e4f, 1e4f);
        logits[0] = 1e4f;
        logits[^1] = -1e4f;
        int[] labels = [0, 3, 8, 1, 4];
        float[] targets = SoftTargets(rows, classes, seed: 112);
        float[] weights = KernelReference.Random(classes, seed: 113, 0.1f, 2f);

        var index = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.Mean, -100, TargetKind.ClassIndices, weights);
        AssertFiniteAndClose(
            LossReference.CrossEntropy(logits, labels, rows, classes, weights, -100, 0.1, Reduction.Mean),
            g => index.ForwardBackward(g, labels, rows),
            logits);

        var probabilities = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.Sum, -100, TargetKind.Probabilities, weights);
        AssertFiniteAndClose(
            LossReference.ProbabilityCrossEntropy(logits, targets, rows, classes, weights, 0.1, Reduction.Sum),
            g => probabilities.ForwardBackward(g, targets, rows),
            logits);

        var nll = new NllLoss(classes, Reduction.Mean, -100, weights);
        AssertFiniteAndClose(
            LossReference.CrossEntropy(logits, labels, rows, classes, weights, -100, 0, Reduction.Mean),
            g => nll.ForwardBackward(g, labels, rows),
            logits);

        float[] binaryTargets = KernelReference.Random(rows * classes, seed: 114, 0f, 1f);
        float[] posWeight = KernelReference.Random(classes, seed: 115, 0.5f, 4f);
        var bce = new BinaryCrossEntropyWithLogitsLoss(classes, Reduction.Mean, weights, posWeight);
        AssertFiniteAndClose(
            LossReference.BinaryCrossEntropy(logits, binaryTargets, rows, classes, weights, posWeight, Reduction.Mean),
            g => bce.ForwardBackward(g, binaryTargets, rows),
            logits);
    }

    [Fact]
    public void ConfidentCorrectBinaryPredictions_KeepTheirTinyLossAndGradient()
    {
        float[] logits = [30f, -30f, 20f, -17f];
        float[] targets = [1f, 0f, 1f, 0f];
        float[] gradient = (float[])logits.Clone();
        float loss = BinaryCrossEntropyWithLogits.ForwardBackward(gradient, targets, [], 1, 4, [], [], Reduction.Sum);

        double expected = LossReference.BinaryCrossEntropy(logits, targets, 1, 4, null, null, Reduction.Sum);
        KernelReference.AssertClose(expected, loss, 1e-6 * expected, "loss");
        Assert.Equal(-Math.Exp(-30), gradient[0], 1e-6 * Math.Exp(-30));
        Assert.Equal(Math.Exp(-30), gradient[1], 1e-6 * Math.Exp(-30));
    }

    [Fact]
    public void MaskedClasses_WithNegativeInfinityLogits_GiveFiniteLossesAndZeroGradients()
    {
        const int rows = 3, classes = 8;
        float[] logits = KernelReference.Random(rows * classes, seed: 121, -2f, 2f);
        int[] masked = [1, 2, classes + 5, (2 * classes) + 7];
        foreach (int i in masked)
        {
            logits[i] = float.NegativeInfinity;
        }

        int[] labels = [0, 3, 6];
        float[] targets = new float[rows * classes];
        targets[0] = 0.7f;
        targets[4] = 0.3f;
        targets[classes + 3] = 1f;
        targets[(2 * classes) + 6] = 0.5f;
        targets[(2 * classes) + 1] = 0.5f;
        float[] weights = KernelReference.Random(classes, seed: 122, 0.5f, 2f);
        weights[2] = 0f;

        var index = new SoftmaxCrossEntropyLoss(classes, 0f, Reduction.Mean, -100, TargetKind.ClassIndices, weights);
        float[] g1 = AssertFiniteAndClose(LossReference.CrossEntropy(logits, labels, rows, classes, weights, -100, 0, Reduction.Mean), g => index.ForwardBackward(g, labels, rows), logits);

        // PyTorch forms 0 * -inf = NaN for a masked class with target 0; StaticGrad takes 0·log 0 = 0 (the limit).
        var probabilities = new SoftmaxCrossEntropyLoss(classes, 0f, Reduction.Mean, -100, TargetKind.Probabilities, weights);
        float[] g2 = AssertFiniteAndClose(LossReference.ProbabilityCrossEntropy(logits, targets, rows, classes, weights, 0, Reduction.Mean), g => probabilities.ForwardBackward(g, targets, rows), logits);

        foreach (int i in masked)
        {
            Assert.Equal(0f, g1[i]);
            Assert.Equal(0f, g2[i]);
        }

        // With label smoothing a masked class gets target mass: the loss is +inf, as in PyTorch, the gradient finite.
        var smoothed = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.Mean);
        float[] g3 = (float[])logits.Clone();
        Assert.Equal(float.PositiveInfinity, smoothed.ForwardBackward(g3, labels, rows));
        Assert.All(g3, g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void FiftyThousandClasses_MatchTheDoubleReference()
    {
        const int rows = 2, classes = 50_000;
        float[] logits = KernelReference.Random(rows * classes, seed: 131, -20f, 20f);
        int[] labels = [12_345, 49_999];
        float[] weights = KernelReference.Random(classes, seed: 132, 0f, 2f);
        float[] targets = SoftTargets(rows, classes, seed: 133);

        var index = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.Mean, 7, TargetKind.ClassIndices, weights);
        AssertFiniteAndClose(LossReference.CrossEntropy(logits, labels, rows, classes, weights, 7, 0.1, Reduction.Mean), g => index.ForwardBackward(g, labels, rows), logits);

        var probabilities = new SoftmaxCrossEntropyLoss(classes, 0.05f, Reduction.Sum, -100, TargetKind.Probabilities, weights);
        AssertFiniteAndClose(LossReference.ProbabilityCrossEntropy(logits, targets, rows, classes, weights, 0.05, Reduction.Sum), g => probabilities.ForwardBackward(g, targets, rows), logits);

        float[] binaryTargets = KernelReference.Random(rows * classes, seed: 134, 0f, 1f);
        var bce = new BinaryCrossEntropyWithLogitsLoss(classes, Reduction.Mean, weights, null);
        AssertFiniteAndClose(LossReference.BinaryCrossEntropy(logits, binaryTargets, rows, classes, weights, null, Reduction.Mean), g => bce.ForwardBackward(g, binaryTargets, rows), logits);
    }

    [Fact]
    public void AllRowsIgnored_GiveNaNMeanZeroSumAndZeroGradient()
    {
        float[] logits = KernelReference.Random(3 * 4, seed: 141);
        int[] labels = [-100, -100, -100];
        float[] gradient = (float[])logits.Clone();
        Assert.True(float.IsNaN(new SoftmaxCrossEntropyLoss(4, 0.1f, Reduction.Mean).ForwardBackward(gradient, labels, 3)));
        Assert.All(gradient, g => Assert.Equal(0f, g));
        gradient = (float[])logits.Clone();
        Assert.Equal(0f, new NllLoss(4, Reduction.Sum, -100, null).ForwardBackward(gradient, labels, 3));
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void LabelsAreValidatedAgainstClassesAndTheIgnoreIndex_BeforeAnythingIsWritten()
    {
        var loss = new SoftmaxCrossEntropyLoss(10, 0f, Reduction.Mean, 255, TargetKind.ClassIndices, null);
        loss.ValidateLabels([0, 9, 255]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => loss.ValidateLabels([0, 9, 255, -100]));
        Assert.Equal("labels", e.ParamName);
        Assert.StartsWith("labels[3] = -100 is outside [0, 10) and is not the ignore index 255.", e.Message, StringComparison.Ordinal);

        new SoftmaxCrossEntropyLoss(10, 0f, Reduction.Mean).ValidateLabels([-100, 3]);
        float[] logits = KernelReference.Random(2 * 10, seed: 142);
        float[] copy = (float[])logits.Clone();
        float[] losses = new float[2];
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new NllLoss(10, Reduction.None, -1, null).ForwardBackward(logits, [3, 10], losses, 2));
        Assert.StartsWith("labels[1] = 10 is outside [0, 10) and is not the ignore index -1.", e.Message, StringComparison.Ordinal);
        Assert.Equal(copy, logits);
        Assert.Equal(new float[2], losses);
    }

    [Fact]
    public void ClassWeights_AreValidatedWhenSet()
    {
        var loss = new SoftmaxCrossEntropyLoss(3, 0f, Reduction.Mean);
        Assert.True(loss.ClassWeights.IsEmpty);
        loss.SetClassWeights([1f, 0f, 2f]);
        Assert.Equal(new[] { 1f, 0f, 2f }, loss.ClassWeights.ToArray());

        var length = Assert.Throws<ArgumentException>(() => loss.SetClassWeights([1f, 2f]));
        Assert.Equal("weights", length.ParamName);
        Assert.StartsWith("Expected 3 class weights (one per class), got 2.", length.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => loss.SetClassWeights([1f, -0.5f, 2f]));
        Assert.StartsWith("weights[1] = -0.5; class weights must be finite and non-negative.", negative.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.SetClassWeights([1f, 1f, float.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NllLoss(3, Reduction.Mean, -100, null).SetClassWeights([1f, float.PositiveInfinity, 1f]));
        Assert.Equal(new[] { 1f, 0f, 2f }, loss.ClassWeights.ToArray());

        loss.ClearClassWeights();
        Assert.True(loss.ClassWeights.IsEmpty);

        var bce = new BinaryCrossEntropyWithLogitsLoss(2, Reduction.Mean, null, null);
        Assert.Throws<ArgumentException>(() => bce.SetPosWeight([3f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => bce.SetWeights([1f, -1f]));
        bce.SetPosWeight([3f, 0.5f]);
        Assert.Equal(new[] { 3f, 0.5f }, bce.PosWeight.ToArray());
    }

    [Fact]
    public void ClassWeightsFromCounts_AreInverseFrequency()
    {
        Assert.Equal(new[] { 1f, 1f, 1f }, ClassWeights.InverseFrequency([5, 5, 5]));
        float[] weights = ClassWeights.InverseFrequency([90, 10, 0, 20]);
        Assert.Equal(120.0 / (4 * 90), weights[0], 6);
        Assert.Equal(120.0 / (4 * 10), weights[1], 6);
        Assert.Equal(0f, weights[2]);
        Assert.Equal(new[] { 2, 0, 1 }, ClassWeights.CountLabels([0, 2, 0], 3));
        Assert.Equal(new[] { 1, 2 }, ClassWeights.CountLabels(new byte[] { 1, 0, 1 }.AsSpan(), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassWeights.CountLabels([0, 3], 3));
        Assert.Throws<ArgumentException>(() => ClassWeights.InverseFrequency([0, 0]));
        Assert.Equal(9f, ClassWeights.PositiveWeight(positives: 100, negatives: 900));
    }

    [Fact]
    public void TheDeclaredTargetKindIsEnforced()
    {
        var indices = new SoftmaxCrossEntropyLoss(3, 0f, Reduction.Mean);
        var probabilities = new SoftmaxCrossEntropyLoss(3, 0f, Reduction.Mean, -100, TargetKind.Probabilities, null);
        Assert.Throws<InvalidOperationException>(() => indices.ForwardBackward(new float[3], new float[3], 1));
        Assert.Throws<InvalidOperationException>(() => probabilities.ForwardBackward(new float[3], new int[1], 1));
    }

    [Fact]
    public void KernelArgumentsAreCheckedByName()
    {
        float[] logits = new float[12];
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, new int[3], [], 3, 4, new float[3], -100, 0f, Reduction.Mean)).ParamName);
        Assert.Equal("losses", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, new int[3], new float[2], 3, 4, [], -100, 0f, Reduction.None)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, new float[11], [], 3, 4, [], 0f, Reduction.Mean)).ParamName);
        Assert.Equal("posWeight", Assert.Throws<ArgumentException>(() => BinaryCrossEntropyWithLogits.ForwardBackward(logits, new float[12], [], 3, 4, [], new float[2], Reduction.Mean)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryCrossEntropyWithLogits.Loss(logits, new float[12], [], 3, 4, [], [], (Reduction)9)).ParamName);
    }

    [Fact]
    public void LogSoftmaxAndSigmoidRows_MatchTheDoubleReference()
    {
        float[] values = KernelReference.Random(3 * 37, seed: 151, -30f, 30f);
        values[5] = float.NegativeInfinity;
        float[] logSoftmax = (float[])values.Clone();
        LogSoftmax.Rows(logSoftmax, 3, 37);
        for (int r = 0; r < 3; r++)
        {
            double[] expected = LossReference.LogSoftmax(values.AsSpan(r * 37, 37));
            for (int c = 0; c < 37; c++)
            {
                Assert.Equal(expected[c], logSoftmax[(r * 37) + c], 1e-4);
            }
        }

        float[] sigmoid = (float[])values.Clone();
        Sigmoid.Apply(sigmoid);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-(double)values[i])), sigmoid[i], 1e-6);
        }
    }

    [Fact]
    public void FusedLosses_DoNotAllocate()
    {
        const int rows = 9, classes = 11;
        float[] logits = KernelReference.Random(rows * classes, seed: 161);
        int[] labels = KernelReference.RandomLabels(rows, classes, seed: 162);
        labels[2] = -100;
        float[] targets = SoftTargets(rows, classes, seed: 163);
        float[] losses = new float[rows * classes];
        var index = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.None, -100, TargetKind.ClassIndices, KernelReference.Random(classes, seed: 164, 0f, 2f));
        var probabilities = new SoftmaxCrossEntropyLoss(classes, 0.1f, Reduction.Mean, -100, TargetKind.Probabilities, KernelReference.Random(classes, seed: 165, 0f, 2f));
        var nll = new NllLoss(classes, Reduction.Mean, -100, null);
        var bce = new BinaryCrossEntropyWithLogitsLoss(classes, Reduction.Mean, KernelReference.Random(classes, seed: 166, 0f, 2f), KernelReference.Random(classes, seed: 167, 0f, 2f));
        AllocationAssert.None("softmax cross-entropy, reduction none", () => index.ForwardBackward(logits, labels, losses, rows), calls: 50);
        AllocationAssert.None("softmax cross-entropy, probability targets", () => probabilities.ForwardBackward(logits, targets, rows), calls: 50);
        AllocationAssert.None("NLL", () => nll.ForwardBackward(logits, labels, rows), calls: 50);
        AllocationAssert.None("BCE with logits", () => bce.ForwardBackward(logits, targets, losses, rows), calls: 50);
        AllocationAssert.None("LogSoftmax.Rows", () => LogSoftmax.Rows(logits, rows, classes), calls: 50);
        AllocationAssert.None("Sigmoid.Apply", () => Sigmoid.Apply(logits), calls: 50);
    }

    /// <summary>Rows of random probabilities (each sums to 1).</summary>
    internal static float[] SoftTargets(int rows, int classes, ulong seed)
    {
        float[] targets = KernelReference.Random(rows * classes, seed, 0f, 1f);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = targets.AsSpan(r * classes, classes);
            float sum = 0;
            foreach (float t in row)
            {
                sum += t;
            }

            for (int c = 0; c < classes; c++)
            {
                row[c] /= sum;
            }
        }

        return targets;
    }

    /// <summary>Runs <paramref name="forwardBackward"/> on a copy of the logits; checks the loss (1e-6 relative) and that every gradient is finite.</summary>
    private static float[] AssertFiniteAndClose(double expected, Func<float[], float> forwardBackward, float[] logits)
    {
        Assert.True(double.IsFinite(expected), $"reference {expected}");
        float[] gradient = (float[])logits.Clone();
        float loss = forwardBackward(gradient);
        KernelReference.AssertClose(expected, loss, 1e-6 * Math.Max(1, Math.Abs(expected)), "loss");
        Assert.All(gradient, g => Assert.True(float.IsFinite(g), $"gradient {g}"));
        return gradient;
    }
}
