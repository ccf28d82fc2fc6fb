using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// AVX2 + FMA: 6 × 16 tiles (12 ymm accumulators of 16 registers, 2 panel loads and 6 broadcasts per
/// 12 FMAs), edge slivers of 4 and 2 rows and 8-column edge panels.
/// </summary>
internal readonly unsafe struct Avx2Gemm : IGemmIsa
{
    public static int Lanes => 8;

    public static int Mr => 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Tile(int height, int vectors, int kc, float* a, float* b, float* c, nint ldc, int rows, int cols, int flags, float* park)
    {
        if (vectors == 2)
        {
            switch (height)
            {
                case 6:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N6, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 4:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N4, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N2, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
        else
        {
            switch (height)
            {
                case 6:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N6, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 4:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N4, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<Simd256, Vector256<float>, Partial256, N2, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish(int vectors, float* park, float* c, nint ldc, int rows, int cols, int flags, float* bias, Activation activation)
    {
        if (vectors == 2)
        {
            GemmTile.Finish<Simd256, Vector256<float>, Partial256, N2>(park, 2 * Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
        else
        {
            GemmTile.Finish<Simd256, Vector256<float>, Partial256, N1>(park, Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRows(float* source, nint stride, int count, int depth, float* destination, int height) =>
        GemmPacking.PackRows<Simd256, Vector256<float>, Partial256>(source, stride, count, depth, destination, height);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRowsBlock(float* source, nint stride, int count, int depth, float* destination) =>
        GemmPacking.PackRowsBlock<Simd256, Vector256<float>, Partial256>(source, stride, count, depth, destination, Mr, Mr / 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackTransposed(float* source, nint stride, int rows, int depth, float* destination, int height) =>
        GemmPacking.PackTransposed256(source, stride, rows, depth, destination, height);
}
