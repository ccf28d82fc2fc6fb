using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>The logistic sigmoid applied elementwise, for the probabilities of binary and multi-label heads.</summary>
public static class Sigmoid
{
    /// <summary>Replaces every element <c>x</c> of <paramref name="values"/> with <c>1 / (1 + e^-x)</c> (PyTorch's <c>torch.sigmoid</c>).</summary>
    /// <param name="values">The values; overwritten with probabilities in [0, 1].</param>
    public static void Apply(Span<float> values)
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        nuint n = (nuint)values.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = ApplyPart<Simd512, Vector512<float>>(ref x, 0, n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = ApplyPart<Simd256, Vector256<float>>(ref x, 0, n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = ApplyPart<Simd128, Vector128<float>>(ref x, 0, n);
        }

        ApplyPart<ScalarOps, float>(ref x, i, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint ApplyPart<TOps, TVec>(ref float x, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TOps.Store(SigmoidFunction.Forward<TOps, TVec>(TOps.Load(ref x, i)), ref x, i);
        }

        return i;
    }
}
