using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// <c>a * b + c</c>: fused (one rounding) on every implementation when <see cref="Simd.HasFma"/>, so
    /// every width and the scalar tail round alike; two roundings on every implementation otherwise.
    /// (The implementations test <c>Fma.IsSupported || AdvSimd.Arm64.IsSupported</c> directly: a property call
    /// in each of the microkernel's many multiply-adds would count against the JIT's inlining budget.)
    /// </summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>The IEEE maximum (NaN propagates).</summary>
    static abstract TVec Max(TVec a, TVec b);

    /// <summary>The IEEE minimum (NaN propagates).</summary>
    static abstract TVec Min(TVec a, TVec b);

    /// <summary><c>2^n</c> for integer-valued lanes <c>n</c> in <c>[-126, 127]</c>, built from the exponent bits.</summary>
    static abstract TVec PowerOfTwo(TVec n);

    /// <summary>The absolute value.</summary>
    static abstract TVec Abs(TVec a);

    /// <summary>The square root.</summary>
    static abstract TVec Sqrt(TVec a);

    /// <summary><c>e^a</c>: <see cref="Simd.Exp{TOps, TVec}"/>, the same bits at every width.</summary>
    static abstract TVec Exp(TVec a);

    /// <summary><c>tanh(a)</c>: <see cref="Simd.Tanh{TOps, TVec}"/>, the same bits at every width.</summary>
    static abstract TVec Tanh(TVec a);

    /// <summary>The magnitude of <paramref name="magnitude"/> with the sign of <paramref name="sign"/>.</summary>
    static abstract TVec CopySign(TVec magnitude, TVec sign);

    /// <summary>Per lane: <paramref name="value"/> where <paramref name="condition"/> &gt; 0, else 0.</summary>
    static abstract TVec WherePositive(TVec condition, TVec value);

    /// <summary>
    /// Per lane: +0 where <paramref name="condition"/> &lt;= 0, else <paramref name="value"/> (so a NaN condition passes
    /// the value): PyTorch's <c>threshold_backward</c> at 0, the ReLU derivative.
    /// </summary>
    static abstract TVec ZeroWhereNotPositive(TVec condition, TVec value);

    /// <summary>Per lane: <paramref name="ifLess"/> where <paramref name="left"/> &lt; <paramref name="right"/>, else <paramref name="otherwise"/>.</summary>
    static abstract TVec SelectLess(TVec left, TVec right, TVec ifLess, TVec otherwise);

    /// <summary>
    /// The sum of the lanes in a fixed tree: the upper half added to the lower half lane by lane until one lane
    /// is left (the last step adds lanes 0 and 1), so a 16-lane sum gives the same bits as one of two 8-lane
    /// halves added first. (<c>Vector512.Sum</c> and its siblings leave the order unspecified.)
    /// </summary>
    static abstract float Sum(TVec a);

    /// <summary>The largest lane (NaN propagates).</summary>
    static abstract float MaxAcross(TVec a);

    /// <summary>
    /// Adds lane <c>l</c> of <paramref name="a"/>, widened to double, to <c>lanes[first + l]</c>
    /// (<paramref name="first"/> is a multiple of <see cref="Count"/> below 16).
    /// </summary>
    static abstract void AddToLanes(TVec a, ref DoubleLanes lanes, nuint first);
}

