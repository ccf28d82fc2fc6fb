using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using StaticGrad.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// <see cref="BinaryCrossEntropy"/> against PyTorch 1.13's <c>F.binary_cross_entropy</c> directly
/// (scripts/golden_bce.py, Golden/bce.json): every reduction, with and without per-output weights, on probabilities
/// with the edges (0 and 1 exactly, subnormal, 1e-30 to 1e-8, one ulp below 1) and targets 0, 1, soft and outside
/// [0, 1]. The gradient is PyTorch's float32 gradient bit for bit (the same float operations); the element losses are
/// PyTorch's float32 ones up to the last bit of a logarithm, and the reduced loss their sum. (They are compared with
/// PyTorch's float32 results, not its float64 ones: PyTorch 1.13 forms <c>1 - p</c> in the input's precision before its
/// log, so for <c>p</c> below 2^-25 float32 and float64 differ by design.)
/// </summary>
public sealed class GoldenBinaryCrossEntropyTests
{
    /// <summary>Element losses, relative to the sum of the magnitudes of the two terms (targets outside [0, 1] make them cancel): two float32 roundings.</summary>
    private const double LossTolerance = 2.5e-7;

    /// <summary>The reduced loss: summed in double here, in float by PyTorch.</summary>
    private const double ReducedTolerance = 1e-6;

    private static readonly GoldenFile Golden = new("bce.json");
    private readonly ITestOutputHelper _output;

    public GoldenBinaryCrossEntropyTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> CaseNames() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ForwardBackwardAndLoss_MatchPyTorch(string name)
    {
        Case c = Case.Load(Golden.Case(name));
        float[] gradient = (float[])c.P.Clone();
        float[] losses = new float[c.Count];
        float loss = BinaryCrossEntropy.ForwardBackward(gradient, c.Y, losses, c.Rows, c.Cols, c.Weights, c.Reduction);

        double totalScale = 0, sum = 0;
        for (int i = 0; i < c.Count; i++)
        {
            double scale = c.Scale(i);
            totalScale += scale;
            sum += c.LossesFloat32[i];
            string what = string.Create(CultureInfo.InvariantCulture, $"{name}[{i}] (p = {c.P[i]:R}, y = {c.Y[i]:R})");
            AssertClose(c.LossesFloat32[i], losses[i], LossTolerance * scale, $"{what}: loss");

            // PyTorch's float32 gradient, bit for bit: w·(p - y)/max((1 - p)·p, 1e-12), then / numel under 'mean'.
            Assert.True(
                BitConverter.SingleToInt32Bits(c.GradientFloat32[i]) == BitConverter.SingleToInt32Bits(gradient[i]),
                string.Create(CultureInfo.InvariantCulture, $"{what}: gradient {gradient[i]:R}, PyTorch's float32 {c.GradientFloat32[i]:R} (float64 {c.Gradient[i]:R})"));
        }

        bool mean = c.Reduction == Reduction.Mean;
        AssertClose(mean ? sum / c.Count : sum, loss, ReducedTolerance * (mean ? totalScale / c.Count : totalScale), $"{name}: loss");
        AssertClose(c.LossFloat32, loss, ReducedTolerance * (mean ? totalScale / c.Count : totalScale), $"{name}: loss against PyTorch's float32 sum");

        float[] evaluated = new float[c.Count];
        Assert.True(BinaryCrossEntropy.Loss(c.P, c.Y, evaluated, c.Rows, c.Cols, c.Weights, c.Reduction).Equals(loss), $"{name}: Loss and ForwardBackward agree");
        Assert.Equal(losses, evaluated);

        var layer = new BinaryCrossEntropyLoss(c.Cols, c.Reduction, c.Weights);
        Assert.True(layer.Evaluate(c.P, c.Y, c.Rows).Equals(loss), $"{name}: BinaryCrossEntropyLoss.Evaluate");
    }

