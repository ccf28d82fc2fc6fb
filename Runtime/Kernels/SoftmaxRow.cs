using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The vectorized passes over one row that softmax and softmax cross-entropy are made of: the max,
/// the sum of <c>e^(x - max)</c>, the plain sum (in double), and the write-back
/// <c>x = e^(x - max)·scale + shift</c>. Same structure as <see cref="RowKernels"/>: one generic body,
/// run at the widest width and then for the scalar tail.
/// </summary>
/// <remarks>Callers have validated all lengths; <c>n</c> is positive.</remarks>
internal static class SoftmaxRow
{
    /// <summary>How many vectors are summed in float before the partial sum is added to the double total.</summary>
    private const int FlushInterval = 32;

    /// <summary>Returns <c>max_i x[i]</c> (NaN if any element is NaN).</summary>
    public static float Max(ref float x, int n)
    {
        float max = x;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = MaxPart<Simd512, Vector512<float>>(ref x, 0, (nuint)n, ref max);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = MaxPart<Simd256, Vector256<float>>(ref x, 0, (nuint)n, ref max);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = MaxPart<Simd128, Vector128<float>>(ref x, 0, (nuint)n, ref max);
        }

        MaxPart<ScalarOps, float>(ref x, i, (nuint)n, ref max);
        return max;
    }

    /// <summary>Returns <c>Σ_i e^(x[i] - max)</c>, summed in short float runs flushed into a double.</summary>
    public static double SumExp(ref float x, float max, int n)
    {
        double sum = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd512, Vector512<float>>(ref x, max, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd256, Vector256<float>>(ref x, max, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd128, Vector128<float>>(ref x, max, 0, (nuint)n, ref sum);
        }

        SumExpPart<ScalarOps, float>(ref x, max, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>Returns <c>Σ_i x[i]</c>, each vector widened to double before it is added.</summary>
    public static double SumAsDouble(ref float x, int n)
    {
        double sum = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd512, Vector512<float>>(ref x, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd256, Vector256<float>>(ref x, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd128, Vector128<float>>(ref x, 0, (nuint)n, ref sum);
        }

        SumAsDoublePart<ScalarOps, float>(ref x, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale + shift</c>.</summary>
    public static void WriteExpAffine(ref float x, float max, float scale, float shift, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd512, Vector512<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd256, Vector256<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd128, Vector128<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }

        WriteExpAffinePart<ScalarOps, float>(ref x, max, scale, shift, i, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint MaxPart<TOps, TVec>(ref float x, nuint start, nuint n, ref float max)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        if (i + count > n)
        {
            return i;
        }

        TVec acc = TOps.Broadcast(max);
        for (; i + count <= n; i += count)
        {
            acc = TOps.Max(acc, TOps.Load(ref x, i));
        }

        max = TOps.MaxAcross(acc);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumExpPart<TOps, TVec>(ref float x, float max, nuint start, nuint n, ref double sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec shift = TOps.Broadcast(max);
        while (i + count <= n)
        {
            TVec acc = TOps.Broadcast(0f);
            nuint blockEnd = i + (FlushInterval * count);
            for (; i + count <= n && i < blockEnd; i += count)
            {
                acc = TOps.Add(acc, TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), shift)));
            }

            TOps.AddToDouble(acc, ref sum);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumAsDoublePart<TOps, TVec>(ref float x, nuint start, nuint n, ref double sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TOps.AddToDouble(TOps.Load(ref x, i), ref sum);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WriteExpAffinePart<TOps, TVec>(ref float x, float max, float scale, float shift, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(scale), shiftV = TOps.Broadcast(shift);
        for (; i + count <= n; i += count)
        {
            TVec e = TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), maxV));
            TOps.Store(TOps.MultiplyAdd(e, scaleV, shiftV), ref x, i);
        }

        return i;
    }
}
