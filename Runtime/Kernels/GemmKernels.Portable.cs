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
    public static void PackRowsBlock(float* source, nint stride, int count, int depth, float* destination) =>
        GemmPacking.PackRowsBlock<SimdVector, Vector<float>, PartialVector>(source, stride, count, depth, destination, Mr, Mr / 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackTransposed(float* source, nint stride, int rows, int depth, float* destination, int height) =>
        GemmPacking.PackTransposedScalar(source, stride, rows, depth, destination, height);
}
