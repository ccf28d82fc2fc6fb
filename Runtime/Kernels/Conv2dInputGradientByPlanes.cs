using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The input gradient for small planes (output planes of at most <see cref="MaxVectors"/> 16-lane vectors, input and
/// output rows of at most 16): per input channel, the column matrix <c>Wᵀ·dY</c> of its taps a few rows at a time, each
/// row over the whole flattened output plane in registers (one load of each output-gradient vector per output channel
/// serves every row of the block, one broadcast weight per row), into a buffer; then each input row is summed in a
/// register from the taps' shifted rows and stored once. Stride 1, dilation 1, one group.
/// </summary>
/// <remarks>
/// <para>
/// It computes what the GEMM path computes, bit for bit: every column-matrix value is the fused multiply-add chain from
/// zero over the output channels in order (one GEMM k block: at most <see cref="GemmBlocking.KcMax"/> channels), and every
/// input-gradient value is zero plus the values its taps reach, taps in order, as <see cref="Im2Col.ScatterAdd"/> adds
/// them onto the cleared input gradient (a lane a tap does not reach adds +0, which changes no sum: none is -0).
/// <c>Conv2dInputGradientByPlanesTests</c> checks it against those bits. Each input row is stored once: adding every
/// tap's row into the input gradient in memory made each masked add wait for the masked store before it (twice the time of the GEMM path).
/// </para>
/// <para>
/// Why: LeNet's conv2 has 10 × 10 output planes. <see cref="Conv2dInputGradient"/> runs along input rows of 14, of which
/// a tap reads 10 output columns, so 10 of its 16 lanes do work; here the 100 positions fill 7 vectors (89% of the
/// lanes) and the column matrix costs a block of 3 rows of 7 vectors per output channel: 7 loads and 3 broadcasts per
/// 21 FMAs. docs/performance.md has the measurements.
/// </para>
/// </remarks>
internal static unsafe class Conv2dInputGradientByPlanes
{
    /// <summary>The most vectors of an output plane: 7 vectors × 3 rows = 21 accumulators, with the loads and broadcasts within 32 registers.</summary>
    public const int MaxVectors = 7;

    /// <summary>The most floats of one input channel's column-matrix rows (taps × their planes with margins) the stack buffer holds: 32 KB.</summary>
    private const int MaxRowFloats = 8192;

    private const int Lanes = 16;

    /// <summary>Whether the path runs for this shape on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && g.OutWidth <= Lanes && g.Width <= Lanes && Vectors(g.OutputPlane) <= MaxVectors
            && g.KernelHeight * g.KernelWidth * Stride(g, Vectors(g.OutputPlane)) <= MaxRowFloats;

    /// <summary>One sample: <c>dx = convᵀ(dy, w)</c>, overwritten.</summary>
    public static void Sample(float* dy, float* weight, float* dx, in Conv2dGeometry g)
    {
        switch (Vectors(g.OutputPlane))
        {
            case 1:
                Blocks<N1, N4>(dy, weight, dx, g);
                break;
            case 2:
                Blocks<N2, N4>(dy, weight, dx, g);
                break;
            case 3:
                Blocks<N3, N4>(dy, weight, dx, g);
                break;
            case 4:
                Blocks<N4, N4>(dy, weight, dx, g);
                break;
            case 5:
                Blocks<N5, N4>(dy, weight, dx, g);
                break;
            case 6:
                Blocks<N6, N3>(dy, weight, dx, g);
                break;
            default:
                Blocks<N7, N3>(dy, weight, dx, g);
                break;
        }
    }

    private static int Vectors(int plane) => (plane + Lanes - 1) / Lanes;

    /// <summary>
    /// Per input channel: its taps' column-matrix rows in blocks of <typeparamref name="TRows"/> (the last ones one at a
    /// time), then its input rows. Each tap's plane lies between <see cref="Margin"/> floats of zeros before and after
    /// (with the lanes past the plane, never stored), which stand for the output rows above and below the plane.
    /// </summary>
    [SkipLocalsInit]
    private static void Blocks<TVectors, TRows>(float* dy, float* weight, float* dx, in Conv2dGeometry g)
        where TVectors : IConstant
        where TRows : IConstant
    {
        int taps = g.KernelHeight * g.KernelWidth, margin = Margin(g), stride = Stride(g, TVectors.Value);
        float* rows = stackalloc float[taps * stride];
        for (int t = 0; t < taps; t++)
        {
            new Span<float>(rows + (t * stride), margin).Clear();
            new Span<float>(rows + (t * stride) + margin + g.OutputPlane, stride - margin - g.OutputPlane).Clear();
        }

        Vector512<float>* columns = stackalloc Vector512<float>[g.KernelWidth];
        for (int j = 0; j < g.KernelWidth; j++)
        {
            columns[j] = ColumnMask(g.PaddingWidth - j, g.OutWidth, g.Width);
        }

        for (int c = 0; c < g.Channels; c++)
        {
            int t = 0;
            for (; t + TRows.Value <= taps; t += TRows.Value)
            {
                Block<TVectors, TRows>(dy, weight, (c * taps) + t, rows + (t * stride) + margin, stride, g);
            }

            for (; t < taps; t++)
            {
                Block<TVectors, N1>(dy, weight, (c * taps) + t, rows + (t * stride) + margin, stride, g);
            }

            InputRows(rows + margin, stride, columns, dx + ((nint)c * g.InputPlane), g);
        }
    }

    /// <summary>Zeros before and after a tap's plane: <c>kh - 1</c> output rows, as far as an input row's taps reach past the plane.</summary>
    private static int Margin(in Conv2dGeometry g) => (g.KernelHeight - 1) * g.OutWidth;

    /// <summary>Floats between two taps' planes: the margin, the plane's whole vectors, and the margin after the plane (which the last vector's unstored lanes start).</summary>
    private static int Stride(in Conv2dGeometry g, int vectors) => Margin(g) + Math.Max(vectors * Lanes, g.OutputPlane + Margin(g));

    /// <summary>
    /// Column-matrix rows <c>k .. k + TRows - 1</c> over the whole output plane into <paramref name="rows"/>
    /// (<paramref name="stride"/> floats apart; the lanes past the plane are not stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TVectors, TRows>(float* dy, float* weight, int k, float* rows, nint stride, in Conv2dGeometry g)
        where TVectors : IConstant
        where TRows : IConstant
    {
        int vectors = TVectors.Value, count = TRows.Value;
        nint plane = g.OutputPlane, reduction = g.Reduction;

        // The last vector of a plane is masked: past it lie the next channel's plane or the end of the gradient.
        Vector512<float> last = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(g.OutputPlane - ((vectors - 1) * Lanes))).AsSingle();
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default;
        float* w = weight + k;
        float* x = dy;
        for (int o = 0; o < g.OutChannels; o++, w += reduction, x += plane)
        {
            Vector512<float> wa = Vector512.Create(w[0]);
            Vector512<float> wb = count > 1 ? Vector512.Create(w[1]) : default;
            Vector512<float> wc = count > 2 ? Vector512.Create(w[2]) : default;
            Vector512<float> wd = count > 3 ? Vector512.Create(w[3]) : default;
            Vector512<float> v0 = Load(x, 0, vectors, last);
            a0 = Avx512F.FusedMultiplyAdd(wa, v0, a0);
            if (count > 1)
            {
                b0 = Avx512F.FusedMultiplyAdd(wb, v0, b0);
            }

            if (count > 2)
            {
                c0 = Avx512F.FusedMultiplyAdd(wc, v0, c0);
            }

            if (count > 3)
            {
                d0 = Avx512F.FusedMultiplyAdd(wd, v0, d0);
            }

            if (vectors > 1)
            {
                Vector512<float> v1 = Load(x, 1, vectors, last);
                a1 = Avx512F.FusedMultiplyAdd(wa, v1, a1);
                if (count > 1)
                {
                    b1 = Avx512F.FusedMultiplyAdd(wb, v1, b1);
                }

                if (count > 2)
                {
                    c1 = Avx512F.FusedMultiplyAdd(wc, v1, c1);
                }

                if (count > 3)
                {
                    d1 = Avx512F.FusedMultiplyAdd(wd, v1, d1);
                }
            }

            if (vectors > 2)
            {
                Vector512<float> v2 = Load(x, 2, vectors, last);
                a2 = Avx512F.FusedMultiplyAdd(wa, v2, a2);
                if (count > 1)
                {
                    b2 = Avx512F.FusedMultiplyAdd(wb, v2, b2);
                }

                if (count > 2)
                {
                    c2 = Avx512F.FusedMultiplyAdd(wc, v2, c2);
                }

                if (count > 3)
                {
                    d2 = Avx512F.FusedMultiplyAdd(wd, v2, d2);
                }
            }

            if (vectors > 3)
            {
                Vector512<float> v3 = Load(x, 3, vectors, last);
                a3 = Avx512F.FusedMultiplyAdd(wa, v3, a3);
                if (count > 1)
                {
                    b3 = Avx512F.FusedMultiplyAdd(wb, v3, b3);
                }

                if (count > 2)
                {
                    c3 = Avx512F.FusedMultiplyAdd(wc, v3, c3);
                }

                if (count > 3)
                {
                    d3 = Avx512F.FusedMultiplyAdd(wd, v3, d3);
                }
            }

            if (vectors > 4)
            {
                Vector512<float> v4 = Load(x, 4, vectors, last);
                a4 = Avx512F.FusedMultiplyAdd(wa, v4, a4);
                if (count > 1)
                {
                    b4 = Avx512F.FusedMultiplyAdd(wb, v4, b4);
                }

                if (count > 2)
                {
                    c4 = Avx512F.FusedMultiplyAdd(wc, v4, c4);
                }

                if (count > 3)
                {
                    d4 = Avx512F.FusedMultiplyAdd(wd, v4, d4);
                }
            }

            if (vectors > 5)
            {
                Vector512<float> v5 = Load(x, 5, vectors, last);
                a5 = Avx512F.FusedMultiplyAdd(wa, v5, a5);
                if (count > 1)
                {
                    b5 = Avx512F.FusedMultiplyAdd(wb, v5, b5);
                }

                if (count > 2)
                {
                    c5 = Avx512F.FusedMultiplyAdd(wc, v5, c5);
                }

                if (count > 3)
                {
                    d5 = Avx512F.FusedMultiplyAdd(wd, v5, d5);
                }
            }

            if (vectors > 6)
            {
                Vector512<float> v6 = Load(x, 6, vectors, last);
                a6 = Avx512F.FusedMultiplyAdd(wa, v6, a6);
                if (count > 1)
                {
                    b6 = Avx512F.FusedMultiplyAdd(wb, v6, b6);
                }

                if (count > 2)
                {
                    c6 = Avx512F.FusedMultiplyAdd(wc, v6, c6);
                }

                if (count > 3)
                {
                    d6 = Avx512F.FusedMultiplyAdd(wd, v6, d6);
                }
            }
        }

        StoreRow(rows, vectors, last, a0, a1, a2, a3, a4, a5, a6);
        if (count > 1)
        {
            StoreRow(rows + stride, vectors, last, b0, b1, b2, b3, b4, b5, b6);
        }

        if (count > 2)
        {
            StoreRow(rows + (2 * stride), vectors, last, c0, c1, c2, c3, c4, c5, c6);
        }

        if (count > 3)
        {
            StoreRow(rows + (3 * stride), vectors, last, d0, d1, d2, d3, d4, d5, d6);
        }
    }

    /// <summary>Vector <paramref name="index"/> of a plane; the last one masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* plane, int index, int vectors, Vector512<float> last)
        => index == vectors - 1 ? Avx512F.MaskLoad(plane + (index * Lanes), last, Vector512<float>.Zero) : Vector512.Load(plane + (index * Lanes));

    /// <summary>The plane's vectors to <paramref name="row"/>, the last one's lanes past the plane not stored (<paramref name="last"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        float* row, int vectors, Vector512<float> last, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6)
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

        if (vectors > 4)
        {
            Store(row, 4, vectors, last, v4);
        }

        if (vectors > 5)
        {
            Store(row, 5, vectors, last, v5);
        }

        if (vectors > 6)
        {
            Store(row, 6, vectors, last, v6);
        }
    }

    /// <summary>Vector <paramref name="index"/> of a plane; the last one masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, int index, int vectors, Vector512<float> last, Vector512<float> value)
    {
        if (index == vectors - 1)
        {
            Avx512F.MaskStore(row + (index * Lanes), last, value);
        }
        else
        {
            value.Store(row + (index * Lanes));
        }
    }

    /// <summary>
    /// One input channel's rows of the input gradient from its taps' column-matrix rows (tap <c>(i, j)</c>'s plane at
    /// <c>rows + (i·kw + j)·stride</c>, zeros around it): input row <c>y</c> is zero plus, taps in order, output row
    /// <c>y - i + ph</c> of each tap's plane shifted by <c>j - pw</c> columns where it exists (a row outside the plane
    /// reads the zeros, a column outside it is masked off: both add +0, which changes no sum, as none is -0), stored
    /// once. Up to 8 input rows at a time, each its own chain: one row's 25 additions one after another waited on each
    /// other's latency.
    /// </summary>
    private static void InputRows(float* rows, int stride, Vector512<float>* columns, float* dx, in Conv2dGeometry g)
    {
        int y = 0;
        for (; y + 8 <= g.Height; y += 8)
        {
            RowBlock<N8>(rows, stride, columns, dx, y, g);
        }

        switch (g.Height - y)
        {
            case 7: RowBlock<N7>(rows, stride, columns, dx, y, g); break;
            case 6: RowBlock<N6>(rows, stride, columns, dx, y, g); break;
            case 5: RowBlock<N5>(rows, stride, columns, dx, y, g); break;
            case 4: RowBlock<N4>(rows, stride, columns, dx, y, g); break;
            case 3: RowBlock<N3>(rows, stride, columns, dx, y, g); break;
            case 2: RowBlock<N2>(rows, stride, columns, dx, y, g); break;
            case 1: RowBlock<N1>(rows, stride, columns, dx, y, g); break;
        }
    }

    /// <summary>Input rows <c>[y, y + TRows)</c> of <see cref="InputRows"/>: one register chain per row, taps in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock<TRows>(float* rows, int stride, Vector512<float>* columns, float* dx, int y, in Conv2dGeometry g)
        where TRows : IConstant
    {
        int kh = g.KernelHeight, kw = g.KernelWidth;
        nint outWidth = g.OutWidth;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int i = 0; i < kh; i++)
        {
            // Output row y - i + ph of tap (i, 0), shifted by -pw columns; the next rows follow a row apart.
            float* tap = rows + ((nint)i * kw * stride) + ((y - i + g.PaddingHeight) * outWidth) + g.PaddingWidth;
            for (int j = 0; j < kw; j++, tap += stride - 1)
            {
                Vector512<float> column = columns[j];
                s0 += Avx512F.MaskLoad(tap, column, Vector512<float>.Zero);
                if (TRows.Value > 1)
                {
                    s1 += Avx512F.MaskLoad(tap + outWidth, column, Vector512<float>.Zero);
                }

                if (TRows.Value > 2)
                {
                    s2 += Avx512F.MaskLoad(tap + (2 * outWidth), column, Vector512<float>.Zero);
                }

                if (TRows.Value > 3)
                {
                    s3 += Avx512F.MaskLoad(tap + (3 * outWidth), column, Vector512<float>.Zero);
                }

                if (TRows.Value > 4)
                {
                    s4 += Avx512F.MaskLoad(tap + (4 * outWidth), column, Vector512<float>.Zero);
                }

                if (TRows.Value > 5)
                {
                    s5 += Avx512F.MaskLoad(tap + (5 * outWidth), column, Vector512<float>.Zero);
                }

                if (TRows.Value > 6)
                {
                    s6 += Avx512F.MaskLoad(tap + (6 * outWidth), column, Vector512<float>.Zero);
                }

                if (TRows.Value > 7)
                {
                    s7 += Avx512F.MaskLoad(tap + (7 * outWidth), column, Vector512<float>.Zero);
                }
            }
        }

        int width = g.Width;
        Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        float* row = dx + ((nint)y * width);
        Avx512F.MaskStore(row, inside, s0);
        if (TRows.Value > 1)
        {
            Avx512F.MaskStore(row + width, inside, s1);
        }

        if (TRows.Value > 2)
        {
            Avx512F.MaskStore(row + (2 * width), inside, s2);
        }

        if (TRows.Value > 3)
        {
            Avx512F.MaskStore(row + (3 * width), inside, s3);
        }

        if (TRows.Value > 4)
        {
            Avx512F.MaskStore(row + (4 * width), inside, s4);
        }

        if (TRows.Value > 5)
        {
            Avx512F.MaskStore(row + (5 * width), inside, s5);
        }

        if (TRows.Value > 6)
        {
            Avx512F.MaskStore(row + (6 * width), inside, s6);
        }

        if (TRows.Value > 7)
        {
            Avx512F.MaskStore(row + (7 * width), inside, s7);
        }
    }

    /// <summary>
    /// Lanes <c>x</c> of an input row that tap column <c>j</c> reaches: the output column <c>x + shift</c> (shift =
    /// <c>pw - j</c>) exists and <c>x</c> lies in the row. All bits set, else zero.
    /// </summary>
    private static Vector512<float> ColumnMask(int shift, int outWidth, int width)
    {
        Vector512<int> x = Vector512<int>.Indices, source = x + Vector512.Create(shift);
        return (Vector512.GreaterThanOrEqual(source, Vector512<int>.Zero) & Vector512.LessThan(source, Vector512.Create(outWidth))
            & Vector512.LessThan(x, Vector512.Create(width))).AsSingle();
    }
}
