using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>The instruction sets <see cref="Gemm"/> has microkernels for.</summary>
internal enum GemmIsa
{
    /// <summary><see cref="System.Numerics.Vector{T}"/> at whatever width the platform has; 6 × 2 vectors.</summary>
    Portable = 0,

    /// <summary>AVX2 + FMA, Vector256: 6 × 16 tiles.</summary>
    Avx2 = 1,

    /// <summary>AVX-512F, Vector512: 12 × 32 tiles.</summary>
    Avx512 = 2,
}

/// <summary>
/// One instruction set's pieces of <see cref="Gemm"/>: the tile shape, the microkernel dispatch and the
/// packing routines. Implemented by <see cref="Avx512Gemm"/>, <see cref="Avx2Gemm"/> and
/// <see cref="PortableGemm"/>; <see cref="GemmDriver{TIsa}"/> is generic over it.
/// </summary>
internal unsafe interface IGemmIsa
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>The full sliver height (rows of A per microkernel call); edge slivers are 1/3 or 2/3 of it.</summary>
    static abstract int Mr { get; }

    /// <summary>
    /// Runs the microkernel for a sliver of <paramref name="height"/> rows and a panel of <paramref name="vectors"/>
    /// vectors; returns false if it parked the tile in <paramref name="park"/> for <see cref="Finish"/>.
    /// </summary>
    static abstract bool Tile(int height, int vectors, int kc, float* a, float* b, float* c, nint ldc, int rows, int cols, int flags, float* park);

    /// <summary>Stores a parked tile: the valid rows and columns, accumulated and with the epilogue as <paramref name="flags"/> say.</summary>
    static abstract void Finish(int vectors, float* park, float* c, nint ldc, int rows, int cols, int flags, float* bias, Activation activation);

    /// <summary><see cref="GemmPacking.PackRows{TOps, TVec, TPartial}"/> at this width.</summary>
    static abstract void PackRows(float* source, nint stride, int count, int depth, float* destination, int height);

    /// <summary><see cref="GemmPacking.PackRowsBlock{TOps, TVec, TPartial}"/> at this width, in slivers of <see cref="Mr"/> rows.</summary>
    static abstract void PackRowsBlock(float* source, nint stride, int count, int depth, float* destination);

    /// <summary><c>destination[p·height + r] = source[r·stride + p]</c>, zero rows past <paramref name="rows"/>.</summary>
    static abstract void PackTransposed(float* source, nint stride, int rows, int depth, float* destination, int height);
}

/// <summary>Which <see cref="GemmIsa"/> this machine runs, decided once at startup.</summary>
internal static class GemmIsaSelector
{
    /// <summary>The best instruction set the hardware accelerates, unless <c>STATICGRAD_GEMM</c> names a lower one (<c>avx2</c>, <c>portable</c>).</summary>
    public static readonly GemmIsa Best = Select();

    [System.ThreadStatic]
    private static GemmIsa? t_override;

    /// <summary>The instruction set kernels started on this thread use (tests force each in turn).</summary>
    public static GemmIsa Current => t_override ?? Best;

    /// <summary>Whether <paramref name="isa"/> can run on this machine.</summary>
    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        GemmIsa.Avx2 => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Floats per vector of <paramref name="isa"/>: 16, 8, or <see cref="System.Numerics.Vector{T}"/>'s count for the portable kernels.</summary>
    public static int Lanes(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => 16,
        GemmIsa.Avx2 => 8,
        _ => System.Numerics.Vector<float>.Count,
    };

    /// <summary>Forces the instruction set of kernels started on the calling thread; null restores <see cref="Best"/>.</summary>
    public static void Override(GemmIsa? isa) => t_override = isa;

    private static GemmIsa Select()
    {
        string? requested = System.Environment.GetEnvironmentVariable("STATICGRAD_GEMM");
        GemmIsa best = IsSupported(GemmIsa.Avx512) ? GemmIsa.Avx512 : IsSupported(GemmIsa.Avx2) ? GemmIsa.Avx2 : GemmIsa.Portable;
        GemmIsa? wanted = requested?.Trim().ToUpperInvariant() switch
        {
            "AVX512" => GemmIsa.Avx512,
            "AVX2" => GemmIsa.Avx2,
            "PORTABLE" => GemmIsa.Portable,
            _ => null,
        };
        return wanted is { } w && w < best ? w : best;
    }
}
