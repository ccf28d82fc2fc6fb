using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="Conv2dInputGradientByPlanes"/> with 256-bit vectors, for machines with AVX2 and FMA but no 512-bit vectors,
/// where the input gradient would otherwise be the GEMM <c>Wᵀ·dY</c> into a column matrix (a reduction of only the output
/// channels, so packing and the tile stores weigh on it) and a scalar-tailed scatter of each column row. Small planes
/// (input and output rows of at most 16, output planes of at most <see cref="MaxVectors"/> 8-lane vectors), stride 1,
/// dilation 1, one group, at most <see cref="GemmBlocking.KcMax"/> output channels.
/// </summary>
/// <remarks>
/// <para>
/// Per input channel: its taps' column-matrix rows, 3 taps × 4 vectors of the flattened output plane per register tile
/// (12 accumulators, 3 broadcast weights and the output-gradient vector they share: the 16 registers), into a stack
/// buffer where each tap's plane lies between zeros standing for the output rows above and below it; then each input row
/// (one or two vectors) is summed in registers from the taps' shifted rows and stored once.
/// </para>
/// <para>
/// Bits: those of the GEMM path, as <see cref="Conv2dInputGradientByPlanes"/>'s: every column-matrix value is the fused
/// multiply-add chain from zero over the output channels in order (one GEMM k block), and every input-gradient value is
/// zero plus the values its taps reach, taps in order, as <see cref="Im2Col.ScatterAdd"/> adds them onto the cleared input
/// gradient (a lane a tap does not reach adds +0, which changes no sum: none is -0).
/// <c>Conv2dInputGradientByPlanesAvx2Tests</c> checks it against those bits.
/// </para>
/// </remarks>
internal static unsafe class Conv2dInputGradientByPlanesAvx2
{
    /// <summary>The most vectors of an output plane: 16 (a plane of up to 128 pixels; LeNet-5's conv2 has 100 in 13).</summary>
    public const int MaxVectors = 16;

    /// <summary>The most floats of one input channel's column-matrix rows (taps × their planes with margins) the stack buffer holds: 32 KB.</summary>
    private const int MaxRowFloats = 8192;

    private const int Lanes = 8;

    /// <summary>Taps per register tile.</summary>
    private const int TileTaps = 3;

    /// <summary>Whether the path runs for this shape on this machine: it fits, with AVX2 and FMA and no 512-bit vectors.</summary>
    public static bool Applies(in Conv2dGeometry g)
        => GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && g.OutWidth <= 2 * Lanes && g.Width <= 2 * Lanes && Vectors(g.OutputPlane) <= MaxVectors
            && (long)g.KernelHeight * g.KernelWidth * Stride(g) <= MaxRowFloats;

    /// <summary>One sample: <c>dx = convᵀ(dy, w)</c>, overwritten.</summary>
    [SkipLocalsInit]
    public static void Sample(float* dy, float* weight, float* dx, in Conv2dGeometry g)
    {
        int taps = g.KernelHeight * g.KernelWidth, margin = Margin(g), stride = Stride(g);
        float* rows = stackalloc float[taps * stride];
        for (int t = 0; t < taps; t++)
        {
            new Span<float>(rows + (t * stride), margin).Clear();
            new Span<float>(rows + (t * stride) + margin + g.OutputPlane, stride - margin - g.OutputPlane).Clear();
        }

        // Two masks per kernel column: the lanes of an input row's first and second vector the column's taps reach.
        Vector256<float>* columns = stackalloc Vector256<float>[2 * g.KernelWidth];
        for (int j = 0; j < g.KernelWidth; j++)
        {
            columns[2 * j] = ColumnMask(0, g.PaddingWidth - j, g.OutWidth, g.Width);
            columns[(2 * j) + 1] = ColumnMask(Lanes, g.PaddingWidth - j, g.OutWidth, g.Width);
        }

        // Input rows are stored as whole vectors up to the sample's end; the rows and channels after a row overwrite what
        // runs past it.
        float* end = dx + g.InputSample;
        for (int c = 0; c < g.Channels; c++)
        {
            int t = 0;
            for (; t + TileTaps <= taps; t += TileTaps)
            {
                TapRows<N3>(dy, weight, (c * taps) + t, rows + (t * stride) + margin, stride, g);
            }

            for (; t < taps; t++)
            {
                TapRows<N1>(dy, weight, (c * taps) + t, rows + (t * stride) + margin, stride, g);
            }

            if (g.Width > Lanes)
            {
                InputRows<N2>(rows + margin, stride, columns, dx + ((nint)c * g.InputPlane), end, g);
            }
            else
            {
                InputRows<N1>(rows + margin, stride, columns, dx + ((nint)c * g.InputPlane), end, g);
            }
        }
    }

