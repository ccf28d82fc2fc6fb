using System;
using System.Linq;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Dropout2d"/> (channel dropout) against a scalar reference that draws the same mask: whole planes
/// zeroed or scaled by <c>1/(1-p)</c>, p = 0 and p = 1 without draws, in place, backward, validation.
/// </summary>
public sealed class Dropout2dTests
{
    public static TheoryData<int, int, float> Shapes() => new()
    {
        { 1, 1, 0.5f },
        { 14, 7, 0.3f },
        { 9, 33, 0.25f },
        { 5, 785, 0.7f },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheScalarReference_AndBackwardScalesByTheSameMask(int planes, int plane, float p)
    {
        float[] input = KernelReference.Random(planes * plane, seed: 3);
        float[] output = new float[input.Length];
        float[] mask = new float[planes];
        Kernels.Dropout2d.Forward(input, output, mask, planes, plane, p, new Rng(7));

        (float[] expected, float[] expectedMask) = Reference(input, planes, plane, p, new Rng(7));
        Assert.Equal(expectedMask, mask);
        Assert.Equal(expected, output);

        float[] gradient = KernelReference.Random(planes * plane, seed: 4);
        float[] expectedGradient = new float[gradient.Length];
        for (int i = 0; i < gradient.Length; i++)
        {
            expectedGradient[i] = gradient[i] * expectedMask[i / plane];
        }

        Kernels.Dropout2d.Backward(gradient, mask, planes, plane);
        Assert.Equal(expectedGradient, gradient);
    }

    [Fact]
    public void WholeChannelsAreZeroedOrScaled_AtTheRateP()
    {
        const int Planes = 4000, Plane = 9;
        const float P = 0.3f;
        float[] input = KernelReference.Random(Planes * Plane, seed: 5, low: 0.5f, high: 1.5f);
        float[] output = new float[input.Length];
        float[] mask = new float[Planes];
        Kernels.Dropout2d.Forward(input, output, mask, Planes, Plane, P, new Rng(11));

        int dropped = 0;
        float scale = Kernels.Dropout.Scale(P);
        for (int i = 0; i < Planes; i++)
        {
            float[] values = output.AsSpan(i * Plane, Plane).ToArray();
            if (mask[i] == 0f)
            {
                dropped++;
                Assert.All(values, v => Assert.Equal(0f, v));
            }
            else
            {
                Assert.Equal(scale, mask[i]);
                for (int j = 0; j < Plane; j++)
                {
                    Assert.Equal(input[(i * Plane) + j] * scale, values[j]);
                }
            }
        }

        // Binomial(4000, 0.3): mean 1200, standard deviation 29; five of them either way.
        Assert.InRange(dropped, 1200 - 145, 1200 + 145);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void PZeroCopiesAndPOneZeroes_WithoutDrawing(float p)
    {
        const int Planes = 6, Plane = 11;
        float[] input = KernelReference.Random(Planes * Plane, seed: 6);
        float[] output = Enumerable.Repeat(float.NaN, input.Length).ToArray();
        float[] mask = new float[Planes];
        var rng = new Rng(12);
        Kernels.Dropout2d.Forward(input, output, mask, Planes, Plane, p, rng);

        Assert.Equal(new Rng(12).NextUInt32(), rng.NextUInt32());
        Assert.All(mask, m => Assert.Equal(p == 0f ? 1f : 0f, m));
        Assert.Equal(p == 0f ? input : new float[input.Length], output);

        float[] gradient = KernelReference.Random(Planes * Plane, seed: 7);
        float[] expected = p == 0f ? (float[])gradient.Clone() : new float[gradient.Length];
        Kernels.Dropout2d.Backward(gradient, mask, Planes, Plane);
        Assert.Equal(expected, gradient);
    }

    [Fact]
    public void InPlace_GivesTheSameValues_AndOnlyTheFirstPlanesAreTouched()
    {
        const int Planes = 10, Plane = 13;
        float[] input = KernelReference.Random((Planes * Plane) + 5, seed: 8);
        float[] outOfPlace = new float[input.Length];
        float[] mask = new float[Planes];
        Kernels.Dropout2d.Forward(input, outOfPlace, mask, Planes, Plane, 0.5f, new Rng(13));

        float[] values = (float[])input.Clone();
        float[] inPlaceMask = new float[Planes + 2];
        inPlaceMask[Planes] = 42f;
        Kernels.Dropout2d.Forward(values, values, inPlaceMask, Planes, Plane, 0.5f, new Rng(13));

        Assert.Equal(outOfPlace.AsSpan(0, Planes * Plane).ToArray(), values.AsSpan(0, Planes * Plane).ToArray());
        Assert.Equal(input.AsSpan(Planes * Plane).ToArray(), values.AsSpan(Planes * Plane).ToArray());
        Assert.Equal(mask, inPlaceMask.AsSpan(0, Planes).ToArray());
        Assert.Equal(42f, inPlaceMask[Planes]);
        Assert.Contains(0f, mask);
        Assert.Contains(2f, mask);
    }

    [Fact]
    public void ZeroPlanesIsANoOp()
    {
        var rng = new Rng(14);
        Kernels.Dropout2d.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty, Span<float>.Empty, 0, 5, 0.5f, rng);
        Kernels.Dropout2d.Backward(Span<float>.Empty, ReadOnlySpan<float>.Empty, 0, 5);
        Assert.Equal(new Rng(14).NextUInt32(), rng.NextUInt32());
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        float[] input = new float[12], output = new float[12], mask = new float[3];
        var rng = new Rng(1);

        Assert.Throws<ArgumentNullException>(() => Kernels.Dropout2d.Forward(input, output, mask, 3, 4, 0.5f, null!));
        foreach (float p in new[] { -0.1f, 1.1f, float.NaN })
        {
            Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout2d.Forward(input, output, mask, 3, 4, p, rng)).ParamName);
        }