    [Fact]
    public void FixtureCoversTheEdges()
    {
        var cases = Golden.Root.GetProperty("cases").EnumerateArray().Select(Case.Load).ToList();
        var pairs = cases.SelectMany(c => c.P.Zip(c.Y)).ToList();
        foreach ((float p, float y) in new[] { (0f, 1f), (1f, 0f), (0f, 0f), (1f, 1f), (1e-30f, 0f), (1e-8f, 1f), (1f - 5.9604645e-8f, 0f) })
        {
            Assert.Contains((p, y), pairs);
        }

        Assert.Contains(pairs, pair => pair.First > 0 && pair.First < 1e-44f);
        Assert.Contains(pairs, pair => pair.Second > 1f);
        Assert.Contains(pairs, pair => pair.Second < 0f);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            Assert.Contains(cases, c => c.Reduction == reduction && c.Weights is not null && c.Weights.Contains(0f));
            Assert.Contains(cases, c => c.Reduction == reduction && c.Weights is null && c.Count == 1);
        }

        Assert.Equal(30, cases.Count);
    }

    [Fact]
    public void ReportsHowCloseTheLossesAreToPyTorchsFloat32()
    {
        int same = 0, elements = 0;
        double worst = 0;
        foreach (Case c in Golden.Root.GetProperty("cases").EnumerateArray().Select(Case.Load))
        {
            float[] losses = new float[c.Count];
            BinaryCrossEntropy.Loss(c.P, c.Y, losses, c.Rows, c.Cols, c.Weights, c.Reduction);
            for (int i = 0; i < c.Count; i++)
            {
                elements++;
                same += losses[i].Equals(c.LossesFloat32[i]) ? 1 : 0;
                worst = Math.Max(worst, Math.Abs(losses[i] - (double)c.LossesFloat32[i]) / Math.Max(c.Scale(i), 1e-300));
            }
        }

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{same} of {elements} element losses are PyTorch's float32 bits; the largest difference is {worst:E2} of the terms' magnitude"));
        Assert.True(worst <= LossTolerance);
        Assert.True(same >= elements * 9 / 10, $"{same} of {elements}");
    }

    private static void AssertClose(double expected, float actual, double allowed, string what)
    {
        if (expected == 0)
        {
            Assert.True(actual == 0, $"{what}: expected 0, got {actual:R}");
            return;
        }

        double error = Math.Abs(actual - expected);
        Assert.True(error <= allowed, string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, got {actual:R}, error {error:E3}, allowed {allowed:E3}"));
    }

    /// <summary>One case of bce.json.</summary>
    private sealed record Case(
        Reduction Reduction, int Rows, int Cols, float[]? Weights, float[] P, float[] Y,
        double LossFloat32, float[] LossesFloat32, double[] Gradient, float[] GradientFloat32)
    {
        public int Count => Rows * Cols;

        /// <summary><c>w·(|y - 1|·min(|log(1 - p)|, 100) + |y|·min(|log p|, 100))</c> (<c>1 - p</c> in float): the size of the terms an element's loss adds.</summary>
        public double Scale(int i)
        {
            double p = P[i], y = Y[i];
            double w = Weights is null ? 1 : Weights[i % Cols];
            return w * ((Math.Abs(y - 1) * Math.Min(-Math.Log(1f - P[i]), 100)) + (Math.Abs(y) * Math.Min(-Math.Log(p), 100)));
        }

        public static Case Load(JsonElement c)
        {
            JsonElement weights = c.GetProperty("weights");
            return new Case(
                c.GetProperty("reduction").GetString() switch
                {
                    "mean" => Reduction.Mean,
                    "sum" => Reduction.Sum,
                    _ => Reduction.None,
                },
                c.GetProperty("rows").GetInt32(),
                c.GetProperty("cols").GetInt32(),
                weights.ValueKind == JsonValueKind.Null ? null : Floats(weights),
                Floats(c.GetProperty("probabilities")),
                Floats(c.GetProperty("targets")),
                c.GetProperty("loss_float32_pytorch").GetDouble(),
                Floats(c.GetProperty("losses_float32_pytorch")),
                [.. c.GetProperty("gradient").EnumerateArray().Select(e => e.GetDouble())],
                Floats(c.GetProperty("gradient_float32_pytorch")));
        }

        private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];
    }
}
