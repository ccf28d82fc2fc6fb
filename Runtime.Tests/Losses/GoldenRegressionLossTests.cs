using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using StaticGrad.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// <see cref="RegressionLoss"/> (MSE, L1, SmoothL1(β), Huber(δ)) against PyTorch 1.13 directly
/// (scripts/golden_regression_losses.py, Golden/regression_losses.json): every kind, parameter and reduction on
/// edge differences (0, ±β or ±δ exactly and just inside and outside, tiny, ±1e4) and random ones, plus NaN and
/// infinite elements. Expected values are PyTorch's formulas evaluated in float64 on the same float32 inputs.
/// </summary>
public sealed class GoldenRegressionLossTests
{
    /// <summary>Losses (reduced and per element): relative to the float64 value, float32 rounding of a few operations.</summary>
    private const double LossTolerance = 2e-6;

    /// <summary>Gradients: relative to the float64 value, where that value is not exactly what float32 gives.</summary>
    private const double GradientTolerance = 1e-6;

    private readonly ITestOutputHelper _output;

    public GoldenRegressionLossTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (GoldenRegressionLossCase c in GoldenRegressionLosses.Cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ForwardBackwardAndLoss_MatchPyTorch(string name)
    {
        GoldenRegressionLossCase c = GoldenRegressionLosses.Get(name);

        float[] gradient = (float[])c.Predictions.Clone();
        float[] losses = new float[c.Count];
        float loss = RegressionLoss.ForwardBackward(gradient, c.Targets, losses, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction);

        AssertLoss(c.Loss, loss, $"{name}: loss");
        for (int i = 0; i < c.Count; i++)
        {
            AssertLoss(c.Losses[i], losses[i], $"{name}: losses[{i}] (x = {c.Predictions[i]:R}, t = {c.Targets[i]:R})");
            AssertGradient(c, i, gradient[i]);
        }

        float[] predictions = (float[])c.Predictions.Clone();
        float[] evaluatedLosses = new float[c.Count];
        float evaluated = RegressionLoss.Loss(predictions, c.Targets, evaluatedLosses, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction);
        Assert.True(evaluated.Equals(loss), $"{name}: Loss gave {evaluated:R}, ForwardBackward {loss:R}");
        Assert.Equal(losses, evaluatedLosses);
        Assert.Equal(c.Predictions, predictions);

        // Without the losses span, the same reduced loss and gradient.
        float[] gradientOnly = (float[])c.Predictions.Clone();
        float lossOnly = RegressionLoss.ForwardBackward(gradientOnly, c.Targets, Span<float>.Empty, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction);
        Assert.True(lossOnly.Equals(loss), $"{name}: {lossOnly:R} without the losses span, {loss:R} with it");
        Assert.Equal(gradient, gradientOnly);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void EveryVectorWidth_GivesTheBitsOfTheScalarKernel(string name)
        => WidthCases.AssertSameBitsAtEveryWidth(new KernelRun(GoldenRegressionLosses.Get(name)), name);

    [Fact]
    public void LayerClasses_PassKindParameterAndReductionThrough()
    {
        int checkedCases = 0;
        foreach (GoldenRegressionLossCase c in GoldenRegressionLosses.Cases.Where(c => (c.Rows == 4 && c.Cols == 17) || c.Name.EndsWith("_nan_prediction", StringComparison.Ordinal)))
        {
            ElementwiseRegressionLoss layer = c.Kind switch
            {
                RegressionLossKind.Mse => new MseLoss(c.Cols, c.Reduction),
                RegressionLossKind.L1 => new L1Loss(c.Cols, c.Reduction),
                RegressionLossKind.SmoothL1 => new SmoothL1Loss(c.Cols, c.Reduction, c.Parameter),
                _ => new HuberLoss(c.Cols, c.Reduction, c.Parameter),
            };
            Assert.Equal(c.Cols, layer.Outputs);
            Assert.Equal(c.Reduction, layer.Reduction);
            if (layer is SmoothL1Loss smooth)
            {
                Assert.Equal(c.Parameter, smooth.Beta);
            }
            else if (layer is HuberLoss huber)
            {
                Assert.Equal(c.Parameter, huber.Delta);
            }

            float[] gradient = (float[])c.Predictions.Clone();
            float[] losses = new float[c.Count];
            float loss = layer.ForwardBackward(gradient, c.Targets, losses, c.Rows);
            AssertLoss(c.Loss, loss, $"{c.Name}: {layer} loss");
            for (int i = 0; i < c.Count; i++)
            {
                AssertLoss(c.Losses[i], losses[i], $"{c.Name}: {layer} losses[{i}]");
                AssertGradient(c, i, gradient[i]);
            }

            float[] gradientOnly = (float[])c.Predictions.Clone();
            Assert.True(layer.ForwardBackward(gradientOnly, c.Targets, c.Rows).Equals(loss), $"{c.Name}: ForwardBackward without losses");
            Assert.Equal(gradient, gradientOnly);
            Assert.True(layer.Evaluate(c.Predictions, c.Targets, c.Rows).Equals(loss), $"{c.Name}: Evaluate");
            checkedCases++;
        }

        Assert.Equal(2 * 9 * 3, checkedCases);
    }

    [Fact]
    public void SmoothL1WithBetaZero_HasGradientMinusOneWherePredictionEqualsTarget()
    {
        // PyTorch 1.13's smooth_l1_backward tests d <= -beta first, so d == 0 gives -1 at beta = 0 (L1Loss gives 0).
        int found = 0;
        foreach (GoldenRegressionLossCase c in GoldenRegressionLosses.Cases.Where(c => c.Kind == RegressionLossKind.SmoothL1 && c.Parameter == 0f && c.Reduction != Reduction.Mean))
        {
            float[] gradient = (float[])c.Predictions.Clone();
            RegressionLoss.ForwardBackward(gradient, c.Targets, Span<float>.Empty, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction);
            for (int i = 0; i < c.Count; i++)
            {
                if (float.IsFinite(c.Predictions[i]) && c.Predictions[i] == c.Targets[i])
                {
                    Assert.Equal(-1.0, c.Gradient[i]);
                    Assert.Equal(-1f, gradient[i]);
                    found++;
                }
            }
        }

        Assert.True(found >= 4, $"{found} elements with d == 0 under SmoothL1(beta = 0)");
    }

    [Fact]
    public void FixtureCoversEveryKindParameterReductionAndEdge()
    {
        var cases = GoldenRegressionLosses.Cases;
        var configurations = new (RegressionLossKind Kind, float Parameter, float Boundary)[]
        {
            (RegressionLossKind.Mse, 0f, 1f), (RegressionLossKind.L1, 0f, 1f),
            (RegressionLossKind.SmoothL1, 0f, 1f), (RegressionLossKind.SmoothL1, 0.5f, 0.5f), (RegressionLossKind.SmoothL1, 1f, 1f), (RegressionLossKind.SmoothL1, 3f, 3f),
            (RegressionLossKind.Huber, 0.5f, 0.5f), (RegressionLossKind.Huber, 1f, 1f), (RegressionLossKind.Huber, 2.5f, 2.5f),
        };
        foreach ((RegressionLossKind kind, float parameter, float boundary) in configurations)
        {
            foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            {
                var finite = cases.Where(c => c.Kind == kind && c.Parameter == parameter && c.Reduction == reduction && !c.NonFinite).ToList();
                Assert.Equal(new[] { "1x1", "3x5", "4x17", "2x40" }, finite.Select(c => $"{c.Rows}x{c.Cols}"));
                var differences = finite.Where(c => c.Count > 1).SelectMany(c => c.Predictions.Zip(c.Targets, (x, t) => (double)x - t)).ToList();
                foreach (double d in new[] { 0.0, boundary, -boundary, 1e4, -1e4, Math.Pow(2, -23), -Math.Pow(2, -23) })
                {
                    Assert.Contains(d, differences);
                }

                Assert.Contains(differences, d => Math.Abs(d) < 1e-11);
                Assert.Contains(differences, d => Math.Abs(d) > 1e-2 && Math.Abs(d) < 0.5 * boundary);
                Assert.Contains(differences, d => Math.Abs(d) > boundary && Math.Abs(d) < 1e3);

                var nonFinite = cases.Where(c => c.Kind == kind && c.Parameter == parameter && c.Reduction == reduction && c.NonFinite).ToList();
                Assert.Contains(nonFinite, c => c.Predictions.Any(float.IsNaN));
                Assert.Contains(nonFinite, c => c.Targets.Any(float.IsNaN));
                Assert.Contains(nonFinite, c => c.Predictions.Any(float.IsPositiveInfinity) && c.Targets.All(float.IsFinite));
                Assert.Contains(nonFinite, c => c.Predictions.Any(float.IsNegativeInfinity));
                Assert.Contains(nonFinite, c => c.Predictions.Zip(c.Targets).Any(p => float.IsPositiveInfinity(p.First) && float.IsPositiveInfinity(p.Second)));
            }
        }

        Assert.Equal(9 * 3 * (4 + 5), cases.Count);
    }

    [Fact]
    public void ReportsTheLargestErrors()
    {
        double loss = 0, elementLoss = 0, gradient = 0, float32Loss = 0;
        string lossCase = string.Empty, elementCase = string.Empty, gradientCase = string.Empty;
        int exact = 0, approximate = 0;
        foreach (GoldenRegressionLossCase c in GoldenRegressionLosses.Cases)
        {
            float[] g = (float[])c.Predictions.Clone();
            float[] losses = new float[c.Count];
            float result = RegressionLoss.ForwardBackward(g, c.Targets, losses, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction);
            if (double.IsFinite(c.Loss) && c.Loss != 0)
            {
                double error = RelativeError(c.Loss, result);
                (loss, lossCase) = error > loss ? (error, c.Name) : (loss, lossCase);
                float32Loss = Math.Max(float32Loss, RelativeError(c.Loss, c.LossFloat32PyTorch));
            }

            for (int i = 0; i < c.Count; i++)
            {
                if (double.IsFinite(c.Losses[i]) && c.Losses[i] != 0)
                {
                    double error = RelativeError(c.Losses[i], losses[i]);
                    (elementLoss, elementCase) = error > elementLoss ? (error, c.Name) : (elementLoss, elementCase);
                }

                if (double.IsFinite(c.Gradient[i]) && c.Gradient[i] != 0)
                {
                    double error = RelativeError(c.Gradient[i], g[i]);
                    (gradient, gradientCase) = error > gradient ? (error, c.Name) : (gradient, gradientCase);
                    if (ExpectsExactGradient(c, c.Gradient[i]))
                    {
                        exact++;
                    }
                    else
                    {
                        approximate++;
                    }
                }
            }
        }

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{GoldenRegressionLosses.Cases.Count} cases; largest relative error of the loss {loss:E2} ({lossCase}), of an element loss {elementLoss:E2} ({elementCase}), of a gradient {gradient:E2} ({gradientCase})"));
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"non-zero finite gradients compared exactly: {exact}, within {GradientTolerance:E0}: {approximate}; PyTorch's own float32 loss is within {float32Loss:E2} of float64"));
        Assert.True(loss <= LossTolerance && elementLoss <= LossTolerance && gradient <= GradientTolerance);
    }

