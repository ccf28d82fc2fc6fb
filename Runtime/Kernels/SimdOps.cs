using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The float operations the kernels are written against, implemented once per vector width
/// (<see cref="Simd512"/>, <see cref="Simd256"/>, <see cref="Simd128"/>) and once for single
/// elements (<see cref="ScalarOps"/>, <c>Count == 1</c>). A kernel is one generic loop over
/// <c>TOps.Count</c>-wide steps: it runs first at the widest accelerated width and then with
/// <see cref="ScalarOps"/> for the tail, so each formula is written exactly once.
/// </summary>
/// <remarks>
/// Every implementation is a struct, so the JIT specializes each generic kernel per width and
/// inlines these members. Callers choose the width with <c>Vector512/256/128.IsHardwareAccelerated</c>,
/// which are JIT-time constants, so the untaken branches cost nothing.
/// </remarks>
/// <typeparam name="TVec">The vector type (or <see cref="float"/> for the scalar implementation).</typeparam>
internal interface ISimdOps<TVec>
    where TVec : struct
{
    /// <summary>The number of floats in one <typeparamref name="TVec"/>.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes set to <paramref name="value"/>.</summary>
    static abstract TVec Broadcast(float value);

    /// <summary>Loads <see cref="Count"/> floats starting at <c>source[index]</c>.</summary>
    static abstract TVec Load(ref float source, nuint index);

    /// <summary>Stores <see cref="Count"/> floats starting at <c>destination[index]</c>.</summary>
    static abstract void Store(TVec value, ref float destination, nuint index);

    /// <summary><c>a + b</c>.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary><c>a - b</c>.</summary>
    static abstract TVec Subtract(TVec a, TVec b);

    /// <summary><c>a * b</c>.</summary>
    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary><c>a / b</c>.</summary>
    static abstract TVec Divide(TVec a, TVec b);

    /// <summary><c>a * b + c</c>, fused where the hardware has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>The IEEE maximum (NaN propagates).</summary>
    static abstract TVec Max(TVec a, TVec b);

    /// <summary>The absolute value.</summary>
    static abstract TVec Abs(TVec a);

    /// <summary>The square root.</summary>
    static abstract TVec Sqrt(TVec a);

    /// <summary><c>e^a</c>.</summary>
    static abstract TVec Exp(TVec a);

    /// <summary><c>tanh(a)</c>.</summary>
    static abstract TVec Tanh(TVec a);

    /// <summary>The magnitude of <paramref name="magnitude"/> with the sign of <paramref name="sign"/>.</summary>
    static abstract TVec CopySign(TVec magnitude, TVec sign);

    /// <summary>Per lane: <paramref name="value"/> where <paramref name="condition"/> &gt; 0, else 0.</summary>
    static abstract TVec WherePositive(TVec condition, TVec value);

    /// <summary>Per lane: <paramref name="ifLess"/> where <paramref name="left"/> &lt; <paramref name="right"/>, else <paramref name="otherwise"/>.</summary>
    static abstract TVec SelectLess(TVec left, TVec right, TVec ifLess, TVec otherwise);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TVec a);

    /// <summary>The largest lane (NaN propagates).</summary>
    static abstract float MaxAcross(TVec a);

    /// <summary>Adds the lanes to <paramref name="accumulator"/> in double precision.</summary>
    static abstract void AddToDouble(TVec a, ref double accumulator);
}

/// <summary>Math shared by the vector implementations of <see cref="ISimdOps{TVec}"/>.</summary>
internal static class Simd
{
    /// <summary>
    /// <c>tanh</c> at single precision: an odd polynomial for <c>|x| &lt; 0.625</c> (Cephes <c>tanhf</c>,
    /// relative error about 1e-7) where <c>1 - 2/(e^(2x)+1)</c> would cancel, that formula elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Tanh<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec ax = TOps.Abs(x);
        TVec s = TOps.Multiply(x, x);
        TVec p = TOps.MultiplyAdd(TOps.Broadcast(-5.70498872745e-3f), s, TOps.Broadcast(2.06390887954e-2f));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(-5.37397155531e-2f));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(1.33314422036e-1f));
        p = TOps.MultiplyAdd(p, s, TOps.Broadcast(-3.33332819422e-1f));
        TVec small = TOps.MultiplyAdd(TOps.Multiply(p, s), x, x);

        TVec e = TOps.Exp(TOps.Add(ax, ax));
        TVec one = TOps.Broadcast(1f);
        TVec large = TOps.Subtract(one, TOps.Divide(TOps.Broadcast(2f), TOps.Add(e, one)));
        return TOps.SelectLess(ax, TOps.Broadcast(0.625f), small, TOps.CopySign(large, x));
    }
}

