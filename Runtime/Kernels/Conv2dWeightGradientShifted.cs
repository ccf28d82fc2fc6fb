using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The weight and bias gradients of a stride-1 convolution whose output rows are as long as its input rows
/// (<c>OW = W</c>: padding <c>2·pw = dw·(kw - 1)</c>, as LeNet's conv1) as flat dot products that read the output
/// gradient where it lies: <c>dW[o, c, i, j] = Σ_n Σ_t dY[n, o, t] · Xj[n, c, t + i·dh·W]</c> over the positions
/// <c>t = y·W + x</c> of the output plane, where <c>Xj</c> is input channel <c>c</c> shifted by kernel column <c>j</c>:
/// <c>Xj[y'·W + x] = X[y' - ph, x + j·dw - pw]</c>, zero outside the input. Since the input's rows have the output's
/// length, each <c>Xj</c> is one flat copy of the input with the columns the shift wraps around cleared, and every tap is
/// one contiguous dot product against the unpadded output gradient: no copy of <c>dY</c>, no padding lanes.
/// </summary>
/// <remarks>
/// <para>
/// Summation order, the same on every instruction set and for any thread count: every weight has 16 logical lanes;
/// lane <c>l</c> starts at +0 and is <c>fma</c>-ed with <c>dY[t] · Xj[t + i·dh·W]</c> for the positions
/// <c>t ≡ l (mod 16)</c>, in order of <c>t</c> within a sample and samples in order (a tap in the padding multiplies
/// +0); the bias gradient of an output channel adds <c>dY[t]</c> into its 16 lanes in the same order. The batch is cut
/// into <see cref="Conv2dWeightGradient.SegmentCount"/> fixed sample segments, each with its own lanes, added lane by
/// lane in segment order; then the 16 lanes are summed in <see cref="Conv2dWeightGradient.Sum16{TOps, TVec}"/>'s fixed
/// tree (<see cref="Conv2dWeightGradient.SumSegments(Conv2dJob*)"/>, which this path shares). One
/// <see cref="Vector512{T}"/> holds the 16 lanes; narrower vectors run the same per-lane chains in <c>16 / Count</c>
/// passes. Threads take segments, then share a segment's register tiles, as on <see cref="Conv2dWeightGradient"/>.
/// </para>
/// <para>
/// Register tile: up to 6 output channels × 4 taps of one input channel (2 × 4 with narrower vectors); the tile of each
/// block of output channels that ends the first input channel's taps also carries their bias lanes, and the taps are
/// cut into blocks as if there were one more, so that block has room for them (LeNet's 25 taps: 4, 4, 4, 4, 3, 3, 3 +
/// bias). Per 16 positions a tile loads each tap's shifted input once and each output channel's gradient once: 10
/// loads for 24 multiply-adds. The lanes rest in the workspace's partial-gradient area between samples.
/// </para>
/// <para>
/// Per sample, an input channel's <c>kw</c> shifted planes are built in the thread's slot (64-byte aligned, so whole
/// cache lines are stored) before its first tile: on AVX-512 in one pass of 16-float vectors whose wrapped lanes are
/// cleared by a mask (masked loads where a vector would read outside the channel), elsewhere as a flat copy followed by
/// clearing the wrapped columns. The padding rows stay zero from the start of the call. Each product is an input value
/// inside the tap's window or a +0 of the padding, so an infinite or NaN input reaches only the taps whose windows hold
/// it, as on the column-matrix path.
/// </para>
/// <para>
/// The output plane must fill whole 16-float vectors (<c>OH·OW</c> a multiple of 16), so no vector reads past a plane.
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradientShifted
{
    /// <summary>The logical lanes of every sum.</summary>
    private const int Lanes = Conv2dWeightGradient.Lanes;

    /// <summary>
    /// The largest output plane (floats) this path takes: a tile's 6 output-gradient planes and 4 shifted input planes
    /// of one sample then stay within 48 KB (LeNet's conv1, 784 floats, takes 33 KB); larger planes were not measured.
    /// </summary>
    private const int MaxPlane = 1024;

    /// <summary>The most taps; a part keeps their offsets on its stack.</summary>
    private const int MaxTaps = 1024;

    /// <summary>Taps of a register tile.</summary>
    private const int MaxTapsPerTile = 4;

    /// <summary>Whether the shape takes this path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => g.StrideHeight == 1 && g.StrideWidth == 1 && g.OutWidth == g.Width && g.OutputPlane % Lanes == 0
            && g.OutputPlane <= MaxPlane && g.KernelHeight * g.KernelWidth <= MaxTaps;

    /// <summary>
    /// Floats of one thread's slot: the shifted planes of one input channel, one sample's output gradient (built there from
    /// a max pool's, <see cref="Conv2d.BackwardWeightFromMaxPool"/>), and room to align them to 64 bytes.
    /// </summary>
    public static long SlotFloats(in Conv2dGeometry g) => ((long)g.KernelWidth * ShiftedPlane(g)) + g.OutputSample + Lanes;

    /// <summary>The register tiles a call splits among its threads, for vectors of <paramref name="count"/> floats.</summary>
    public static int TileCount(in Conv2dGeometry g, int count) => g.Groups * g.GroupChannels * RowBlocks(g, count) * TapBlocks(g);

    /// <summary>The thread part at the job's instruction set; <see cref="Conv2dWeightGradient.SumSegments(Conv2dJob*)"/> finishes the call.</summary>
    public static void Part(void* context, int part) => Conv2dWeightGradient.RunPart<SegmentPath>(context, part);

    /// <summary>
    /// Part <paramref name="part"/> of <see cref="Conv2dJob.Parts"/> with vectors <typeparamref name="TVec"/>: its
    /// segment's samples (every segment's with fewer parts than segments) for its share of the tiles.
    /// </summary>
    internal static void Part<TOps, TVec>(Conv2dJob* job, int part)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => Conv2dWeightGradient.RunPart<SegmentPath, TOps, TVec>(job, part);

    /// <summary>The first 64-byte boundary at or after <paramref name="slot"/>: the planes are stored in whole cache lines.</summary>
    private static float* Align(float* slot) => (float*)(((nuint)slot + 63) & ~(nuint)63);

    /// <summary>Floats of one shifted input plane: the padded rows <c>H + 2·ph</c> of <c>W</c>, in whole 16-float vectors.</summary>
    internal static int ShiftedPlane(in Conv2dGeometry g) => ((((g.Height + (2 * g.PaddingHeight)) * g.Width) + Lanes - 1) / Lanes) * Lanes;

    /// <summary>
    /// Output channels of a register tile: 6 with 16-float vectors (24 tap lanes, 4 inputs and a gradient: 29 of 32
    /// registers; the bias tile 18 + 6 + 3 + 1), 3 with 8-float ones (12 tap lanes, 3 gradients and an input: the 16
    /// registers; the bias tile 9 + 3 + 3 + 1), else 2.
    /// </summary>
    private static int MaxRows(int count) => count >= Lanes ? 6 : count * 2 == Lanes ? 3 : 2;

    private static int RowBlocks(in Conv2dGeometry g, int count) => (g.GroupOutChannels + MaxRows(count) - 1) / MaxRows(count);

    /// <summary>Blocks of taps: as if there were one more tap, so the smallest block (the last) has room for the bias lanes.</summary>
    private static int TapBlocks(in Conv2dGeometry g) => ((g.KernelHeight * g.KernelWidth) + MaxTapsPerTile) / MaxTapsPerTile;

    /// <summary>
    /// The samples of <paramref name="segment"/> for tiles <c>[firstTile, endTile)</c>: per sample, each input channel's
    /// shifted planes are built in the part's slot once, before its first tile.
    /// </summary>
    private static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int firstTile, int endTile)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (firstTile >= endTile)
        {
            return;
        }

        Conv2dGeometry g = job->Geometry;
        Tiling tiling = new(g, TOps.Count);
        int taps = g.KernelHeight * g.KernelWidth, shiftedPlane = ShiftedPlane(g);
        nint laneRow = (nint)(g.GroupReduction + 1) * Lanes;
        float* partials = job->Partials + (segment * (nint)Conv2dWeightGradient.SegmentFloats(g));
        float* slot = Align(job->Slot(part));
        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        int firstSample = (int)((long)segment * job->Batch / segments), endSample = (int)((long)(segment + 1) * job->Batch / segments);

        // The padding rows stay zero: every sample rewrites only the input's rows (and clears the wrapped columns).
        new Span<float>(slot, checked((int)SlotFloats(g) - Lanes)).Clear();
        int* offsets = stackalloc int[taps];
        for (int i = 0; i < g.KernelHeight; i++)
        {
            for (int j = 0; j < g.KernelWidth; j++)
            {
                offsets[(i * g.KernelWidth) + j] = (i * g.DilationHeight * g.Width) + (j * shiftedPlane);
            }
        }

        uint* startColumns = stackalloc uint[Lanes];
        for (int e = 0; e < Lanes; e++)
        {
            startColumns[e] = (uint)((((g.PaddingHeight * g.Width) & ~(Lanes - 1)) + e) % g.Width);
        }

        Tile first = tiling.Decode(firstTile);

        // From a max pool: each sample's output gradient is built after the shifted planes (a whole number of vectors
        // from the aligned slot), only the output channels of the part's tiles.
        float* sampleGradient = slot + ((nint)g.KernelWidth * shiftedPlane);
        (int builtFirst, int builtEnd) = job->Pool.IsSet ? OutputChannels(tiling, first, endTile - firstTile) : (0, 0);
        for (int n = firstSample; n < endSample; n++)
        {
            float* gradients;
            if (job->Pool.IsSet)
            {
                job->Pool.Build(n, builtFirst, builtEnd, sampleGradient);
                gradients = sampleGradient;
            }
            else
            {
                gradients = job->Output + ((nint)n * g.OutputSample);
            }

            Tile tile = first;
            int built = -1;
            for (int t = firstTile; t < endTile; t++, tile = tiling.Next(tile))
            {
                // A part's tiles of one input channel follow each other: its shifted planes are built before the first.
                if (tile.Channel != built)
                {
                    Shift(job->Input + ((nint)n * g.InputSample) + ((nint)tile.Channel * g.InputPlane), slot, g, shiftedPlane, startColumns);
                    built = tile.Channel;
                }

                float* lanes = partials + ((nint)tile.Out * laneRow) + ((nint)((tile.LocalChannel * taps) + tile.FirstTap) * Lanes);
                var run = new ShiftedRun(
                    gradients + ((nint)tile.Out * g.OutputPlane), g.OutputPlane, slot, offsets + tile.FirstTap, lanes, laneRow, n == firstSample)
                {
                    BiasLanes = tile.HasBias && job->BiasGradient != null ? partials + ((nint)tile.Out * laneRow) + ((nint)g.GroupReduction * Lanes) : null,
                };
                Dispatch<TOps, TVec>(tile.Rows, tile.Taps, run);
            }
        }
    }

    /// <summary>The output channels <c>[first, end)</c> that <paramref name="count"/> tiles from <paramref name="tile"/> read.</summary>
    private static (int First, int End) OutputChannels(in Tiling tiling, Tile tile, int count)
    {
        (int first, int end) = (tile.Out, tile.Out + tile.Rows);
        for (int t = 1; t < count; t++)
        {
            tile = tiling.Next(tile);
            (first, end) = (Math.Min(first, tile.Out), Math.Max(end, tile.Out + tile.Rows));
        }

        return (first, end);
    }

    /// <summary>
    /// The shifted planes of one input channel <paramref name="x"/> (<c>H × W</c>) into <paramref name="planes"/>:
    /// plane <c>j</c>'s input rows <c>[ph, ph + H)</c> are the channel moved by <c>s = j·dw - pw</c> floats, with the
    /// columns that would wrap into the neighbouring row (<c>x + s</c> outside <c>[0, W)</c>) zero.
    /// </summary>
    private static void Shift(float* x, float* planes, in Conv2dGeometry g, int shiftedPlane, uint* startColumns)
    {
        for (int j = 0; j < g.KernelWidth; j++)
        {
            int shift = (j * g.DilationWidth) - g.PaddingWidth;
            float* plane = planes + ((nint)j * shiftedPlane);
            if (Avx512F.IsSupported)
            {
                ShiftMasked(x, plane, g.PaddingHeight * g.Width, g.Height * g.Width, g.Width, shift, startColumns);
            }
            else
            {
                ShiftAndClear(x, plane + ((nint)g.PaddingHeight * g.Width), g.Height, g.Width, shift);
            }
        }
    }

    /// <summary>
    /// One shifted plane in whole 16-float vectors of the plane (aligned stores when the plane is): the input rows are
    /// <c>[begin, begin + floats)</c>, and a lane there takes <c>x[u - begin + shift]</c> only where its column
    /// <c>u mod W</c> moved by <paramref name="shift"/> stays in its row, else zero; the lanes of the vectors that reach
    /// into the padding rows are zero. The vectors that would read outside the channel (at most two at each end) load
    /// masked (the positions outside are all in wrapped columns or padding); the others load whole and clear the
    /// wrapped lanes, in a loop without those tests.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShiftMasked(float* x, float* plane, int begin, int floats, int width, int shift, uint* startColumns)
    {
        // The lanes' columns from the vector at begin rounded down, moved on by 16 % W per vector and brought back under
        // W by an unsigned minimum (c - W wraps to a huge value while c < W): no compare in the loop's chain.
        var columns = new ShiftColumns(startColumns, width, shift);
        int end = begin + floats, first = begin & ~(Lanes - 1);

        // Whole loads read [u - begin + shift, + 16) inside [0, floats) and write [u, u + 16) inside [begin, end).
        int wholeFirst = Math.Max(begin, begin - shift), wholeEnd = Math.Min(end, end - shift) - Lanes;
        int u = first;
        for (; u < end && (u < wholeFirst || u > wholeEnd); u += Lanes)
        {
            Vector512.Store(ShiftedEdge(x, u, begin, end, shift, columns.Inside()), plane + u);
            columns.Next();
        }

        for (; u <= wholeEnd; u += Lanes)
        {
            Vector512.Store(Vector512.Load(x + (u - begin + shift)) & columns.Inside(), plane + u);
            columns.Next();
        }

        for (; u < end; u += Lanes)
        {
            Vector512.Store(ShiftedEdge(x, u, begin, end, shift, columns.Inside()), plane + u);
            columns.Next();
        }
    }

    /// <summary>The vector at <paramref name="u"/> of a shifted plane by a masked load: its wrapped lanes and those outside the input rows zero.</summary>
    private static Vector512<float> ShiftedEdge(float* x, int u, int begin, int end, int shift, Vector512<float> inside)
    {
        Vector512<int> positions = Vector512<int>.Indices + Vector512.Create(u);
        inside &= (Vector512.GreaterThanOrEqual(positions, Vector512.Create(begin)) & Vector512.LessThan(positions, Vector512.Create(end))).AsSingle();
        return Avx512F.MaskLoad(x + (u - begin + shift), inside, Vector512<float>.Zero);
    }

    /// <summary>The columns of 16 consecutive positions of a plane <c>W</c> wide, and which of them a shift keeps in their row.</summary>
    private struct ShiftColumns
    {
        private readonly Vector512<uint> _up, _down, _low, _span;
        private Vector512<uint> _columns;

        /// <summary>From the columns <paramref name="start"/> of the first vector, for <paramref name="shift"/>.</summary>
        public ShiftColumns(uint* start, int width, int shift)
        {
            int lowColumn = Math.Max(0, -shift), highColumn = Math.Min(width, width - shift);
            _columns = Vector512.Load(start);
            _up = Vector512.Create((uint)(Lanes % width));
            _down = Vector512.Create((uint)((Lanes % width) - width));
            _low = Vector512.Create((uint)lowColumn);
            _span = Vector512.Create((uint)Math.Max(0, highColumn - lowColumn));
        }

        /// <summary>All ones in the lanes whose column plus the shift stays in <c>[0, W)</c>.</summary>
        public readonly Vector512<float> Inside() => Vector512.LessThan(_columns - _low, _span).AsSingle();

        /// <summary>On to the next 16 positions: <c>c + 16 % W</c>, less <c>W</c> when that reaches it (the unsigned minimum).</summary>
        public void Next() => _columns = Vector512.Min(_columns + _up, _columns + _down);
    }

    /// <summary>One shifted plane without masked loads: the channel copied moved by <paramref name="shift"/>, then the wrapped columns cleared.</summary>
    private static void ShiftAndClear(float* x, float* rows, int height, int width, int shift)
    {
        int floats = height * width;
        int first = Math.Max(0, -shift), end = Math.Min(floats, floats - shift);
        if (end > first)
        {
            RowCopy.Copy(x + first + shift, rows + first, end - first);
        }

        int lowColumns = Math.Min(width, Math.Max(0, -shift)), highColumn = Math.Max(0, width - Math.Max(0, shift));
        for (int r = 0; r < height; r++)
        {
            float* row = rows + ((nint)r * width);
            for (int col = 0; col < lowColumns; col++)
            {
                row[col] = 0f;
            }

            for (int col = highColumn; col < width; col++)
            {
                row[col] = 0f;
            }
        }
    }

    private static void Dispatch<TOps, TVec>(int rows, int taps, in ShiftedRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (rows)
        {
            case 6:
                DispatchTaps<TOps, TVec, N6>(taps, run);
                break;
            case 5:
                DispatchTaps<TOps, TVec, N5>(taps, run);
                break;
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

    private static void DispatchTaps<TOps, TVec, TRows>(int taps, in ShiftedRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        switch (taps)
        {
            case 4:
                DispatchBias<TOps, TVec, TRows, N4>(run);
                break;
            case 3:
                DispatchBias<TOps, TVec, TRows, N3>(run);
                break;
            case 2:
                DispatchBias<TOps, TVec, TRows, N2>(run);
                break;
            default:
                DispatchBias<TOps, TVec, TRows, N1>(run);
                break;
        }
    }

    private static void DispatchBias<TOps, TVec, TRows, TTaps>(in ShiftedRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
        where TTaps : IConstant
    {
        if (run.BiasLanes != null)
        {
            Run<TOps, TVec, TRows, TTaps, N1>(run);
        }
        else
        {
            Run<TOps, TVec, TRows, TTaps, N0>(run);
        }
    }

    /// <summary>
    /// One tile over one sample: <typeparamref name="TRows"/> output channels × <typeparamref name="TTaps"/> taps (and
    /// with <typeparamref name="TBias"/> = 1 the channels' bias lanes), lanes loaded from the workspace (or +0 on the
    /// segment's first sample), every position fma-ed in, lanes stored back; <c>16 / Count</c> passes, each over its own
    /// lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TRows, TTaps, TBias>(in ShiftedRun run)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
        where TTaps : IConstant
        where TBias : IConstant
    {
        nint o0 = run.Offsets[0];
        nint o1 = TTaps.Value > 1 ? run.Offsets[1] : 0;
        nint o2 = TTaps.Value > 2 ? run.Offsets[2] : 0;
        nint o3 = TTaps.Value > 3 ? run.Offsets[3] : 0;
        nint plane = run.Plane, laneRow = run.LaneRow;
        int vectors = run.Plane / Lanes;
        for (int h = 0; h < Lanes; h += TOps.Count)
        {
            Row<TVec> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default;
            if (!run.First)
            {
                r0.Load<TOps, TTaps, TBias>(run.Lanes + h, run.BiasLanes + h);
                if (TRows.Value > 1)
                {
                    r1.Load<TOps, TTaps, TBias>(run.Lanes + laneRow + h, run.BiasLanes + laneRow + h);
                }

                if (TRows.Value > 2)
                {
                    r2.Load<TOps, TTaps, TBias>(run.Lanes + (2 * laneRow) + h, run.BiasLanes + (2 * laneRow) + h);
                }

                if (TRows.Value > 3)
                {
                    r3.Load<TOps, TTaps, TBias>(run.Lanes + (3 * laneRow) + h, run.BiasLanes + (3 * laneRow) + h);
                }

                if (TRows.Value > 4)
                {
                    r4.Load<TOps, TTaps, TBias>(run.Lanes + (4 * laneRow) + h, run.BiasLanes + (4 * laneRow) + h);
                }

                if (TRows.Value > 5)
                {
                    r5.Load<TOps, TTaps, TBias>(run.Lanes + (5 * laneRow) + h, run.BiasLanes + (5 * laneRow) + h);
                }
            }

            float* dy = run.Gradients + h;
            float* x = run.Inputs + h;
            for (int q = 0; q < vectors; q++, dy += Lanes, x += Lanes)
            {
                if (TOps.Count * 2 == Lanes)
                {
                    // 256-bit vectors, 16 registers: the rows' gradients stay in registers and each tap's input is loaded
                    // where it is used, so 3 rows × 4 taps (12 chains) fit; loading the 4 inputs first spilled a chain.
                    Debug.Assert(TRows.Value <= 3, "tiles of 8-float vectors have at most 3 rows (MaxRows)");
                    TVec d0 = TOps.Load(ref *dy, 0);
                    TVec d1 = TRows.Value > 1 ? TOps.Load(ref dy[plane], 0) : d0;
                    TVec d2 = TRows.Value > 2 ? TOps.Load(ref dy[2 * plane], 0) : d0;
                    TapOfRows<TOps, TVec, TRows, N0>(ref r0, ref r1, ref r2, d0, d1, d2, TOps.Load(ref x[o0], 0));
                    if (TTaps.Value > 1)
                    {
                        TapOfRows<TOps, TVec, TRows, N1>(ref r0, ref r1, ref r2, d0, d1, d2, TOps.Load(ref x[o1], 0));
                    }

                    if (TTaps.Value > 2)
                    {
                        TapOfRows<TOps, TVec, TRows, N2>(ref r0, ref r1, ref r2, d0, d1, d2, TOps.Load(ref x[o2], 0));
                    }

                    if (TTaps.Value > 3)
                    {
                        TapOfRows<TOps, TVec, TRows, N3>(ref r0, ref r1, ref r2, d0, d1, d2, TOps.Load(ref x[o3], 0));
                    }

                    if (TBias.Value > 0)
                    {
                        r0.Bias = TOps.Add(r0.Bias, d0);
                        if (TRows.Value > 1)
                        {
                            r1.Bias = TOps.Add(r1.Bias, d1);
                        }

                        if (TRows.Value > 2)
                        {
                            r2.Bias = TOps.Add(r2.Bias, d2);
                        }
                    }

                    continue;
                }

                Inputs<TVec> inputs = default;
                inputs.X0 = TOps.Load(ref x[o0], 0);
                if (TTaps.Value > 1)
                {
                    inputs.X1 = TOps.Load(ref x[o1], 0);
                }

                if (TTaps.Value > 2)
                {
                    inputs.X2 = TOps.Load(ref x[o2], 0);
                }

                if (TTaps.Value > 3)
                {
                    inputs.X3 = TOps.Load(ref x[o3], 0);
                }

                r0.Step<TOps, TTaps, TBias>(TOps.Load(ref *dy, 0), inputs);
                if (TRows.Value > 1)
                {
                    r1.Step<TOps, TTaps, TBias>(TOps.Load(ref dy[plane], 0), inputs);
                }

                if (TRows.Value > 2)
                {
                    r2.Step<TOps, TTaps, TBias>(TOps.Load(ref dy[2 * plane], 0), inputs);
                }

                if (TRows.Value > 3)
                {
                    r3.Step<TOps, TTaps, TBias>(TOps.Load(ref dy[3 * plane], 0), inputs);
                }

                if (TRows.Value > 4)
                {
                    r4.Step<TOps, TTaps, TBias>(TOps.Load(ref dy[4 * plane], 0), inputs);
                }

                if (TRows.Value > 5)
                {
                    r5.Step<TOps, TTaps, TBias>(TOps.Load(ref dy[5 * plane], 0), inputs);
                }
            }

            r0.Store<TOps, TTaps, TBias>(run.Lanes + h, run.BiasLanes + h);
            if (TRows.Value > 1)
            {
                r1.Store<TOps, TTaps, TBias>(run.Lanes + laneRow + h, run.BiasLanes + laneRow + h);
            }

            if (TRows.Value > 2)
            {
                r2.Store<TOps, TTaps, TBias>(run.Lanes + (2 * laneRow) + h, run.BiasLanes + (2 * laneRow) + h);
            }

            if (TRows.Value > 3)
            {
                r3.Store<TOps, TTaps, TBias>(run.Lanes + (3 * laneRow) + h, run.BiasLanes + (3 * laneRow) + h);
            }

            if (TRows.Value > 4)
            {
                r4.Store<TOps, TTaps, TBias>(run.Lanes + (4 * laneRow) + h, run.BiasLanes + (4 * laneRow) + h);
            }

            if (TRows.Value > 5)
            {
                r5.Store<TOps, TTaps, TBias>(run.Lanes + (5 * laneRow) + h, run.BiasLanes + (5 * laneRow) + h);
            }
        }
    }

    /// <summary>Tap <typeparamref name="TK"/> of up to 3 rows at one vector of positions: <c>A_k = fma(d_r, x, A_k)</c> per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapOfRows<TOps, TVec, TRows, TK>(ref Row<TVec> r0, ref Row<TVec> r1, ref Row<TVec> r2, TVec d0, TVec d1, TVec d2, TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
        where TK : IConstant
    {
        r0.Tap<TOps, TK>(d0, x);
        if (TRows.Value > 1)
        {
            r1.Tap<TOps, TK>(d1, x);
        }

        if (TRows.Value > 2)
        {
            r2.Tap<TOps, TK>(d2, x);
        }
    }

    /// <summary>One tap's shifted input for each of up to 4 taps at one vector of positions; slots past <c>TTaps</c> stay unused.</summary>
    private struct Inputs<TVec>
        where TVec : struct
    {
        public TVec X0, X1, X2, X3;
    }

    /// <summary>The lanes of one output channel of a tile: up to 4 taps and (with <c>TBias</c> = 1) its bias.</summary>
    private struct Row<TVec>
        where TVec : struct
    {
        public TVec A0, A1, A2, A3, Bias;

        /// <summary>Tap <c>k</c>'s lanes from <c>lanes + 16·k</c>, the bias lanes from <paramref name="bias"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load<TOps, TTaps, TBias>(float* lanes, float* bias)
            where TOps : ISimdOps<TVec>
            where TTaps : IConstant
            where TBias : IConstant
        {
            A0 = TOps.Load(ref *lanes, 0);
            if (TTaps.Value > 1)
            {
                A1 = TOps.Load(ref lanes[Lanes], 0);
            }

            if (TTaps.Value > 2)
            {
                A2 = TOps.Load(ref lanes[2 * Lanes], 0);
            }

            if (TTaps.Value > 3)
            {
                A3 = TOps.Load(ref lanes[3 * Lanes], 0);
            }

            if (TBias.Value > 0)
            {
                Bias = TOps.Load(ref *bias, 0);
            }
        }

        /// <summary>Tap <c>k</c>'s lanes to <c>lanes + 16·k</c>, the bias lanes to <paramref name="bias"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store<TOps, TTaps, TBias>(float* lanes, float* bias)
            where TOps : ISimdOps<TVec>
            where TTaps : IConstant
            where TBias : IConstant
        {
            TOps.Store(A0, ref *lanes, 0);
            if (TTaps.Value > 1)
            {
                TOps.Store(A1, ref lanes[Lanes], 0);
            }

            if (TTaps.Value > 2)
            {
                TOps.Store(A2, ref lanes[2 * Lanes], 0);
            }

            if (TTaps.Value > 3)
            {
                TOps.Store(A3, ref lanes[3 * Lanes], 0);
            }

            if (TBias.Value > 0)
            {
                TOps.Store(Bias, ref *bias, 0);
            }
        }

        /// <summary><c>A_k = fma(d, x, A_k)</c> for the one tap <typeparamref name="TK"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Tap<TOps, TK>(TVec d, TVec x)
            where TOps : ISimdOps<TVec>
            where TK : IConstant
        {
            switch (TK.Value)
            {
                case 0: A0 = TOps.MultiplyAdd(d, x, A0); break;
                case 1: A1 = TOps.MultiplyAdd(d, x, A1); break;
                case 2: A2 = TOps.MultiplyAdd(d, x, A2); break;
                default: A3 = TOps.MultiplyAdd(d, x, A3); break;
            }
        }

        /// <summary><c>A_k = fma(d, x_k, A_k)</c> for every tap, and <c>Bias = Bias + d</c>: one output channel's gradient <paramref name="d"/> at one vector of positions.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TOps, TTaps, TBias>(TVec d, in Inputs<TVec> x)
            where TOps : ISimdOps<TVec>
            where TTaps : IConstant
            where TBias : IConstant
        {
            A0 = TOps.MultiplyAdd(d, x.X0, A0);
            if (TTaps.Value > 1)
            {
                A1 = TOps.MultiplyAdd(d, x.X1, A1);
            }

            if (TTaps.Value > 2)
            {
                A2 = TOps.MultiplyAdd(d, x.X2, A2);
            }

            if (TTaps.Value > 3)
            {
                A3 = TOps.MultiplyAdd(d, x.X3, A3);
            }

            if (TBias.Value > 0)
            {
                Bias = TOps.Add(Bias, d);
            }
        }
    }

    /// <summary>The operands of one tile over one sample.</summary>
    private readonly struct ShiftedRun(float* gradients, int plane, float* inputs, int* offsets, float* lanes, nint laneRow, bool first)
    {
        /// <summary>The output gradient of the tile's first output channel in the sample; the next channels follow a plane apart.</summary>
        public readonly float* Gradients = gradients;

        /// <summary>Floats of an output plane: between two output channels' gradients, a multiple of 16.</summary>
        public readonly int Plane = plane;

        /// <summary>The shifted planes of the tile's input channel.</summary>
        public readonly float* Inputs = inputs;

        /// <summary>The offsets of the tile's taps in the shifted planes: <c>j·plane + i·dh·W</c>.</summary>
        public readonly int* Offsets = offsets;

        /// <summary>The lanes of the tile's first weight (first row); taps follow 16 floats apart, rows <see cref="LaneRow"/> apart.</summary>
        public readonly float* Lanes = lanes;

        /// <summary>Floats between two output channels' lanes.</summary>
        public readonly nint LaneRow = laneRow;

        /// <summary>The segment's first sample: lanes start at +0 instead of the workspace.</summary>
        public readonly bool First = first;

        /// <summary>The bias lanes of the tile's first output channel, or null when this tile does not carry the bias.</summary>
        public float* BiasLanes { get; init; }
    }

    /// <summary>
    /// One register tile: output channels <c>[Out, Out + Rows)</c>, input channel <see cref="Channel"/>, taps
    /// <c>[FirstTap, FirstTap + Taps)</c>; <see cref="Group"/>, <see cref="LocalChannel"/>, <see cref="Block"/> and
    /// <see cref="TapBlock"/> are its place in the <see cref="Tiling"/>.
    /// </summary>
    private readonly record struct Tile(int Group, int LocalChannel, int Block, int TapBlock, int Out, int Rows, int Channel, int FirstTap, int Taps, bool HasBias);

    /// <summary>
    /// The tiles of a shape in order (group, input channel of the group, block of output channels, block of taps), so a
    /// part's tiles of one input channel follow each other; the blocks split their counts as evenly as possible (the
    /// first <c>total % blocks</c> blocks one larger).
    /// </summary>
    private readonly struct Tiling
    {
        private readonly int _groupOut, _groupChannels, _rowBlocks, _tapBlocks, _rowSize, _rowExtra, _tapSize, _tapExtra;

        public Tiling(in Conv2dGeometry g, int count)
        {
            int taps = g.KernelHeight * g.KernelWidth;
            _groupOut = g.GroupOutChannels;
            _groupChannels = g.GroupChannels;
            _rowBlocks = RowBlocks(g, count);
            _tapBlocks = TapBlocks(g);
            (_rowSize, _rowExtra) = (_groupOut / _rowBlocks, _groupOut % _rowBlocks);
            (_tapSize, _tapExtra) = (taps / _tapBlocks, taps % _tapBlocks);
        }

        /// <summary>Tile <paramref name="index"/>.</summary>
        public Tile Decode(int index)
        {
            int perChannel = _rowBlocks * _tapBlocks;
            int group = index / (_groupChannels * perChannel), rest = index % (_groupChannels * perChannel);
            return Make(group, rest / perChannel, (rest % perChannel) / _tapBlocks, rest % _tapBlocks);
        }

        /// <summary>The tile after <paramref name="tile"/>, without divisions (a part walks its tiles once per sample).</summary>
        public Tile Next(in Tile tile)
        {
            (int group, int channel, int block, int tapBlock) = (tile.Group, tile.LocalChannel, tile.Block, tile.TapBlock + 1);
            if (tapBlock == _tapBlocks)
            {
                (tapBlock, block) = (0, block + 1);
                if (block == _rowBlocks)
                {
                    (block, channel) = (0, channel + 1);
                    if (channel == _groupChannels)
                    {
                        (channel, group) = (0, group + 1);
                    }
                }
            }

            return Make(group, channel, block, tapBlock);
        }

        private Tile Make(int group, int channel, int block, int tapBlock)
        {
            int firstRow = (block * _rowSize) + Math.Min(block, _rowExtra), firstTap = (tapBlock * _tapSize) + Math.Min(tapBlock, _tapExtra);
            return new Tile(
                group, channel, block, tapBlock, (group * _groupOut) + firstRow, _rowSize + (block < _rowExtra ? 1 : 0), (group * _groupChannels) + channel,
                firstTap, _tapSize + (tapBlock < _tapExtra ? 1 : 0), channel == 0 && tapBlock == _tapBlocks - 1);
        }
    }

    /// <summary>This path's segments for <see cref="Conv2dWeightGradient.RunPart{TPath, TOps, TVec}"/>.</summary>
    private readonly struct SegmentPath : Conv2dWeightGradient.ISegmentPath
    {
        public static void Segment<TOps, TVec>(Conv2dJob* job, int part, int segment, int first, int end, bool firstOfPart)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => Conv2dWeightGradientShifted.Segment<TOps, TVec>(job, part, segment, first, end);
    }
}
