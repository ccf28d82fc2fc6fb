using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// Single-precision matrix products on row-major matrices. Each overwrites its output; none
/// materializes a transpose. The three forms are what a linear layer needs: forward
/// (<see cref="MultiplyTransposeB"/>, <c>X·Wᵀ</c>), input gradient (<see cref="Multiply"/>, <c>dY·W</c>)
/// and weight gradient (<see cref="MultiplyTransposeA"/>, <c>dYᵀ·X</c>).
/// </summary>
/// <remarks>
/// <para>
/// A BLIS-style blocked product: operands are packed into panels (transposing where the layout needs it),
/// the k dimension is blocked so a B micro-panel stays in L1 and an A block in L2, and a register-tiled
/// FMA microkernel (12 × 32 with AVX-512, 6 × 16 with AVX2, 6 × 2 vectors of <see cref="Vector{T}"/>
/// otherwise, chosen once at startup) computes each tile; edge tiles use smaller slivers and masked
/// stores. When A has at most four rows, <see cref="MultiplyTransposeB"/> runs dot products in place
/// instead (no packing). Large products are split by output tiles across <see cref="Parallelism.MaxThreads"/>
/// threads; the reduction over k is never split, so results are bit-identical for any thread count.
/// </para>
/// <para>
/// The output must not share memory with either input. <c>m</c> may be 0 (nothing is written); <c>k</c> and
/// <c>n</c> must be positive. Calls allocate nothing once each thread's packing buffers have grown to the
/// largest shape it has seen.
/// </para>
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>
    /// Fused multiply-adds a thread must get before a product is split (about 4 µs of microkernel time). Alone, a
    /// product splits profitably from about 1 µs a thread; inside a training step it does not: a split product leaves
    /// half of its output in each core's cache, and the single-threaded calls after it (the next small layer, the loss,
    /// a bias reduction) then read that half from the other core. LeNet-5's 120 → 84 layer (645 k multiply-adds per
    /// product) kept on one thread takes the fully connected layers of its step from 130-134 to 120-124 µs on two threads
    /// (<c>lenet-sequence</c>, docs/performance.md). Its two backward products, one thread's share each, then run side by
    /// side on two threads, one product per core (<see cref="LinearBackward"/>).
    /// </summary>
    internal const long MinWorkPerThread = 1L << 19;

    /// <summary>
    /// The same threshold for the dot-product path, lower: its operand (a weight matrix read once per row)
    /// is bandwidth-bound, and each core then streams only its half of the weights from its own L2.
    /// </summary>
    internal const long DotMinWorkPerThread = 1L << 15;

    /// <summary>Row counts of A up to which <see cref="MultiplyTransposeB"/> uses in-place dot products.</summary>
    internal const int DotRowsMax = 4;

    /// <summary>
    /// The microkernel family chosen at startup for this machine, e.g. <c>"AVX-512, 12x32 tiles"</c>
    /// (<c>STATICGRAD_GEMM=avx2</c> or <c>portable</c> in the environment selects a lower one, for comparison).
    /// </summary>
    public static string Microkernel => GemmIsaSelector.Best switch
    {
        GemmIsa.Avx512 => "AVX-512, 12x32 tiles",
        GemmIsa.Avx2 => "AVX2+FMA, 6x16 tiles",
        _ => $"Vector<float> ({Vector<float>.Count} lanes), 6x{2 * Vector<float>.Count} tiles",
    };

    /// <summary>
    /// The cache blocking in use and the caches it was derived from, e.g.
    /// <c>"Kc 256, Mc 252 (252 KB A block), Nc 2048 (2048 KB B panel); L1d 48 KB, L2 1024 KB, ... (cpuid 0x8000001D)"</c>.
    /// </summary>
    public static string Blocking => GemmBlocking.Current + "; " + CpuCaches.Current;

    /// <summary>Computes <c>C[m,n] = A[m,k] · B[k,n]</c>.</summary>
    /// <param name="a">A, row-major <c>[m, k]</c>; at least <c>m·k</c> elements.</param>
    /// <param name="b">B, row-major <c>[k, n]</c>; at least <c>k·n</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Rows of A and C; zero or more.</param>
    /// <param name="k">Columns of A, rows of B; positive.</param>
    /// <param name="n">Columns of B and C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, m, k, "m*k", k, n, "k*n");
        Run(a, b, c, default, m, k, n, transposeA: false, transposeB: false, epilogue: false, Activation.None);
    }

    /// <summary>Computes <c>C[m,n] = A[m,k] · B[n,k]ᵀ</c>: every element is a dot product of a row of A and a row of B.</summary>
    /// <param name="a">A, row-major <c>[m, k]</c>; at least <c>m·k</c> elements.</param>
    /// <param name="b">B, row-major <c>[n, k]</c>; at least <c>n·k</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Rows of A and C; zero or more.</param>
    /// <param name="k">Columns of A and of B; positive.</param>
    /// <param name="n">Rows of B, columns of C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, m, k, "m*k", n, k, "n*k");
        Run(a, b, c, default, m, k, n, transposeA: false, transposeB: true, epilogue: false, Activation.None);
    }

    /// <summary>Computes <c>C[m,n] = A[k,m]ᵀ · B[k,n]</c>, e.g. a weight gradient <c>dYᵀ·X</c> summed over the batch rows <c>k</c>.</summary>
    /// <param name="a">A, row-major <c>[k, m]</c>; at least <c>k·m</c> elements.</param>
    /// <param name="b">B, row-major <c>[k, n]</c>; at least <c>k·n</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Columns of A, rows of C; zero or more.</param>
    /// <param name="k">Rows of A and of B; positive.</param>
    /// <param name="n">Columns of B and C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, k, m, "k*m", k, n, "k*n");
        Run(a, b, c, default, m, k, n, transposeA: true, transposeB: false, epilogue: false, Activation.None);
    }

    /// <summary>
    /// <c>C[m,n] += A[m,k] · B[k,n]</c>, for callers that sum products over blocks (the fused classifier head):
    /// every k block, the first included, adds its FMA chain to C, so the sum of a sequence of calls depends only
    /// on the sequence. Sizes are the caller's to check.
    /// </summary>
    internal static void MultiplyAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, m, k, "m*k", k, n, "k*n");
        Run(a, b, c, default, m, k, n, transposeA: false, transposeB: false, epilogue: false, Activation.None, accumulate: true);
    }

    /// <summary>
    /// The validated core: <c>C = op(A)·op(B)</c>, then with <paramref name="epilogue"/>
    /// <c>C = act(C + bias)</c> row by row. Shared with <see cref="LinearForward"/>.
    /// </summary>
    internal static void Run(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, ReadOnlySpan<float> bias,
        int m, int k, int n, bool transposeA, bool transposeB, bool epilogue, Activation activation, bool accumulate = false)
    {
        if (m == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pBias = bias)
        {
            GemmJob job = default;
            job.A = pa;
            job.B = pb;
            job.C = pc;
            job.Bias = pBias;
            job.M = m;
            job.K = k;
            job.N = n;
            job.TransposeA = transposeA;
            job.TransposeB = transposeB;
            job.HasEpilogue = epilogue;
            job.AccumulateOutput = accumulate;
            job.Activation = activation;
            job.Isa = GemmIsaSelector.Current;
            GemmBlocking blocking = GemmBlocking.ForCaller;
            job.Mc = blocking.Mc;
            job.Nc = blocking.Nc;
            Execute(&job);
        }
    }

    /// <summary>Chooses the algorithm and the split, then runs the parts (on the pool when there are several).</summary>
    private static void Execute(GemmJob* job)
    {
        int m = job->M, k = job->K, n = job->N;
        long work = (long)m * n * k;
        job->Dot = job->TransposeB && m <= DotRowsMax && !job->AccumulateOutput;
        int threads = Partition.Threads(work, job->Dot ? DotMinWorkPerThread : MinWorkPerThread);
        int lanes = GemmIsaSelector.Lanes(job->Isa);

        int parts = 1;
        if (job->Dot)
        {
            // In-place dot products: split the columns (rows of B) in whole vectors' worth.
            job->SplitColumns = true;
            parts = Partition.Split(n, lanes, threads, out job->PartSize);
        }
        else if (threads > 1)
        {
            // Split the dimension whose other operand is cheaper to pack twice: splitting columns repacks
            // all of A in every part (m·k floats), splitting rows repacks all of B (k·n floats).
            int mr = job->Isa == GemmIsa.Avx512 ? 12 : 6;
            int panel = 2 * lanes;
            int columnTiles = (n + panel - 1) / panel;
            int rowTiles = (m + mr - 1) / mr;
            // A weight gradient (Aᵀ·B) splits its rows, the weight rows, like the forward product (A·Bᵀ, whose
            // columns are the weight rows) and the optimizer step (the flat parameters in order): each core then
            // keeps updating the rows it computed, in its own cache.
            bool columns = columnTiles >= threads && rowTiles >= threads ? (job->TransposeA ? false : m <= n) : columnTiles >= rowTiles;
            job->SplitColumns = columns;
            parts = columns ? Partition.Split(n, panel, threads, out job->PartSize) : Partition.Split(m, mr, threads, out job->PartSize);
        }
        else
        {
            job->SplitColumns = true;
            job->PartSize = n;
        }

        if (parts <= 1)
        {
            RunPart(job, 0);
        }
        else
        {
            WorkerPool.Run(parts, threads, &RunPart, job);
        }
    }

    private static void RunPart(void* context, int part)
    {
        var job = (GemmJob*)context;
        int i0 = 0, i1 = job->M, j0 = 0, j1 = job->N;
        if (job->SplitColumns)
        {
            j0 = part * job->PartSize;
            j1 = Math.Min(job->N, j0 + job->PartSize);
        }
        else
        {
            i0 = part * job->PartSize;
            i1 = Math.Min(job->M, i0 + job->PartSize);
        }

        if (job->Dot)
        {
            switch (job->Isa)
            {
                case GemmIsa.Avx512:
                    RowKernels.DotRows<Simd512, Vector512<float>, Partial512>(job->A, job->B, job->C, job->Bias, job->M, job->K, job->N, j0, j1, job->HasEpilogue, job->Activation);
                    break;
                case GemmIsa.Avx2:
                    RowKernels.DotRows<Simd256, Vector256<float>, Partial256>(job->A, job->B, job->C, job->Bias, job->M, job->K, job->N, j0, j1, job->HasEpilogue, job->Activation);
                    break;
                default:
                    RowKernels.DotRows<SimdVector, Vector<float>, PartialVector>(job->A, job->B, job->C, job->Bias, job->M, job->K, job->N, j0, j1, job->HasEpilogue, job->Activation);
                    break;
            }

            return;
        }

        switch (job->Isa)
        {
            case GemmIsa.Avx512:
                GemmDriver<Avx512Gemm>.Compute(job, i0, i1, j0, j1);
                break;
            case GemmIsa.Avx2:
                GemmDriver<Avx2Gemm>.Compute(job, i0, i1, j0, j1);
                break;
            default:
                GemmDriver<PortableGemm>.Compute(job, i0, i1, j0, j1);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Validate(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        int aRows, int aColumns, string aShape, int bRows, int bColumns, string bShape)
    {
        KernelGuard.NonNegative(m, nameof(m));
        KernelGuard.Positive(k, nameof(k));
        KernelGuard.Positive(n, nameof(n));
        KernelGuard.Holds(a.Length, aRows, aColumns, nameof(a), aShape);
        KernelGuard.Holds(b.Length, bRows, bColumns, nameof(b), bShape);
        KernelGuard.Holds(c.Length, m, n, nameof(c), "m*n");
        KernelGuard.NoOverlap(a, c, nameof(a), nameof(c));
        KernelGuard.NoOverlap(b, c, nameof(b), nameof(c));
    }
}

/// <summary>One matrix product as the parts of a parallel run see it: operands, shape, epilogue and split.</summary>
internal unsafe struct GemmJob
{
    /// <summary>A: <c>[m, k]</c>, or <c>[k, m]</c> when <see cref="TransposeA"/>.</summary>
    public float* A;

    /// <summary>B: <c>[k, n]</c>, or <c>[n, k]</c> when <see cref="TransposeB"/>.</summary>
    public float* B;

    /// <summary>C: <c>[m, n]</c>.</summary>
    public float* C;

    /// <summary>The bias of the epilogue, <c>[n]</c>.</summary>
    public float* Bias;

    /// <summary>Rows of C.</summary>
    public int M;

    /// <summary>The reduction length.</summary>
    public int K;

    /// <summary>Columns of C.</summary>
    public int N;

    /// <summary>The size of one part along the split dimension.</summary>
    public int PartSize;

    /// <summary>A is stored transposed.</summary>
    public bool TransposeA;

    /// <summary>B is stored transposed.</summary>
    public bool TransposeB;

    /// <summary>Apply <c>act(c + bias)</c> after the product.</summary>
    public bool HasEpilogue;

    /// <summary>Add the product to C instead of overwriting it (never with the dot-product path).</summary>
    public bool AccumulateOutput;

    /// <summary>Use the in-place dot-product path.</summary>
    public bool Dot;

    /// <summary>Parts are column ranges (else row ranges).</summary>
    public bool SplitColumns;

    /// <summary>The epilogue's activation.</summary>
    public Activation Activation;

    /// <summary>The microkernel family, read once by the submitting thread.</summary>
    public GemmIsa Isa;

    /// <summary>Rows of A packed at once (<see cref="GemmBlocking.Mc"/>).</summary>
    public int Mc;

    /// <summary>Columns of B packed at once (<see cref="GemmBlocking.Nc"/>).</summary>
    public int Nc;
}
