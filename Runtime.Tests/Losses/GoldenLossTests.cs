using System;
using System.Globalization;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// The cross-entropy family against PyTorch 1.13 (scripts/golden_losses.py): every loss, option and
/// combination, through the runtime loss classes the generated models call. Expected values are PyTorch's
/// formulas evaluated in float64 on the same float32 inputs.
/// </summary>
public sealed class GoldenLossTests
{
    /// <summary>Losses: relative to the expected value. Gradients: relative to the larger of the element and 1% of the tensor's largest element.</summary>
    private const double Tolerance = 1e-5;

    private readonly ITestOutputHelper _output;

    public GoldenLossTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (GoldenLossCase c in GoldenLosses.Cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void LossPerSampleLossesAndGradientMatchPyTorch(string name)
    {
        GoldenLossCase c = GoldenLosses.Get(name);

        Result result = Run(c);

        AssertClose(c.Loss, result.Loss, "loss");
        AssertSame(result.Loss, result.Evaluated, "Evaluate");
        if (c.Losses is not null)
        {
            for (int i = 0; i < c.Losses.Length; i++)
            {
                AssertClose(c.Losses[i], result.PerSample[i], $"losses[{i}]");
            }
        }

        Errors errors = GradientErrors(c.Gradient, result.Gradient);
        Assert.True(errors.Mismatch is null, $"{name}: gradient {errors.Mismatch}");
        Assert.True(errors.Relative <= Tolerance, $"{name}: gradient relative error {errors.Relative:E3} > {Tolerance:E0} at element {errors.WorstIndex}: expected {c.Gradient[errors.WorstIndex]:R}, got {result.Gradient[errors.WorstIndex]:R}");
    }

    [Fact]
    public void NllOfTheLogSoftmaxOutputMatchesPyTorch()
    {
        int checkedCases = 0;
        foreach (GoldenLossCase c in GoldenLosses.Cases.Where(c => c.Kind == "nll" && !c.Name.Contains("extreme", StringComparison.Ordinal)))
        {
            // What a [LogSoftmax] + [NllLoss] model's Forward returns, then the loss of those log-probabilities.
            float[] logProbabilities = (float[])c.Logits.Clone();
            LogSoftmax.Rows(logProbabilities, c.Rows, c.Cols);
            var loss = new NllLoss(c.Cols, c.Reduction, c.IgnoreIndex, c.Weights);
            AssertClose(c.Loss, loss.Evaluate(logProbabilities, c.Labels, c.Rows), c.Name);
            checkedCases++;
        }

        Assert.True(checkedCases >= 25, $"{checkedCases} NLL cases");
    }

    [Fact]
    public void FixtureCoversEveryOptionAndItsCombinations()
    {
        var cases = GoldenLosses.Cases;
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");
        foreach (string kind in new[] { "ce", "ce_prob", "nll", "bce" })
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            {
                Assert.Contains(cases, c => c.Kind == kind && c.Reduction == reduction && c.Weights is not null);
                Assert.Contains(cases, c => c.Kind == kind && c.Reduction == reduction && c.Weights is null);
            }

            Assert.Contains(cases, c => c.Kind == kind && c.Rows == 1);
            Assert.Contains(cases, c => c.Kind == kind && c.Logits.Any(x => MathF.Abs(x) >= 1e4f));
        }

        foreach (string kind in new[] { "ce", "nll" })
        {
            Assert.Contains(cases, c => c.Kind == kind && c.Labels!.Contains(-100) && c.Weights is not null);
            Assert.Contains(cases, c => c.Kind == kind && c.IgnoreIndex != -100 && c.Labels!.Contains(c.IgnoreIndex));
            Assert.Contains(cases, c => c.Kind == kind && c.Labels!.All(l => l == c.IgnoreIndex));
            Assert.Contains(cases, c => c.Kind == kind && c.Logits.Any(float.IsNegativeInfinity));
            Assert.Contains(cases, c => c.Kind == kind && c.Weights is not null && c.Weights.Contains(0f));
        }

        foreach (float smoothing in new[] { 0.2f, 1f })
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            {
                Assert.Contains(cases, c => c.Kind == "ce" && c.LabelSmoothing == smoothing && c.Reduction == reduction && c.Weights is not null && c.IgnoreIndex != -100);
            }
        }

