using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// <see cref="BinaryCrossEntropy"/> (PyTorch's <c>nn.BCELoss</c> on probabilities) and <see cref="BinaryCrossEntropyLoss"/>
/// against a scalar double reference of PyTorch 1.13's formulas, finite differences, the -100 floor of each log and the
/// 1e-12 floor of the gradient's denominator, the refusal of probabilities outside [0, 1], and the argument checks.
/// </summary>
public sealed class BinaryCrossEntropyKernelTests
{
    private const int Rows = 5;

    /// <summary>
    /// Probabilities at the edges (0 and 1 exactly, where a log is floored; tiny, where <c>1 - p</c> rounds to 1; one ulp
    /// below 1) and targets 0, 1, soft, and outside [0, 1] (not checked, as in PyTorch 1.13).
    /// </summary>
    private static readonly (float P, float Y)[] Edges =
    [
        (0f, 0f), (0f, 1f), (1f, 1f), (1f, 0f), (0f, 0.25f), (1f, 0.75f),
        (1e-30f, 1f), (1e-30f, 0f), (1e-7f, 0.5f), (1f - 5.9604645e-8f, 0f), (1f - 5.9604645e-8f, 1f),
        (0.5f, 0.5f), (0.3f, 1.5f), (0.8f, -0.5f), (1e-12f, 0.1f), (0.999f, 1f),
    ];

    [Theory]
    [InlineData(Reduction.Mean, 1, false)]
    [InlineData(Reduction.Mean, 16, true)]
    [InlineData(Reduction.Sum, 16, false)]
    [InlineData(Reduction.Sum, 7, true)]
    [InlineData(Reduction.None, 16, true)]
    public void LossesAndGradient_MatchTheScalarReference(Reduction reduction, int outputs, bool weighted)
    {
        (float[] p, float[] y) = EdgeInputs(outputs);
        float[]? weights = weighted ? KernelReference.Random(outputs, seed: 303, 0f, 2f) : null;
        if (weights is not null)
        {
            weights[0] = 0f;
        }

        var loss = new BinaryCrossEntropyLoss(outputs, reduction, weights);
        float[] gradient = (float[])p.Clone();
        float[] losses = new float[p.Length];
        float value = loss.ForwardBackward(gradient, y, losses, Rows);

        double[] expectedLosses = new double[p.Length];
        double expected = Reference(p, y, outputs, weights, reduction, expectedLosses);
        KernelReference.AssertClose(expected, value, 1e-6 * Math.Abs(expected), "loss");
        for (int i = 0; i < p.Length; i++)
        {
            string what = $"element {i} (p = {p[i]:R}, y = {y[i]:R})";
            KernelReference.AssertClose(expectedLosses[i], losses[i], 1e-6 * Math.Max(1e-30, Math.Abs(expectedLosses[i])), $"loss of {what}");
            double g = ReferenceGradient(p[i], y[i], W(weights, i % outputs), reduction == Reduction.Mean ? p.Length : 1);
            KernelReference.AssertClose(g, gradient[i], 1e-6 * Math.Abs(g), $"gradient of {what}");
        }

        Assert.True(loss.Evaluate(p, y, Rows).Equals(value), "Evaluate gives ForwardBackward's loss");
        float[] evaluated = new float[p.Length];
        Assert.True(BinaryCrossEntropy.Loss(p, y, evaluated, Rows, outputs, weights, reduction).Equals(value));
        Assert.Equal(losses, evaluated);
        float[] withoutLosses = (float[])p.Clone();
        Assert.True(loss.ForwardBackward(withoutLosses, y, Rows).Equals(value));
        Assert.Equal(gradient, withoutLosses);
    }

    [Theory]
    [InlineData(Reduction.Mean, 1)]
    [InlineData(Reduction.Mean, 9)]
    [InlineData(Reduction.Sum, 9)]
    [InlineData(Reduction.None, 3)]
    public void Gradient_MatchesFiniteDifferences(Reduction reduction, int outputs)
    {
        float[] p = KernelReference.Random(Rows * outputs, seed: 311, 0.03f, 0.97f);
        float[] y = KernelReference.Random(Rows * outputs, seed: 312, 0f, 1f);
        for (int i = 0; i < y.Length; i += 3)
        {
            y[i] = i % 2;
        }

        float[] weights = KernelReference.Random(outputs, seed: 313, 0f, 2f);
        foreach (float[]? w in new[] { null, weights })
        {
            float[] gradient = (float[])p.Clone();
            BinaryCrossEntropy.ForwardBackward(gradient, y, [], Rows, outputs, w, reduction);
            GradientCheck.AssertGradientMatches(
                () => Reference(p, y, outputs, w, reduction),
                p, gradient, "probabilities", eps: 1e-4, relativeTolerance: 1e-3, absoluteTolerance: 1e-5, maxElements: p.Length);
        }
    }

