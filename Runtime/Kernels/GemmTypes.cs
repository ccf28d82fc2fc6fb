using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>A compile-time integer carried by a struct type, so generic kernels unroll and prune on it.</summary>
internal interface IConstant
{
    /// <summary>The value.</summary>
    static abstract int Value { get; }
}

/// <summary>0.</summary>
internal readonly struct N0 : IConstant
{
    public static int Value => 0;
}

/// <summary>1.</summary>
internal readonly struct N1 : IConstant
{
    public static int Value => 1;
}

/// <summary>2.</summary>
internal readonly struct N2 : IConstant
{
    public static int Value => 2;
}

/// <summary>3.</summary>
internal readonly struct N3 : IConstant
{
    public static int Value => 3;
}

/// <summary>4.</summary>
internal readonly struct N4 : IConstant
{
    public static int Value => 4;
}

/// <summary>5.</summary>
internal readonly struct N5 : IConstant
{
    public static int Value => 5;
}

/// <summary>6.</summary>
internal readonly struct N6 : IConstant
{
    public static int Value => 6;
}

/// <summary>7.</summary>
internal readonly struct N7 : IConstant
{
    public static int Value => 7;
}

/// <summary>8.</summary>
internal readonly struct N8 : IConstant
{
    public static int Value => 8;
}

/// <summary>10.</summary>
internal readonly struct N10 : IConstant
{
    public static int Value => 10;
}

/// <summary>12.</summary>
internal readonly struct N12 : IConstant
{
    public static int Value => 12;
}

/// <summary>14.</summary>
internal readonly struct N14 : IConstant
{
    public static int Value => 14;
}

/// <summary>16.</summary>
internal readonly struct N16 : IConstant
{
    public static int Value => 16;
}

/// <summary>20.</summary>
internal readonly struct N20 : IConstant
{
    public static int Value => 20;
}

/// <summary>24.</summary>
internal readonly struct N24 : IConstant
{
    public static int Value => 24;
}

/// <summary>
/// Loads and stores of the first <c>count</c> lanes of a vector (<c>0 &lt; count &lt; Count</c>) without touching
/// memory past them: AVX-512 and AVX masked moves, or a small stack copy for <see cref="Vector{T}"/>. Lanes
/// past <c>count</c> load as zero. The arithmetic on a partial vector is the same vector arithmetic as on a
/// full one, so an element rounds the same way whether it sits in a full or a partial vector.
/// </summary>
internal unsafe interface IPartialVector<TVec>
    where TVec : struct
{
    /// <summary>Loads <paramref name="count"/> floats, zeros in the other lanes.</summary>
    static abstract TVec Load(float* source, int count);

    /// <summary>Stores the first <paramref name="count"/> lanes.</summary>
    static abstract void Store(float* destination, TVec value, int count);
}

/// <summary>Masked AVX-512 moves.</summary>
internal readonly unsafe struct Partial512 : IPartialVector<Vector512<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source, int count) =>
        Avx512F.MaskLoad(source, Mask(count), Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector512<float> value, int count) =>
        Avx512F.MaskStore(destination, Mask(count), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
}

/// <summary>Masked AVX moves (<c>vmaskmovps</c>).</summary>
internal readonly unsafe struct Partial256 : IPartialVector<Vector256<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* source, int count) => Avx.MaskLoad(source, Mask(count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector256<float> value, int count) => Avx.MaskStore(destination, Mask(count), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mask(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
}

/// <summary>Partial <see cref="Vector{T}"/> moves through a stack buffer (any hardware).</summary>
internal readonly unsafe struct PartialVector : IPartialVector<Vector<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(float* source, int count)
    {
        Vector<float> buffer = Vector<float>.Zero;
        float* lanes = (float*)&buffer;
        for (int i = 0; i < count; i++)
        {
            lanes[i] = source[i];
        }

        return buffer;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector<float> value, int count)
    {
        float* lanes = (float*)&value;
        for (int i = 0; i < count; i++)
        {
            destination[i] = lanes[i];
        }
    }
}