        Assert.Contains(cases, c => c.Kind == "ce" && c.Labels!.All(l => l == c.IgnoreIndex) && c.Reduction == Reduction.Mean && double.IsNaN(c.Loss));
        Assert.Contains(cases, c => c.Kind == "ce_prob" && c.LabelSmoothing > 0 && c.Weights is not null);
        Assert.Contains(cases, c => c.Kind == "ce_prob" && c.Targets!.All(t => t is 0f or 1f));
        Assert.Contains(cases, c => c.Kind == "bce" && c.Cols == 1 && c.PosWeight is not null && c.Weights is not null);
        Assert.Contains(cases, c => c.Kind == "bce" && c.Cols > 1 && c.PosWeight is not null && c.Weights is not null && c.Reduction == Reduction.None);
        Assert.Contains(cases, c => c.Kind == "bce" && c.Targets!.Any(t => t is > 0f and < 1f));
        Assert.Contains(cases, c => c.Cols >= 2000);
    }

    [Fact]
    public void ReportsTheLargestErrors()
    {
        double loss = 0, gradient = 0, normwise = 0, elementwise = 0;
        string lossCase = string.Empty, gradientCase = string.Empty;
        foreach (GoldenLossCase c in GoldenLosses.Cases)
        {
            Result result = Run(c);
            if (double.IsFinite(c.Loss) && c.Loss != 0)
            {
                double error = Math.Abs(result.Loss - c.Loss) / Math.Abs(c.Loss);
                if (error > loss)
                {
                    (loss, lossCase) = (error, c.Name);
                }
            }

            Errors errors = GradientErrors(c.Gradient, result.Gradient);
            if (errors.Relative > gradient)
            {
                (gradient, gradientCase) = (errors.Relative, c.Name);
            }

            double scale = c.Gradient.Where(float.IsFinite).Select(g => Math.Abs((double)g)).DefaultIfEmpty(0).Max();
            for (int i = 0; i < c.Gradient.Length; i++)
            {
                if (float.IsFinite(c.Gradient[i]) && scale > 0)
                {
                    double error = Math.Abs((double)result.Gradient[i] - c.Gradient[i]);
                    normwise = Math.Max(normwise, error / scale);
                    if (Math.Abs(c.Gradient[i]) >= 1e-3 * scale)
                    {
                        elementwise = Math.Max(elementwise, error / Math.Abs(c.Gradient[i]));
                    }
                }
            }
        }

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{GoldenLosses.Cases.Count} cases; largest loss relative error {loss:E2} ({lossCase}); largest gradient relative error {gradient:E2} ({gradientCase})"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient: largest error relative to the tensor's largest element {normwise:E2}; largest elementwise relative error over elements >= 1e-3 of it {elementwise:E2}"));
        Assert.True(loss <= Tolerance && gradient <= Tolerance);
    }

    private readonly record struct Result(float Loss, float Evaluated, float[] Gradient, float[] PerSample);

    private readonly record struct Errors(double Relative, int WorstIndex, string? Mismatch);

    /// <summary>Runs the case through the runtime loss class the generator would create for it.</summary>
    private static Result Run(GoldenLossCase c)
    {
        float[] gradient = (float[])c.Logits.Clone();
        float[] perSample = new float[c.Kind == "bce" ? c.Rows * c.Cols : c.Rows];
        float loss, evaluated;
        switch (c.Kind)
        {
            case "ce":
            {
                var ce = new SoftmaxCrossEntropyLoss(c.Cols, c.LabelSmoothing, c.Reduction, c.IgnoreIndex, TargetKind.ClassIndices, c.Weights);
                loss = ce.ForwardBackward(gradient, c.Labels, perSample, c.Rows);
                evaluated = ce.Evaluate(c.Logits, c.Labels, c.Rows);
                break;
            }

            case "ce_prob":
            {
                var ce = new SoftmaxCrossEntropyLoss(c.Cols, c.LabelSmoothing, c.Reduction, SoftmaxCrossEntropy.DefaultIgnoreIndex, TargetKind.Probabilities, c.Weights);
                loss = ce.ForwardBackward(gradient, c.Targets, perSample, c.Rows);
                evaluated = ce.Evaluate(c.Logits, c.Targets, c.Rows);
                break;
            }

            case "nll":
            {
                // The fused pair: the logits are the last layer's values before its LogSoftmax.
                var nll = new NllLoss(c.Cols, c.Reduction, c.IgnoreIndex, c.Weights);
                loss = nll.ForwardBackward(gradient, c.Labels, perSample, c.Rows);
                evaluated = SoftmaxCrossEntropy.Loss(c.Logits, c.Labels, Span<float>.Empty, c.Rows, c.Cols, c.Weights, c.IgnoreIndex, 0f, c.Reduction);
                break;
            }

            default:
            {
                var bce = new BinaryCrossEntropyWithLogitsLoss(c.Cols, c.Reduction, c.Weights, c.PosWeight);
                loss = bce.ForwardBackward(gradient, c.Targets, perSample, c.Rows);
                evaluated = bce.Evaluate(c.Logits, c.Targets, c.Rows);
                break;
            }
        }

        return new Result(loss, evaluated, gradient, perSample);
    }

    /// <summary>
    /// The largest of <c>|actual - expected| / max(|expected|, 0.01·M)</c>, M the tensor's largest finite |expected|
    /// (elements far below the tensor's scale are compared against 1% of it), and whether NaN and infinite
    /// elements agree.
    /// </summary>
    private static Errors GradientErrors(float[] expected, float[] actual)
    {
        double scale = 0;
        foreach (float e in expected)
        {
            if (float.IsFinite(e))
            {
                scale = Math.Max(scale, Math.Abs(e));
            }
        }

        double worst = 0;
        int worstIndex = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (!float.IsFinite(e) || !float.IsFinite(a))
            {
                if (!(e.Equals(a)))
                {
                    return new Errors(double.PositiveInfinity, i, string.Create(CultureInfo.InvariantCulture, $"[{i}]: expected {e}, got {a}"));
                }

                continue;
            }

            double error = Math.Abs((double)a - e) / Math.Max(Math.Max(Math.Abs(e), 0.01 * scale), double.Epsilon);
            if (error > worst)
            {
                (worst, worstIndex) = (error, i);
            }
        }

        return new Errors(worst, worstIndex, null);
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            Assert.True(expected.Equals(actual), $"{what}: expected {expected}, got {actual}");
            return;
        }

        double error = Math.Abs(actual - expected);
        Assert.True(error <= Tolerance * Math.Abs(expected), string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, got {actual:R}, relative error {error / Math.Abs(expected):E3}"));
    }

    private static void AssertSame(float expected, float actual, string what)
        => Assert.True(expected.Equals(actual), $"{what}: {actual:R} differs from ForwardBackward's {expected:R}");
}
