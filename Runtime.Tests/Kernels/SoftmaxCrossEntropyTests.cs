using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class SoftmaxCrossEntropyTests
{
    public static TheoryData<int, int, float, Reduction> Cases()
    {
        var data = new TheoryData<int, int, float, Reduction>();
        int[][] shapes = [[1, 1], [7, 33], [33, 7], [3, 785], [2, 10], [1, 129]];
        foreach (int[] s in shapes)
        {
            foreach (float smoothing in new[] { 0f, 0.1f })
            {
                foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
                {
                    data.Add(s[0], s[1], smoothing, reduction);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardBackward_MatchesDoubleReference(int rows, int classes, float smoothing, Reduction reduction)
    {
        float[] logits = KernelReference.Random(rows * classes, seed: (ulong)((rows * 7) + classes), -4f, 4f);
        int[] labels = KernelReference.RandomLabels(rows, classes, seed: (ulong)classes);
        float[] gradient = (float[])logits.Clone();

        float loss = SoftmaxCrossEntropy.ForwardBackward(gradient, labels, rows, classes, smoothing, reduction);

        double expectedLoss = KernelReference.CrossEntropy(logits, labels, rows, classes, smoothing, reduction);
        KernelReference.AssertClose(expectedLoss, loss, 1e-6 * Math.Max(1, Math.Abs(expectedLoss)), "loss");
        Assert.Equal(loss, SoftmaxCrossEntropy.Loss(logits, labels, rows, classes, smoothing, reduction));

        double[] expectedGradient = KernelReference.CrossEntropyGradient(logits, labels, rows, classes, smoothing, reduction);
        for (int i = 0; i < expectedGradient.Length; i++)
        {
            KernelReference.AssertClose(expectedGradient[i], gradient[i], 3e-7, $"gradient[{i / classes},{i % classes}]");
        }
    }

    [Theory]
    [InlineData(0f, Reduction.Mean)]
    [InlineData(0f, Reduction.Sum)]
    [InlineData(0.1f, Reduction.Mean)]
    [InlineData(0.1f, Reduction.Sum)]
    public void Gradient_MatchesFiniteDifferences(float smoothing, Reduction reduction)
    {
        const int Rows = 5, Classes = 13;
        float[] logits = KernelReference.Random(Rows * Classes, seed: 51, -3f, 3f);
        int[] labels = KernelReference.RandomLabels(Rows, Classes, seed: 52);
        float[] gradient = (float[])logits.Clone();
        SoftmaxCrossEntropy.ForwardBackward(gradient, labels, Rows, Classes, smoothing, reduction);

        GradientCheck.AssertGradientMatches(
            () => KernelReference.CrossEntropy(logits, labels, Rows, Classes, smoothing, reduction),
            logits, gradient, "logits", eps: 1e-3, relativeTolerance: 1e-4, absoluteTolerance: 1e-6, maxElements: 100);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void LargeLogits_AreStable(float smoothing)
    {
        const int Rows = 6, Classes = 10;
        float[] logits = KernelReference.Random(Rows * Classes, seed: 61, -1e4f, 1e4f);
        logits[3] = 1e4f;
        logits[Classes + 4] = -1e4f;
        int[] labels = KernelReference.RandomLabels(Rows, Classes, seed: 62);
        AssertMatchesReference(logits, labels, Rows, Classes, smoothing, lossTolerance: 1e-6);
    }

    /// <summary>
    /// Equal logits of any size give ln C, as PyTorch's <c>(x - max) - log Σ</c> does; <c>(max + log Σ) - x</c> lost the
    /// log to the spacing near max (1.390625 at 1e14, 2 at 1e16, 0 from 1e20). Every option goes through the same term.
    /// </summary>
    [Theory]
    [InlineData(1e8f)]
    [InlineData(1e12f)]
    [InlineData(1e14f)]
    [InlineData(1e16f)]
    [InlineData(1e20f)]
    [InlineData(-1e20f)]
    [InlineData(3e38f)]
    public void HugeEqualLogits_GiveTheLogOfTheClassCount(float magnitude)
    {
        const int Rows = 2, Classes = 4;
        float expected = (float)Math.Log(Classes);
        int[] labels = [0, 3];
        float[] losses = new float[Rows];
        float[] Logits() => [.. System.Linq.Enumerable.Repeat(magnitude, Rows * Classes)];
        foreach (float smoothing in new[] { 0f, 0.1f })
        {
            Assert.Equal(expected, SoftmaxCrossEntropy.Loss(Logits(), labels, Rows, Classes, smoothing, Reduction.Mean), 1e-6f);
            Assert.Equal(expected, SoftmaxCrossEntropy.ForwardBackward(Logits(), labels, Rows, Classes, smoothing, Reduction.Mean), 1e-6f);
            Assert.Equal(expected, SoftmaxCrossEntropy.Loss(Logits(), labels, losses, Rows, Classes, [1f, 2f, 3f, 4f], -100, smoothing, Reduction.Mean), 1e-6f);
            SoftmaxCrossEntropy.Loss(Logits(), labels, losses, Rows, Classes, [], -100, smoothing, Reduction.None);
            Assert.All(losses, loss => Assert.Equal(expected, loss, 1e-6f));
        }

        // The target's logit equal to the maximum, a tie of three and one far below: ln 3.
        float size = Math.Abs(magnitude);
        float[] tie = [size, size, -size, size];
        Assert.Equal((float)Math.Log(3), SoftmaxCrossEntropy.Loss(tie, [0], 1, Classes, 0f, Reduction.Mean), 1e-6f);
    }

    [Fact]
    public void NegativeInfinityLogits_OfOtherClasses_GiveFiniteLossAndZeroGradient()
    {
        const int Rows = 3, Classes = 37;
        float[] logits = KernelReference.Random(Rows * Classes, seed: 71, -2f, 2f);
        int[] labels = [4, 0, 36];
        int[] dead = [Classes + 1, Classes + 2, Classes + 20, Classes + 36, 5];
        foreach (int i in dead)
        {
            logits[i] = float.NegativeInfinity;
        }

        float[] gradient = AssertMatchesReference(logits, labels, Rows, Classes, smoothing: 0f, lossTolerance: 1e-6);
        foreach (int i in dead)
        {
            Assert.Equal(0f, gradient[i]);
        }
    }

    [Fact]
    public void NegativeInfinityLogit_WithSmoothing_GivesInfiniteLoss_AsPyTorch()
    {
        float[] logits = [1f, float.NegativeInfinity, 2f];
        Assert.Equal(float.PositiveInfinity, SoftmaxCrossEntropy.Loss(logits, [0], 1, 3, 0.1f, Reduction.Mean));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void FiftyThousandClasses_MatchDoubleReference(float smoothing)
    {
        const int Rows = 2, Classes = 50_000;
        float[] logits = KernelReference.Random(Rows * Classes, seed: 81, -20f, 20f);
        int[] labels = [12_345, 49_999];
        AssertMatchesReference(logits, labels, Rows, Classes, smoothing, lossTolerance: 1e-6);
    }

    [Fact]
    public void ZeroRows_GiveNaNMeanAndZeroSum_AsPyTorch()
    {
        Assert.True(float.IsNaN(SoftmaxCrossEntropy.ForwardBackward([], [], 0, 10, 0f, Reduction.Mean)));
        Assert.Equal(0f, SoftmaxCrossEntropy.ForwardBackward([], [], 0, 10, 0f, Reduction.Sum));
    }

    [Fact]
    public void Loss_DoesNotModifyTheLogits()
    {
        float[] logits = KernelReference.Random(3 * 5, seed: 91);
        float[] copy = (float[])logits.Clone();
        SoftmaxCrossEntropy.Loss(logits, [1, 2, 3], 3, 5, 0.2f, Reduction.Mean);
        Assert.Equal(copy, logits);
    }

    [Fact]
    public void ValidateLabels_NamesSampleValueAndRange()
    {
        int[] labels = [0, 1, 2, 3, 4, 12, 6];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ValidateLabels(labels, 10));
        Assert.Equal("labels", e.ParamName);
        Assert.StartsWith("labels[5] = 12 is outside [0, 10).", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ValidateLabels([3, -1], 10));
        Assert.StartsWith("labels[1] = -1 is outside [0, 10).", e.Message, StringComparison.Ordinal);

        SoftmaxCrossEntropy.ValidateLabels([0, 9], 10);
    }

    [Fact]
    public void ForwardBackward_RejectsBadLabels_BeforeTouchingTheLogits()
    {
        float[] logits = KernelReference.Random(2 * 4, seed: 92);
        float[] copy = (float[])logits.Clone();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, [1, 4], 2, 4, 0f, Reduction.Mean));
        Assert.Equal("labels", e.ParamName);
        Assert.Equal(copy, logits);
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        float[] logits = new float[20];
        int[] labels = new int[2];
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits.AsSpan(0, 19), labels, 2, 10, 0f, Reduction.Mean)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels.AsSpan(0, 1), 2, 10, 0f, Reduction.Mean)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, -1, 10, 0f, Reduction.Mean)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 2, 0, 0f, Reduction.Mean)).ParamName);
        Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 2, 10, 1.5f, Reduction.Mean)).ParamName);
        Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 2, 10, float.NaN, Reduction.Mean)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 2, 10, 0f, (Reduction)5)).ParamName);
    }

    /// <summary>Runs both entry points and checks loss (relative) and gradient (absolute) against the double reference; returns the gradient.</summary>
    private static float[] AssertMatchesReference(float[] logits, int[] labels, int rows, int classes, float smoothing, double lossTolerance)
    {
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double expected = KernelReference.CrossEntropy(logits, labels, rows, classes, smoothing, reduction);
            Assert.True(double.IsFinite(expected));
            float[] gradient = (float[])logits.Clone();
            float loss = SoftmaxCrossEntropy.ForwardBackward(gradient, labels, rows, classes, smoothing, reduction);
            KernelReference.AssertClose(expected, loss, lossTolerance * Math.Max(1, Math.Abs(expected)), $"{reduction} loss");
            Assert.Equal(loss, SoftmaxCrossEntropy.Loss(logits, labels, rows, classes, smoothing, reduction));

            double[] expectedGradient = KernelReference.CrossEntropyGradient(logits, labels, rows, classes, smoothing, reduction);
            for (int i = 0; i < expectedGradient.Length; i++)
            {
                Assert.True(float.IsFinite(gradient[i]), $"gradient[{i}] = {gradient[i]}");
                KernelReference.AssertClose(expectedGradient[i], gradient[i], 3e-7, $"{reduction} gradient[{i}]");
            }

            if (reduction == Reduction.Mean)
            {
                return gradient;
            }
        }

        throw new InvalidOperationException("unreachable");
    }
}