    private static double RelativeError(double expected, double actual) => Math.Abs(actual - expected) / Math.Abs(expected);

    /// <summary>
    /// Whether the kernel's float32 gradient must be PyTorch's float64 value exactly: 0, and the sign or clamp value
    /// (±1; Huber: ±δ) unless a mean scales it by a 1/n that float32 rounds. Elsewhere the kernel's
    /// <c>x - t</c> is rounded to float32 first, so even a float64 value that float32 holds may be one ulp away.
    /// </summary>
    private static bool ExpectsExactGradient(GoldenRegressionLossCase c, double expected)
        => expected == 0
        || ((c.Reduction != Reduction.Mean || BitOperations.IsPow2(c.Count))
            && Math.Abs(expected) == (c.Kind == RegressionLossKind.Huber ? c.Parameter : 1.0));

    private static void AssertGradient(GoldenRegressionLossCase c, int i, float actual)
    {
        double expected = c.Gradient[i];
        string what = string.Create(CultureInfo.InvariantCulture, $"{c.Name}: gradient[{i}] (x = {c.Predictions[i]:R}, t = {c.Targets[i]:R})");
        if (!double.IsFinite(expected) || !float.IsFinite(actual))
        {
            Assert.True(expected.Equals((double)actual), $"{what}: expected {expected:R}, got {actual:R}");
        }
        else if (ExpectsExactGradient(c, expected))
        {
            Assert.True(actual == expected, $"{what}: expected exactly {expected:R}, got {actual:R}");
        }
        else
        {
            double error = RelativeError(expected, actual);
            Assert.True(error <= GradientTolerance, $"{what}: expected {expected:R}, got {actual:R}, relative error {error:E3}");
        }
    }