    [Fact]
    public void EachLogIsFlooredAtMinus100_AndTheDenominatorAt1e12_AsInPyTorch()
    {
        // p = 0 with y = 1 and p = 1 with y = 0: log 0 = -inf becomes -100, so the loss is 100 (times the weight).
        float[] p = [0f, 1f, 0f, 1f, 1e-45f, 0.5f];
        float[] y = [1f, 0f, 0f, 1f, 1f, 1f];
        float[] weights = [2f, 0.5f, 1f, 1f, 1f, 1f];
        float[] losses = new float[6];
        float[] gradient = (float[])p.Clone();
        float sum = BinaryCrossEntropy.ForwardBackward(gradient, y, losses, 1, 6, weights, Reduction.Sum);

        Assert.Equal([200f, 50f, 0f, 0f, 100f, MathF.Log(2f)], losses);
        Assert.Equal(350f + MathF.Log(2f), sum, 4);

        // w·(p - y) / max((1 - p)·p, 1e-12): the floor turns a certain wrong answer into a large finite gradient.
        Assert.Equal(2f * (-1f / 1e-12f), gradient[0]);
        Assert.Equal(0.5f * (1f / 1e-12f), gradient[1]);
        Assert.Equal(0f, gradient[2]);
        Assert.Equal(0f, gradient[3]);
        Assert.Equal(-1f / 1e-12f, gradient[4]);
        Assert.Equal(-2f, gradient[5]);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void OneMinusPIsRoundedToFloatBeforeItsLog_AsPyTorch113Does()
    {
        // PyTorch 1.13 computes log(1 - p), not log1p(-p): below 2^-25, 1 - p rounds to 1 and the 1 - y side costs 0.
        float[] p = [1e-10f, 1e-8f, 1e-4f];
        float[] losses = new float[3];
        BinaryCrossEntropy.Loss(p, [0f, 0f, 0f], losses, 1, 3, [], Reduction.None);
        Assert.Equal(0f, losses[0]);
        Assert.Equal(0f, losses[1]);

        // PyTorch 1.13's float32 F.binary_cross_entropy(1e-4, 0) (log1p would give 1.00005e-4).
        Assert.Equal(0.00010002159f, losses[2]);
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(-1e-7f)]
    [InlineData(1.0000001f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ProbabilitiesOutside0To1_AreRefusedBeforeAnythingIsWritten(float bad)
    {
        float[] p = [0.25f, 0.5f, 0.75f, bad, 0.5f, 0.5f];
        float[] original = (float[])p.Clone();
        float[] losses = new float[6];
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => BinaryCrossEntropy.ForwardBackward(p, new float[6], losses, 2, 3, [], Reduction.Mean));
        Assert.Equal("probabilities", exception.ParamName);
        Assert.Contains("probabilities[3] = ", exception.Message, StringComparison.Ordinal);
        Assert.Contains("all elements of input should be between 0 and 1", exception.Message, StringComparison.Ordinal);
        Assert.Equal(original, p);
        Assert.Equal(new float[6], losses);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryCrossEntropyLoss(3, Reduction.Sum, null).Evaluate(p, new float[6], 2));
    }

    [Fact]
    public void TargetsAreNotChecked_AsInPyTorch113()
    {
        // PyTorch 1.13 computes the formula for a target outside [0, 1] and propagates a NaN target.
        float[] p = [0.5f, 0.25f, 0.5f];
        float[] y = [1.5f, -0.5f, float.NaN];
        float[] losses = new float[3];
        float[] gradient = (float[])p.Clone();
        BinaryCrossEntropy.ForwardBackward(gradient, y, losses, 1, 3, [], Reduction.None);
        Assert.Equal(MathF.Log(2f), losses[0], 6);
        Assert.Equal((-1.5 * Math.Log(0.75)) + (0.5 * Math.Log(0.25)), losses[1], 6);
        Assert.True(float.IsNaN(losses[2]) && float.IsNaN(gradient[2]));
        Assert.Equal(-1f / 0.25f, gradient[0]);
    }

    [Fact]
    public void ArgumentsAreCheckedByName()
    {
        float[] p = new float[12];
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => BinaryCrossEntropy.ForwardBackward(p, new float[12], [], 3, 4, new float[3], Reduction.Mean)).ParamName);
        Assert.Equal("losses", Assert.Throws<ArgumentException>(() => BinaryCrossEntropy.ForwardBackward(p, new float[12], new float[11], 3, 4, [], Reduction.None)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => BinaryCrossEntropy.Loss(p, new float[11], [], 3, 4, [], Reduction.Mean)).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => BinaryCrossEntropy.Loss(p, new float[16], [], 4, 4, [], Reduction.Mean)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryCrossEntropy.Loss(p, new float[12], [], 3, 4, [], (Reduction)9)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryCrossEntropy.Loss(p, new float[12], [], 3, 0, [], Reduction.Sum)).ParamName);
        Assert.True(float.IsNaN(BinaryCrossEntropy.Loss([], [], [], 0, 4, [], Reduction.Mean)));
    }

    [Fact]
    public void LayerWeights_AreValidatedSetAndCleared()
    {
        Assert.Throws<ArgumentException>(() => new BinaryCrossEntropyLoss(3, Reduction.Mean, [1f, 2f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryCrossEntropyLoss(3, (Reduction)5, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryCrossEntropyLoss(0, Reduction.Mean, null));
        var loss = new BinaryCrossEntropyLoss(2, Reduction.Sum, null);
        Assert.Equal("BCELoss()", loss.ToString());
        Assert.True(loss.Weights.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.SetWeights([1f, float.NaN]));
        loss.SetWeights([2f, 0f]);
        Assert.Equal([2f, 0f], loss.Weights.ToArray());
        Assert.Equal(2f * MathF.Log(2f), loss.Evaluate([0.5f, 0.5f], [1f, 1f], 1), 6);
        loss.ClearWeights();
        Assert.Equal(2f * MathF.Log(2f), loss.Evaluate([0.5f, 0.5f], [0f, 1f], 1), 6);
    }

    [Fact]
    public void ForwardBackward_DoesNotAllocate()
    {
        const int outputs = 11;
        float[] p = KernelReference.Random(Rows * outputs, seed: 321, 0f, 1f);
        float[] y = KernelReference.Random(Rows * outputs, seed: 322, 0f, 1f);
        float[] losses = new float[p.Length];
        var loss = new BinaryCrossEntropyLoss(outputs, Reduction.Mean, KernelReference.Random(outputs, seed: 323, 0f, 2f));
        float[] work = new float[p.Length];
        AllocationAssert.None("BCE", () =>
        {
            p.CopyTo(work, 0);
            loss.ForwardBackward(work, y, losses, Rows);
        }, calls: 50);
        AllocationAssert.None("BCE evaluate", () => loss.Evaluate(p, y, Rows), calls: 50);
    }

    /// <summary>Rows of <paramref name="outputs"/> values: the edge pairs first (cycled), then seeded random ones.</summary>
    private static (float[] P, float[] Y) EdgeInputs(int outputs)
    {
        float[] p = KernelReference.Random(Rows * outputs, seed: 301, 0f, 1f);
        float[] y = KernelReference.Random(Rows * outputs, seed: 302, 0f, 1f);
        for (int i = 0; i < Math.Min(p.Length, Edges.Length * 2); i++)
        {
            (p[i], y[i]) = Edges[i % Edges.Length];
        }

        return (p, y);
    }

    /// <summary>PyTorch 1.13's loss in double: <c>-w·[y·max(log p, -100) + (1 - y)·max(log(1 - p), -100)]</c> (<c>1 - p</c> in float, as PyTorch forms it), reduced.</summary>
    private static double Reference(float[] p, float[] y, int outputs, float[]? weights, Reduction reduction, double[]? perElement = null)
    {
        double total = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double loss = -W(weights, i % outputs) * ((y[i] * Math.Max(Math.Log(p[i]), -100)) + ((1 - (double)y[i]) * Math.Max(Math.Log(1f - p[i]), -100)));
            total += loss;
            if (perElement is not null)
            {
                perElement[i] = loss;
            }
        }

        return reduction == Reduction.Mean ? total / p.Length : total;
    }

    /// <summary>PyTorch 1.13's <c>binary_cross_entropy_backward</c> in double: <c>w·(p - y) / max((1 - p)·p, 1e-12) / n</c>.</summary>
    private static double ReferenceGradient(double p, double y, double w, int n) => w * (p - y) / Math.Max((1 - p) * p, 1e-12) / n;

    private static double W(float[]? weights, int k) => weights is null ? 1 : weights[k];
}