/// <summary>Single elements: the tail of every kernel, and the whole kernel without SIMD.</summary>
internal readonly struct ScalarOps : ISimdOps<float>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, nuint index) => Unsafe.Add(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nuint index) => Unsafe.Add(ref destination, index) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float a, float b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => float.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => MathF.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Abs(float a) => MathF.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float a) => MathF.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float a) => MathF.Exp(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float a) => MathF.Tanh(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CopySign(float magnitude, float sign) => MathF.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WherePositive(float condition, float value) => condition > 0f ? value : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SelectLess(float left, float right, float ifLess, float otherwise) => left < right ? ifLess : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(float a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToDouble(float a, ref double accumulator) => accumulator += a;
}

/// <summary>512-bit vectors (AVX-512).</summary>
internal readonly struct Simd512 : ISimdOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint index) => Vector512.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> a) => Vector512.Exp(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> a) => Simd.Tanh<Simd512, Vector512<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> CopySign(Vector512<float> magnitude, Vector512<float> sign) => Vector512.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WherePositive(Vector512<float> condition, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(condition, Vector512<float>.Zero), value, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectLess(Vector512<float> left, Vector512<float> right, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> a) => Vector512.Sum(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> a)
    {
        Vector256<float> half = Vector256.Max(a.GetLower(), a.GetUpper());
        return Simd256.MaxAcross(half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToDouble(Vector512<float> a, ref double accumulator)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(a);
        accumulator += Vector512.Sum(lower + upper);
    }
}

/// <summary>256-bit vectors (AVX2).</summary>
internal readonly struct Simd256 : ISimdOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint index) => Vector256.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> a) => Vector256.Exp(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> a) => Simd.Tanh<Simd256, Vector256<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CopySign(Vector256<float> magnitude, Vector256<float> sign) => Vector256.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WherePositive(Vector256<float> condition, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(condition, Vector256<float>.Zero), value, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectLess(Vector256<float> left, Vector256<float> right, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> a) => Vector256.Sum(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> a)
    {
        Vector128<float> half = Vector128.Max(a.GetLower(), a.GetUpper());
        return Simd128.MaxAcross(half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToDouble(Vector256<float> a, ref double accumulator)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(a);
        accumulator += Vector256.Sum(lower + upper);
    }
}

/// <summary>128-bit vectors (SSE, NEON).</summary>
internal readonly struct Simd128 : ISimdOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint index) => Vector128.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> a) => Vector128.Exp(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> a) => Simd.Tanh<Simd128, Vector128<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> CopySign(Vector128<float> magnitude, Vector128<float> sign) => Vector128.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WherePositive(Vector128<float> condition, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(condition, Vector128<float>.Zero), value, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectLess(Vector128<float> left, Vector128<float> right, Vector128<float> ifLess, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> a) => Vector128.Sum(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> a)
    {
        float m = MathF.Max(a.GetElement(0), a.GetElement(1));
        m = MathF.Max(m, a.GetElement(2));
        return MathF.Max(m, a.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToDouble(Vector128<float> a, ref double accumulator)
    {
        (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(a);
        accumulator += Vector128.Sum(lower + upper);
    }
}

/// <summary><see cref="ISimdOps{TVec}"/> for <see cref="Vector{T}"/>, the portable width.</summary>
internal readonly struct SimdVector : ISimdOps<Vector<float>>
{
    public static int Count => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ref float source, nuint index) => Vector.LoadUnsafe(ref source, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Add(Vector<float> a, Vector<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Subtract(Vector<float> a, Vector<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Multiply(Vector<float> a, Vector<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Divide(Vector<float> a, Vector<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => Vector.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Abs(Vector<float> a) => Vector.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sqrt(Vector<float> a) => Vector.SquareRoot(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> a) => Vector.Exp(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> a) => Simd.Tanh<SimdVector, Vector<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> CopySign(Vector<float> magnitude, Vector<float> sign) => Vector.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> WherePositive(Vector<float> condition, Vector<float> value) =>
        Vector.ConditionalSelect(Vector.GreaterThan(condition, Vector<float>.Zero), value, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SelectLess(Vector<float> left, Vector<float> right, Vector<float> ifLess, Vector<float> otherwise) =>
        Vector.ConditionalSelect(Vector.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector<float> a) => Vector.Sum(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector<float> a)
    {
        float max = a[0];
        for (int i = 1; i < Vector<float>.Count; i++)
        {
            max = System.MathF.Max(max, a[i]);
        }

        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToDouble(Vector<float> a, ref double accumulator)
    {
        Vector.Widen(a, out Vector<double> lower, out Vector<double> upper);
        accumulator += Vector.Sum(lower + upper);
    }
}
