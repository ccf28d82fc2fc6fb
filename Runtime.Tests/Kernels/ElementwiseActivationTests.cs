using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Every activation against PyTorch 1.13 (scripts/golden_activations.py: boundaries, ±0, tiny and huge values,
/// infinities, NaN, 785 elements so every vector width and the scalar tail run), finite differences, in-place use
/// and argument checks.
/// </summary>
public sealed class ElementwiseActivationTests
{
    private static readonly GoldenFile Golden = new("activations.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBothBackwardPassesMatchPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        Activation kind = Enum.Parse<Activation>(c.GetProperty("activation").GetString()!);
        float alpha = (float)c.GetProperty("alpha").GetDouble();
        float threshold = (float)c.GetProperty("threshold").GetDouble();
        float[] x = Floats(c.GetProperty("x"));
        float[] upstream = Floats(c.GetProperty("upstream"));

        float[] y = new float[x.Length];
        ElementwiseActivation.Forward(x, y, x.Length, kind, alpha, threshold);
        AssertClose(Floats(c.GetProperty("y")), y, $"{name} forward", x);

        float[] gradient = (float[])upstream.Clone();
        ElementwiseActivation.BackwardFromInput(gradient, x, x.Length, kind, alpha, threshold);
        AssertClose(Floats(c.GetProperty("gradient")), gradient, $"{name} backward from the input", x);

        if (ElementwiseActivation.CanBackwardFromOutput(kind, alpha))
        {
            float[] fromOutput = (float[])upstream.Clone();
            ElementwiseActivation.BackwardFromOutput(fromOutput, y, x.Length, kind, alpha);
            AssertClose(gradient, fromOutput, $"{name} backward from the output", x);
        }

        float[] inPlace = (float[])x.Clone();
        ElementwiseActivation.Forward(inPlace, inPlace, x.Length, kind, alpha, threshold);
        Assert.Equal(y.Select(BitConverter.SingleToInt32Bits), inPlace.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(Activation.LeakyReLU, 0.2f, 0f)]
    [InlineData(Activation.ELU, 0.7f, 0f)]
    [InlineData(Activation.GELU, 0f, 0f)]
    [InlineData(Activation.GELUTanh, 0f, 0f)]
    [InlineData(Activation.SiLU, 0f, 0f)]
    [InlineData(Activation.Softplus, 1.5f, 3f)]
    [InlineData(Activation.Hardswish, 0f, 0f)]
    [InlineData(Activation.ReLU6, 0f, 0f)]
    [InlineData(Activation.Hardsigmoid, 0f, 0f)]
    public void BackwardMatchesFiniteDifferences(Activation kind, float alpha, float threshold)
    {
        float[] x = KernelReference.Random(33, seed: 11, low: -4f, high: 4f);
        float[] weights = KernelReference.Random(33, seed: 12);
        float[] gradient = (float[])weights.Clone();
        ElementwiseActivation.BackwardFromInput(gradient, x, x.Length, kind, alpha, threshold);
        float[] y = new float[x.Length];

        double Loss()
        {
            ElementwiseActivation.Forward(x, y, x.Length, kind, alpha, threshold);
            return y.Select((v, i) => (double)v * weights[i]).Sum();
        }

        GradientCheck.AssertGradientMatches(Loss, x, gradient, kind.ToString(), relativeTolerance: 2e-3, absoluteTolerance: 2e-4);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        float[] a = new float[8];
        float[] b = new float[8];
        Assert.Throws<ArgumentOutOfRangeException>("length", () => ElementwiseActivation.Forward(a, b, -1, Activation.ReLU, 0f, 0f));
        Assert.Throws<ArgumentException>("output", () => ElementwiseActivation.Forward(a, b.AsSpan(0, 4), 8, Activation.ReLU, 0f, 0f));
        Assert.Throws<ArgumentException>("output", () => ElementwiseActivation.Forward(a.AsSpan(0, 6), a.AsSpan(2, 6), 6, Activation.ReLU, 0f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>("activation", () => ElementwiseActivation.Forward(a, b, 8, (Activation)99, 0f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>("alpha", () => ElementwiseActivation.Forward(a, b, 8, Activation.Softplus, 0f, 20f));
        Assert.Throws<ArgumentException>("activation", () => ElementwiseActivation.BackwardFromOutput(a, b, 8, Activation.GELU, 0f));
        Assert.False(ElementwiseActivation.CanBackwardFromOutput(Activation.LeakyReLU, -0.5f));
    }

    [Fact]
    public void AllocatesNothing()
    {
        float[] x = KernelReference.Random(785, seed: 13);
        float[] g = new float[785];
        AllocationAssert.None("ElementwiseActivation", () =>
        {
            ElementwiseActivation.Forward(x, g, 785, Activation.GELU, 0f, 0f);
            ElementwiseActivation.BackwardFromInput(g, x, 785, Activation.Softplus, 1f, 20f);
        });
    }

    /// <summary>Within 5e-6 plus 2e-6 relative (the vectorized tanh and erf are approximations); NaN and infinities exactly.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what, float[] x)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a)
                : float.IsInfinity(e) ? e == a
                : Math.Abs((double)e - a) <= 5e-6 + (2e-6 * Math.Abs((double)e));
            Assert.True(ok, $"{what}[{i}] at x = {x[i]:R}: expected {e:R}, got {a:R}");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray()
        .Select(v => v.ValueKind == JsonValueKind.String ? float.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : (float)v.GetDouble())
        .ToArray();
}
