using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The last <c>n - i &lt; 16</c> elements of a <see cref="SoftmaxRow"/> pass as one masked AVX-512 vector instead of
/// one scalar at a time: a row of 10 logits (a 10-class loss) runs one vector exponential instead of ten scalar
/// ones. <c>i</c> is where the 16-wide loop stopped, a multiple of 16, so vector lane <c>j</c> holds element
/// <c>i + j</c>, which <see cref="DoubleLanes"/> puts in lane <c>j</c> too; lanes past the row are loaded as the
/// operation's identity (−∞ for the max) or masked to +0 before they are added, and never stored. Each element
/// goes through the same IEEE operations as in the scalar tail, so the results are the same bits.
/// </summary>
internal static unsafe class MaskedTail512
{
    /// <summary>Whether the masked moves exist on this machine.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary><c>max = max(max, x[i..n))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Max(ref float x, nuint i, nuint n, ref float max)
    {
        if (i >= n)
        {
            return;
        }

        Vector512<float> v = Load(ref x, i, n, Vector512.Create(float.NegativeInfinity));
        max = Simd512.MaxAcross(Simd512.Max(Vector512.Create(max), v));
    }

    /// <summary>Adds <c>e^(x[j] - max)</c> for <c>j</c> in <c>[i, n)</c> to its lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumExp(ref float x, float max, nuint i, nuint n, ref DoubleLanes lanes)
    {
        if (i >= n)
        {
            return;
        }

        Vector512<float> mask = Mask(n - i);
        Vector512<float> e = Simd512.Exp(Simd512.Subtract(Load(ref x, i, n, Vector512<float>.Zero), Vector512.Create(max)));
        Simd512.AddToLanes(Vector512.ConditionalSelect(mask, e, Vector512<float>.Zero), ref lanes, i & (DoubleLanes.Length - 1));
    }

    /// <summary>Adds <c>x[j]</c> for <c>j</c> in <c>[i, n)</c> to its lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumAsDouble(ref float x, nuint i, nuint n, ref DoubleLanes lanes)
    {
        if (i >= n)
        {
            return;
        }

        Simd512.AddToLanes(Load(ref x, i, n, Vector512<float>.Zero), ref lanes, i & (DoubleLanes.Length - 1));
    }

    /// <summary>Overwrites <c>x[j]</c>, <c>j</c> in <c>[i, n)</c>, with <c>e^(x[j] - max)·scale + shift</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteExpAffine(ref float x, float max, float scale, float shift, nuint i, nuint n)
    {
        if (i >= n)
        {
            return;
        }

        Vector512<float> e = Simd512.Exp(Simd512.Subtract(Load(ref x, i, n, Vector512<float>.Zero), Vector512.Create(max)));
        Vector512<float> result = Simd512.MultiplyAdd(e, Vector512.Create(scale), Vector512.Create(shift));
        fixed (float* p = &Unsafe.Add(ref x, i))
        {
            Avx512F.MaskStore(p, Mask(n - i), result);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float x, nuint i, nuint n, Vector512<float> fill)
    {
        fixed (float* p = &Unsafe.Add(ref x, i))
        {
            return Avx512F.MaskLoad(p, Mask(n - i), fill);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(nuint count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)count)).AsSingle();
}
