using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Init"/> against PyTorch 1.13's <c>torch.nn.init</c> (<c>scripts/golden_init.py</c> → <c>Golden/init.json</c>):
/// gains, fans, the bounds and standard deviations PyTorch passes to <c>uniform_</c>/<c>normal_</c>, <c>eye_</c> and
/// <c>dirac_</c> exactly; the random initializers by their distributions on large tensors (the generator is not
/// PyTorch's, so its bits cannot be compared); erf and erfinv against mpmath and torch; orthogonality; validation.
/// </summary>
public sealed class InitTests
{
    private static readonly GoldenFile s_golden = new("init.json");

    private static readonly Dictionary<string, Nonlinearity> s_nonlinearities = new()
    {
        ["linear"] = Nonlinearity.Linear,
        ["conv2d"] = Nonlinearity.Conv2d,
        ["conv_transpose2d"] = Nonlinearity.ConvTranspose2d,
        ["sigmoid"] = Nonlinearity.Sigmoid,
        ["tanh"] = Nonlinearity.Tanh,
        ["relu"] = Nonlinearity.ReLU,
        ["leaky_relu"] = Nonlinearity.LeakyReLU,
        ["selu"] = Nonlinearity.SELU,
    };

    /// <summary>A set of tensors back to back (the fan-in passed to the constructor only matters for the default init).</summary>
    private static ParameterSet Set(params (string Name, int[] Shape)[] tensors)
    {
        var list = new List<ParameterTensor>();
        int offset = 0;
        foreach ((string name, int[] shape) in tensors)
        {
            var tensor = new ParameterTensor(name, offset, shape, fanIn: 1);
            list.Add(tensor);
            offset += tensor.Length;
        }

        return new ParameterSet(list);
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.NaN,
        }
        : e.GetDouble();

    [Fact]
    public void CalculateGain_MatchesPyTorchForEveryNonlinearity()
    {
        var covered = new HashSet<Nonlinearity>();
        foreach (JsonElement c in s_golden.Root.GetProperty("gains").EnumerateArray())
        {
            Nonlinearity nonlinearity = s_nonlinearities[c.GetProperty("nonlinearity").GetString()!];
            JsonElement param = c.GetProperty("param");
            float? slope = param.ValueKind == JsonValueKind.Null ? null : (float)param.GetDouble();
            Assert.Equal(c.GetProperty("gain").GetDouble(), Init.CalculateGain(nonlinearity, slope));
            covered.Add(nonlinearity);
        }

        Assert.Equal(Enum.GetValues<Nonlinearity>().Order(), covered.Order());
    }

    [Fact]
    public void CalculateFanInAndFanOut_MatchesPyTorch()
    {
        var shapes = new List<string>();
        foreach (JsonElement c in s_golden.Root.GetProperty("fans").EnumerateArray())
        {
            int[] shape = Ints(c.GetProperty("shape"));
            (int fanIn, int fanOut) = Init.CalculateFanInAndFanOut(shape);
            Assert.Equal((c.GetProperty("fan_in").GetInt32(), c.GetProperty("fan_out").GetInt32()), (fanIn, fanOut));
            shapes.Add(string.Join("x", shape));
        }

        Assert.Subset(shapes.ToHashSet(), new HashSet<string> { "120x400", "16x6x5x5", "6x16x5x5", "10x84", "4x3" });

        // A ConvTranspose2d weight [in = 6, out = 16, 5, 5]: PyTorch counts the second dimension, the output channels, as fan-in.
        Assert.Equal((400, 150), Init.CalculateFanInAndFanOut([6, 16, 5, 5]));
    }

