using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="GradientClipping"/> against PyTorch 1.13 (<c>scripts/golden_clipping.py</c>,
/// <c>Golden/clipping.json</c>), against a scalar double reference, and for its edge cases.
/// </summary>
public sealed class GradientClippingTests
{
    private static readonly GoldenFile s_golden = new("clipping.json");

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Clipping_MatchesPyTorch(string name)
    {
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = GoldenParameters(golden.GetProperty("scale").GetDouble());

        // PyTorch sums |g|^p in float32 for orders other than 2 and ∞, we in double: its total norm may be an ulp away,
        // and so each scaled gradient one or two.
        double gradientTolerance = 2e-7;
        if (golden.GetProperty("function").GetString() == "norm")
        {
            double normType = golden.GetProperty("norm_type").ValueKind == JsonValueKind.String ? double.PositiveInfinity : golden.GetProperty("norm_type").GetDouble();
            gradientTolerance = normType is 2 or double.PositiveInfinity ? 2e-7 : 5e-7;
            float maxNorm = (float)golden.GetProperty("max_norm").GetDouble();
            float total = GradientClipping.ClipGradNorm(parameters, maxNorm, normType);
            JsonElement totalNorm = golden.GetProperty("total_norm");
            if (totalNorm.ValueKind == JsonValueKind.String)
            {
                // PyTorch's float32 sum of |g|^p overflowed: an infinite norm, which scales every gradient by 0.
                Assert.Equal("inf", totalNorm.GetString());
                Assert.True(float.IsPositiveInfinity(total), $"{name}: total norm {total:R}, expected infinity as PyTorch's.");
            }
            else
            {
                double want = totalNorm.GetDouble();
                KernelReference.AssertClose(want, total, 1e-6 * want, $"{name} total norm");
            }

            ParameterSet fresh = GoldenParameters(golden.GetProperty("scale").GetDouble());
            bool raised = false;
            try
            {
                GradientClipping.ClipGradNorm(fresh, maxNorm, normType, errorIfNonfinite: true);
            }
            catch (ArithmeticException)
            {
                raised = true;
            }

            Assert.True(golden.GetProperty("nonfinite_error").GetBoolean() == raised, $"{name}: errorIfNonfinite raised {raised}, PyTorch's error_if_nonfinite {!raised}.");
        }
        else
        {
            GradientClipping.ClipGradValue(parameters, (float)golden.GetProperty("clip_value").GetDouble());
        }

        double[] expected = [.. golden.GetProperty("gradients").EnumerateArray().Select(e => e.GetDouble())];
        Assert.Equal(expected.Length, parameters.Count);
        for (int j = 0; j < expected.Length; j++)
        {
            KernelReference.AssertClose(expected[j], parameters.Gradients[j], gradientTolerance * Math.Abs(expected[j]), $"{name} gradient[{j}]");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(257)]
    public void Kernels_MatchAScalarReference(int length)
    {
        var rng = new Rng((ulong)length);
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = rng.NextSingle(-4, 4);
        }

        double sum = 0;
        float max = 0;
        foreach (float v in values)
        {
            sum += (double)v * v;
            max = Math.Max(max, Math.Abs(v));
        }

        KernelReference.AssertClose(sum, ClippingKernels.SumOfSquares(values), 1e-12 * sum, "sum of squares");
        Assert.Equal(max, ClippingKernels.MaxAbs(values));

        float[] clamped = (float[])values.Clone();
        ClippingKernels.Clamp(clamped, 1.5f);
        float[] scaled = (float[])values.Clone();
        ClippingKernels.Scale(scaled, 0.3f);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(Math.Clamp(values[i], -1.5f, 1.5f), clamped[i]);
            Assert.Equal(values[i] * 0.3f, scaled[i]);
        }
    }

    [Fact]
    public void NonfiniteNorm_ThrowsWhenAsked_AndOtherwiseScalesByIt_LikePyTorch()
    {
        ParameterSet parameters = GoldenParameters(1);
        parameters.Gradients[20] = float.NaN;
        float[] before = parameters.Gradients.ToArray();
        var error = Assert.Throws<ArithmeticException>(() => GradientClipping.ClipGradNorm(parameters, 1, 2, errorIfNonfinite: true));
        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, parameters.Gradients.ToArray());
        Assert.True(float.IsNaN(GradientClipping.ClipGradNorm(parameters, 1, double.PositiveInfinity)));
        Assert.True(float.IsNaN(parameters.Gradients[0]));

        parameters.Gradients.Fill(1);
        parameters.Gradients[3] = float.PositiveInfinity;
        Assert.Equal(float.PositiveInfinity, GradientClipping.ClipGradNorm(parameters, 1));
        Assert.True(float.IsNaN(parameters.Gradients[3]), "inf · 0 is NaN, as in PyTorch");
        Assert.Equal(0f, parameters.Gradients[0]);
    }

    [Fact]
    public void ClipGradValue_KeepsNaN()
    {
        ParameterSet parameters = GoldenParameters(3);
        parameters.Gradients[10] = float.NaN;
        GradientClipping.ClipGradValue(parameters, 0.3f);
        Assert.True(float.IsNaN(parameters.Gradients[10]));
        Assert.All(parameters.Gradients.ToArray().Where(g => !float.IsNaN(g)), g => Assert.InRange(g, -0.3f, 0.3f));
    }

    [Fact]
    public void Arguments_AreValidated_NamingThem()
    {
        ParameterSet parameters = GoldenParameters(1);
        Assert.Equal("normType", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm(parameters, 1, 0)).ParamName);
        Assert.Equal("normType", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm(parameters, 1, double.NaN)).ParamName);
        Assert.Equal("normType", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.TotalNorm(parameters, -2)).ParamName);
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm(parameters, -1)).ParamName);
        Assert.Equal("clipValue", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradValue(parameters, float.NaN)).ParamName);
    }

    [Fact]
    public void Clipping_AllocatesNothing()
    {
        ParameterSet parameters = GoldenParameters(3);
        GradientClipping.ClipGradNorm(parameters, 1);
        GradientClipping.ClipGradValue(parameters, 0.1f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            GradientClipping.ClipGradNorm(parameters, 0.5f);
            GradientClipping.ClipGradNorm(parameters, 0.5f, double.PositiveInfinity);
            GradientClipping.ClipGradValue(parameters, 0.1f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The script's three tensors with <c>g[j] = float32(scale·10^-(j%4)·sin(0.73j + 0.4))</c>.</summary>
    private static ParameterSet GoldenParameters(double scale)
    {
        int[][] shapes = [.. s_golden.Root.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(d => d.GetInt32()).ToArray())];
        var tensors = new ParameterTensor[shapes.Length];
        int offset = 0;
        for (int t = 0; t < shapes.Length; t++)
        {
            tensors[t] = new ParameterTensor($"p{t}", offset, shapes[t], fanIn: 1);
            offset += tensors[t].Length;
        }

        var parameters = new ParameterSet(tensors);
        for (int j = 0; j < parameters.Count; j++)
        {
            parameters.Gradients[j] = (float)(scale * Math.Pow(10, -(j % 4)) * Math.Sin((0.73 * j) + 0.4));
        }

        return parameters;
    }
}
