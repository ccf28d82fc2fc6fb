using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The chains of <see cref="Conv2dWeightGradientByChannels"/> over the nonzero positions of the output gradient only,
/// for segments where it is mostly zeros: after a max pool's backward pass at most one position of each window carries a
/// gradient (a quarter of them for 2 × 2 windows), and the ReLU before the pool clears more. A chain skips exactly the
/// products the dense tiles multiply by a zero gradient; with every input value of the segment finite each of those
/// adds ±0 to a chain that is never -0 (it starts at +0, and a sum that cancels rounds to +0), so it leaves the chain's
/// bits unchanged and the two ways give the same bits. A segment with a non-finite input runs dense, where
/// <c>0 · ∞</c> gives the NaN PyTorch's products give.
/// </summary>
/// <remarks>
/// <para>
/// Per sample, each output channel's nonzero positions are listed in row-major order (the input offset of the
/// position's window and its gradient). One chain then covers a kernel row of one (output channel, input channel) pair:
/// 8 lanes for the kernel columns (those past <c>kw</c> are computed and dropped), <c>fma</c>-ed per listed position
/// with the 8 inputs starting at its window's row, broadcast gradient; the rows of a kernel live in registers. The
/// chain is added to the segment's sums in their own layout (<c>[item, channel of the block, kernel row, 8]</c>),
/// samples in order, and copied into the by-channels layout when the segment ends: the same additions in the same order
/// as the dense path's.
/// </para>
/// <para>
/// The input plane is read from a copy in the part's slot, padded as the dense path pads it and followed by 8 floats,
/// so a row's 8-lane load never leaves the slot.
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradientSparse
{
    /// <summary>Lanes of a kernel row's chain (the widest kernel this path takes).</summary>
    public const int RowLanes = 8;

    /// <summary>Kernel rows of one register tile (the tallest kernel this path takes).</summary>
    public const int MaxKernelHeight = 5;

    /// <summary>The most floats of a part's sparse sums (64 KB): larger shapes stay dense.</summary>
    private const long MaxSumFloats = 16384;

    /// <summary>
    /// Whether a segment whose output gradient has <paramref name="nonzero"/> nonzero values among <paramref name="values"/>
    /// runs sparse: at most a quarter nonzero, what a 2 × 2 max pool leaves at most. Measured on LeNet's conv2 shape (batch
    /// 64, one thread, nonzeros spread at random, 2026-12-07 on the Zen 2 VM): 207, 310, 360 and 419 µs at 10, 20, 25 and
    /// 30% nonzero, the dense tiles 364-386 µs whatever the density.
    /// </summary>
    public static bool PaysOff(long nonzero, long values) => nonzero * 4 <= values;

    /// <summary>Whether the shape can take this path (given a by-channels shape): kernels up to 5 × 8, undilated columns, sums within 64 KB.</summary>
    public static bool Fits(in Conv2dGeometry g)
        => g.KernelHeight <= MaxKernelHeight && g.KernelWidth <= RowLanes && g.DilationWidth == 1 && SumFloats(g) <= MaxSumFloats;

    /// <summary>Floats of the sparse sums of every item: <c>outChannels × groupChannels × kh × 8</c>.</summary>
    public static long SumFloats(in Conv2dGeometry g) => (long)g.OutChannels * g.GroupChannels * g.KernelHeight * RowLanes;

    /// <summary>
    /// Floats this path adds to a part's slot: the sparse sums, one sample's lists (an offset and a value per output
    /// position of every channel and 8 of slack, and each channel's count), the positions' window offsets, and the padded
    /// input plane with its 8 floats of slack.
    /// </summary>
    public static long SlotFloats(in Conv2dGeometry g) => Fits(g) ? SumFloats(g) + (2L * (g.OutputSample + RowLanes)) + g.OutChannels + g.OutputPlane + PlaneFloats(g) : 0;

    /// <summary>Floats of the copied input plane: the padded rows and 8 floats of slack.</summary>
    public static int PlaneFloats(in Conv2dGeometry g) => ((g.Height + (2 * g.PaddingHeight)) * PaddedWidth(g)) + RowLanes;

    /// <summary>Length of a copied input row.</summary>
    public static int PaddedWidth(in Conv2dGeometry g) => g.Width + (2 * g.PaddingWidth);

    /// <summary>How many of <paramref name="count"/> floats are not zero (a NaN is not zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long CountNonzero(float* values, long count)
    {
        long nonzero = 0, k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= count; k += 8)
            {
                uint zeros = Vector256.Equals(Vector256.Load(values + k), Vector256<float>.Zero).ExtractMostSignificantBits();
                nonzero += 8 - BitOperations.PopCount(zeros);
            }
        }

        for (; k < count; k++)
        {
            nonzero += values[k] != 0f ? 1 : 0;
        }

        return nonzero;
    }

    /// <summary>Whether every one of <paramref name="count"/> floats is finite: <c>x · 0</c> is ±0 for those and NaN otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(float* values, long count)
    {
        long k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> sum = Vector256<float>.Zero;
            for (; k + 8 <= count; k += 8)
            {
                sum += Vector256.Load(values + k) * Vector256<float>.Zero;
            }

            if (!Vector256.EqualsAll(sum, Vector256<float>.Zero))
            {
                return false;
            }
        }

        for (; k < count; k++)
        {
            if (!float.IsFinite(values[k]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The nonzero positions of one output-gradient plane <paramref name="dy"/> in row-major order: for each, the offset
    /// of its window's top-left input in the copied plane (<paramref name="windows"/>, one per position) and its gradient.
    /// Returns how many. <paramref name="offsets"/> and <paramref name="values"/> have room for 8 more than the plane.
    /// </summary>
    public static int List(float* dy, int positions, int* windows, int* offsets, float* values)
    {
        int count = 0, t = 0;
        if (Avx2.IsSupported)
        {
            // Eight positions at a time, compacted by a permutation chosen by the mask of nonzeros: no branch on the data
            // (a loop over the mask's bits mispredicted about once per vector).
            fixed (int* table = s_compaction)
            {
                for (; t + 8 <= positions; t += 8)
                {
                    Vector256<float> v = Avx.LoadVector256(dy + t);
                    int mask = Avx.MoveMask(Avx.CompareNotEqual(v, Vector256<float>.Zero));
                    Vector256<int> order = Avx.LoadVector256(table + (mask * 8));
                    Avx.Store(values + count, Avx2.PermuteVar8x32(v, order));
                    Avx.Store(offsets + count, Avx2.PermuteVar8x32(Avx.LoadVector256(windows + t), order));
                    count += BitOperations.PopCount((uint)mask);
                }
            }
        }

        for (; t < positions; t++)
        {
            // Written whatever the value, kept by counting it.
            float v = dy[t];
            offsets[count] = windows[t];
            values[count] = v;
            count += v != 0f ? 1 : 0;
        }

        return count;
    }

    /// <summary>The offset of each output position's window in the copied plane (<c>[OH·OW]</c>), for <see cref="List"/>.</summary>
    public static void Windows(in Conv2dGeometry g, int* windows)
    {
        int rowStep = g.StrideHeight * PaddedWidth(g);
        for (int oh = 0, t = 0; oh < g.OutHeight; oh++)
        {
            for (int ow = 0; ow < g.OutWidth; ow++, t++)
            {
                windows[t] = (oh * rowStep) + (ow * g.StrideWidth);
            }
        }
    }

    /// <summary>For each 8-bit mask, the lanes whose bit is set in order, then the others: <c>vpermps</c>'s indices.</summary>
    private static readonly int[] s_compaction = Compaction();

    private static int[] Compaction()
    {
        int[] table = new int[256 * 8];
        for (int mask = 0; mask < 256; mask++)
        {
            int at = mask * 8;
            for (int lane = 0; lane < 8; lane++)
            {
                if ((mask & (1 << lane)) != 0)
                {
                    table[at++] = lane;
                }
            }

            while (at < (mask + 1) * 8)
            {
                table[at++] = 0;
            }
        }

        return table;
    }

    /// <summary>
    /// Input channel <paramref name="x"/> (<c>H × W</c>) into <paramref name="plane"/> at its padded place; the padding and
    /// the slack were cleared when the segment began and are never written.
    /// </summary>
    public static void CopyPlane(float* x, float* plane, in Conv2dGeometry g)
    {
        int paddedWidth = PaddedWidth(g);
        float* rows = plane + ((nint)g.PaddingHeight * paddedWidth) + g.PaddingWidth;
        if (g.PaddingWidth == 0)
        {
            new ReadOnlySpan<float>(x, g.InputPlane).CopyTo(new Span<float>(rows, g.InputPlane));
            return;
        }

        for (int h = 0; h < g.Height; h++)
        {
            RowCopy.Copy(x + ((nint)h * g.Width), rows + ((nint)h * paddedWidth), g.Width);
        }
    }

    /// <summary>
    /// One (output channel, input channel) pair over one sample: the kernel rows' chains from +0 over the listed
    /// positions, then added to <paramref name="sums"/> (<c>[kernel row, 8]</c>). 256-bit vectors where the hardware has
    /// them, else two 128-bit ones per row: the same operations lane by lane.
    /// </summary>
    public static void Chains(float* plane, in Conv2dGeometry g, int* offsets, float* values, int count, float* sums)
    {
        nint rowStep = (nint)g.DilationHeight * PaddedWidth(g);
        if (Vector256.IsHardwareAccelerated)
        {
            Dispatch<Simd256, Vector256<float>>(g.KernelHeight, plane, rowStep, offsets, values, count, sums);
        }
        else
        {
            Dispatch<Simd128, Vector128<float>>(g.KernelHeight, plane, rowStep, offsets, values, count, sums);
        }
    }

    private static void Dispatch<TOps, TVec>(int rows, float* plane, nint rowStep, int* offsets, float* values, int count, float* sums)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (rows)
        {
            case 5:
                Run<TOps, TVec, N5>(plane, rowStep, offsets, values, count, sums);
                break;
            case 4:
                Run<TOps, TVec, N4>(plane, rowStep, offsets, values, count, sums);
                break;
            case 3:
                Run<TOps, TVec, N3>(plane, rowStep, offsets, values, count, sums);
                break;
            case 2:
                Run<TOps, TVec, N2>(plane, rowStep, offsets, values, count, sums);
                break;
            default:
                Run<TOps, TVec, N1>(plane, rowStep, offsets, values, count, sums);
                break;
        }
    }

    /// <summary>
    /// <see cref="Chains"/> for <typeparamref name="TRows"/> kernel rows: row <c>i</c>'s lanes in <c>a_i</c> (and
    /// <c>b_i</c>, the upper four, with 128-bit vectors), locals the JIT keeps in registers. The rows are written out: a
    /// helper taking a row's chains by <c>ref</c> measured 5-9% slower at 10-25% nonzero (2026-12-07, Zen 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TRows>(float* plane, nint rowStep, int* offsets, float* values, int count, float* sums)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        bool split = TOps.Count < RowLanes;
        nint half = TOps.Count;
        TVec a0 = TOps.Broadcast(0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0;
        for (int k = 0; k < count; k++)
        {
            TVec v = TOps.Broadcast(values[k]);
            float* p = plane + offsets[k];
            a0 = TOps.MultiplyAdd(TOps.Load(ref *p, 0), v, a0);
            if (split)
            {
                b0 = TOps.MultiplyAdd(TOps.Load(ref p[half], 0), v, b0);
            }

            if (TRows.Value > 1)
            {
                float* q = p + rowStep;
                a1 = TOps.MultiplyAdd(TOps.Load(ref *q, 0), v, a1);
                if (split)
                {
                    b1 = TOps.MultiplyAdd(TOps.Load(ref q[half], 0), v, b1);
                }
            }

            if (TRows.Value > 2)
            {
                float* q = p + (2 * rowStep);
                a2 = TOps.MultiplyAdd(TOps.Load(ref *q, 0), v, a2);
                if (split)
                {
                    b2 = TOps.MultiplyAdd(TOps.Load(ref q[half], 0), v, b2);
                }
            }

            if (TRows.Value > 3)
            {
                float* q = p + (3 * rowStep);
                a3 = TOps.MultiplyAdd(TOps.Load(ref *q, 0), v, a3);
                if (split)
                {
                    b3 = TOps.MultiplyAdd(TOps.Load(ref q[half], 0), v, b3);
                }
            }

            if (TRows.Value > 4)
            {
                float* q = p + (4 * rowStep);
                a4 = TOps.MultiplyAdd(TOps.Load(ref *q, 0), v, a4);
                if (split)
                {
                    b4 = TOps.MultiplyAdd(TOps.Load(ref q[half], 0), v, b4);
                }
            }
        }

        Add<TOps, TVec>(sums, a0, b0, split);
        if (TRows.Value > 1)
        {
            Add<TOps, TVec>(sums + RowLanes, a1, b1, split);
        }

        if (TRows.Value > 2)
        {
            Add<TOps, TVec>(sums + (2 * RowLanes), a2, b2, split);
        }

        if (TRows.Value > 3)
        {
            Add<TOps, TVec>(sums + (3 * RowLanes), a3, b3, split);
        }

        if (TRows.Value > 4)
        {
            Add<TOps, TVec>(sums + (4 * RowLanes), a4, b4, split);
        }
    }

    /// <summary><c>sums[j] += lane j</c> of one row's chain (<paramref name="low"/>, and <paramref name="high"/> when split).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<TOps, TVec>(float* sums, TVec low, TVec high, bool split)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TOps.Store(TOps.Add(TOps.Load(ref *sums, 0), low), ref *sums, 0);
        if (split)
        {
            TOps.Store(TOps.Add(TOps.Load(ref sums[TOps.Count], 0), high), ref sums[TOps.Count], 0);
        }
    }

    /// <summary>
    /// One part's sparse blocks over one segment of <see cref="Conv2dWeightGradientByChannels"/>: which 16-channel blocks
    /// run sparse, their lists for the current sample, and their sums in the part's slot.
    /// </summary>
    internal readonly ref struct SegmentState
    {
        private const int Lanes = Conv2dWeightGradientByChannels.Lanes;

        private readonly Conv2dGeometry _g;
        private readonly float* _sums;
        private readonly int* _offsets;
        private readonly float* _values;
        private readonly int* _counts;
        private readonly int* _windows;
        private readonly float* _plane;
        private readonly int _blockLow;
        private readonly Span<bool> _sparse;
        private readonly bool _any;

        /// <summary>
        /// Decides each block of <c>[blockLow, blockHigh)</c> for samples <c>[firstSample, endSample)</c>: sparse where the
        /// shape fits, the output gradient <see cref="PaysOff"/> and the inputs its chains read are finite.
        /// <paramref name="area"/> is the part's slot past the dense path's floats (<see cref="SlotFloats"/> of them).
        /// </summary>
        public SegmentState(Conv2dJob* job, in Conv2dGeometry g, float* area, int blockLow, int blockHigh, int firstSample, int endSample, Span<bool> sparse)
        {
            _g = g;
            _sums = area;
            _offsets = (int*)(area + SumFloats(g));
            _values = area + SumFloats(g) + g.OutputSample + RowLanes;
            _counts = (int*)(_values + g.OutputSample + RowLanes);
            _windows = _counts + g.OutChannels;
            _plane = (float*)(_windows + g.OutputPlane);
            _blockLow = blockLow;
            _sparse = sparse;
            _any = false;
            bool fits = Fits(g) && Vector128.IsHardwareAccelerated;
            for (int block = blockLow; block < blockHigh; block++)
            {
                bool isSparse = fits && Decide(job, g, block, firstSample, endSample);
                sparse[block - blockLow] = isSparse;
                _any |= isSparse;
            }
        }

        /// <summary>Whether <paramref name="block"/> runs sparse in this segment.</summary>
        public bool IsSparse(int block) => _sparse[block - _blockLow];

        /// <summary>Clears the sparse sums of items <c>[first, end)</c> and the plane's padding and slack.</summary>
        public void Begin(int first, int end)
        {
            if (!_any)
            {
                return;
            }

            new Span<float>(_plane, PlaneFloats(_g)).Clear();
            Windows(_g, _windows);
            int itemFloats = Lanes * _g.KernelHeight * RowLanes;
            for (int item = first; item < end; item++)
            {
                if (IsSparse(item / _g.GroupChannels))
                {
                    new Span<float>(_sums + ((nint)item * itemFloats), itemFloats).Clear();
                }
            }
        }

        /// <summary>The lists of <paramref name="block"/>'s 16 channels for the sample whose output gradient is <paramref name="sampleDy"/>.</summary>
        public void List(float* sampleDy, int block)
        {
            int plane = _g.OutputPlane;
            for (int o = block * Lanes; o < (block + 1) * Lanes; o++)
            {
                nint at = (nint)o * plane;
                _counts[o] = Conv2dWeightGradientSparse.List(sampleDy + at, plane, _windows, _offsets + at, _values + at);
            }
        }

        /// <summary>
        /// Item <paramref name="item"/> (a block and an input channel, whose plane is <paramref name="x"/>) over the listed
        /// sample; with <paramref name="biasSums"/> (the bias row of the segment's sums) also the block's bias chains.
        /// </summary>
        public void Item(int item, float* x, float* biasSums)
        {
            int block = item / _g.GroupChannels, plane = _g.OutputPlane, itemFloats = Lanes * _g.KernelHeight * RowLanes;
            if (biasSums != null)
            {
                for (int o = block * Lanes; o < (block + 1) * Lanes; o++)
                {
                    float chain = 0f;
                    float* values = _values + ((nint)o * plane);
                    for (int k = 0; k < _counts[o]; k++)
                    {
                        chain += values[k];
                    }

                    biasSums[o] += chain;
                }
            }

            CopyPlane(x, _plane, _g);
            float* sums = _sums + ((nint)item * itemFloats);
            for (int o = block * Lanes; o < (block + 1) * Lanes; o++)
            {
                nint at = (nint)o * plane;
                Chains(_plane, _g, _offsets + at, _values + at, _counts[o], sums + ((nint)(o - (block * Lanes)) * _g.KernelHeight * RowLanes));
            }
        }

        /// <summary>The sparse items of <c>[first, end)</c> from their sums into the by-channels sums <paramref name="sums"/> (<c>[weight, outChannels]</c>).</summary>
        public void End(int first, int end, float* sums)
        {
            if (!_any)
            {
                return;
            }

            int taps = _g.KernelHeight * _g.KernelWidth, oc = _g.OutChannels, itemFloats = Lanes * _g.KernelHeight * RowLanes;
            for (int item = first; item < end; item++)
            {
                int block = item / _g.GroupChannels, channel = item % _g.GroupChannels;
                if (!IsSparse(block))
                {
                    continue;
                }

                float* source = _sums + ((nint)item * itemFloats);
                for (int lane = 0; lane < Lanes; lane++)
                {
                    int o = (block * Lanes) + lane;
                    for (int i = 0; i < _g.KernelHeight; i++)
                    {
                        for (int j = 0; j < _g.KernelWidth; j++)
                        {
                            sums[((nint)((channel * taps) + (i * _g.KernelWidth) + j) * oc) + o] = source[(((lane * _g.KernelHeight) + i) * RowLanes) + j];
                        }
                    }
                }
            }
        }

        private static bool Decide(Conv2dJob* job, in Conv2dGeometry g, int block, int firstSample, int endSample)
        {
            long nonzero = 0, values = (long)(endSample - firstSample) * Lanes * g.OutputPlane;
            int group = block * Lanes / g.GroupOutChannels;
            for (int n = firstSample; n < endSample; n++)
            {
                nonzero += CountNonzero(job->Output + ((nint)n * g.OutputSample) + ((nint)block * Lanes * g.OutputPlane), (long)Lanes * g.OutputPlane);
            }

            if (!PaysOff(nonzero, values))
            {
                return false;
            }

            for (int n = firstSample; n < endSample; n++)
            {
                if (!AllFinite(job->Input + ((nint)n * g.InputSample) + ((nint)group * g.GroupChannels * g.InputPlane), (long)g.GroupChannels * g.InputPlane))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
