using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The weight and bias gradients of a stride-1 convolution as flat dot products, without a column matrix:
/// <c>dW[o, c, i, j] = Σ_n Σ_t dYs[n, o, t] · Xp[n, c, t + i·dh·Wp + j·dw]</c>, where <c>Xp</c> is the input channel
/// zero-padded into rows of the padded width <c>Wp = W + 2·pw</c> and <c>dYs</c> the output gradient copied into rows
/// of the same stride, zeros in its columns <c>OW .. Wp-1</c> and after its last row up to whole 16-float vectors.
/// The zero columns of <c>dYs</c> meet input values outside the tap's windows and add nothing, so every tap is one
/// contiguous dot product that vectorizes without gathers.
/// </summary>
/// <remarks>
/// <para>
/// Summation order, the same on every instruction set and for any thread count: every weight has 16 logical lanes;
/// lane <c>l</c> starts at +0 and is <c>fma</c>-ed with the products of the positions <c>t ≡ l (mod 16)</c>, in order of
/// <c>t</c> within a sample and samples in order; then the 16 lanes are summed in the fixed tree of
/// <see cref="ISimdOps{TVec}.Sum"/> over a 16-lane vector. The bias gradient of an output channel adds <c>dYs</c> into
/// its 16 lanes in the same order and sums them with the same tree. One <see cref="Vector512{T}"/> holds the 16 lanes;
/// narrower vectors run the same per-lane chains in <c>16 / Count</c> passes, so the chains are the same whatever the
/// width. The batch is cut into <see cref="Segments"/> fixed sample segments, each with its own lanes, which are added
/// lane by lane in segment order before the 16 are summed; so lane <c>l</c> is, per segment, the chain above over its
/// samples. The segments never depend on the thread count: threads take segments (two threads one each, so each core
/// reads the samples it wrote in the passes around this one, not the other core's), then share a segment's register
/// tiles (output channels × taps of one input channel).
/// </para>
/// <para>
/// A register tile keeps up to 4 output channels × 5 taps of 16 lanes in registers (2 × 4 with narrower vectors),
/// the first tap block of each output-channel block also its bias lanes; per 16 positions it loads each channel's
/// output gradient once and each tap's input once. The lanes rest in the workspace's partial-gradient area between
/// chunks of samples (a chunk is sized so one tile's data stays in L1) and are summed at the end.
/// </para>
/// <para>
/// Non-finite inputs: an infinite or NaN input value also meets the zero columns of <c>dYs</c>, so it turns gradients
/// of taps whose windows do not reach it into NaN too (the column-matrix path multiplies only values inside a window).
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradient
{
    /// <summary>The logical lanes of every sum.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// The batch's fixed sample segments: each has its own lanes, added at the end. With two threads each takes one
    /// segment, so a core reads only the samples its core wrote in the passes before and after.
    /// </summary>
    public const int Segments = 2;

    /// <summary>
    /// The largest padded output-gradient plane (floats) this path takes: beyond it one tile's planes of a single
    /// sample no longer fit L1 and the column-matrix path is not measured against it.
    /// </summary>
    private const int MaxGradientPlane = 4096;

    /// <summary>The floats one tile's data of a chunk of samples may take (32 KB: within every known L1d).</summary>
    private const int ChunkBudgetFloats = 8192;

    /// <summary>The most taps; the part keeps their offsets on its stack.</summary>
    private const int MaxTaps = 1024;

    /// <summary>Whether the shape takes this path (whatever the hardware): stride 1 and planes that suit it.</summary>
    public static bool Fits(in Conv2dGeometry g)
        => g.StrideHeight == 1 && g.StrideWidth == 1 && g.KernelHeight * g.KernelWidth <= MaxTaps
            && (long)g.OutHeight * PaddedWidth(g) <= MaxGradientPlane;

    /// <summary>Floats of one thread's slot: a chunk of zero-padded samples.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => (long)ChunkSamples(g) * SampleFloats(g);

    /// <summary>The register tiles a call splits among its threads, for vectors of <paramref name="count"/> floats.</summary>
    public static int TileCount(in Conv2dGeometry g, int count) => g.Groups * RowBlocks(g, count) * g.GroupChannels * TapBlocks(g, count);

    /// <summary>The thread part (see <see cref="Part{TOps, TVec}"/>), at the job's instruction set; <see cref="SumSegments"/> finishes the call.</summary>
    public static void Part(void* context, int part) => RunPart<FlatPath>(context, part);

    /// <summary>
    /// Part <paramref name="part"/> of <see cref="Conv2dJob.Parts"/> with vectors <typeparamref name="TVec"/>: its
    /// segment's samples (every segment's with a single part) for its share of the tiles, into the segment's lanes.
    /// </summary>
    internal static void Part<TOps, TVec>(Conv2dJob* job, int part)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => RunPart<FlatPath, TOps, TVec>(job, part);

    /// <summary>A weight-gradient path's part <paramref name="part"/> at the job's instruction set (see <see cref="RunPart{TPath, TOps, TVec}"/>).</summary>
    internal static void RunPart<TPath>(void* context, int part)
        where TPath : ISegmentPath
    {
        var job = (Conv2dJob*)context;
        switch (job->Isa)
        {
            case GemmIsa.Avx512:
                RunPart<TPath, Simd512, Vector512<float>>(job, part);
                break;
            case GemmIsa.Avx2:
                RunPart<TPath, Simd256, Vector256<float>>(job, part);
                break;
            default:
                RunPart<TPath, SimdVector, System.Numerics.Vector<float>>(job, part);
                break;
        }
    }

    /// <summary>
    /// A weight-gradient path's part <paramref name="part"/> of <see cref="Conv2dJob.Parts"/> with vectors
    /// <typeparamref name="TVec"/>: with fewer parts than segments, every segment for all the items; else its segment
    /// (<see cref="Share"/>) for its share of the segment's items.
    /// </summary>
    internal static void RunPart<TPath, TOps, TVec>(Conv2dJob* job, int part)
        where TPath : ISegmentPath
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int segments = SegmentCount(job->Batch), parts = job->Parts, items = job->Items;
        if (parts < segments)
        {
            for (int segment = 0; segment < segments; segment++)
            {
                TPath.Segment<TOps, TVec>(job, part, segment, 0, items, firstOfPart: segment == 0);
            }

            return;
        }

        (int mine, int first, int end) = Share(part, parts, segments, items);
        TPath.Segment<TOps, TVec>(job, part, mine, first, end, firstOfPart: true);
    }

    /// <summary>
    /// Part <paramref name="part"/> of a path whose items are the segments themselves: its segment, or every segment
    /// when there are fewer parts than segments.
    /// </summary>
    internal static void RunWholeSegments(Conv2dJob* job, int part, delegate*<Conv2dJob*, int, int, void> segment)
    {
        int segments = SegmentCount(job->Batch);
        if (job->Parts < segments)
        {
            for (int s = 0; s < segments; s++)
            {
                segment(job, part, s);
            }

            return;
        }

        segment(job, part, part);
    }

    /// <summary>
    /// With at least as many parts as segments: the segment of <paramref name="part"/> and its share <c>[First, End)</c>
    /// of the segment's <paramref name="items"/>, which the segment's parts split evenly.
    /// </summary>
    internal static (int Segment, int First, int End) Share(int part, int parts, int segments, int items)
    {
        int mine = part * segments / parts;
        int first = ((mine * parts) + segments - 1) / segments, end = (((mine + 1) * parts) + segments - 1) / segments;
        int index = part - first, count = end - first;
        return (mine, (int)((long)index * items / count), (int)((long)(index + 1) * items / count));
    }

    /// <summary>
    /// The samples of <paramref name="segment"/> for tiles <c>[firstTile, endTile)</c>, through the part's slot (cleared
    /// first unless <paramref name="clearSlot"/> is false: the same tiles' previous segment left its zeros in place).
    /// </summary>
    private static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int firstTile, int endTile, bool clearSlot)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (firstTile >= endTile)
        {
            return;
        }

        Conv2dGeometry g = job->Geometry;
        int count = TOps.Count;
        Tiling tiling = new(g, count);
        int oLow = tiling.Decode(firstTile).Out, oHigh = tiling.Decode(endTile - 1).Out + tiling.Decode(endTile - 1).Rows;
        int cLow = (oLow / g.GroupOutChannels) * g.GroupChannels, cHigh = (((oHigh - 1) / g.GroupOutChannels) + 1) * g.GroupChannels;
        int inputPlane = InputPlane(g), gradientPlane = GradientPlane(g), paddedWidth = PaddedWidth(g);
        nint inputFloats = (nint)(cHigh - cLow) * inputPlane;
        nint sample = inputFloats + ((nint)(oHigh - oLow) * gradientPlane);
        int chunk = ChunkSamples(g), taps = g.KernelHeight * g.KernelWidth, vectors = Vectors(g);
        nint laneRow = (nint)(g.GroupReduction + 1) * Lanes;
        float* partials = job->Partials + (segment * (nint)SegmentFloats(g));
        float* slot = job->Slot(part);
        int segments = SegmentCount(job->Batch);
        int firstSample = (int)((long)segment * job->Batch / segments), endSample = (int)((long)(segment + 1) * job->Batch / segments);

        // Zeros stay where no copy writes (padding, the extra columns and rows of dYs) for every chunk of the segment.
        if (clearSlot)
        {
            new Span<float>(slot, checked((int)(chunk * sample))).Clear();
        }
        int* offsets = stackalloc int[taps];
        for (int i = 0; i < g.KernelHeight; i++)
        {
            for (int j = 0; j < g.KernelWidth; j++)
            {
                offsets[(i * g.KernelWidth) + j] = (i * g.DilationHeight * paddedWidth) + (j * g.DilationWidth);
            }
        }

        for (int s0 = firstSample; s0 < endSample; s0 += chunk)
        {
            int samples = Math.Min(chunk, endSample - s0);
            Pad(job, s0, samples, slot, sample, cLow, cHigh, oLow, oHigh);
            for (int t = firstTile; t < endTile; t++)
            {
                Tile tile = tiling.Decode(t);
                float* dy = slot + inputFloats + ((nint)(tile.Out - oLow) * gradientPlane);
                float* x = slot + ((nint)(tile.Channel - cLow) * inputPlane);
                float* lanes = partials + ((nint)tile.Out * laneRow) + ((nint)((tile.LocalChannel * taps) + tile.FirstTap) * Lanes);
                var run = new TileRun(dy, gradientPlane, x, offsets + tile.FirstTap, sample, samples, vectors, lanes, laneRow, s0 == firstSample)
                {
                    BiasLanes = tile.HasBias ? partials + ((nint)tile.Out * laneRow) + ((nint)g.GroupReduction * Lanes) : null,
                };
                Dispatch<TOps, TVec>(tile.Rows, tile.Taps, run);
            }
        }
    }

    /// <summary>
    /// After every part: each weight's and bias's gradient is its segments' lanes added lane by lane in segment order,
    /// then the 16 lanes summed by <see cref="Sum16{TOps, TVec}"/>.
    /// </summary>
    public static void SumSegments(Conv2dJob* job)
    {
        switch (job->Isa)
        {
            case GemmIsa.Avx512:
                SumSegments<Simd512, Vector512<float>>(job);
                break;
            case GemmIsa.Avx2:
                SumSegments<Simd256, Vector256<float>>(job);
                break;
            default:
                SumSegments<SimdVector, System.Numerics.Vector<float>>(job);
                break;
        }
    }

    /// <summary><see cref="SumSegments(Conv2dJob*)"/> with vectors <typeparamref name="TVec"/>.</summary>
    internal static void SumSegments<TOps, TVec>(Conv2dJob* job)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        Conv2dGeometry g = job->Geometry;
        int segments = SegmentCount(job->Batch), row = g.GroupReduction + 1;
        nint segmentFloats = (nint)SegmentFloats(g);
        float* lanes = stackalloc float[Lanes];
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int w = 0; w < row; w++)
            {
                if (w == g.GroupReduction && job->BiasGradient == null)
                {
                    break;
                }

                float* first = job->Partials + (((nint)(o * row) + w) * Lanes);
                float* sum = first;
                if (segments > 1)
                {
                    for (int l = 0; l < Lanes; l++)
                    {
                        lanes[l] = InSegmentOrder(first + l, segmentFloats, segments);
                    }

                    sum = lanes;
                }

                float value = Sum16<TOps, TVec>(sum);
                if (w < g.GroupReduction)
                {
                    job->WeightGradient[((nint)o * g.GroupReduction) + w] = value;
                }
                else
                {
                    job->BiasGradient[o] = value;
                }
            }
        }
    }

    /// <summary>The fixed sample segments of a batch (<see cref="Segments"/>, fewer for a smaller batch): never the thread count, so never the bits.</summary>
    internal static int SegmentCount(int batch) => Math.Clamp(batch, 1, Segments);

    /// <summary>
    /// One value's segment sums added in segment order: <paramref name="first"/> (segment 0's), then the value
    /// <paramref name="segmentFloats"/> further on for each later segment.
    /// </summary>
    internal static float InSegmentOrder(float* first, long segmentFloats, int segments)
    {
        float total = first[0];
        for (int s = 1; s < segments; s++)
        {
            total += first[s * segmentFloats];
        }

        return total;
    }

    /// <summary>Floats of one segment's lanes: <c>outChannels × (K/groups + 1) × 16</c>.</summary>
    internal static long SegmentFloats(in Conv2dGeometry g) => (long)g.OutChannels * (g.GroupReduction + 1) * Lanes;

    /// <summary>The padded row stride: <c>W + 2·pw</c>.</summary>
    internal static int PaddedWidth(in Conv2dGeometry g) => g.Width + (2 * g.PaddingWidth);

    /// <summary>16-float vectors of the dot products: <c>OH</c> rows of <see cref="PaddedWidth"/>, rounded up.</summary>
    internal static int Vectors(in Conv2dGeometry g) => RoundUp(g.OutHeight * PaddedWidth(g)) / Lanes;

    /// <summary>Floats of one padded output-gradient plane: <see cref="Vectors"/> whole vectors.</summary>
    internal static int GradientPlane(in Conv2dGeometry g) => Vectors(g) * Lanes;

    /// <summary>
    /// Floats of one padded input plane, in whole 16-float vectors: the padded image, and at least as far as the last tap
    /// reads (its offset plus the dot products' length).
    /// </summary>
    internal static int InputPlane(in Conv2dGeometry g)
    {
        int lastOffset = ((g.KernelHeight - 1) * g.DilationHeight * PaddedWidth(g)) + ((g.KernelWidth - 1) * g.DilationWidth);
        return RoundUp(Math.Max((g.Height + (2 * g.PaddingHeight)) * PaddedWidth(g), lastOffset + GradientPlane(g)));
    }

    /// <summary>Samples per chunk: as many as keep one tile's planes (4 output gradients and an input) within <see cref="ChunkBudgetFloats"/>, at least one.</summary>
    internal static int ChunkSamples(in Conv2dGeometry g) => Math.Max(1, ChunkBudgetFloats / ((4 * GradientPlane(g)) + InputPlane(g)));

    /// <summary>
    /// The 16 lanes at <paramref name="lanes"/> summed in the tree of <see cref="ISimdOps{TVec}.Sum"/> over a 16-lane
    /// vector: lane <c>k</c> + lane <c>k+8</c>, then <c>+4</c>, then <c>(0 + 2) + (1 + 3)</c>, at any width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum16<TOps, TVec>(float* lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (TOps.Count)
        {
            case Lanes:
                return TOps.Sum(TOps.Load(ref *lanes, 0));
            case Lanes / 2:
                return TOps.Sum(TOps.Add(TOps.Load(ref *lanes, 0), TOps.Load(ref *lanes, Lanes / 2)));
            case Lanes / 4:
                return TOps.Sum(TOps.Add(
                    TOps.Add(TOps.Load(ref *lanes, 0), TOps.Load(ref *lanes, Lanes / 2)),
                    TOps.Add(TOps.Load(ref *lanes, Lanes / 4), TOps.Load(ref *lanes, 3 * Lanes / 4))));
            default:
                float b0 = (lanes[0] + lanes[8]) + (lanes[4] + lanes[12]), b1 = (lanes[1] + lanes[9]) + (lanes[5] + lanes[13]);
                float b2 = (lanes[2] + lanes[10]) + (lanes[6] + lanes[14]), b3 = (lanes[3] + lanes[11]) + (lanes[7] + lanes[15]);
                return (b0 + b2) + (b1 + b3);
        }
    }

    private static int RoundUp(int floats) => (floats + Lanes - 1) / Lanes * Lanes;

    /// <summary>Floats of one padded sample: every input channel and every output gradient.</summary>
    private static int SampleFloats(in Conv2dGeometry g) => (g.Channels * InputPlane(g)) + (g.OutChannels * GradientPlane(g));

    /// <summary>Output channels of a register tile: 4 with 16-float vectors (4 × 5 lanes, 4 bias lanes, 4 gradients and an input: 29 of 32 registers), else 2 (of 16).</summary>
    private static int MaxRows(int count) => count >= Lanes ? 4 : 2;

    /// <summary>Taps of a register tile: 5 with 16-float vectors, else 4.</summary>
    private static int MaxTapsPerTile(int count) => count >= Lanes ? 5 : 4;

    private static int RowBlocks(in Conv2dGeometry g, int count) => (g.GroupOutChannels + MaxRows(count) - 1) / MaxRows(count);

    private static int TapBlocks(in Conv2dGeometry g, int count) => ((g.KernelHeight * g.KernelWidth) + MaxTapsPerTile(count) - 1) / MaxTapsPerTile(count);

    /// <summary>Copies samples <c>[first, first + samples)</c> into the slot: input channels <c>[cLow, cHigh)</c>, then output gradients <c>[oLow, oHigh)</c>.</summary>
    private static void Pad(Conv2dJob* job, int first, int samples, float* slot, nint sample, int cLow, int cHigh, int oLow, int oHigh)
    {
        Conv2dGeometry g = job->Geometry;
        int inputPlane = InputPlane(g), gradientPlane = GradientPlane(g), paddedWidth = PaddedWidth(g);
        for (int s = 0; s < samples; s++)
        {
            float* destination = slot + (s * sample);
            float* x = job->Input + ((nint)(first + s) * g.InputSample);
            for (int c = cLow; c < cHigh; c++)
            {
                float* source = x + ((nint)c * g.InputPlane);
                float* rows = destination + ((nint)(c - cLow) * inputPlane) + (g.PaddingHeight * paddedWidth) + g.PaddingWidth;
                for (int h = 0; h < g.Height; h++)
                {
                    RowCopy.Copy(source + ((nint)h * g.Width), rows + ((nint)h * paddedWidth), g.Width);
                }
            }

            float* gradients = destination + ((nint)(cHigh - cLow) * inputPlane);
            float* dy = job->Output + ((nint)(first + s) * g.OutputSample);
            for (int o = oLow; o < oHigh; o++)
            {
                float* source = dy + ((nint)o * g.OutputPlane);
                float* rows = gradients + ((nint)(o - oLow) * gradientPlane);
                for (int y = 0; y < g.OutHeight; y++)
                {
                    RowCopy.Copy(source + ((nint)y * g.OutWidth), rows + ((nint)y * paddedWidth), g.OutWidth);
                }
            }
        }
    }

    private static void Dispatch<TOps, TVec>(int rows, int taps, in TileRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (rows)
        {
            case 4:
                DispatchTaps<TOps, TVec, N4>(taps, run);
                break;
            case 3:
                DispatchTaps<TOps, TVec, N3>(taps, run);
                break;
            case 2:
                DispatchTaps<TOps, TVec, N2>(taps, run);
                break;
            default:
                DispatchTaps<TOps, TVec, N1>(taps, run);
                break;
        }
    }

    private static void DispatchTaps<TOps, TVec, TRows>(int taps, in TileRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        bool bias = run.BiasLanes != null;
        switch (taps)
        {
            case 5:
                if (bias)
                {
                    Run<TOps, TVec, TRows, N5, N1>(run);
                }
                else
                {
                    Run<TOps, TVec, TRows, N5, N0>(run);
                }

                break;
            case 4:
                if (bias)
                {
                    Run<TOps, TVec, TRows, N4, N1>(run);
                }
                else
                {
                    Run<TOps, TVec, TRows, N4, N0>(run);
                }

                break;
            case 3:
                if (bias)
                {
                    Run<TOps, TVec, TRows, N3, N1>(run);
                }
                else
                {
                    Run<TOps, TVec, TRows, N3, N0>(run);
                }

                break;
            case 2:
                if (bias)
                {
                    Run<TOps, TVec, TRows, N2, N1>(run);
                }
                else
                {
                    Run<TOps, TVec, TRows, N2, N0>(run);
                }

                break;
            default:
                if (bias)
                {
                    Run<TOps, TVec, TRows, N1, N1>(run);
                }
                else
                {
                    Run<TOps, TVec, TRows, N1, N0>(run);
                }

                break;
        }
    }

    /// <summary>
    /// One tile over one chunk: <typeparamref name="TRows"/> output channels × <typeparamref name="TTaps"/> taps (and with
    /// <typeparamref name="TBias"/> = 1 the channels' bias lanes), lanes loaded from the workspace (or +0 on the first
    /// chunk), every sample and position of the chunk fma-ed in, lanes stored back. <c>16 / Count</c> passes, each over
    /// its own lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TRows, TTaps, TBias>(in TileRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
        where TTaps : IConstant
        where TBias : IConstant
    {
        int count = TOps.Count;
        int o0 = run.Offsets[0];
        int o1 = TTaps.Value > 1 ? run.Offsets[1] : 0;
        int o2 = TTaps.Value > 2 ? run.Offsets[2] : 0;
        int o3 = TTaps.Value > 3 ? run.Offsets[3] : 0;
        int o4 = TTaps.Value > 4 ? run.Offsets[4] : 0;
        nint plane = run.GradientPlane, laneRow = run.LaneRow;
        for (int h = 0; h < Lanes; h += count)
        {
            Column<TVec> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, bias = default;
            if (!run.First)
            {
                c0.Load<TOps, TRows>(run.Lanes + h, laneRow);
                if (TTaps.Value > 1)
                {
                    c1.Load<TOps, TRows>(run.Lanes + Lanes + h, laneRow);
                }

                if (TTaps.Value > 2)
                {
                    c2.Load<TOps, TRows>(run.Lanes + (2 * Lanes) + h, laneRow);
                }

                if (TTaps.Value > 3)
                {
                    c3.Load<TOps, TRows>(run.Lanes + (3 * Lanes) + h, laneRow);
                }

                if (TTaps.Value > 4)
                {
                    c4.Load<TOps, TRows>(run.Lanes + (4 * Lanes) + h, laneRow);
                }

                if (TBias.Value > 0)
                {
                    bias.Load<TOps, TRows>(run.BiasLanes + h, laneRow);
                }
            }

            for (int n = 0; n < run.Samples; n++)
            {
                float* dy = run.Gradients + (n * run.Sample) + h;
                float* x = run.Inputs + (n * run.Sample) + h;
                for (int q = 0; q < run.Vectors; q++, dy += Lanes, x += Lanes)
                {
                    Column<TVec> d = default;
                    d.R0 = TOps.Load(ref *dy, 0);
                    if (TRows.Value > 1)
                    {
                        d.R1 = TOps.Load(ref dy[plane], 0);
                    }

                    if (TRows.Value > 2)
                    {
                        d.R2 = TOps.Load(ref dy[2 * plane], 0);
                    }

                    if (TRows.Value > 3)
                    {
                        d.R3 = TOps.Load(ref dy[3 * plane], 0);
                    }

                    c0.MultiplyAdd<TOps, TRows>(d, TOps.Load(ref x[o0], 0));
                    if (TTaps.Value > 1)
                    {
                        c1.MultiplyAdd<TOps, TRows>(d, TOps.Load(ref x[o1], 0));
                    }

                    if (TTaps.Value > 2)
                    {
                        c2.MultiplyAdd<TOps, TRows>(d, TOps.Load(ref x[o2], 0));
                    }

                    if (TTaps.Value > 3)
                    {
                        c3.MultiplyAdd<TOps, TRows>(d, TOps.Load(ref x[o3], 0));
                    }

                    if (TTaps.Value > 4)
                    {
                        c4.MultiplyAdd<TOps, TRows>(d, TOps.Load(ref x[o4], 0));
                    }

                    if (TBias.Value > 0)
                    {
                        bias.Add<TOps, TRows>(d);
                    }
                }
            }

            c0.Store<TOps, TRows>(run.Lanes + h, laneRow);
            if (TTaps.Value > 1)
            {
                c1.Store<TOps, TRows>(run.Lanes + Lanes + h, laneRow);
            }

            if (TTaps.Value > 2)
            {
                c2.Store<TOps, TRows>(run.Lanes + (2 * Lanes) + h, laneRow);
            }

            if (TTaps.Value > 3)
            {
                c3.Store<TOps, TRows>(run.Lanes + (3 * Lanes) + h, laneRow);
            }

            if (TTaps.Value > 4)
            {
                c4.Store<TOps, TRows>(run.Lanes + (4 * Lanes) + h, laneRow);
            }

            if (TBias.Value > 0)
            {
                bias.Store<TOps, TRows>(run.BiasLanes + h, laneRow);
            }
        }
    }

    /// <summary>One vector of lanes for each of up to four output channels (rows of the tile); rows past <c>TRows</c> stay unused.</summary>
    private struct Column<TVec>
        where TVec : struct
    {
        public TVec R0, R1, R2, R3;

        /// <summary>Row <c>r</c> from <c>lanes + r·laneRow</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load<TOps, TRows>(float* lanes, nint laneRow)
            where TOps : ISimdOps<TVec>
            where TRows : IConstant
        {
            R0 = TOps.Load(ref *lanes, 0);
            if (TRows.Value > 1)
            {
                R1 = TOps.Load(ref lanes[laneRow], 0);
            }

            if (TRows.Value > 2)
            {
                R2 = TOps.Load(ref lanes[2 * laneRow], 0);
            }

            if (TRows.Value > 3)
            {
                R3 = TOps.Load(ref lanes[3 * laneRow], 0);
            }
        }

        /// <summary>Row <c>r</c> to <c>lanes + r·laneRow</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TRows>(float* lanes, nint laneRow)
            where TOps : ISimdOps<TVec>
            where TRows : IConstant
        {
            TOps.Store(R0, ref *lanes, 0);
            if (TRows.Value > 1)
            {
                TOps.Store(R1, ref lanes[laneRow], 0);
            }

            if (TRows.Value > 2)
            {
                TOps.Store(R2, ref lanes[2 * laneRow], 0);
            }

            if (TRows.Value > 3)
            {
                TOps.Store(R3, ref lanes[3 * laneRow], 0);
            }
        }

        /// <summary><c>row_r = fma(d_r, x, row_r)</c>: one tap's input against every row's output gradient.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void MultiplyAdd<TOps, TRows>(in Column<TVec> d, TVec x)
            where TOps : ISimdOps<TVec>
            where TRows : IConstant
        {
            R0 = TOps.MultiplyAdd(d.R0, x, R0);
            if (TRows.Value > 1)
            {
                R1 = TOps.MultiplyAdd(d.R1, x, R1);
            }

            if (TRows.Value > 2)
            {
                R2 = TOps.MultiplyAdd(d.R2, x, R2);
            }

            if (TRows.Value > 3)
            {
                R3 = TOps.MultiplyAdd(d.R3, x, R3);
            }
        }

        /// <summary><c>row_r = row_r + d_r</c>: the bias lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add<TOps, TRows>(in Column<TVec> d)
            where TOps : ISimdOps<TVec>
            where TRows : IConstant
        {
            R0 = TOps.Add(R0, d.R0);
            if (TRows.Value > 1)
            {
                R1 = TOps.Add(R1, d.R1);
            }

            if (TRows.Value > 2)
            {
                R2 = TOps.Add(R2, d.R2);
            }

            if (TRows.Value > 3)
            {
                R3 = TOps.Add(R3, d.R3);
            }
        }
    }

    /// <summary>The operands of one tile over one chunk of samples.</summary>
    private readonly struct TileRun(
        float* gradients, nint gradientPlane, float* inputs, int* offsets, nint sample, int samples, int vectors, float* lanes, nint laneRow, bool first)
    {
        /// <summary>The padded output gradient of the tile's first output channel in the chunk's first sample; the next channels follow a plane apart.</summary>
        public readonly float* Gradients = gradients;

        /// <summary>Floats between two output channels' padded gradients.</summary>
        public readonly nint GradientPlane = gradientPlane;

        /// <summary>The padded input channel in the chunk's first sample.</summary>
        public readonly float* Inputs = inputs;

        /// <summary>The offsets of the tile's taps in the padded input.</summary>
        public readonly int* Offsets = offsets;

        /// <summary>Floats between two samples of the chunk.</summary>
        public readonly nint Sample = sample;

        /// <summary>Samples in the chunk.</summary>
        public readonly int Samples = samples;

        /// <summary>16-float vectors of a padded gradient plane.</summary>
        public readonly int Vectors = vectors;

        /// <summary>The lanes of the tile's first weight (first row); taps follow 16 floats apart, rows <see cref="LaneRow"/> apart.</summary>
        public readonly float* Lanes = lanes;

        /// <summary>Floats between two output channels' lanes.</summary>
        public readonly nint LaneRow = laneRow;

        /// <summary>The first chunk: lanes start at +0 instead of the workspace.</summary>
        public readonly bool First = first;

        /// <summary>The bias lanes of the tile's first output channel, or null when this tile does not carry the bias.</summary>
        public float* BiasLanes { get; init; }
    }

    /// <summary>One register tile: output channels <c>[Out, Out + Rows)</c>, input channel <see cref="Channel"/>, taps <c>[FirstTap, FirstTap + Taps)</c>.</summary>
    private readonly record struct Tile(int Out, int Rows, int Channel, int LocalChannel, int FirstTap, int Taps, bool HasBias);

    /// <summary>
    /// The tiles of a shape in order (group, block of output channels, input channel of the group, block of taps); the
    /// blocks split their counts as evenly as possible.
    /// </summary>
    private readonly struct Tiling
    {
        private readonly int _groupOut, _groupChannels, _rowBlocks, _tapBlocks, _taps;

        public Tiling(in Conv2dGeometry g, int count)
        {
            _groupOut = g.GroupOutChannels;
            _groupChannels = g.GroupChannels;
            _rowBlocks = RowBlocks(g, count);
            _tapBlocks = TapBlocks(g, count);
            _taps = g.KernelHeight * g.KernelWidth;
        }

        public Tile Decode(int index)
        {
            int perBlock = _groupChannels * _tapBlocks;
            int group = index / (_rowBlocks * perBlock), rest = index % (_rowBlocks * perBlock);
            int block = rest / perBlock, channel = (rest % perBlock) / _tapBlocks, tapBlock = rest % _tapBlocks;
            (int firstRow, int rows) = Even(block, _rowBlocks, _groupOut);
            (int firstTap, int taps) = Even(tapBlock, _tapBlocks, _taps);
            return new Tile((group * _groupOut) + firstRow, rows, (group * _groupChannels) + channel, channel, firstTap, taps, channel == 0 && tapBlock == 0);
        }

        /// <summary>Block <paramref name="index"/> of <paramref name="blocks"/> over <paramref name="total"/> items: its start and size.</summary>
        private static (int First, int Size) Even(int index, int blocks, int total)
        {
            int size = total / blocks, extra = total % blocks;
            return ((index * size) + Math.Min(index, extra), size + (index < extra ? 1 : 0));
        }
    }

    /// <summary>The flat path's segments for <see cref="RunPart{TPath, TOps, TVec}"/>.</summary>
    private readonly struct FlatPath : ISegmentPath
    {
        public static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int first, int end, bool firstOfPart)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => Conv2dWeightGradient.Segment<TOps, TVec>(job, part, segment, first, end, clearSlot: firstOfPart);
    }

    /// <summary>A weight-gradient path as <see cref="RunPart{TPath, TOps, TVec}"/> runs it: one segment's samples for a range of its items.</summary>
    internal interface ISegmentPath
    {
        /// <summary>
        /// Items <c>[first, end)</c> of <paramref name="segment"/>'s samples into the segment's sums, through the slot of
        /// <paramref name="part"/>; <paramref name="firstOfPart"/> is false for the part's later segments of a call, whose
        /// slot a path may find as its previous segment left it.
        /// </summary>
        static abstract void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int first, int end, bool firstOfPart)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }
}