        Assert.Equal("planes", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout2d.Forward(input, output, mask, -1, 4, 0.5f, rng)).ParamName);
        Assert.Equal("plane", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout2d.Forward(input, output, mask, 3, 0, 0.5f, rng)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(input.AsSpan(0, 11), output, mask, 3, 4, 0.5f, rng)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(input, output.AsSpan(0, 11), mask, 3, 4, 0.5f, rng)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(input, output, mask.AsSpan(0, 2), 3, 4, 0.5f, rng)).ParamName);

        // The output shifted by one value over the input; the mask inside the input or the output.
        float[] shared = new float[30];
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(shared.AsSpan(0, 12), shared.AsSpan(1, 12), mask, 3, 4, 0.5f, rng)).ParamName);
        Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(shared.AsSpan(0, 12), output, shared.AsSpan(10, 3), 3, 4, 0.5f, rng));
        Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Forward(input, shared.AsSpan(0, 12), shared.AsSpan(11, 3), 3, 4, 0.5f, rng));

        Assert.Equal("planes", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout2d.Backward(output, mask, -1, 4)).ParamName);
        Assert.Equal("plane", Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Dropout2d.Backward(output, mask, 3, 0)).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Backward(output.AsSpan(0, 11), mask, 3, 4)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Backward(output, mask.AsSpan(0, 2), 3, 4)).ParamName);
        Assert.Throws<ArgumentException>(() => Kernels.Dropout2d.Backward(shared.AsSpan(0, 12), shared.AsSpan(9, 3), 3, 4));
    }

    /// <summary>One draw per plane in order, <c>u >= p</c> keeps it, scaled by <c>1/(1-p)</c>; values multiplied one by one.</summary>
    private static (float[] Output, float[] Mask) Reference(float[] input, int planes, int plane, float p, Rng rng)
    {
        float[] mask = new float[planes];
        float[] output = new float[planes * plane];
        for (int i = 0; i < planes; i++)
        {
            mask[i] = rng.NextSingle() >= p ? Kernels.Dropout.Scale(p) : 0f;
            for (int j = 0; j < plane; j++)
            {
                output[(i * plane) + j] = input[(i * plane) + j] * mask[i];
            }
        }

        return (output, mask);
    }
}
