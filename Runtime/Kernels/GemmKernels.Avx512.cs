using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// AVX-512: 12 × 32 tiles (24 zmm accumulators, 2 panel loads and 12 broadcasts per 24 FMAs), edge
/// slivers of 8 and 4 rows and 16-column edge panels; packing transposes 16 × 16 blocks in registers.
/// </summary>
internal readonly unsafe struct Avx512Gemm : IGemmIsa
{
    public static int Lanes => 16;

    public static int Mr => 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Tile(int height, int vectors, int kc, float* a, float* b, float* c, nint ldc, int rows, int cols, int flags, float* park)
    {
        if (vectors == 2)
        {
            switch (height)
            {
                case 12:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N12, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 8:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N8, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N4, N2>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
        else
        {
            switch (height)
            {
                case 12:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N12, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                case 8:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N8, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
                default:
                    return GemmTile.Run<Simd512, Vector512<float>, Partial512, N4, N1>(kc, a, b, c, ldc, rows, cols, flags, park);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish(int vectors, float* park, float* c, nint ldc, int rows, int cols, int flags, float* bias, Activation activation)
    {
        if (vectors == 2)
        {
            GemmTile.Finish<Simd512, Vector512<float>, Partial512, N2>(park, 2 * Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
        else
        {
            GemmTile.Finish<Simd512, Vector512<float>, Partial512, N1>(park, Lanes, c, ldc, rows, cols, flags, bias, activation);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRows(float* source, nint stride, int count, int depth, float* destination, int height) =>
        GemmPacking.PackRows<Simd512, Vector512<float>, Partial512>(source, stride, count, depth, destination, height);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackRowsBlock(float* source, nint stride, int count, int depth, float* destination) =>
        GemmPacking.PackRowsBlock<Simd512, Vector512<float>, Partial512>(source, stride, count, depth, destination, Mr, Mr / 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackTransposed(float* source, nint stride, int rows, int depth, float* destination, int height) =>
        GemmPacking.PackTransposed512(source, stride, rows, depth, destination, height);
}
