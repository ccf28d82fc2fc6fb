using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The factor dropout keeps elements by is PyTorch's <c>float(1) / float(1 - p)</c> for the decimal p a user writes
/// (golden values from scripts/golden_dropout_scale.py, PyTorch 1.13), in both kernels' masks and outputs.
/// </summary>
public sealed class DropoutScaleTests
{
    private static readonly GoldenFile Golden = new("dropout_scale.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    private static (float P, float Kept) Case(string name)
    {
        JsonElement c = Golden.Case(name);
        return ((float)c.GetProperty("p").GetDouble(), BitConverter.UInt32BitsToSingle(c.GetProperty("kept_bits").GetUInt32()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scale_IsPyTorchs(string name)
    {
        (float p, float kept) = Case(name);

        Assert.Equal(BitConverter.SingleToUInt32Bits(kept), BitConverter.SingleToUInt32Bits(Kernels.Dropout.Scale(p)));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void Scale_RefusesAProbabilityOutsideTheOpenInterval(float p)
    {
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout.Scale(p)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BothKernels_KeepOnesAtPyTorchsValue(string name)
    {
        (float p, float kept) = Case(name);
        float[] ones = Enumerable.Repeat(1f, 4096).ToArray();
        float[] output = new float[ones.Length], mask = new float[ones.Length];
        float[] planes = new float[ones.Length], planeMask = new float[64];

        Kernels.Dropout.Forward(ones, output, mask, ones.Length, p, new Rng(7));
        Kernels.Dropout2d.Forward(ones, planes, planeMask, 64, 64, p, new Rng(7));

        Assert.All(output.Concat(planes), v => Assert.True(v == 0f || v == kept, $"p = {p}: kept {v:R}, PyTorch keeps {kept:R}"));
        Assert.Contains(kept, output);
    }
}
