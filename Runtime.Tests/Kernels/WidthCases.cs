using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;

namespace StaticGrad.Runtime.Tests;

/// <summary>One computation written against <see cref="ISimdOps{TVec}"/>, run by <see cref="WidthCases.RunAll{TCase}"/> at every width.</summary>
internal interface IWidthCase
{
    /// <summary>Runs the computation at the width of <typeparamref name="TOps"/> and returns every float it produced.</summary>
    float[] Run<TOps, TVec>()
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}

/// <summary>
/// Runs a computation with every <see cref="ISimdOps{TVec}"/> implementation, whether or not this machine
/// accelerates it (an unaccelerated Vector512 or Vector256 runs .NET's software fallback, which has the same
/// per-element IEEE semantics, so it checks the logic of that width here and its hardware where it exists),
/// and asserts they all give the bits of the scalar implementation.
/// </summary>
internal static class WidthCases
{
    public static void AssertSameBitsAtEveryWidth<TCase>(TCase computation, string what)
        where TCase : IWidthCase
    {
        float[] scalar = computation.Run<ScalarOps, float>();
        foreach ((string name, float[] result) in RunVectors(computation))
        {
            AssertSameBits(scalar, result, $"{what}: {name} against scalar");
        }
    }

    public static IEnumerable<(string Name, float[] Result)> RunVectors<TCase>(TCase computation)
        where TCase : IWidthCase
    {
        yield return ($"Simd512 (accelerated: {Vector512.IsHardwareAccelerated})", computation.Run<Simd512, Vector512<float>>());
        yield return ($"Simd256 (accelerated: {Vector256.IsHardwareAccelerated})", computation.Run<Simd256, Vector256<float>>());
        yield return ($"Simd128 (accelerated: {Vector128.IsHardwareAccelerated})", computation.Run<Simd128, Vector128<float>>());
        yield return ($"SimdVector ({Vector<float>.Count} lanes)", computation.Run<SimdVector, Vector<float>>());
    }

    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                throw new Xunit.Sdk.XunitException($"{what}: element {i} is {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}), expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}).");
            }
        }
    }

    /// <summary>Applies <paramref name="f"/> to <paramref name="input"/> in <c>TOps.Count</c> steps, the tail with <see cref="ScalarOps"/>.</summary>
    public static float[] Map<TOps, TVec, TFunction>(float[] input)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TFunction : IElementFunction
    {
        float[] output = new float[input.Length];
        int i = 0;
        for (; i + TOps.Count <= input.Length; i += TOps.Count)
        {
            TOps.Store(TFunction.Apply<TOps, TVec>(TOps.Load(ref input[i], 0)), ref output[i], 0);
        }

        for (; i < input.Length; i++)
        {
            output[i] = TFunction.Apply<ScalarOps, float>(input[i]);
        }

        return output;
    }
}

/// <summary>An element-wise function of the kernels, for <see cref="WidthCases.Map{TOps, TVec, TFunction}"/>.</summary>
internal interface IElementFunction
{
    static abstract TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}