    [Fact]
    public void CalculateFanInAndFanOut_RefusesWhatPyTorchRefuses()
    {
        var fewer = Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut([5]));
        Assert.Equal("shape", fewer.ParamName);
        Assert.Contains(s_golden.Root.GetProperty("errors").GetProperty("fan").GetString()!, fewer.Message, StringComparison.Ordinal);
        Assert.Contains("[5] has 1; expected 2 or more", fewer.Message, StringComparison.Ordinal);

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Init.CalculateFanInAndFanOut([3, -1]));
        Assert.Equal("shape", negative.ParamName);
        Assert.Contains("expected dimension 1 >= 0", negative.Message, StringComparison.Ordinal);

        var huge = Assert.Throws<ArgumentOutOfRangeException>(() => Init.CalculateFanInAndFanOut([2, 65536, 65536]));
        Assert.Equal("shape", huge.ParamName);
        Assert.Throws<ArgumentNullException>(() => Init.CalculateFanInAndFanOut(null!));
    }

    /// <summary>The bound or std each initializer computes equals, as a double, what PyTorch passes to uniform_/normal_.</summary>
    [Fact]
    public void BoundsAndStds_ArePyTorchs()
    {
        int checkedDraws = 0;
        foreach (JsonElement c in s_golden.Root.GetProperty("draws").EnumerateArray())
        {
            string function = c.GetProperty("function").GetString()!;
            int[] shape = Ints(c.GetProperty("shape"));
            JsonElement kwargs = c.GetProperty("kwargs");
            double Arg(string key, double fallback) => kwargs.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
            float a = (float)Arg("a", 0);
            FanMode mode = kwargs.TryGetProperty("mode", out JsonElement m) && m.GetString() == "fan_out" ? FanMode.FanOut : FanMode.FanIn;
            Nonlinearity nonlinearity = kwargs.TryGetProperty("nonlinearity", out JsonElement n) ? s_nonlinearities[n.GetString()!] : Nonlinearity.LeakyReLU;
            double gain = Arg("gain", 1);
            ParameterSet set = Set(("w", shape));
            ParameterTensor w = set["w"];
            string label = $"{function} {c.GetProperty("shape")} {kwargs}";
            switch (function)
            {
                case "kaiming_uniform_":
                    Assert.True(c.GetProperty("high").GetDouble() == Init.KaimingBound(w, a, mode, nonlinearity), label);
                    Assert.True(c.GetProperty("low").GetDouble() == -Init.KaimingBound(w, a, mode, nonlinearity), label);
                    AssertUniformWithin(set, w, (float)c.GetProperty("high").GetDouble(), () => Init.KaimingUniform(set, w, new Rng(1), a, mode, nonlinearity));
                    break;
                case "kaiming_normal_":
                    Assert.True(c.GetProperty("std").GetDouble() == Init.KaimingStd(w, a, mode, nonlinearity), label);
                    break;
                case "xavier_uniform_":
                    Assert.True(c.GetProperty("high").GetDouble() == Init.XavierBound(w, gain), label);
                    AssertUniformWithin(set, w, (float)c.GetProperty("high").GetDouble(), () => Init.XavierUniform(set, w, new Rng(1), gain));
                    break;
                case "xavier_normal_":
                    Assert.True(c.GetProperty("std").GetDouble() == Init.XavierStd(w, gain), label);
                    break;
                case "trunc_normal_":
                    (double low, double high) = Init.TruncatedNormalRange(Arg("mean", 0), Arg("std", 1), Arg("a", -2), Arg("b", 2));

                    // Through erf: within an ulp or two of PyTorch's (glibc's erf).
                    Assert.True(Math.Abs(c.GetProperty("low").GetDouble() - low) <= 4e-16, $"{label}: {low:R}");
                    Assert.True(Math.Abs(c.GetProperty("high").GetDouble() - high) <= 4e-16, $"{label}: {high:R}");
                    break;
                default:
                    continue;
            }

            checkedDraws++;
        }

        Assert.Equal(25, checkedDraws);
    }

    /// <summary>Every value lies in [-bound, bound], and a large tensor's largest magnitude is within 1% of it.</summary>
    private static void AssertUniformWithin(ParameterSet set, ParameterTensor tensor, float bound, Action fill)
    {
        fill();
        float max = 0;
        foreach (float v in set.ValuesOf(tensor))
        {
            Assert.InRange(v, -bound, bound);
            max = Math.Max(max, Math.Abs(v));
        }

        if (tensor.Length >= 1000)
        {
            Assert.True(max > 0.99f * bound, $"max |value| {max} of {tensor}, bound {bound}");
        }
    }

    [Fact]
    public void Eye_IsPyTorchs()
    {
        foreach (JsonElement c in s_golden.Root.GetProperty("eye").EnumerateArray())
        {
            ParameterSet set = Set(("w", Ints(c.GetProperty("shape"))));
            set.Values.Fill(7f);
            Init.Eye(set, "w");
            Assert.Equal(c.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()), set.Values.ToArray());
        }
    }

    [Fact]
    public void Dirac_IsPyTorchs()
    {
        var groups = new HashSet<int>();
        foreach (JsonElement c in s_golden.Root.GetProperty("dirac").EnumerateArray())
        {
            int[] shape = Ints(c.GetProperty("shape"));
            ParameterSet set = Set(("w", shape));
            set.Values.Fill(7f);
            Init.Dirac(set, set["w"], c.GetProperty("groups").GetInt32());
            Assert.Equal(c.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()), set.Values.ToArray());
            groups.Add(c.GetProperty("groups").GetInt32());
        }

        Assert.Contains(2, groups);
    }

    [Fact]
    public void Constants_FillTheTensorOnly()
    {
        ParameterSet set = Set(("a", [3, 4]), ("b", [5]), ("c", [2]));
        set.Values.Fill(9f);
        Init.Constant(set, "b", -0.5f);
        Assert.Equal([.. Enumerable.Repeat(9f, 12), .. Enumerable.Repeat(-0.5f, 5), 9f, 9f], set.Values.ToArray());
        Init.Zeros(set, set["a"]);
        Init.Ones(set, "c");
        Assert.Equal([.. Enumerable.Repeat(0f, 12), .. Enumerable.Repeat(-0.5f, 5), 1f, 1f], set.Values.ToArray());
    }

    private const int Rows = 256, Columns = 1024, N = Rows * Columns;

    private static (double Mean, double Std, double Min, double Max) Moments(ReadOnlySpan<float> values)
    {
        double sum = 0, min = double.MaxValue, max = double.MinValue;
        foreach (float v in values)
        {
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / values.Length, squares = 0;
        foreach (float v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, Math.Sqrt(squares / values.Length), min, max);
    }

    /// <summary>Uniform draws on [-bound, bound] (bounds from the papers' formulas, not from Init): range, mean, std.</summary>
    [Theory]
    [InlineData("kaiming", 0)]
    [InlineData("kaiming_fan_out_relu", 0)]
    [InlineData("xavier", 0)]
    [InlineData("uniform", 0)]
    public void UniformInitializers_HaveTheirDistribution(string kind, int unused)
    {
        _ = unused;
        ParameterSet set = Set(("w", [Rows, Columns]));
        var rng = new Rng(11);
        (double low, double high) = kind switch
        {
            "kaiming" => (-Math.Sqrt(6.0 / Columns), Math.Sqrt(6.0 / Columns)), // gain √2, fan_in 1024
            "kaiming_fan_out_relu" => (-Math.Sqrt(6.0 / Rows), Math.Sqrt(6.0 / Rows)),
            "xavier" => (-Math.Sqrt(6.0 / (Rows + Columns)), Math.Sqrt(6.0 / (Rows + Columns))),
            _ => (-0.25, 0.75),
        };
        switch (kind)
        {
            case "kaiming": Init.KaimingUniform(set, "w", rng); break;
            case "kaiming_fan_out_relu": Init.KaimingUniform(set, "w", rng, mode: FanMode.FanOut, nonlinearity: Nonlinearity.ReLU); break;
            case "xavier": Init.XavierUniform(set, "w", rng); break;
            default: Init.Uniform(set, "w", rng, -0.25f, 0.75f); break;
        }

        (double mean, double std, double min, double max) = Moments(set.Values);
        double expectedStd = (high - low) / Math.Sqrt(12);
        Assert.InRange(min, (float)low, (float)low + (0.001 * (high - low)));
        Assert.InRange(max, (float)high - (0.001 * (high - low)), (float)high);
        Assert.InRange(mean, ((low + high) / 2) - (3 * expectedStd / Math.Sqrt(N)), ((low + high) / 2) + (3 * expectedStd / Math.Sqrt(N)));
        Assert.InRange(std, 0.98 * expectedStd, 1.02 * expectedStd);
    }

    /// <summary>
    /// Normal draws: mean within 3σ/√n, std within 2%, and the share within 1σ and 2σ of the mean a normal distribution's
    /// (a uniform or a badly transformed draw with the right std fails those).
    /// </summary>
    [Theory]
    [InlineData("normal")]
    [InlineData("kaiming_fan_out_relu")]
    [InlineData("kaiming_default")]
    [InlineData("xavier_tanh")]
    public void NormalInitializers_HaveTheirDistribution(string kind)
    {
        ParameterSet set = Set(("w", [Rows, Columns]));
        var rng = new Rng(12);
        (double expectedMean, double expectedStd) = kind switch
        {
            "normal" => (0.5, 3.0),
            "kaiming_fan_out_relu" => (0.0, Math.Sqrt(2.0 / Rows)),
            "kaiming_default" => (0.0, Math.Sqrt(2.0 / Columns)),
            _ => (0.0, 5.0 / 3 * Math.Sqrt(2.0 / (Rows + Columns))),
        };
        switch (kind)
        {
            case "normal": Init.Normal(set, "w", rng, 0.5f, 3f); break;
            case "kaiming_fan_out_relu": Init.KaimingNormal(set, "w", rng, mode: FanMode.FanOut, nonlinearity: Nonlinearity.ReLU); break;
            case "kaiming_default": Init.KaimingNormal(set, set["w"], rng); break;
            default: Init.XavierNormal(set, "w", rng, Init.CalculateGain(Nonlinearity.Tanh)); break;
        }

        (double mean, double std, _, _) = Moments(set.Values);
        Assert.InRange(mean, expectedMean - (3 * expectedStd / Math.Sqrt(N)), expectedMean + (3 * expectedStd / Math.Sqrt(N)));
        Assert.InRange(std, 0.98 * expectedStd, 1.02 * expectedStd);
        int within1 = 0, within2 = 0;
        foreach (float v in set.Values)
        {
            double z = Math.Abs(v - expectedMean) / expectedStd;
            within1 += z < 1 ? 1 : 0;
            within2 += z < 2 ? 1 : 0;
        }

        // P(|Z| < 1) = 0.682689, P(|Z| < 2) = 0.954500; the binomial standard errors at n = 262144 are 0.0009 and 0.0004.
        Assert.InRange(within1 / (double)N, 0.682689 - 0.004, 0.682689 + 0.004);
        Assert.InRange(within2 / (double)N, 0.954500 - 0.002, 0.954500 + 0.002);
    }

    public static TheoryData<int> TruncatedNormalCases() => [.. Enumerable.Range(0, s_golden.Root.GetProperty("truncnorm").GetArrayLength())];

    /// <summary>Truncated normal draws stay in [a, b] and have scipy's truncnorm mean and std.</summary>
    [Theory]
    [MemberData(nameof(TruncatedNormalCases))]
    public void TruncatedNormal_MatchesScipysTruncnorm(int index)
    {
        JsonElement c = s_golden.Root.GetProperty("truncnorm")[index];
        (float mean, float std, float a, float b) = ((float)c.GetProperty("mean").GetDouble(), (float)c.GetProperty("std").GetDouble(), (float)c.GetProperty("a").GetDouble(), (float)c.GetProperty("b").GetDouble());
        ParameterSet set = Set(("w", [Rows, Columns]));
        Init.TruncatedNormal(set, "w", new Rng(13), mean, std, a, b);
        (double actualMean, double actualStd, double min, double max) = Moments(set.Values);
        double expectedMean = c.GetProperty("expected_mean").GetDouble(), expectedStd = c.GetProperty("expected_std").GetDouble();
        Assert.InRange(min, a, b);
        Assert.InRange(max, a, b);
        Assert.InRange(actualMean, expectedMean - (4 * expectedStd / Math.Sqrt(N)), expectedMean + (4 * expectedStd / Math.Sqrt(N)));
        Assert.InRange(actualStd, 0.99 * expectedStd, 1.01 * expectedStd);
    }

    /// <summary>PyTorch's <c>trunc_normal_(t, mean, std, a, a)</c> fills the tensor with a (it was refused here); also far in the tail.</summary>
    [Theory]
    [InlineData(0f, 1f, 1f)]
    [InlineData(0f, 1f, -0.25f)]
    [InlineData(0f, 0.5f, 10f)]
    public void TruncatedNormal_WithAEqualToB_FillsWithA(float mean, float std, float a)
    {
        ParameterSet set = Set(("w", [4, 8]));
        Init.TruncatedNormal(set, "w", new Rng(3), mean, std, a, a);
        Assert.All(set.Values.ToArray(), v => Assert.Equal(a, v));
    }

    /// <summary>erf and erfc within a few ulps of mpmath's 50-digit values, over [-7, 27.5] (erfc down to 5.7e-296).</summary>
    [Fact]
    public void Erf_AndErfc_MatchMpmath()
    {
        foreach (JsonElement c in s_golden.Root.GetProperty("erf").EnumerateArray())
        {
            double x = c.GetProperty("x").GetDouble();
            AssertClose(Number(c.GetProperty("erf")), ErrorFunction.Erf(x), 1e-15, $"erf({x:R})");
            AssertClose(Number(c.GetProperty("erfc")), ErrorFunction.Erfc(x), 2e-15, $"erfc({x:R})");
        }

        Assert.True(double.IsNaN(ErrorFunction.Erf(double.NaN)));
        Assert.Equal(1.0, ErrorFunction.Erf(double.PositiveInfinity));
        Assert.Equal(0.0, ErrorFunction.Erfc(double.PositiveInfinity));
    }

    /// <summary>
    /// erfinv within a few ulps of mpmath everywhere in (-1, 1), and within 1e-12 of torch.erfinv (float64) where torch's own
    /// error is below that (it grows to 6e-5 at 1 - 2⁻⁵³, as torch refines with erf(x) - y); ±∞ at ±1 and NaN outside, as torch.
    /// </summary>
    [Fact]
    public void Erfinv_MatchesMpmathAndTorch()
    {
        int againstTorch = 0;
        foreach (JsonElement c in s_golden.Root.GetProperty("erfinv").EnumerateArray())
        {
            double y = c.GetProperty("y").GetDouble();
            double exact = Number(c.GetProperty("exact")), torch = Number(c.GetProperty("torch"));
            double actual = ErrorFunction.Erfinv(y);
            if (!double.IsFinite(exact))
            {
                Assert.Equal(exact, actual);
                continue;
            }

            AssertClose(exact, actual, 2e-15, $"erfinv({y:R})");
            if (Math.Abs(y) <= 0.99999)
            {
                AssertClose(torch, actual, 1e-12, $"erfinv({y:R}) against torch");
                againstTorch++;
            }
        }

        Assert.True(againstTorch >= 20, $"{againstTorch} points against torch");
    }

    private static void AssertClose(double expected, double actual, double relative, string label) =>
        Assert.True(
            expected == actual || Math.Abs(actual - expected) <= relative * Math.Abs(expected),
            $"{label}: {actual:R}, expected {expected:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):E2})");

    /// <summary>W Wᵀ (wide) or Wᵀ W (tall) is gain²·I, accumulated in double from the float values.</summary>
    [Theory]
    [InlineData(new[] { 64, 64 }, 1.0)]
    [InlineData(new[] { 300, 40 }, 1.0)]
    [InlineData(new[] { 40, 300 }, 0.5)]
    [InlineData(new[] { 16, 6, 5, 5 }, 1.4142135623730951)]
    [InlineData(new[] { 200, 3, 2, 2 }, 2.0)]
    [InlineData(new[] { 256, 1024 }, 1.0)]
    [InlineData(new[] { 1, 5 }, 1.0)]
    public void Orthogonal_IsOrthogonalTimesGain(int[] shape, double gain)
    {
        ParameterSet set = Set(("w", shape));
        Init.Orthogonal(set, "w", new Rng(14), gain);
        float[] w = set.Values.ToArray();
        int rows = shape[0], columns = w.Length / rows;
        bool wide = rows <= columns;
        int size = Math.Min(rows, columns);
        double worst = 0;
        for (int p = 0; p < size; p++)
        {
            for (int q = 0; q <= p; q++)
            {
                double dot = 0;
                for (int k = 0; k < (wide ? columns : rows); k++)
                {
                    dot += wide ? (double)w[(p * columns) + k] * w[(q * columns) + k] : (double)w[(k * columns) + p] * w[(k * columns) + q];
                }

                worst = Math.Max(worst, Math.Abs(dot - (p == q ? gain * gain : 0)));
            }
        }

        Assert.True(worst <= 1e-5 * gain * gain, $"largest deviation from gain²·I: {worst:E2}");
    }

    /// <summary>
    /// Orthogonal is Haar-distributed, as PyTorch's with its sign correction: the mean of W[0, 0] over many 4x4 draws is 0
    /// (Householder's Q without the correction has W[0, 0] = -|x₀|/‖x‖, about -0.4 on average).
    /// </summary>
    [Fact]
    public void Orthogonal_HasNoSignBias()
    {
        ParameterSet set = Set(("w", [4, 4]));
        var rng = new Rng(15);
        double sum = 0, corner = 0;
        const int Draws = 4000;
        for (int i = 0; i < Draws; i++)
        {
            Init.Orthogonal(set, "w", rng);
            sum += set.Values[0];
            corner += set.Values[15];
        }

        // W[0, 0] of a Haar 4x4 matrix has mean 0 and std 1/2: 6 standard errors are 0.047.
        Assert.InRange(sum / Draws, -0.047, 0.047);
        Assert.InRange(corner / Draws, -0.047, 0.047);
    }

    public static TheoryData<string> RandomInitializers() => ["uniform", "normal", "truncated", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal"];

    private static void Run(string kind, ParameterSet set, ParameterTensor tensor, Rng rng)
    {
        switch (kind)
        {
            case "uniform": Init.Uniform(set, tensor, rng, -1, 2); break;
            case "normal": Init.Normal(set, tensor, rng, 1, 2); break;
            case "truncated": Init.TruncatedNormal(set, tensor, rng, 0, 1, -1, 1.5f); break;
            case "xavier_uniform": Init.XavierUniform(set, tensor, rng); break;
            case "xavier_normal": Init.XavierNormal(set, tensor, rng); break;
            case "kaiming_uniform": Init.KaimingUniform(set, tensor, rng); break;
            case "kaiming_normal": Init.KaimingNormal(set, tensor, rng); break;
            default: Init.Orthogonal(set, tensor, rng); break;
        }
    }

    private static void RunByName(string kind, ParameterSet set, string name, Rng rng)
    {
        switch (kind)
        {
            case "uniform": Init.Uniform(set, name, rng, -1, 2); break;
            case "normal": Init.Normal(set, name, rng, 1, 2); break;
            case "truncated": Init.TruncatedNormal(set, name, rng, 0, 1, -1, 1.5f); break;
            case "xavier_uniform": Init.XavierUniform(set, name, rng); break;
            case "xavier_normal": Init.XavierNormal(set, name, rng); break;
            case "kaiming_uniform": Init.KaimingUniform(set, name, rng); break;
            case "kaiming_normal": Init.KaimingNormal(set, name, rng); break;
            default: Init.Orthogonal(set, name, rng); break;
        }
    }

    /// <summary>The same seed gives the same bits (by tensor and by name), another seed other values, and only the tensor changes.</summary>
    [Theory]
    [MemberData(nameof(RandomInitializers))]
    public void RandomInitializers_AreDeterministicPerSeed(string kind)
    {
        ParameterSet first = Set(("a.bias", [3]), ("a.weight", [7, 5, 3, 3]), ("b.weight", [4, 9]));
        ParameterSet second = Set(("a.bias", [3]), ("a.weight", [7, 5, 3, 3]), ("b.weight", [4, 9]));
        ParameterSet third = Set(("a.bias", [3]), ("a.weight", [7, 5, 3, 3]), ("b.weight", [4, 9]));
        first.Values.Fill(-7f);
        Run(kind, first, first["a.weight"], new Rng(42));
        RunByName(kind, second, "a.weight", new Rng(42));
        Run(kind, third, third["a.weight"], new Rng(43));
        float[] values = first.ValuesOf(first["a.weight"]).ToArray();
        Assert.Equal(values, second.ValuesOf(second["a.weight"]).ToArray());
        Assert.NotEqual(values, third.ValuesOf(third["a.weight"]).ToArray());
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.All(first.ValuesOf(first["a.bias"]).ToArray(), v => Assert.Equal(-7f, v));
        Assert.All(first.ValuesOf(first["b.weight"]).ToArray(), v => Assert.Equal(-7f, v));
    }

    public static TheoryData<string, Type, string, string> RefusedCalls() => new()
    {
        { "uniform_low_nan", typeof(ArgumentOutOfRangeException), "low", "Invalid low: NaN; expected a finite value." },
        { "uniform_high_below_low", typeof(ArgumentOutOfRangeException), "high", "Invalid high: 0; expected a finite value >= low (1)." },
        { "uniform_width_overflows", typeof(ArgumentOutOfRangeException), "high", "expected high - low <= 3.4028235E+38" },
        { "normal_std_negative", typeof(ArgumentOutOfRangeException), "std", "Invalid std: -1; expected a finite std >= 0." },
        { "normal_mean_infinite", typeof(ArgumentOutOfRangeException), "mean", "Invalid mean: Infinity; expected a finite value." },
        { "truncated_std_zero", typeof(ArgumentOutOfRangeException), "std", "Invalid std: 0; expected a finite std > 0." },
        { "truncated_b_below_a", typeof(ArgumentOutOfRangeException), "b", "Invalid b: 0.5; expected a finite value >= a (1)." },
        { "truncated_a_nan", typeof(ArgumentOutOfRangeException), "a", "Invalid a: NaN; expected a finite value." },
        { "constant_nan", typeof(ArgumentOutOfRangeException), "value", "Invalid value: NaN; expected a finite value." },
        { "eye_4d", typeof(ArgumentException), "tensor", "Only tensors with 2 dimensions are supported: 'conv.weight' is [6, 4, 3, 3]; expected a [rows, columns] tensor" },
        { "dirac_2d", typeof(ArgumentException), "tensor", "Only tensors with 3, 4, or 5 dimensions are supported: 'fc.weight' is [10, 84]" },
        { "dirac_groups_not_dividing", typeof(ArgumentOutOfRangeException), "groups", "Invalid groups: 4; expected a divisor of the 6 output channels of 'conv.weight' (PyTorch: dim 0 must be divisible by groups)." },
        { "dirac_groups_zero", typeof(ArgumentOutOfRangeException), "groups", "Invalid groups: 0; expected a positive number of groups." },
        { "xavier_bias", typeof(ArgumentException), "tensor", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions: 'fc.bias' [10] has 1; expected 2 or more." },
        { "xavier_gain_negative", typeof(ArgumentOutOfRangeException), "gain", "Invalid gain: -1; expected a finite gain >= 0." },
        { "kaiming_a_nan", typeof(ArgumentOutOfRangeException), "a", "Invalid a: NaN; expected a finite value." },
        { "kaiming_mode_undefined", typeof(ArgumentOutOfRangeException), "mode", "Expected FanMode.FanIn or FanMode.FanOut." },
        { "kaiming_nonlinearity_undefined", typeof(ArgumentOutOfRangeException), "nonlinearity", "Unsupported nonlinearity 99; expected one of Linear, Conv2d, ConvTranspose2d, Sigmoid, Tanh, ReLU, LeakyReLU, SELU." },
        { "kaiming_bias", typeof(ArgumentException), "tensor", "fewer than 2 dimensions: 'fc.bias' [10]" },
        { "orthogonal_bias", typeof(ArgumentException), "tensor", "Only tensors with 2 or more dimensions are supported: 'fc.bias' is [10]" },
        { "orthogonal_gain_infinite", typeof(ArgumentOutOfRangeException), "gain", "Invalid gain: Infinity; expected a finite gain." },
        { "other_sets_tensor", typeof(ArgumentException), "tensor", "The tensor 'fc.weight' is not one of this set's tensors" },
        { "unknown_name", typeof(ArgumentException), "name", "No parameter named 'fc2.weight'. Known: fc.weight [10, 84], fc.bias [10], conv.weight [6, 4, 3, 3]." },
        { "null_rng", typeof(ArgumentNullException), "rng", "" },
        { "null_tensor", typeof(ArgumentNullException), "tensor", "" },
    };

    /// <summary>Each refused call throws the documented exception, naming the argument and what was expected, and leaves the tensors and the generator alone.</summary>
    [Theory]
    [MemberData(nameof(RefusedCalls))]
    public void RefusedCalls_ThrowAndChangeNothing(string call, Type exceptionType, string paramName, string message)
    {
        ParameterSet set = Set(("fc.weight", [10, 84]), ("fc.bias", [10]), ("conv.weight", [6, 4, 3, 3]));
        ParameterSet other = Set(("fc.weight", [10, 84]));
        for (int i = 0; i < set.Count; i++)
        {
            set.Values[i] = i * 0.25f;
        }

        float[] before = set.Values.ToArray();
        var rng = new Rng(3);
        (uint, uint, uint, uint) state = rng.GetState();
        Action action = call switch
        {
            "uniform_low_nan" => () => Init.Uniform(set, "fc.weight", rng, float.NaN, 1),
            "uniform_high_below_low" => () => Init.Uniform(set, "fc.weight", rng, 1, 0),
            "uniform_width_overflows" => () => Init.Uniform(set, "fc.weight", rng, -3e38f, 3e38f),
            "normal_std_negative" => () => Init.Normal(set, "fc.weight", rng, 0, -1),
            "normal_mean_infinite" => () => Init.Normal(set, set["fc.weight"], rng, float.PositiveInfinity, 1),
            "truncated_std_zero" => () => Init.TruncatedNormal(set, "fc.weight", rng, 0, 0),
            "truncated_b_below_a" => () => Init.TruncatedNormal(set, "fc.weight", rng, a: 1, b: 0.5f),
            "truncated_a_nan" => () => Init.TruncatedNormal(set, "fc.weight", rng, a: float.NaN),
            "constant_nan" => () => Init.Constant(set, "fc.bias", float.NaN),
            "eye_4d" => () => Init.Eye(set, "conv.weight"),
            "dirac_2d" => () => Init.Dirac(set, "fc.weight"),
            "dirac_groups_not_dividing" => () => Init.Dirac(set, "conv.weight", groups: 4),
            "dirac_groups_zero" => () => Init.Dirac(set, "conv.weight", groups: 0),
            "xavier_bias" => () => Init.XavierUniform(set, "fc.bias", rng),
            "xavier_gain_negative" => () => Init.XavierNormal(set, "fc.weight", rng, gain: -1),
            "kaiming_a_nan" => () => Init.KaimingUniform(set, "fc.weight", rng, a: float.NaN),
            "kaiming_mode_undefined" => () => Init.KaimingNormal(set, "fc.weight", rng, mode: (FanMode)7),
            "kaiming_nonlinearity_undefined" => () => Init.KaimingUniform(set, "fc.weight", rng, nonlinearity: (Nonlinearity)99),
            "kaiming_bias" => () => Init.KaimingNormal(set, "fc.bias", rng),
            "orthogonal_bias" => () => Init.Orthogonal(set, "fc.bias", rng),
            "orthogonal_gain_infinite" => () => Init.Orthogonal(set, "fc.weight", rng, double.PositiveInfinity),
            "other_sets_tensor" => () => Init.KaimingUniform(set, other["fc.weight"], rng),
            "unknown_name" => () => Init.Zeros(set, "fc2.weight"),
            "null_rng" => () => Init.XavierUniform(set, "fc.weight", null!),
            _ => () => Init.Ones(set, (ParameterTensor)null!),
        };

        Exception e = Assert.Throws(exceptionType, action);
        Assert.Equal(paramName, ((ArgumentException)e).ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, set.Values.ToArray());
        Assert.Equal(state, rng.GetState());
    }

    /// <summary>The messages for refused shapes quote PyTorch's own.</summary>
    [Fact]
    public void ShapeErrors_QuotePyTorch()
    {
        JsonElement errors = s_golden.Root.GetProperty("errors");
        ParameterSet set = Set(("fc.weight", [10, 84]), ("fc.bias", [10]), ("conv.weight", [6, 2, 3, 3]));
        var rng = new Rng(1);
        Assert.Contains(errors.GetProperty("eye").GetString()!, Assert.Throws<ArgumentException>(() => Init.Eye(set, "conv.weight")).Message, StringComparison.Ordinal);
        Assert.Contains(errors.GetProperty("dirac_dimensions").GetString()!, Assert.Throws<ArgumentException>(() => Init.Dirac(set, "fc.weight")).Message, StringComparison.Ordinal);
        Assert.Contains(errors.GetProperty("dirac_groups").GetString()!, Assert.Throws<ArgumentOutOfRangeException>(() => Init.Dirac(set, "conv.weight", 4)).Message, StringComparison.Ordinal);
        Assert.Contains(errors.GetProperty("orthogonal").GetString()!, Assert.Throws<ArgumentException>(() => Init.Orthogonal(set, "fc.bias", rng)).Message, StringComparison.Ordinal);
        Assert.Contains(errors.GetProperty("fan").GetString()!, Assert.Throws<ArgumentException>(() => Init.XavierNormal(set, "fc.bias", rng)).Message, StringComparison.Ordinal);
        Assert.Contains(errors.GetProperty("gain").GetString()!.Split(' ')[0], Assert.Throws<ArgumentOutOfRangeException>(() => Init.CalculateGain((Nonlinearity)42)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CalculateGain_ChecksItsParameterAsPyTorch()
    {
        var nan = Assert.Throws<ArgumentOutOfRangeException>(() => Init.CalculateGain(Nonlinearity.LeakyReLU, float.NaN));
        Assert.Equal("param", nan.ParamName);
        Assert.Contains("expected a finite negative slope", nan.Message, StringComparison.Ordinal);

        // Only LeakyReLU reads it; PyTorch ignores it elsewhere.
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Sigmoid, 0.3f));
        Assert.Equal(Math.Sqrt(2.0), Init.CalculateGain(Nonlinearity.ReLU, 5f));
    }

    /// <summary>The docs' example: PyTorch's <c>kaiming_normal_(mode='fan_out', nonlinearity='relu')</c> on every conv weight of LeNet-5.</summary>
    [Fact]
    public void DocsExample_InitializesEveryConvolutionWeight()
    {
        var model = new StaticGrad.Models.LeNet5(seed: 1, maxBatch: 1);
        float[] before = model.Parameters.Values.ToArray();
        var rng = new Rng(7);
        foreach (Conv2d conv in new[] { model.Conv1, model.Conv2 })
        {
            Init.KaimingNormal(model.Parameters, conv.WeightTensor, rng, mode: FanMode.FanOut, nonlinearity: Nonlinearity.ReLU);
            if (conv.BiasTensor is { } bias)
            {
                Init.Zeros(model.Parameters, bias);
            }
        }

        Init.XavierUniform(model.Parameters, "fc1.weight", rng, gain: Init.CalculateGain(Nonlinearity.Tanh));

        ParameterTensor conv2 = model.Parameters["conv2.weight"];
        (double _, double std, _, _) = Moments(model.Parameters.ValuesOf(conv2));
        double expected = Math.Sqrt(2.0 / (16 * 5 * 5)); // fan_out of [16, 6, 5, 5]
        Assert.InRange(std, 0.9 * expected, 1.1 * expected);
        Assert.All(model.Parameters.ValuesOf(model.Parameters["conv1.bias"]).ToArray(), v => Assert.Equal(0f, v));

        // fc1 got Xavier's bound (gain 5/3, fans 400 and 120); the other linear layers keep the constructor's initialization.
        double xavier = 5.0 / 3 * Math.Sqrt(6.0 / (400 + 120));
        Assert.All(model.Parameters.ValuesOf(model.Parameters["fc1.weight"]).ToArray(), v => Assert.InRange(v, -xavier, xavier));
        Assert.True(model.Parameters.ValuesOf(model.Parameters["fc1.weight"]).ToArray().Max(v => Math.Abs(v)) > 0.9 * xavier);
        ParameterTensor fc = model.Parameters["fc2.weight"];
        Assert.Equal(before.AsSpan(fc.Offset, fc.Length).ToArray(), model.Parameters.ValuesOf(fc).ToArray());
    }
}
