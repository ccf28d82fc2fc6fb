using System;
using System.Globalization;

namespace StaticGrad.Kernels;

/// <summary>
/// Cache blocking of <see cref="Gemm"/>: the k block (<see cref="KBlock"/>), the rows of A packed at once
/// <see cref="Mc"/> (a block that stays in L2) and the columns of B packed at once <see cref="Nc"/> (a panel that
/// stays in L2 or in the core's share of L3). <see cref="Current"/> is derived once from the caches this machine
/// reports (<see cref="CpuCaches"/>) by the pure function <see cref="Derive(long, long, long, int)"/>.
/// </summary>
/// <remarks>
/// Only <see cref="Mc"/> and <see cref="Nc"/> follow the caches. They choose which tiles are computed together,
/// never the operations that compute an element, so every blocking gives the same bits. The k block does
/// decide the summation order (per k block <c>acc = fma(a, b, acc)</c> from zero, then <c>c += acc</c>), so it is
/// a function of <c>k</c> alone (<see cref="KBlock"/>, at most <see cref="KcMax"/>) on every machine: a model
/// trains to the same bits on AMD and Intel. 256 is also what both known geometries ask for: a B micro-panel of
/// 2 × 16 lanes × 256 k steps is 32 KB, two thirds of their 48 KB L1d. On a 32 KB L1d the micro-panel fills the
/// whole L1 and is partly re-read from L2; that costs speed there, not correctness.
/// </remarks>
/// <param name="Mc">Rows of A packed at once; a positive multiple of 12 (whole 12-row and 6-row slivers).</param>
/// <param name="Nc">Columns of B packed at once; a positive multiple of 256 (whole micro-panels of any width).</param>
internal readonly record struct GemmBlocking(int Mc, int Nc)
{
    /// <summary>The largest k block, the same on every machine (see the remarks).</summary>
    public const int KcMax = 256;

    /// <summary>The <see cref="Mc"/> used when the L2 size is unknown (tuned on Zen 4/5, 1 MB L2).</summary>
    public const int FallbackMc = 240;

    /// <summary>The <see cref="Nc"/> used when neither the L2 nor the L3 size is known.</summary>
    public const int FallbackNc = 2048;

    /// <summary>
    /// The most L3 one core's B panel counts on (2 MB): a VM often reports the whole socket's L3 (hundreds of MB)
    /// shared by its few virtual CPUs, or no sharing count at all; Xeon SP has 1.875 MB of L3 per core, Zen 4/5 4 MB.
    /// </summary>
    public const long MaxL3Share = 2L << 20;

    /// <summary>The largest <see cref="Mc"/> <see cref="Derive(long, long, long, int)"/> returns (a 1 MB A block).</summary>
    public const int MaxMc = 1020;

    /// <summary>The smallest <see cref="Mc"/> <see cref="Derive(long, long, long, int)"/> returns.</summary>
    public const int MinMc = 48;

    /// <summary>The largest <see cref="Nc"/> <see cref="Derive(long, long, long, int)"/> returns (a 4 MB B panel).</summary>
    public const int MaxNc = 4096;

    /// <summary>The smallest <see cref="Nc"/> <see cref="Derive(long, long, long, int)"/> returns.</summary>
    public const int MinNc = 512;

    /// <summary>The blocking used when the caches are unknown.</summary>
    public static GemmBlocking Fallback => new(FallbackMc, FallbackNc);

    /// <summary>
    /// This machine's blocking, derived once from <see cref="CpuCaches.Current"/>; <c>STATICGRAD_GEMM_BLOCKING=Mc,Nc</c>
    /// in the environment replaces it (for measurements; values are rounded to valid ones).
    /// </summary>
    public static GemmBlocking Current { get; } = FromEnvironment() ?? Derive(CpuCaches.Current, GemmIsaSelector.Best == GemmIsa.Avx512 ? 16 : 8);

    /// <summary>The blocking of products started on the calling thread: <see cref="Current"/> unless a test overrides it.</summary>
    public static GemmBlocking ForCaller => t_override.Mc > 0 ? t_override : Current;

    [ThreadStatic]
    private static GemmBlocking t_override;

    /// <summary>
    /// For tests and benchmarks: until the scope is disposed, products started on the calling thread use
    /// <paramref name="blocking"/>. Thread-static.
    /// </summary>
    public static OverrideScope Override(GemmBlocking blocking)
    {
        var scope = new OverrideScope(t_override);
        t_override = blocking;
        return scope;
    }

    /// <summary>Floats of the packed A block: <see cref="Mc"/> × <see cref="KcMax"/>.</summary>
    public int ALength => Mc * KcMax;

    /// <summary>Floats of the packed B panel: <see cref="KcMax"/> × <see cref="Nc"/>.</summary>
    public int BLength => KcMax * Nc;

    /// <summary>
    /// The k block for a reduction of length <paramref name="k"/>: <c>k</c> split into equal blocks of at most
    /// <see cref="KcMax"/>, rounded up to a multiple of 16 (whole 16 × 16 transposes). Depends on <c>k</c> only,
    /// never on the machine or the thread count, so the summation order of every element is fixed.
    /// </summary>
    public static int KBlock(int k)
    {
        int blocks = (k + KcMax - 1) / KcMax;
        int kc = (k + blocks - 1) / blocks;
        kc = (kc + 15) & ~15;
        return Math.Min(kc, k);
    }

    /// <summary>
    /// The blocking for a core with the given caches (bytes; 0 = unknown) and vector width (float lanes), after
    /// the analytical model of BLIS (Low et al., 2016): the A block (<c>Mc × Kc</c> floats) takes a quarter of L2,
    /// leaving room for the B micro-panels and C tiles streaming through it; the B panel (<c>Kc × Nc</c> floats)
    /// takes the larger of what the A block leaves of L2 and the core's share of L3, capped at
    /// <see cref="MaxL3Share"/>. Unknown sizes give the fallback values, the blocking tuned on Zen 4/5.
    /// </summary>
    /// <param name="l1Data">L1 data cache per core (not used: the k block is fixed, see the remarks).</param>
    /// <param name="l2">L2 per core.</param>
    /// <param name="l3PerCore">
    /// The core's share of L3: the L3 divided by the CPUs sharing it, or the whole L3 when that count is unknown.
    /// </param>
    /// <param name="lanes">Floats per vector of the microkernel (16 AVX-512, 8 AVX2; not used: <c>Mc</c> is a
    /// multiple of 12, whole slivers of every microkernel).</param>
    public static GemmBlocking Derive(long l1Data, long l2, long l3PerCore, int lanes)
    {
        _ = l1Data;
        _ = lanes;
        const long bytesPerRow = KcMax * sizeof(float);
        int mc = FallbackMc;
        if (l2 > 0)
        {
            mc = (int)Math.Clamp(l2 / 4 / bytesPerRow / 12 * 12, MinMc, MaxMc);
        }

        int nc = FallbackNc;
        long l3Share = Math.Clamp(l3PerCore, 0, MaxL3Share);
        long bBudget = Math.Max(l3Share, l2 > 0 ? l2 - ((long)mc * bytesPerRow) : 0);
        if (l2 > 0 || l3Share > 0)
        {
            nc = (int)Math.Clamp(Math.Max(0, bBudget) / bytesPerRow / 256 * 256, MinNc, MaxNc);
        }

        return new GemmBlocking(mc, nc);
    }

    /// <summary>The blocking for <paramref name="caches"/> and <paramref name="lanes"/>.</summary>
    public static GemmBlocking Derive(CpuCaches caches, int lanes) =>
        Derive(caches.L1Data, caches.L2, caches.L3SharedBy > 0 ? caches.L3 / caches.L3SharedBy : caches.L3, lanes);

    /// <summary>Parses <c>STATICGRAD_GEMM_BLOCKING=Mc,Nc</c>; null when it is unset or malformed.</summary>
    internal static GemmBlocking? FromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable("STATICGRAD_GEMM_BLOCKING");
        string[] parts = text?.Split(',') ?? [];
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int mc)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int nc))
        {
            return new GemmBlocking(Math.Clamp((mc + 11) / 12 * 12, 12, 4092), Math.Clamp((nc + 255) / 256 * 256, 256, 16384));
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"Kc {KcMax}, Mc {Mc} ({ALength / 256} KB A block), Nc {Nc} ({BLength / 256} KB B panel)");

    /// <summary>Restores the previous override when disposed.</summary>
    internal readonly struct OverrideScope : IDisposable
    {
        private readonly GemmBlocking _previous;

        internal OverrideScope(GemmBlocking previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => t_override = _previous;
    }
}