    private static void AssertLoss(double expected, float actual, string what)
    {
        if (!double.IsFinite(expected) || !float.IsFinite(actual))
        {
            Assert.True(expected.Equals((double)actual), $"{what}: expected {expected:R}, got {actual:R}");
        }
        else if (expected == 0)
        {
            Assert.True(actual == 0, $"{what}: expected 0, got {actual:R}");
        }
        else
        {
            double error = RelativeError(expected, actual);
            Assert.True(error <= LossTolerance, string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, got {actual:R}, relative error {error:E3}"));
        }
    }

    /// <summary>One case through <see cref="RegressionLoss.Run{TOps, TVec}"/> at a given width: losses, gradient and <see cref="RegressionLoss.Loss"/>'s path.</summary>
    private readonly struct KernelRun(GoldenRegressionLossCase c) : IWidthCase
    {
        public float[] Run<TOps, TVec>()
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            float[] gradient = (float[])c.Predictions.Clone();
            float[] losses = new float[c.Count];
            float loss = RegressionLoss.Run<TOps, TVec>(gradient, c.Targets, losses, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction, writeGradient: true);
            float[] predictions = (float[])c.Predictions.Clone();
            float[] evaluatedLosses = new float[c.Count];
            float evaluated = RegressionLoss.Run<TOps, TVec>(predictions, c.Targets, evaluatedLosses, c.Rows, c.Cols, c.Kind, c.Parameter, c.Reduction, writeGradient: false);
            return [loss, evaluated, .. gradient, .. losses, .. predictions, .. evaluatedLosses];
        }
    }
}

