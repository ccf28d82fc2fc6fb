using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The per-row primitives the matrix kernels are built from: dot products and <c>y += a·x</c>.
/// Each has one generic body (<c>…Part</c>) that handles the elements from <c>start</c> on in
/// <c>TOps.Count</c>-wide steps and returns where it stopped; the public entry runs it at the
/// widest accelerated width and then with <see cref="ScalarOps"/> for the tail.
/// </summary>
/// <remarks>Callers have validated all lengths; these methods do no bounds checks.</remarks>
internal static class RowKernels
{
    /// <summary>Returns <c>Σ x[i]·y[i]</c> for <c>i &lt; n</c>.</summary>
    public static float Dot(ref float x, ref float y, int n)
    {
        float sum = 0f;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = DotPart<Simd512, Vector512<float>>(ref x, ref y, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = DotPart<Simd256, Vector256<float>>(ref x, ref y, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = DotPart<Simd128, Vector128<float>>(ref x, ref y, 0, (nuint)n, ref sum);
        }

        DotPart<ScalarOps, float>(ref x, ref y, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>
    /// Computes four dot products of <paramref name="x"/> with the rows <paramref name="y0"/>..<paramref name="y3"/>
    /// (each load of <paramref name="x"/> is reused four times) and stores them to <c>result[0..3]</c>.
    /// </summary>
    public static void Dot4(ref float x, ref float y0, ref float y1, ref float y2, ref float y3, int n, ref float result)
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Dot4Part<Simd512, Vector512<float>>(ref x, ref y0, ref y1, ref y2, ref y3, 0, (nuint)n, ref s0, ref s1, ref s2, ref s3);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = Dot4Part<Simd256, Vector256<float>>(ref x, ref y0, ref y1, ref y2, ref y3, 0, (nuint)n, ref s0, ref s1, ref s2, ref s3);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = Dot4Part<Simd128, Vector128<float>>(ref x, ref y0, ref y1, ref y2, ref y3, 0, (nuint)n, ref s0, ref s1, ref s2, ref s3);
        }

        Dot4Part<ScalarOps, float>(ref x, ref y0, ref y1, ref y2, ref y3, i, (nuint)n, ref s0, ref s1, ref s2, ref s3);
        result = s0;
        Unsafe.Add(ref result, 1) = s1;
        Unsafe.Add(ref result, 2) = s2;
        Unsafe.Add(ref result, 3) = s3;
    }

    /// <summary><c>y[i] += a·x[i]</c> for <c>i &lt; n</c>.</summary>
    public static void Axpy(float a, ref float x, ref float y, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = AxpyPart<Simd512, Vector512<float>>(a, ref x, ref y, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = AxpyPart<Simd256, Vector256<float>>(a, ref x, ref y, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = AxpyPart<Simd128, Vector128<float>>(a, ref x, ref y, 0, (nuint)n);
        }

        AxpyPart<ScalarOps, float>(a, ref x, ref y, i, (nuint)n);
    }

    /// <summary>
    /// <c>y[i] += a0·x0[i] + a1·x1[i] + a2·x2[i] + a3·x3[i]</c> for <c>i &lt; n</c>: four rank-1 updates for one
    /// load and store of <paramref name="y"/>.
    /// </summary>
    public static void Axpy4(float a0, float a1, float a2, float a3, ref float x0, ref float x1, ref float x2, ref float x3, ref float y, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = Axpy4Part<Simd512, Vector512<float>>(a0, a1, a2, a3, ref x0, ref x1, ref x2, ref x3, ref y, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = Axpy4Part<Simd256, Vector256<float>>(a0, a1, a2, a3, ref x0, ref x1, ref x2, ref x3, ref y, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = Axpy4Part<Simd128, Vector128<float>>(a0, a1, a2, a3, ref x0, ref x1, ref x2, ref x3, ref y, 0, (nuint)n);
        }

        Axpy4Part<ScalarOps, float>(a0, a1, a2, a3, ref x0, ref x1, ref x2, ref x3, ref y, i, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint DotPart<TOps, TVec>(ref float x, ref float y, nuint start, nuint n, ref float sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec acc0 = TOps.Broadcast(0f);
        TVec acc1 = acc0;
        for (; i + 2 * count <= n; i += 2 * count)
        {
            acc0 = TOps.MultiplyAdd(TOps.Load(ref x, i), TOps.Load(ref y, i), acc0);
            acc1 = TOps.MultiplyAdd(TOps.Load(ref x, i + count), TOps.Load(ref y, i + count), acc1);
        }

        for (; i + count <= n; i += count)
        {
            acc0 = TOps.MultiplyAdd(TOps.Load(ref x, i), TOps.Load(ref y, i), acc0);
        }

        sum += TOps.Sum(TOps.Add(acc0, acc1));
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Dot4Part<TOps, TVec>(
        ref float x, ref float y0, ref float y1, ref float y2, ref float y3, nuint start, nuint n,
        ref float s0, ref float s1, ref float s2, ref float s3)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec acc0 = TOps.Broadcast(0f);
        TVec acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (; i + count <= n; i += count)
        {
            TVec xv = TOps.Load(ref x, i);
            acc0 = TOps.MultiplyAdd(xv, TOps.Load(ref y0, i), acc0);
            acc1 = TOps.MultiplyAdd(xv, TOps.Load(ref y1, i), acc1);
            acc2 = TOps.MultiplyAdd(xv, TOps.Load(ref y2, i), acc2);
            acc3 = TOps.MultiplyAdd(xv, TOps.Load(ref y3, i), acc3);
        }

        s0 += TOps.Sum(acc0);
        s1 += TOps.Sum(acc1);
        s2 += TOps.Sum(acc2);
        s3 += TOps.Sum(acc3);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint AxpyPart<TOps, TVec>(float a, ref float x, ref float y, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec av = TOps.Broadcast(a);
        for (; i + count <= n; i += count)
        {
            TOps.Store(TOps.MultiplyAdd(av, TOps.Load(ref x, i), TOps.Load(ref y, i)), ref y, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Axpy4Part<TOps, TVec>(
        float a0, float a1, float a2, float a3, ref float x0, ref float x1, ref float x2, ref float x3, ref float y, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec v0 = TOps.Broadcast(a0), v1 = TOps.Broadcast(a1), v2 = TOps.Broadcast(a2), v3 = TOps.Broadcast(a3);
        for (; i + count <= n; i += count)
        {
            TVec acc = TOps.Load(ref y, i);
            acc = TOps.MultiplyAdd(v0, TOps.Load(ref x0, i), acc);
            acc = TOps.MultiplyAdd(v1, TOps.Load(ref x1, i), acc);
            acc = TOps.MultiplyAdd(v2, TOps.Load(ref x2, i), acc);
            acc = TOps.MultiplyAdd(v3, TOps.Load(ref x3, i), acc);
            TOps.Store(acc, ref y, i);
        }

        return i;
    }
}
