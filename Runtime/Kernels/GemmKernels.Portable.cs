using System.Numerics;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// The portable microkernel: <see cref="Vector{T}"/> at the platform's width (8 floats with AVX2, 4 with
/// SSE or NEON), 6 × 2-vector tiles, scalar transposing packs. Used where neither AVX-512 nor AVX2 is
/// accelerated, and by the tests on every machine.
/// </summary>
internal readonly unsafe struct PortableGemm : IGemmIsa
{
    public static int Lanes => Vector<float>.Count;

    public static int Mr => 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Tile(int height, int vectors, int kc, float* a, float* b, float* c, nint ldc, int rows, int cols, int flags, float* park)
    {
        if (vectors == 2)
        {
            switch (height)
            {
                case 6:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N6, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 4:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N4, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N2, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
        else
        {
            switch (height)
            {
                case 6:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N6, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 4:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N4, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<SimdVector, Vector<float>, PartialVector, N2, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish(int vectors, float* park, float* c, nint ldc, int rows, int cols, int flags, float* bias, Activation activation)
    {
        if (vectors == 2)
        {
            GemmTile.Finish<SimdVector, Vector<float>, PartialVector, N2>(park, 2 * Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
        else
        {
            GemmTile.Finish<SimdVector, Vector<float>, PartialVector, N1>(park, Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRows(float* source, nint stride, int count, int depth, float* destination, int height) =>
        GemmPacking.PackRows<SimdVector, Vector<float>, PartialVector>(source, stride, count, depth, destination, height);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackTransposed(float* source, nint stride, int rows, int depth, float* destination, int height) =>
        GemmPacking.PackTransposedScalar(source, stride, rows, depth, destination, height);
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