/// <summary>One case of scripts/golden_regression_losses.py: a PyTorch regression loss call and its float64 results.</summary>
internal sealed record GoldenRegressionLossCase(
    string Name,
    RegressionLossKind Kind,
    float Parameter,
    Reduction Reduction,
    int Rows,
    int Cols,
    bool NonFinite,
    double Loss,
    double LossFloat32PyTorch,
    float[] Predictions,
    float[] Targets,
    double[] Gradient,
    double[] Losses)
{
    public int Count => Rows * Cols;

    public override string ToString() => Name;
}

/// <summary>Loads Runtime.Tests/Golden/regression_losses.json.</summary>
internal static class GoldenRegressionLosses
{
    private static readonly GoldenFile s_file = new("regression_losses.json");
    private static readonly Lazy<IReadOnlyList<GoldenRegressionLossCase>> s_cases = new(Load);

    public static IReadOnlyList<GoldenRegressionLossCase> Cases => s_cases.Value;

    public static GoldenRegressionLossCase Get(string name) => Cases.First(c => c.Name == name);

    private static IReadOnlyList<GoldenRegressionLossCase> Load()
    {
        var cases = new List<GoldenRegressionLossCase>();
        foreach (JsonElement c in s_file.Root.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new GoldenRegressionLossCase(
                c.GetProperty("name").GetString()!,
                c.GetProperty("kind").GetString() switch
                {
                    "mse" => RegressionLossKind.Mse,
                    "l1" => RegressionLossKind.L1,
                    "smooth_l1" => RegressionLossKind.SmoothL1,
                    "huber" => RegressionLossKind.Huber,
                    var other => throw new InvalidOperationException($"Unknown kind '{other}'."),
                },
                (float)c.GetProperty("parameter").GetDouble(),
                c.GetProperty("reduction").GetString() switch
                {
                    "mean" => Reduction.Mean,
                    "sum" => Reduction.Sum,
                    _ => Reduction.None,
                },
                c.GetProperty("rows").GetInt32(),
                c.GetProperty("cols").GetInt32(),
                c.GetProperty("nonfinite").GetBoolean(),
                Number(c.GetProperty("loss")),
                Number(c.GetProperty("loss_float32_pytorch")),
                [.. c.GetProperty("predictions").EnumerateArray().Select(e => (float)Number(e))],
                [.. c.GetProperty("targets").EnumerateArray().Select(e => (float)Number(e))],
                [.. c.GetProperty("gradient").EnumerateArray().Select(Number)],
                [.. c.GetProperty("losses").EnumerateArray().Select(Number)]));
        }

        return cases;
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture)
        : e.GetDouble();
}
