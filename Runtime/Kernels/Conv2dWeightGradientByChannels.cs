using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The weight and bias gradients of a convolution whose output channels come in whole 16-channel blocks per group, with
/// vectors over output channels: <c>dW[o, c, i, j] = Σ_n Σ_t X[n, c, ih(t, i), iw(t, j)] · dY[n, o, t]</c> where one
/// vector holds the same tap of 16 output channels, the input value is broadcast and the output gradient is read as
/// <c>dYᵀ</c> (positions × channels, transposed per sample into the thread's slot). Every lane of every
/// multiply-add does useful work, where <see cref="Conv2dWeightGradient"/>'s vectors over positions also run over the
/// padding columns of its rows (31% of the lanes for LeNet's conv2).
/// </summary>
/// <remarks>
/// <para>
/// Summation order, the same on every instruction set and for any thread count: per sample, each weight's products
/// are <c>fma</c>-ed into one chain starting at +0 over the output positions in row-major order (the input value is +0
/// in the padding); the sample's chain is then added to its segment's sum (which starts at +0), samples in order; the
/// segments (<see cref="Conv2dWeightGradient.SegmentCount"/>, fixed per batch size) are added in order. The bias
/// gradient is the same with additions of <c>dY</c> instead of products. A narrower vector runs the same chains for
/// 16 / <c>Count</c> slices of the 16 channels. A segment whose output gradient is mostly zeros (after a max pool) runs
/// the same chains over the nonzero positions only (<see cref="Conv2dWeightGradientSparse"/>), with the same bits.
/// </para>
/// <para>
/// Register tile: up to 5 kernel rows × 5 kernel columns of one input channel and one 16-channel block (with 16-float
/// vectors), so per output position one load of <c>dYᵀ</c> feeds up to 25 multiply-adds whose other operand is a
/// broadcast input value; with 8-float vectors one kernel row × 5 columns of both halves of the block (2 loads and 5
/// broadcasts per 10 multiply-adds); with narrower ones 2 rows × 5 of one slice.
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradientByChannels
{
    /// <summary>Output channels of one vector block.</summary>
    public const int Lanes = 16;

    /// <summary>Kernel columns of a register tile.</summary>
    private const int MaxTileWidth = 5;

    /// <summary>The largest transposed output gradient of one sample (floats) this path takes: 64 KB, within L2.</summary>
    private const int MaxTransposedFloats = 16384;

    /// <summary>Whether the shape takes this path (whatever the hardware): whole 16-channel blocks per group, undilated columns, a sample's transposed gradient within <see cref="MaxTransposedFloats"/>.</summary>
    public static bool Fits(in Conv2dGeometry g) =>
        g.GroupOutChannels % Lanes == 0 && g.DilationWidth == 1 && (long)g.OutputPlane * g.OutChannels <= MaxTransposedFloats;

    /// <summary>Floats of one segment's sums: a row of <c>outChannels</c> per weight of an output channel (<c>K/groups</c>) and one for the bias.</summary>
    public static long SegmentFloats(in Conv2dGeometry g) => (long)(g.GroupReduction + 1) * g.OutChannels;

    /// <summary>Floats of one thread's slot: a sample's transposed output gradient, a zero-padded input plane and the sparse chains' area (<see cref="Conv2dWeightGradientSparse.SlotFloats"/>).</summary>
    public static long SlotFloats(in Conv2dGeometry g) => ((long)g.OutputPlane * g.OutChannels) + PaddedPlane(g) + Conv2dWeightGradientSparse.SlotFloats(g);

    /// <summary>The work items a segment's parts share: (16-channel block, input channel of its group) pairs.</summary>
    public static int ItemCount(in Conv2dGeometry g) => (g.OutChannels / Lanes) * g.GroupChannels;

    /// <summary>The thread part at the job's instruction set; <see cref="SumSegments"/> finishes the call.</summary>
    public static void Part(void* context, int part) => Conv2dWeightGradient.RunPart<SegmentPath>(context, part);

    /// <summary>Part <paramref name="part"/> with vectors <typeparamref name="TVec"/>: its segment (every segment with fewer parts than segments) for its share of the items.</summary>
    internal static void Part<TOps, TVec>(Conv2dJob* job, int part)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => Conv2dWeightGradient.RunPart<SegmentPath, TOps, TVec>(job, part);

    /// <summary>
    /// After every part: <c>dW[o, w]</c> is the segments' sums <c>S[w, o]</c> added in segment order, and the bias
    /// gradient likewise from the bias row.
    /// </summary>
    public static void SumSegments(Conv2dJob* job)
    {
        Conv2dGeometry g = job->Geometry;
        int segments = Conv2dWeightGradient.SegmentCount(job->Batch), rows = g.GroupReduction + (job->BiasGradient == null ? 0 : 1);
        nint segmentFloats = (nint)SegmentFloats(g);
        for (int w = 0; w < rows; w++)
        {
            float* sums = job->Partials + ((nint)w * g.OutChannels);
            for (int o = 0; o < g.OutChannels; o++)
            {
                float total = Conv2dWeightGradient.InSegmentOrder(sums + o, segmentFloats, segments);

                if (w < g.GroupReduction)
                {
                    job->WeightGradient[((nint)o * g.GroupReduction) + w] = total;
                }
                else
                {
                    job->BiasGradient[o] = total;
                }
            }
        }
    }

    /// <summary>Floats of the zero-padded input plane in the slot (none without padding: the input is read in place).</summary>
    private static int PaddedPlane(in Conv2dGeometry g) =>
        g.PaddingHeight == 0 && g.PaddingWidth == 0 ? 0 : (g.Height + (2 * g.PaddingHeight)) * (g.Width + (2 * g.PaddingWidth));

    /// <summary>Items <c>[first, end)</c> of <paramref name="segment"/>'s samples into its sums, through the slot of <paramref name="part"/>.</summary>
    private static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int first, int end)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (first >= end)
        {
            return;
        }

        Conv2dGeometry g = job->Geometry;
        int oc = g.OutChannels, taps = g.KernelHeight * g.KernelWidth, groupChannels = g.GroupChannels;
        bool padded = PaddedPlane(g) > 0;
        int paddedWidth = padded ? g.Width + (2 * g.PaddingWidth) : g.Width;
        float* sums = job->Partials + (segment * (nint)SegmentFloats(g));
        float* transposed = job->Slot(part), plane = transposed + ((nint)g.OutputPlane * oc);
        int blockLow = first / groupChannels, blockHigh = ((end - 1) / groupChannels) + 1;
        bool bias = job->BiasGradient != null;
        for (int item = first; item < end; item++)
        {
            int block = item / groupChannels, channel = item % groupChannels;
            for (int w = channel * taps; w < (channel + 1) * taps; w++)
            {
                new Span<float>(sums + ((nint)w * oc) + (block * Lanes), Lanes).Clear();
            }

            if (bias && channel == 0)
            {
                new Span<float>(sums + ((nint)g.GroupReduction * oc) + (block * Lanes), Lanes).Clear();
            }
        }

        if (padded)
        {
            new Span<float>(plane, PaddedPlane(g)).Clear();
        }

        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        int firstSample = (int)((long)segment * job->Batch / segments), endSample = (int)((long)(segment + 1) * job->Batch / segments);
        var sparse = new Conv2dWeightGradientSparse.SegmentState(job, g, transposed + ((nint)g.OutputPlane * oc) + PaddedPlane(g), blockLow, blockHigh, firstSample, endSample, stackalloc bool[blockHigh - blockLow]);
        sparse.Begin(first, end);
        for (int n = firstSample; n < endSample; n++)
        {
            float* sampleDy = job->Output + ((nint)n * g.OutputSample);
            for (int block = blockLow; block < blockHigh; block++)
            {
                if (sparse.IsSparse(block))
                {
                    sparse.List(sampleDy, block);
                }
                else
                {
                    Transpose(sampleDy, transposed, g.OutputPlane, oc, block, block + 1, wide: typeof(TVec) == typeof(Vector512<float>));
                }
            }

            for (int item = first; item < end; item++)
            {
                int block = item / groupChannels, channel = item % groupChannels;
                int group = block * Lanes / g.GroupOutChannels;
                float* x = job->Input + ((nint)n * g.InputSample) + ((nint)((group * groupChannels) + channel) * g.InputPlane);
                if (sparse.IsSparse(block))
                {
                    sparse.Item(item, x, bias && channel == 0 ? sums + ((nint)g.GroupReduction * oc) : null);
                    continue;
                }

                float* dy = transposed + (block * Lanes);
                if (bias && channel == 0)
                {
                    AddBias<TOps, TVec>(dy, oc, g.OutputPlane, sums + ((nint)g.GroupReduction * oc) + (block * Lanes));
                }

                if (padded)
                {
                    float* rows = plane + ((nint)g.PaddingHeight * paddedWidth) + g.PaddingWidth;
                    for (int h = 0; h < g.Height; h++)
                    {
                        RowCopy.Copy(x + ((nint)h * g.Width), rows + ((nint)h * paddedWidth), g.Width);
                    }

                    x = plane;
                }

                var run = new ChannelRun(x, paddedWidth, g.DilationHeight * paddedWidth, g.StrideHeight, g.StrideWidth, g.OutHeight, g.OutWidth, oc);
                float* weights = sums + ((nint)channel * taps * oc) + (block * Lanes);
                Tiles<TOps, TVec>(run, dy, weights, g.KernelHeight, g.KernelWidth);
            }
        }

        sparse.End(first, end, sums);
    }

    /// <summary>Every register tile of one (channel block, input channel) pair over one sample.</summary>
    private static void Tiles<TOps, TVec>(in ChannelRun run, float* dy, float* weights, int kernelHeight, int kernelWidth)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (TOps.Count * 2 == Lanes)
        {
            // 256-bit vectors: one kernel row of both 8-channel slices per tile, 10 chains fed by 2 loads and 5 broadcasts
            // (two rows of one slice took 10 broadcasts and a load per 10 FMAs, the load ports' limit on Zen 2).
            for (int j0 = 0; j0 < kernelWidth; j0 += MaxTileWidth)
            {
                int width = Math.Min(MaxTileWidth, kernelWidth - j0);
                for (int i = 0; i < kernelHeight; i++)
                {
                    float* x = run.Input + ((nint)i * run.RowStep) + j0;
                    float* sums = weights + ((nint)((i * kernelWidth) + j0) * run.Channels);
                    switch (width)
                    {
                        case 5: RunBothSlices<TOps, TVec, N5>(run, x, dy, sums); break;
                        case 4: RunBothSlices<TOps, TVec, N4>(run, x, dy, sums); break;
                        case 3: RunBothSlices<TOps, TVec, N3>(run, x, dy, sums); break;
                        case 2: RunBothSlices<TOps, TVec, N2>(run, x, dy, sums); break;
                        default: RunBothSlices<TOps, TVec, N1>(run, x, dy, sums); break;
                    }
                }
            }

            return;
        }

        int maxRows = TOps.Count >= Lanes ? 5 : 2;
        for (int j0 = 0; j0 < kernelWidth; j0 += MaxTileWidth)
        {
            int width = Math.Min(MaxTileWidth, kernelWidth - j0);
            for (int i0 = 0; i0 < kernelHeight; i0 += maxRows)
            {
                int rows = Math.Min(maxRows, kernelHeight - i0);
                float* x = run.Input + ((nint)i0 * run.RowStep) + j0;
                float* sums = weights + ((nint)((i0 * kernelWidth) + j0) * run.Channels);
                for (int h = 0; h < Lanes; h += TOps.Count)
                {
                    DispatchRows<TOps, TVec>(rows, width, run, x, dy + h, sums + h, (nint)kernelWidth * run.Channels);
                }
            }
        }
    }

    private static void DispatchRows<TOps, TVec>(int rows, int width, in ChannelRun run, float* x, float* dy, float* sums, nint sumRow)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (rows)
        {
            case 5:
                DispatchWidth<TOps, TVec, N5>(width, run, x, dy, sums, sumRow);
                break;
            case 4:
                DispatchWidth<TOps, TVec, N4>(width, run, x, dy, sums, sumRow);
                break;
            case 3:
                DispatchWidth<TOps, TVec, N3>(width, run, x, dy, sums, sumRow);
                break;
            case 2:
                DispatchWidth<TOps, TVec, N2>(width, run, x, dy, sums, sumRow);
                break;
            default:
                DispatchWidth<TOps, TVec, N1>(width, run, x, dy, sums, sumRow);
                break;
        }
    }

    private static void DispatchWidth<TOps, TVec, TRows>(int width, in ChannelRun run, float* x, float* dy, float* sums, nint sumRow)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        switch (width)
        {
            case 5:
                Run<TOps, TVec, TRows, N5>(run, x, dy, sums, sumRow);
                break;
            case 4:
                Run<TOps, TVec, TRows, N4>(run, x, dy, sums, sumRow);
                break;
            case 3:
                Run<TOps, TVec, TRows, N3>(run, x, dy, sums, sumRow);
                break;
            case 2:
                Run<TOps, TVec, TRows, N2>(run, x, dy, sums, sumRow);
                break;
            default:
                Run<TOps, TVec, TRows, N1>(run, x, dy, sums, sumRow);
                break;
        }
    }

    /// <summary>
    /// One register tile over one sample: <typeparamref name="TRows"/> kernel rows × <typeparamref name="TWidth"/>
    /// kernel columns of one slice of 16 channels, chains from +0 over the output positions in row-major order, then
    /// each added to its sum (<paramref name="sums"/>, kernel rows <paramref name="sumRow"/> floats apart, columns
    /// a row of channels apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TRows, TWidth>(in ChannelRun run, float* x, float* dy, float* sums, nint sumRow)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
        where TWidth : IConstant
    {
        TapRow<TVec> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default;
        r0.Clear<TOps, TWidth>();
        r1.Clear<TOps, TWidth>();
        r2.Clear<TOps, TWidth>();
        r3.Clear<TOps, TWidth>();
        r4.Clear<TOps, TWidth>();
        nint step = run.RowStep, channels = run.Channels, strideWidth = run.StrideWidth;
        nint rowStride = run.StrideHeight * (nint)run.Width;
        for (int oh = 0; oh < run.OutHeight; oh++)
        {
            float* p = x + (oh * rowStride);
            for (int ow = 0; ow < run.OutWidth; ow++, p += strideWidth, dy += channels)
            {
                TVec d = TOps.Load(ref *dy, 0);
                r0.MultiplyAdd<TOps, TWidth>(p, d);
                if (TRows.Value > 1)
                {
                    r1.MultiplyAdd<TOps, TWidth>(p + step, d);
                }

                if (TRows.Value > 2)
                {
                    r2.MultiplyAdd<TOps, TWidth>(p + (2 * step), d);
                }

                if (TRows.Value > 3)
                {
                    r3.MultiplyAdd<TOps, TWidth>(p + (3 * step), d);
                }

                if (TRows.Value > 4)
                {
                    r4.MultiplyAdd<TOps, TWidth>(p + (4 * step), d);
                }
            }
        }

        r0.AddTo<TOps, TWidth>(sums, channels);
        if (TRows.Value > 1)
        {
            r1.AddTo<TOps, TWidth>(sums + sumRow, channels);
        }

        if (TRows.Value > 2)
        {
            r2.AddTo<TOps, TWidth>(sums + (2 * sumRow), channels);
        }

        if (TRows.Value > 3)
        {
            r3.AddTo<TOps, TWidth>(sums + (3 * sumRow), channels);
        }

        if (TRows.Value > 4)
        {
            r4.AddTo<TOps, TWidth>(sums + (4 * sumRow), channels);
        }
    }

    /// <summary>
    /// <see cref="Run{TOps, TVec, TRows, TWidth}"/> for one kernel row with vectors of half a block (256-bit): both
    /// slices' chains in one tile, each input value broadcast once for both; the same chains, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBothSlices<TOps, TVec, TWidth>(in ChannelRun run, float* x, float* dy, float* sums)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWidth : IConstant
    {
        TapRow<TVec> low = default, high = default;
        low.Clear<TOps, TWidth>();
        high.Clear<TOps, TWidth>();
        nint channels = run.Channels, strideWidth = run.StrideWidth, half = TOps.Count;
        nint rowStride = run.StrideHeight * (nint)run.Width;
        for (int oh = 0; oh < run.OutHeight; oh++)
        {
            float* p = x + (oh * rowStride);
            for (int ow = 0; ow < run.OutWidth; ow++, p += strideWidth, dy += channels)
            {
                TapRow<TVec>.MultiplyAdd<TOps, TWidth>(p, TOps.Load(ref *dy, 0), TOps.Load(ref dy[half], 0), ref low, ref high);
            }
        }

        low.AddTo<TOps, TWidth>(sums, channels);
        high.AddTo<TOps, TWidth>(sums + half, channels);
    }

    /// <summary>The bias chain of one sample for one 16-channel block (<paramref name="dy"/>, positions <paramref name="channels"/> apart), added to <paramref name="sums"/>.</summary>
    private static void AddBias<TOps, TVec>(float* dy, int channels, int positions, float* sums)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        for (int h = 0; h < Lanes; h += TOps.Count)
        {
            TVec chain = TOps.Broadcast(0f);
            float* d = dy + h;
            for (int t = 0; t < positions; t++, d += channels)
            {
                chain = TOps.Add(chain, TOps.Load(ref *d, 0));
            }

            TOps.Store(TOps.Add(TOps.Load(ref sums[h], 0), chain), ref sums[h], 0);
        }
    }

    /// <summary>
    /// One sample's output gradient <c>[channels, positions]</c> as <c>dYᵀ [positions, channels]</c>, channel blocks
    /// <c>[blockLow, blockHigh)</c> only: 16 × 16 register transposes on the 512-bit path (<paramref name="wide"/>), 8 × 8
    /// ones with AVX (element by element, on a LeNet-5 conv2 sample, took about a tenth of the pass), else element by element.
    /// </summary>
    private static void Transpose(float* dy, float* transposed, int positions, int channels, int blockLow, int blockHigh, bool wide)
    {
        if (wide && Avx512F.IsSupported)
        {
            Vector512<float>* rows = stackalloc Vector512<float>[2 * Lanes];
            for (int block = blockLow; block < blockHigh; block++)
            {
                float* source = dy + ((nint)block * Lanes * positions);
                for (int t = 0; t < positions; t += Lanes)
                {
                    int count = Math.Min(Lanes, positions - t);
                    Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                    for (int k = 0; k < Lanes; k++)
                    {
                        float* row = source + ((nint)k * positions) + t;
                        rows[k] = count == Lanes ? Vector512.Load(row) : Avx512F.MaskLoad(row, inside, Vector512<float>.Zero);
                    }

                    Transpose16.InRegisters(rows);
                    float* destination = transposed + ((nint)t * channels) + (block * Lanes);
                    for (int k = 0; k < count; k++)
                    {
                        rows[k].Store(destination + ((nint)k * channels));
                    }
                }
            }

            return;
        }

        if (Avx.IsSupported && Vector256.IsHardwareAccelerated)
        {
            for (int o = blockLow * Lanes; o < blockHigh * Lanes; o += 8)
            {
                TransposeEight(dy + ((nint)o * positions), transposed + o, positions, channels);
            }

            return;
        }

        for (int o = blockLow * Lanes; o < blockHigh * Lanes; o++)
        {
            float* source = dy + ((nint)o * positions);
            for (int t = 0; t < positions; t++)
            {
                transposed[((nint)t * channels) + o] = source[t];
            }
        }
    }

    /// <summary>
    /// Eight channels' rows of <paramref name="positions"/> values (<paramref name="source"/>, a row apart) into
    /// <c>dYᵀ</c> (<paramref name="destination"/>, a position's channels <paramref name="channels"/> floats apart), in 8 × 8
    /// register transposes; the last block's rows past the plane are loaded masked and not stored.
    /// </summary>
    private static void TransposeEight(float* source, float* destination, int positions, int channels)
    {
        Vector256<float>* rest = stackalloc Vector256<float>[7];
        for (int t = 0; t < positions; t += 8)
        {
            int count = Math.Min(8, positions - t);
            Vector256<float> inside = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
            float* row = source + t;
            Vector256<float> r0 = Row(row, count, inside), r1 = Row(row + positions, count, inside);
            Vector256<float> r2 = Row(row + (2 * (nint)positions), count, inside), r3 = Row(row + (3 * (nint)positions), count, inside);
            Vector256<float> r4 = Row(row + (4 * (nint)positions), count, inside), r5 = Row(row + (5 * (nint)positions), count, inside);
            Vector256<float> r6 = Row(row + (6 * (nint)positions), count, inside), r7 = Row(row + (7 * (nint)positions), count, inside);
            Transpose8.InRegisters(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            nint step = channels;
            float* target = destination + ((nint)t * channels);
            r0.Store(target);
            if (count == 8)
            {
                r1.Store(target + step);
                r2.Store(target + (2 * step));
                r3.Store(target + (3 * step));
                r4.Store(target + (4 * step));
                r5.Store(target + (5 * step));
                r6.Store(target + (6 * step));
                r7.Store(target + (7 * step));
                continue;
            }

            (rest[0], rest[1], rest[2], rest[3], rest[4], rest[5], rest[6]) = (r1, r2, r3, r4, r5, r6, r7);
            for (int k = 1; k < count; k++)
            {
                rest[k - 1].Store(target + (k * step));
            }
        }

        static Vector256<float> Row(float* row, int count, Vector256<float> inside) => count == 8 ? Avx.LoadVector256(row) : Avx.MaskLoad(row, inside);
    }

    /// <summary>The chains of one kernel row of a register tile: up to 5 kernel columns, slots past <c>TWidth</c> unused.</summary>
    private struct TapRow<TVec>
        where TVec : struct
    {
        public TVec A0, A1, A2, A3, A4;

        /// <summary>Every used chain to +0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Clear<TOps, TWidth>()
            where TOps : ISimdOps<TVec>
            where TWidth : IConstant
        {
            TVec zero = TOps.Broadcast(0f);
            A0 = zero;
            A1 = zero;
            A2 = zero;
            A3 = zero;
            A4 = zero;
        }

        /// <summary><c>A_j = fma(x[j], d, A_j)</c>: the kernel row's inputs at one output position against its 16-channel output gradient.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void MultiplyAdd<TOps, TWidth>(float* x, TVec d)
            where TOps : ISimdOps<TVec>
            where TWidth : IConstant
        {
            A0 = TOps.MultiplyAdd(TOps.Broadcast(x[0]), d, A0);
            if (TWidth.Value > 1)
            {
                A1 = TOps.MultiplyAdd(TOps.Broadcast(x[1]), d, A1);
            }

            if (TWidth.Value > 2)
            {
                A2 = TOps.MultiplyAdd(TOps.Broadcast(x[2]), d, A2);
            }

            if (TWidth.Value > 3)
            {
                A3 = TOps.MultiplyAdd(TOps.Broadcast(x[3]), d, A3);
            }

            if (TWidth.Value > 4)
            {
                A4 = TOps.MultiplyAdd(TOps.Broadcast(x[4]), d, A4);
            }
        }

        /// <summary>
        /// <c>low.A_j = fma(x[j], dLow, low.A_j)</c> and <c>high.A_j = fma(x[j], dHigh, high.A_j)</c>: one broadcast of each
        /// input for two slices of channels.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd<TOps, TWidth>(float* x, TVec dLow, TVec dHigh, ref TapRow<TVec> low, ref TapRow<TVec> high)
            where TOps : ISimdOps<TVec>
            where TWidth : IConstant
        {
            TVec v = TOps.Broadcast(x[0]);
            low.A0 = TOps.MultiplyAdd(v, dLow, low.A0);
            high.A0 = TOps.MultiplyAdd(v, dHigh, high.A0);
            if (TWidth.Value > 1)
            {
                v = TOps.Broadcast(x[1]);
                low.A1 = TOps.MultiplyAdd(v, dLow, low.A1);
                high.A1 = TOps.MultiplyAdd(v, dHigh, high.A1);
            }

            if (TWidth.Value > 2)
            {
                v = TOps.Broadcast(x[2]);
                low.A2 = TOps.MultiplyAdd(v, dLow, low.A2);
                high.A2 = TOps.MultiplyAdd(v, dHigh, high.A2);
            }

            if (TWidth.Value > 3)
            {
                v = TOps.Broadcast(x[3]);
                low.A3 = TOps.MultiplyAdd(v, dLow, low.A3);
                high.A3 = TOps.MultiplyAdd(v, dHigh, high.A3);
            }

            if (TWidth.Value > 4)
            {
                v = TOps.Broadcast(x[4]);
                low.A4 = TOps.MultiplyAdd(v, dLow, low.A4);
                high.A4 = TOps.MultiplyAdd(v, dHigh, high.A4);
            }
        }

        /// <summary><c>sums[j·step] += A_j</c> for every used chain.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void AddTo<TOps, TWidth>(float* sums, nint step)
            where TOps : ISimdOps<TVec>
            where TWidth : IConstant
        {
            Add<TOps>(sums, A0);
            if (TWidth.Value > 1)
            {
                Add<TOps>(sums + step, A1);
            }

            if (TWidth.Value > 2)
            {
                Add<TOps>(sums + (2 * step), A2);
            }

            if (TWidth.Value > 3)
            {
                Add<TOps>(sums + (3 * step), A3);
            }

            if (TWidth.Value > 4)
            {
                Add<TOps>(sums + (4 * step), A4);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Add<TOps>(float* sum, TVec chain)
            where TOps : ISimdOps<TVec>
            => TOps.Store(TOps.Add(TOps.Load(ref *sum, 0), chain), ref *sum, 0);
    }

    /// <summary>The geometry one register tile walks: the input plane (padded or in place) and the transposed gradient's row length.</summary>
    private readonly struct ChannelRun(float* input, int width, int rowStep, int strideHeight, int strideWidth, int outHeight, int outWidth, int channels)
    {
        /// <summary>The input plane's top-left.</summary>
        public readonly float* Input = input;

        /// <summary>The plane's row length.</summary>
        public readonly int Width = width;

        /// <summary>Floats between two kernel rows' inputs: dilation × row length.</summary>
        public readonly int RowStep = rowStep;

        /// <summary>Vertical stride.</summary>
        public readonly int StrideHeight = strideHeight;

        /// <summary>Horizontal stride.</summary>
        public readonly int StrideWidth = strideWidth;

        /// <summary>Output rows.</summary>
        public readonly int OutHeight = outHeight;

        /// <summary>Output columns.</summary>
        public readonly int OutWidth = outWidth;

        /// <summary>Output channels: floats between two positions of <c>dYᵀ</c> and between two taps' sums.</summary>
        public readonly int Channels = channels;
    }

    /// <summary>This path's segments for <see cref="Conv2dWeightGradient.RunPart{TPath, TOps, TVec}"/>.</summary>
    private readonly struct SegmentPath : Conv2dWeightGradient.ISegmentPath
    {
        public static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int first, int end, bool firstOfPart)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => Conv2dWeightGradientByChannels.Segment<TOps, TVec>(job, part, segment, first, end);
    }
}