/// <summary>
/// Math shared by every implementation of <see cref="ISimdOps{TVec}"/>, written once over its primitives so
/// that each width and the scalar tail run the same sequence of IEEE operations and give the same bits per
/// element (given the same <see cref="HasFma"/>).
/// </summary>
internal static class Simd
{
    /// <summary>
    /// Whether <see cref="ISimdOps{TVec}.MultiplyAdd"/> is fused: the hardware has FMA (x86 FMA3, or Arm64,
    /// where every AdvSimd machine has it). A JIT-time constant. Without FMA (x86 without AVX2, or
    /// <c>DOTNET_EnableAVX2=0</c>, which also disables FMA) every width rounds twice instead, which is fast but
    /// gives different bits from the FMA machines.
    /// </summary>
    public static bool HasFma
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.Arm64.IsSupported;
    }

    /// <summary>
    /// <c>e^x</c> at single precision, exactly 1 at 0 and within 1 ulp elsewhere (measured by the tests against
    /// <see cref="Math.Exp"/>), 0 below about -103.97 (denormals in between), +∞ above about 88.72, NaN for NaN.
    /// </summary>
    /// <remarks>
    /// <c>n = round(x·log2 e)</c> (by adding and subtracting 1.5·2^23), <c>r = x - n·ln 2</c> in two steps (the
    /// high part of ln 2 has 16 significant bits, so <c>n·hi</c> and <c>x - n·hi</c> are exact with or without
    /// FMA), <c>e^r = 1 + r + r²·P(r)</c> with SLEEF's degree-5 minimax <c>P</c> (<c>expf_u10</c>), then
    /// <c>·2^n</c> as two exponent-bit scalings of <c>2^(n/2)</c> each so that results down to the smallest denormal
    /// and up to <c>2^128</c> need no special case. At <c>x = 0</c>, <c>n = r = 0</c> and the result is exactly 1.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        // Outside [-104, 89] the result is 0 or +inf anyway; NaN passes through Max and Min.
        x = TOps.Min(TOps.Max(x, TOps.Broadcast(-104f)), TOps.Broadcast(89f));
        TVec rounder = TOps.Broadcast(12582912f); // 1.5·2^23: adding it rounds |v| < 2^22 to an integer
        TVec n = TOps.Subtract(TOps.Add(TOps.Multiply(x, TOps.Broadcast(1.44269504088896341f)), rounder), rounder);
        TVec r = TOps.MultiplyAdd(n, TOps.Broadcast(-0.693145751953125f), x);
        r = TOps.MultiplyAdd(n, TOps.Broadcast(-1.428606765330187045e-06f), r);

        TVec p = TOps.MultiplyAdd(TOps.Broadcast(0.000198527617612853646278381f), r, TOps.Broadcast(0.00139304355252534151077271f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(0.00833336077630519866943359f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(0.0416664853692054748535156f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(0.166666671633720397949219f));
        p = TOps.MultiplyAdd(p, r, TOps.Broadcast(0.5f));
        p = TOps.Add(TOps.Broadcast(1f), TOps.MultiplyAdd(TOps.Multiply(r, r), p, r));

        // 2^n = 2^h · 2^(n-h) with h = round(n/2): both factors are normal for n in [-150, 128].
        TVec half = TOps.Subtract(TOps.Add(TOps.Multiply(n, TOps.Broadcast(0.5f)), rounder), rounder);
        return TOps.Multiply(TOps.Multiply(p, TOps.PowerOfTwo(half)), TOps.PowerOfTwo(TOps.Subtract(n, half)));
    }

    /// <summary>
    /// <c>log u</c> for <c>u</c> in <c>[1, 2]</c> (what <c>log(1 + e^-|x|)</c> needs): <c>u = m·2^k</c> with
    /// <c>m</c> in <c>[1/√2, √2]</c> and <c>k</c> in {0, 1} chosen by a compare, then Cephes <c>logf</c>'s
    /// polynomial in <c>f = m - 1</c> (exact) and <c>ln 2</c> in two parts; about 1 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec LogOneToTwo<TOps, TVec>(TVec u)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec sqrt2 = TOps.Broadcast(1.41421356237f);
        TVec k = TOps.SelectLess(sqrt2, u, TOps.Broadcast(1f), TOps.Broadcast(0f));
        TVec f = TOps.Subtract(TOps.SelectLess(sqrt2, u, TOps.Multiply(u, TOps.Broadcast(0.5f)), u), TOps.Broadcast(1f));
        TVec z = TOps.Multiply(f, f);
        TVec y = TOps.MultiplyAdd(TOps.Broadcast(7.0376836292e-2f), f, TOps.Broadcast(-1.1514610310e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(1.1676998740e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(-1.2420140846e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(1.4249322787e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(-1.6668057665e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(2.0000714765e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(-2.4999993993e-1f));
        y = TOps.MultiplyAdd(y, f, TOps.Broadcast(3.3333331174e-1f));
        y = TOps.Multiply(TOps.Multiply(y, f), z);
        y = TOps.MultiplyAdd(k, TOps.Broadcast(-2.12194440e-4f), y);
        y = TOps.MultiplyAdd(z, TOps.Broadcast(-0.5f), y);
        return TOps.MultiplyAdd(k, TOps.Broadcast(0.693359375f), TOps.Add(f, y));
    }

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

        TVec e = Exp<TOps, TVec>(TOps.Add(ax, ax));
        TVec one = TOps.Broadcast(1f);
        TVec large = TOps.Subtract(one, TOps.Divide(TOps.Broadcast(2f), TOps.Add(e, one)));
        return TOps.SelectLess(ax, TOps.Broadcast(0.625f), small, TOps.CopySign(large, x));
    }
}

/// <summary>
/// Sixteen double accumulators: the fixed logical blocking of every row reduction. Element <c>i</c> of a row
/// is added to lane <c>i mod 16</c>, in order of <c>i</c>, whatever the vector width that loads it (one
/// Vector512, two Vector256, four Vector128 or sixteen scalars per 16 elements), and <see cref="Sum"/>
/// combines the lanes in one fixed tree, so the result has the same bits on every instruction set.
/// </summary>
[InlineArray(Length)]
internal struct DoubleLanes
{
    /// <summary>The number of logical lanes.</summary>
    public const int Length = 16;

    private double _lane0;

    /// <summary>
    /// <c>((l0+l8)+(l4+l12)) + ((l2+l10)+(l6+l14))</c> + the same for the odd lanes: halves added lane by lane
    /// (<c>j + (j+8)</c>, then <c>j + (j+4)</c>, <c>j + (j+2)</c>, <c>j + (j+1)</c>), as a vector reduction would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly double Sum()
    {
        ReadOnlySpan<double> l = this;
        double s0 = (l[0] + l[8]) + (l[4] + l[12]);
        double s1 = (l[1] + l[9]) + (l[5] + l[13]);
        double s2 = (l[2] + l[10]) + (l[6] + l[14]);
        double s3 = (l[3] + l[11]) + (l[7] + l[15]);
        return (s0 + s2) + (s1 + s3);
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
    public static float MultiplyAdd(float a, float b, float c) => Fma.IsSupported || AdvSimd.Arm64.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => MathF.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Min(float a, float b) => MathF.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PowerOfTwo(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Abs(float a) => MathF.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float a) => MathF.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float a) => Simd.Exp<ScalarOps, float>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float a) => Simd.Tanh<ScalarOps, float>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CopySign(float magnitude, float sign) => MathF.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WherePositive(float condition, float value) => condition > 0f ? value : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ZeroWhereNotPositive(float condition, float value) => condition <= 0f ? 0f : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SelectLess(float left, float right, float ifLess, float otherwise) => left < right ? ifLess : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(float a) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToLanes(float a, ref DoubleLanes lanes, nuint first) => lanes[(int)first] += a;
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
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Fma.IsSupported || AdvSimd.Arm64.IsSupported ? Vector512.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwo(Vector512<float> n) => Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> a) => Simd.Exp<Simd512, Vector512<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> a) => Simd.Tanh<Simd512, Vector512<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> CopySign(Vector512<float> magnitude, Vector512<float> sign) => Vector512.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WherePositive(Vector512<float> condition, Vector512<float> value) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(condition, Vector512<float>.Zero), value, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ZeroWhereNotPositive(Vector512<float> condition, Vector512<float> value) =>
        Vector512.AndNot(value, Vector512.LessThanOrEqual(condition, Vector512<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectLess(Vector512<float> left, Vector512<float> right, Vector512<float> ifLess, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> a) => Simd256.Sum(a.GetLower() + a.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> a)
    {
        Vector256<float> half = Vector256.Max(a.GetLower(), a.GetUpper());
        return Simd256.MaxAcross(half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToLanes(Vector512<float> a, ref DoubleLanes lanes, nuint first)
    {
        (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(a);
        ref double lane = ref lanes[(int)first];
        (Vector512.LoadUnsafe(ref lane) + lower).StoreUnsafe(ref lane);
        (Vector512.LoadUnsafe(ref lane, (nuint)Vector512<double>.Count) + upper).StoreUnsafe(ref lane, (nuint)Vector512<double>.Count);
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
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.IsSupported || AdvSimd.Arm64.IsSupported ? Vector256.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwo(Vector256<float> n) => Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> a) => Simd.Exp<Simd256, Vector256<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> a) => Simd.Tanh<Simd256, Vector256<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CopySign(Vector256<float> magnitude, Vector256<float> sign) => Vector256.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WherePositive(Vector256<float> condition, Vector256<float> value) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(condition, Vector256<float>.Zero), value, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ZeroWhereNotPositive(Vector256<float> condition, Vector256<float> value) =>
        Vector256.AndNot(value, Vector256.LessThanOrEqual(condition, Vector256<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectLess(Vector256<float> left, Vector256<float> right, Vector256<float> ifLess, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> a) => Simd128.Sum(a.GetLower() + a.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> a)
    {
        Vector128<float> half = Vector128.Max(a.GetLower(), a.GetUpper());
        return Simd128.MaxAcross(half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToLanes(Vector256<float> a, ref DoubleLanes lanes, nuint first)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(a);
        ref double lane = ref lanes[(int)first];
        (Vector256.LoadUnsafe(ref lane) + lower).StoreUnsafe(ref lane);
        (Vector256.LoadUnsafe(ref lane, (nuint)Vector256<double>.Count) + upper).StoreUnsafe(ref lane, (nuint)Vector256<double>.Count);
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
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Fma.IsSupported || AdvSimd.Arm64.IsSupported ? Vector128.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PowerOfTwo(Vector128<float> n) => Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> a) => Simd.Exp<Simd128, Vector128<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> a) => Simd.Tanh<Simd128, Vector128<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> CopySign(Vector128<float> magnitude, Vector128<float> sign) => Vector128.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WherePositive(Vector128<float> condition, Vector128<float> value) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(condition, Vector128<float>.Zero), value, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ZeroWhereNotPositive(Vector128<float> condition, Vector128<float> value) =>
        Vector128.AndNot(value, Vector128.LessThanOrEqual(condition, Vector128<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectLess(Vector128<float> left, Vector128<float> right, Vector128<float> ifLess, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> a) => (a.GetElement(0) + a.GetElement(2)) + (a.GetElement(1) + a.GetElement(3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> a)
    {
        float m = MathF.Max(a.GetElement(0), a.GetElement(1));
        m = MathF.Max(m, a.GetElement(2));
        return MathF.Max(m, a.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddToLanes(Vector128<float> a, ref DoubleLanes lanes, nuint first)
    {
        (Vector128<double> lower, Vector128<double> upper) = Vector128.Widen(a);
        ref double lane = ref lanes[(int)first];
        (Vector128.LoadUnsafe(ref lane) + lower).StoreUnsafe(ref lane);
        (Vector128.LoadUnsafe(ref lane, (nuint)Vector128<double>.Count) + upper).StoreUnsafe(ref lane, (nuint)Vector128<double>.Count);
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
    public static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => Fma.IsSupported || AdvSimd.Arm64.IsSupported ? Vector.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Min(Vector<float> a, Vector<float> b) => Vector.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> PowerOfTwo(Vector<float> n) => Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Abs(Vector<float> a) => Vector.Abs(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sqrt(Vector<float> a) => Vector.SquareRoot(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> a) => Simd.Exp<SimdVector, Vector<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> a) => Simd.Tanh<SimdVector, Vector<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> CopySign(Vector<float> magnitude, Vector<float> sign) => Vector.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> WherePositive(Vector<float> condition, Vector<float> value) =>
        Vector.ConditionalSelect(Vector.GreaterThan(condition, Vector<float>.Zero), value, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ZeroWhereNotPositive(Vector<float> condition, Vector<float> value) =>
        Vector.AndNot(value, Vector.LessThanOrEqual(condition, Vector<float>.Zero).As<int, float>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SelectLess(Vector<float> left, Vector<float> right, Vector<float> ifLess, Vector<float> otherwise) =>
        Vector.ConditionalSelect(Vector.LessThan(left, right), ifLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector<float> a) => Vector<float>.Count switch
    {
        16 => Simd512.Sum(a.AsVector512()),
        8 => Simd256.Sum(a.AsVector256()),
        4 => Simd128.Sum(a.AsVector128()),
        _ => SumLanes(a),
    };

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
    public static void AddToLanes(Vector<float> a, ref DoubleLanes lanes, nuint first)
    {
        Vector.Widen(a, out Vector<double> lower, out Vector<double> upper);
        ref double lane = ref lanes[(int)first];
        (Vector.LoadUnsafe(ref lane) + lower).StoreUnsafe(ref lane);
        (Vector.LoadUnsafe(ref lane, (nuint)Vector<double>.Count) + upper).StoreUnsafe(ref lane, (nuint)Vector<double>.Count);
    }

    /// <summary><see cref="Sum"/> for a width with no fixed-size counterpart: halves added until one lane is left.</summary>
    private static float SumLanes(Vector<float> a)
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        a.CopyTo(lanes);
        for (int width = lanes.Length / 2; width > 0; width /= 2)
        {
            for (int i = 0; i < width; i++)
            {
                lanes[i] += lanes[i + width];
            }
        }

        return lanes[0];
    }
}
