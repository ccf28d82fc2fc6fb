using System;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Confident, correct predictions (logits 0 except a large value at the label): the loss is tiny, so an
/// exponential that is not exactly 1 at 0 (the row maximum's term) biases it. Compared with a double-precision
/// reference in the kernel the process runs (CI runs this class under each instruction-set setting), and
/// the row sums at every width explicitly.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class ConfidentPredictionTests
{
    public static TheoryData<int, float> Cases()
    {
        TheoryData<int, float> data = [];
        foreach (int classes in new[] { 8, 10, 16, 37, 1000 })
        {
            foreach (float confidence in new[] { 5f, 12f, 20f })
            {
                data.Add(classes, confidence);
            }
        }

        return data;
    }

    [Fact]
    public void IssueRepro_C16_N16_Sum_MatchesDoubleReference()
    {
        // PyTorch (float32) gives 1.4745430e-3 here; the double reference is 16·log(1 + 15·e^-12).
        const int N = 16, C = 16;
        (float[] logits, int[] labels) = Batch(N, C, 12f);
        float loss = SoftmaxCrossEntropy.ForwardBackward(logits, labels, N, C, 0f, Reduction.Sum);
        double expected = N * Math.Log(1 + ((C - 1) * Math.Exp(-12.0)));
        Assert.True(Math.Abs(loss - expected) <= 2e-6 * expected, $"loss {loss:R}, expected {expected:R} (relative error {Math.Abs(loss - expected) / expected:E2})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SoftmaxCrossEntropy_OnConfidentCorrectRows_MatchesDoubleReference(int classes, float confidence)
    {
        const int Rows = 16;
        (float[] logits, int[] labels) = Batch(Rows, classes, confidence);
        float[] gradient = (float[])logits.Clone();
        float loss = SoftmaxCrossEntropy.ForwardBackward(gradient, labels, Rows, classes, 0f, Reduction.Sum);
        AssertLossAndGradient(classes, confidence, Rows, loss, gradient, "softmax cross-entropy");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogSoftmaxThenNll_OnConfidentCorrectRows_MatchesDoubleReference(int classes, float confidence)
    {
        const int Rows = 16;
        (float[] logits, int[] labels) = Batch(Rows, classes, confidence);
        LogSoftmax.Rows(logits, Rows, classes);
        float loss = NegativeLogLikelihood.Loss(logits, labels, Span<float>.Empty, Rows, classes, ReadOnlySpan<float>.Empty, -100, Reduction.Sum);
        double expected = Rows * RowLoss(classes, confidence);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * expected, $"C={classes}: loss {loss:R}, expected {expected:R}");

        // Softmax's probabilities of the other classes, and of the label, to a few ulps.
        (float[] probabilities, _) = Batch(Rows, classes, confidence);
        Softmax.Rows(probabilities, Rows, classes);
        double other = 1 / (Math.Exp(confidence) + classes - 1);
        Assert.True(Math.Abs(probabilities[1] - other) <= 3e-7 * other, $"C={classes}: p = {probabilities[1]:R}, expected {other:R}");
        Assert.True(Math.Abs(probabilities[0] - (other * Math.Exp(confidence))) <= 1.2e-7, $"C={classes}: p(label) = {probabilities[0]:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RowSumOfExponentials_IsUnbiased_AtEveryWidth(int classes, float confidence)
    {
        (float[] logits, _) = Batch(1, classes, confidence);
        double expected = 1 + ((classes - 1) * Math.Exp(-confidence));
        float max = confidence;
        (string Name, double Sum)[] sums =
        [
            ("Simd512", SoftmaxRow.SumExp<Simd512, Vector512<float>>(ref logits[0], max, classes)),
            ("Simd256", SoftmaxRow.SumExp<Simd256, Vector256<float>>(ref logits[0], max, classes)),
            ("Simd128", SoftmaxRow.SumExp<Simd128, Vector128<float>>(ref logits[0], max, classes)),
            ("Scalar", SoftmaxRow.SumExp<ScalarOps, float>(ref logits[0], max, classes)),
        ];
        foreach ((string name, double sum) in sums)
        {
            // Σ - 1 is the loss; it must be right to float precision of e^-confidence, not of 1.
            Assert.True(Math.Abs((sum - 1) - (expected - 1)) <= 2e-7 * (expected - 1), $"{name}, C={classes}: Σ-1 = {sum - 1:R}, expected {expected - 1:R}");
            Assert.Equal(sums[^1].Sum, sum);
        }
    }

    /// <summary><c>log(1 + (C-1)·e^-L)</c>, the loss of one confident row, in double.</summary>
    private static double RowLoss(int classes, double confidence) => Math.Log(1 + ((classes - 1) * Math.Exp(-confidence)));

    private static void AssertLossAndGradient(int classes, float confidence, int rows, float loss, float[] gradient, string what)
    {
        double expected = rows * RowLoss(classes, confidence);
        Assert.True(Math.Abs(loss - expected) <= 1e-6 * expected, $"{what}, C={classes}, L={confidence}: loss {loss:R}, expected {expected:R} (relative error {Math.Abs(loss - expected) / expected:E2})");

        double other = 1 / (Math.Exp(confidence) + classes - 1);
        for (int r = 0; r < rows; r++)
        {
            double rowSum = 0;
            for (int j = 0; j < classes; j++)
            {
                rowSum += gradient[(r * classes) + j];
            }

            // The gradient of a row sums to 0: p_label - 1 = -(C-1)·p_other exactly in the reference.
            Assert.True(Math.Abs(rowSum) <= 4e-7 * (classes - 1) * other + 1e-12, $"{what}, C={classes}, row {r}: gradient sums to {rowSum:E3}");
            float g = gradient[(r * classes) + (((r * 7) + 1) % classes)];
            Assert.True(Math.Abs(g - other) <= 3e-7 * other, $"{what}, C={classes}: gradient {g:R}, expected {other:R}");
        }
    }

    /// <summary>Rows of zeros with <paramref name="confidence"/> at the label, the labels varying by row.</summary>
    private static (float[] Logits, int[] Labels) Batch(int rows, int classes, float confidence)
    {
        float[] logits = new float[rows * classes];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = (r * 7) % classes;
            logits[(r * classes) + labels[r]] = confidence;
        }

        return (logits, labels);
    }
}