    private static int Vectors(int plane) => (plane + Lanes - 1) / Lanes;

    /// <summary>Zeros before and after a tap's plane: <c>kh - 1</c> output rows, as far as an input row's taps reach past the plane.</summary>
    private static int Margin(in Conv2dGeometry g) => (g.KernelHeight - 1) * g.OutWidth;

    /// <summary>Floats between two taps' planes: the margin, the plane's whole vectors, and the margin after the plane.</summary>
    private static int Stride(in Conv2dGeometry g) => Margin(g) + Math.Max(Vectors(g.OutputPlane) * Lanes, g.OutputPlane + Margin(g));

    /// <summary>
    /// Column-matrix rows <c>k .. k + TTaps - 1</c> over the whole output plane into <paramref name="rows"/>
    /// (<paramref name="stride"/> floats apart): the plane's vectors in tiles of 4, the last tile what is left (13 as 4, 4,
    /// 4, 1: 10% faster on Zen 2 than 4, 3, 3, 3, whose tiles load a vector and a broadcast per 3 FMAs), the plane's last
    /// vector masked (past it lie the next channel's plane or the end of the gradient; its lanes past the plane are stored
    /// as +0, the zeros below the plane).
    /// </summary>
    private static void TapRows<TTaps>(float* dy, float* weight, int k, float* rows, nint stride, in Conv2dGeometry g)
        where TTaps : IConstant
    {
        int vectors = Vectors(g.OutputPlane), tiles = (vectors + 3) / 4;
        Vector256<float> last = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(g.OutputPlane - ((vectors - 1) * Lanes))).AsSingle();
        for (int tile = 0, v = 0; tile < tiles; tile++)
        {
            int size = Math.Min(4, vectors - v);
            Vector256<float> mask = tile == tiles - 1 ? last : Vector256<float>.AllBitsSet;
            float* x = dy + (v * Lanes), w = weight + k, row = rows + (v * Lanes);
            switch (size)
            {
                case 1: Tile<TTaps, N1>(x, w, row, stride, g, mask); break;
                case 2: Tile<TTaps, N2>(x, w, row, stride, g, mask); break;
                case 3: Tile<TTaps, N3>(x, w, row, stride, g, mask); break;
                default: Tile<TTaps, N4>(x, w, row, stride, g, mask); break;
            }

            v += size;
        }
    }

    /// <summary>
    /// TTaps column-matrix rows × TVectors vectors of the plane from <paramref name="dy"/> (the tile's first vector of
    /// output channel 0): one FMA chain per value over the output channels in order; the tile's last vector loaded and
    /// stored under <paramref name="last"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TTaps, TVectors>(float* dy, float* weight, float* rows, nint stride, in Conv2dGeometry g, Vector256<float> last)
        where TTaps : IConstant
        where TVectors : IConstant
    {
        int taps = TTaps.Value, vectors = TVectors.Value;
        nint plane = g.OutputPlane, reduction = g.Reduction;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        float* w = weight;
        float* x = dy;
        for (int o = 0; o < g.OutChannels; o++, w += reduction, x += plane)
        {
            Vector256<float> wa = Vector256.Create(w[0]);
            Vector256<float> wb = taps > 1 ? Vector256.Create(w[1]) : default;
            Vector256<float> wc = taps > 2 ? Vector256.Create(w[2]) : default;
            bool three = taps > 1;
            Step(wa, wb, wc, three, Load(x, 0, vectors, last), ref a0, ref b0, ref c0);
            if (vectors > 1)
            {
                Step(wa, wb, wc, three, Load(x, 1, vectors, last), ref a1, ref b1, ref c1);
            }

            if (vectors > 2)
            {
                Step(wa, wb, wc, three, Load(x, 2, vectors, last), ref a2, ref b2, ref c2);
            }

            if (vectors > 3)
            {
                Step(wa, wb, wc, three, Load(x, 3, vectors, last), ref a3, ref b3, ref c3);
            }
        }

        StoreRow(rows, vectors, last, a0, a1, a2, a3);
        if (taps > 1)
        {
            StoreRow(rows + stride, vectors, last, b0, b1, b2, b3);
            StoreRow(rows + (2 * stride), vectors, last, c0, c1, c2, c3);
        }
    }

    /// <summary>One output channel's term of one vector of the tile's tap rows: <c>a += wa·x</c>, and with <paramref name="three"/> <c>b += wb·x</c>, <c>c += wc·x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(
        Vector256<float> wa, Vector256<float> wb, Vector256<float> wc, bool three, Vector256<float> x, ref Vector256<float> a, ref Vector256<float> b, ref Vector256<float> c)
    {
        a = Fma.MultiplyAdd(wa, x, a);
        if (three)
        {
            b = Fma.MultiplyAdd(wb, x, b);
            c = Fma.MultiplyAdd(wc, x, c);
        }
    }

    /// <summary>Vector <paramref name="index"/> of a tile; the last one masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* tile, int index, int vectors, Vector256<float> last)
        => index == vectors - 1 ? Avx.MaskLoad(tile + (index * Lanes), last) : Avx.LoadVector256(tile + (index * Lanes));

    /// <summary>A tile's vectors of one tap row, the last one's lanes outside <paramref name="last"/> stored as +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* row, int vectors, Vector256<float> last, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        Store(row, 0, vectors, last, v0);
        if (vectors > 1)
        {
            Store(row, 1, vectors, last, v1);
        }

        if (vectors > 2)
        {
            Store(row, 2, vectors, last, v2);
        }

        if (vectors > 3)
        {
            Store(row, 3, vectors, last, v3);
        }
    }

    /// <remarks>
    /// The last vector's lanes outside <paramref name="last"/> are stored as +0 (a lane past the plane is then a zero
    /// below it, as the buffer had it): a masked store costs a dozen cycles on AMD's Zen 2.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, int index, int vectors, Vector256<float> last, Vector256<float> value)
        => (index == vectors - 1 ? Avx.And(value, last) : value).Store(row + (index * Lanes));

    /// <summary>
    /// One input channel's rows of the input gradient from its taps' column-matrix rows (tap <c>(i, j)</c>'s plane at
    /// <c>rows + (i·kw + j)·stride</c>, zeros around it): input row <c>y</c> is zero plus, taps in order, output row
    /// <c>y - i + ph</c> of each tap's plane shifted by <c>j - pw</c> columns where it exists (a row outside the plane
    /// reads the zeros, a column outside it is masked off: both add +0), stored once, in order (see
    /// <see cref="StoreInputRow"/>). Up to 4 input rows at a time of TRowVectors vectors each, every vector its own chain.
    /// </summary>
    private static void InputRows<TRowVectors>(float* rows, int stride, Vector256<float>* columns, float* dx, float* end, in Conv2dGeometry g)
        where TRowVectors : IConstant
    {
        int y = 0;
        for (; y + 4 <= g.Height; y += 4)
        {
            RowBlock<N4, TRowVectors>(rows, stride, columns, dx, end, y, g);
        }

        switch (g.Height - y)
        {
            case 3: RowBlock<N3, TRowVectors>(rows, stride, columns, dx, end, y, g); break;
            case 2: RowBlock<N2, TRowVectors>(rows, stride, columns, dx, end, y, g); break;
            case 1: RowBlock<N1, TRowVectors>(rows, stride, columns, dx, end, y, g); break;
        }
    }

    /// <summary>Input rows <c>[y, y + TRows)</c> of <see cref="InputRows"/>: one register chain per vector, taps in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock<TRows, TRowVectors>(float* rows, int stride, Vector256<float>* columns, float* dx, float* end, int y, in Conv2dGeometry g)
        where TRows : IConstant
        where TRowVectors : IConstant
    {
        int kh = g.KernelHeight, kw = g.KernelWidth;
        bool two = TRowVectors.Value > 1;
        nint outWidth = g.OutWidth;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default;
        for (int i = 0; i < kh; i++)
        {
            // Output row y - i + ph of tap (i, 0), shifted by -pw columns; the next rows follow a row apart.
            float* tap = rows + ((nint)i * kw * stride) + ((y - i + g.PaddingHeight) * outWidth) + g.PaddingWidth;
            for (int j = 0; j < kw; j++, tap += stride - 1)
            {
                Vector256<float> first = columns[2 * j];
                Vector256<float> second = columns[(2 * j) + 1];
                s0 += Avx.MaskLoad(tap, first);
                if (two)
                {
                    t0 += Avx.MaskLoad(tap + Lanes, second);
                }

                if (TRows.Value > 1)
                {
                    s1 += Avx.MaskLoad(tap + outWidth, first);
                    if (two)
                    {
                        t1 += Avx.MaskLoad(tap + outWidth + Lanes, second);
                    }
                }

                if (TRows.Value > 2)
                {
                    s2 += Avx.MaskLoad(tap + (2 * outWidth), first);
                    if (two)
                    {
                        t2 += Avx.MaskLoad(tap + (2 * outWidth) + Lanes, second);
                    }
                }

                if (TRows.Value > 3)
                {
                    s3 += Avx.MaskLoad(tap + (3 * outWidth), first);
                    if (two)
                    {
                        t3 += Avx.MaskLoad(tap + (3 * outWidth) + Lanes, second);
                    }
                }
            }
        }

        int width = g.Width;
        float* row = dx + ((nint)y * width);
        StoreInputRow(row, s0, t0, width, end, two);
        if (TRows.Value > 1)
        {
            StoreInputRow(row + width, s1, t1, width, end, two);
        }

        if (TRows.Value > 2)
        {
            StoreInputRow(row + (2 * width), s2, t2, width, end, two);
        }

        if (TRows.Value > 3)
        {
            StoreInputRow(row + (3 * width), s3, t3, width, end, two);
        }
    }

    /// <summary>
    /// One input row: its first vector and, for rows of more than 8, its second. Whole vectors, running past the row into
    /// the rows and channels stored after it, except where that would pass <paramref name="end"/> (the sample's last
    /// row): there the lanes past the row are masked off, as a masked store costs a dozen cycles on AMD's Zen 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInputRow(float* row, Vector256<float> first, Vector256<float> second, int width, float* end, bool two)
    {
        if (row + (two ? 2 * Lanes : Lanes) <= end)
        {
            first.Store(row);
            if (two)
            {
                second.Store(row + Lanes);
            }

            return;
        }

        Avx.MaskStore(row, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(width)).AsSingle(), first);
        if (two)
        {
            Avx.MaskStore(row + Lanes, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(width - Lanes)).AsSingle(), second);
        }
    }

    /// <summary>
    /// Lanes <c>l</c> of the input-row vector starting at column <paramref name="start"/> that tap column <c>j</c> reaches:
    /// the output column <c>start + l + shift</c> (shift = <c>pw - j</c>) exists and the column lies in the row.
    /// </summary>
    private static Vector256<float> ColumnMask(int start, int shift, int outWidth, int width)
    {
        Vector256<int> x = Vector256<int>.Indices + Vector256.Create(start), source = x + Vector256.Create(shift);
        return (Vector256.GreaterThanOrEqual(source, Vector256<int>.Zero) & Vector256.LessThan(source, Vector256.Create(outWidth))
            & Vector256.LessThan(x, Vector256.Create(width))).AsSingle();
    }
}
