using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>Cache blocking of <see cref="Gemm"/>, sized for Zen 4/5 (48 KB L1D, 1 MB L2 per core).</summary>
internal static class GemmBlocking
{
    /// <summary>Largest k block: a 32-column B panel of it (32 KB) stays in L1 while A slivers stream past.</summary>
    public const int Kc = 256;

    /// <summary>Rows of A packed at once (a multiple of 12 and 6): a 240 × 256 block (240 KB) stays in L2.</summary>
    public const int Mc = 240;

    /// <summary>Columns of B packed at once (2 MB at <see cref="Kc"/>), streamed from L2/L3 once per A block.</summary>
    public const int Nc = 2048;

    /// <summary>
    /// The k block for a reduction of length <paramref name="k"/>: <c>k</c> split into equal blocks of at most
    /// <see cref="Kc"/>, rounded up to a multiple of 16 (whole 16 × 16 transposes). Depends on <c>k</c> only,
    /// never on the thread count, so the summation order of every element is fixed.
    /// </summary>
    public static int KBlock(int k)
    {
        int blocks = (k + Kc - 1) / Kc;
        int kc = (k + blocks - 1) / blocks;
        kc = (kc + 15) & ~15;
        return Math.Min(kc, k);
    }
}

/// <summary>
/// The blocked loops of <see cref="Gemm"/> over one rectangle of C (a part of the output), after Goto and
/// van de Geijn / BLIS: for each <c>Nc</c> columns and each k block, pack the B panel; for each <c>Mc</c>
/// rows, pack the A block; then for each B micro-panel (kept in L1) run the microkernel down every A sliver
/// (streamed from L2).
/// </summary>
internal static unsafe class GemmDriver<TIsa>
    where TIsa : IGemmIsa
{
    /// <summary>Computes rows <c>[i0, i1)</c> × columns <c>[j0, j1)</c> of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(GemmJob* job, int i0, int i1, int j0, int j1)
    {
        int lanes = TIsa.Lanes;
        int mr = TIsa.Mr;
        int edge = mr / 3;
        int panel = 2 * lanes;
        int m = job->M, k = job->K, n = job->N;
        float* a = job->A;
        float* b = job->B;
        float* c = job->C;
        float* bias = job->Bias;
        bool transposeA = job->TransposeA, transposeB = job->TransposeB;
        int kBlock = GemmBlocking.KBlock(k);
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* bPack = workspace.B;
        float* aPack = workspace.A;
        float* park = workspace.Park;
        int epilogue = job->HasEpilogue ? GemmTile.Epilogue : 0;
        Activation activation = job->Activation;

        for (int jc = j0; jc < j1; jc += GemmBlocking.Nc)
        {
            int nc = Math.Min(GemmBlocking.Nc, j1 - jc);
            for (int pc = 0; pc < k; pc += kBlock)
            {
                int kc = Math.Min(kBlock, k - pc);
                int flags = (pc == 0 ? 0 : GemmTile.Accumulate) | (pc + kc == k ? epilogue : 0);

                // B panel: columns jc .. jc+nc of rows pc .. pc+kc, in micro-panels of 2 vectors (1 at the end).
                for (int jr = 0; jr < nc; jr += panel)
                {
                    int cols = Math.Min(panel, nc - jr);
                    int width = cols > lanes ? panel : lanes;
                    float* destination = bPack + ((nint)jr * kc);
                    if (transposeB)
                    {
                        TIsa.PackTransposed(b + ((nint)(jc + jr) * k) + pc, k, cols, kc, destination, width);
                    }
                    else
                    {
                        TIsa.PackRows(b + ((nint)pc * n) + jc + jr, n, cols, kc, destination, width);
                    }
                }

                for (int ic = i0; ic < i1; ic += GemmBlocking.Mc)
                {
                    int mc = Math.Min(GemmBlocking.Mc, i1 - ic);

                    // A block: rows ic .. ic+mc in slivers of mr rows (the last rounded up to a third of mr).
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        int height = rows == mr ? mr : ((rows + edge - 1) / edge) * edge;
                        float* destination = aPack + ((nint)ir * kc);
                        if (transposeA)
                        {
                            TIsa.PackRows(a + ((nint)pc * m) + ic + ir, m, rows, kc, destination, height);
                        }
                        else
                        {
                            TIsa.PackTransposed(a + ((nint)(ic + ir) * k) + pc, k, rows, kc, destination, height);
                        }
                    }

                    for (int jr = 0; jr < nc; jr += panel)
                    {
                        int cols = Math.Min(panel, nc - jr);
                        int vectors = cols > lanes ? 2 : 1;
                        float* bPanel = bPack + ((nint)jr * kc);
                        float* cColumn = c + jc + jr;
                        float* biasColumn = bias + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            int height = rows == mr ? mr : ((rows + edge - 1) / edge) * edge;
                            float* cTile = cColumn + ((nint)(ic + ir) * n);
                            if (!TIsa.Tile(height, vectors, kc, aPack + ((nint)ir * kc), bPanel, cTile, n, rows, cols, flags, park))
                            {
                                TIsa.Finish(vectors, park, cTile, n, rows, cols, flags, biasColumn, activation);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// <summary>
/// Per-thread packing buffers of <see cref="Gemm"/>: pinned, 64-byte aligned, allocated at their largest
/// size (an <c>Mc × Kc</c> A block and a <c>Kc × Nc</c> B panel, 2.3 MB) the first time a thread multiplies,
/// then reused, so no later call allocates whichever part a thread picks up. Thread-static, so concurrent
/// callers and the pool's workers never share one.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    /// <summary>Floats in the A buffer: the largest A block, whole slivers of the widest tile.</summary>
    public const int ALength = GemmBlocking.Mc * GemmBlocking.Kc;

    /// <summary>Floats in the B buffer: the largest B panel.</summary>
    public const int BLength = GemmBlocking.Kc * GemmBlocking.Nc;

    /// <summary>Floats in the parking tile: the largest microkernel tile (12 × 32).</summary>
    public const int ParkLength = 12 * 32;

    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private readonly float[] _aArray;
    private readonly float[] _bArray;
    private readonly float[] _parkArray;

    private GemmWorkspace()
    {
        _aArray = Allocate(ALength, out float* a);
        _bArray = Allocate(BLength, out float* b);
        _parkArray = Allocate(ParkLength, out float* park);
        A = a;
        B = b;
        Park = park;
    }

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary><see cref="ALength"/> floats for packed A.</summary>
    public float* A { get; }

    /// <summary><see cref="BLength"/> floats for packed B.</summary>
    public float* B { get; }

    /// <summary><see cref="ParkLength"/> floats where the microkernel leaves edge tiles and epilogue tiles.</summary>
    public float* Park { get; }

    private static float[] Allocate(int length, out float* aligned)
    {
        float[] array = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        aligned = (float*)((address + 63) & ~(nint)63);
        return array;
    }
}
