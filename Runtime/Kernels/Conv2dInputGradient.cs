using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The input gradient computed in place of <c>Wᵀ·dY</c> + col2im when the input rows fill 512-bit vectors well: stride 1,
/// dilation 1, one group, at most <see cref="GemmBlocking.KcMax"/> output channels, input rows of 8 to 32 values with at
/// least half of each 16-lane vector used, and at least 4 vectors of rows across the input channels. Per block of input
/// channels and three input rows, every tap <c>(i, j)</c> computes its column-matrix values for those rows in registers
/// from the output gradient (one masked load of each output-gradient row, shifted by the tap, and one broadcast weight
/// per channel and output channel) and adds them to the rows' running sums, so no column matrix is written and nothing
/// is scattered.
/// </summary>
/// <remarks>
/// It computes what the GEMM path computes, bit for bit. There, the column matrix is <c>col[(c, i, j), (y, x)] =</c> the
/// GEMM's fused multiply-add chain from zero over the output channels <c>o</c> in order of <c>W[o, c, i, j]·dY[o, y, x]</c>
/// (one k block: at most <see cref="GemmBlocking.KcMax"/> channels), and the scatter adds each column row, taps in order,
/// onto the cleared input gradient at <c>(y + i - ph, x + j - pw)</c>, dropping positions in the padding. Here every
/// input-gradient value starts at zero and adds, taps in the same order, the same chain over <c>o</c> for the tap's
/// output position, skipping taps whose output row or column does not exist (a masked add). So choosing this path (by
/// shape and by the hardware having 512-bit vectors and FMA) never changes a result; <c>Conv2dInputGradientTests</c>
/// checks it against the GEMM path's bits.
/// </remarks>
internal static unsafe class Conv2dInputGradient
{
    private const int Lanes = 16;

    /// <summary>Input rows per block: 3 rows × 6 columns of chains (18 registers), 3 loads and a broadcast per 18 FMAs.</summary>
    private const int BlockRows = 3;

    /// <summary>Whether the direct path runs for this shape on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fits(g);

    /// <summary>Whether the shape suits the direct path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g)
    {
        // At least 4 columns (channels × vectors of a row): with fewer, fewer chains share each load, and the GEMM path
        // is faster (LeNet's conv1 shape, one channel of rows of 28: 340 against 300 µs).
        return Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && Conv2dDirect.RowsFillVectors(g.Width) && g.Channels * Vectors(g.Width) >= 4;
    }

    /// <summary>One sample: <c>dx = convᵀ(dy, w)</c>, overwritten.</summary>
    public static void Sample(float* dy, float* weight, float* dx, in Conv2dGeometry g)
    {
        // Columns of a block: input channels × vectors of a row; 6 with one vector per row, 4 with two (3 rows each).
        if (Vectors(g.Width) == 2)
        {
            int c = 0;
            for (; c + 2 <= g.Channels; c += 2)
            {
                Rows<N4, N2>(dy, weight, dx, c, g);
            }

            if (c < g.Channels)
            {
                Rows<N2, N2>(dy, weight, dx, c, g);
            }
        }
        else
        {
            int c = 0;
            for (; c + 6 <= g.Channels; c += 6)
            {
                Rows<N6, N1>(dy, weight, dx, c, g);
            }

            switch (g.Channels - c)
            {
                case 5:
                    Rows<N5, N1>(dy, weight, dx, c, g);
                    break;
                case 4:
                    Rows<N4, N1>(dy, weight, dx, c, g);
                    break;
                case 3:
                    Rows<N3, N1>(dy, weight, dx, c, g);
                    break;
                case 2:
                    Rows<N2, N1>(dy, weight, dx, c, g);
                    break;
                case 1:
                    Rows<N1, N1>(dy, weight, dx, c, g);
                    break;
            }
        }
    }

    private static int Vectors(int width) => (width + Lanes - 1) / Lanes;

    /// <summary>Every three input rows of the block's channels, their running sums in a stack buffer.</summary>
    private static void Rows<TColumns, TVectors>(float* dy, float* weight, float* dx, int c0, in Conv2dGeometry g)
        where TColumns : IConstant
        where TVectors : IConstant
    {
        float* sums = stackalloc float[6 * BlockRows * Lanes];
        for (int h0 = 0; h0 < g.Height; h0 += BlockRows)
        {
            Block<TColumns, TVectors>(dy, weight, dx, c0, h0, sums, g);
        }
    }

    /// <summary>
    /// Input rows <c>h0 .. h0 + 2</c> (those that exist) of <c>TColumns / TVectors</c> channels from <paramref name="c0"/>:
    /// column <c>k</c> is vector <c>k mod TVectors</c> of channel <c>c0 + k / TVectors</c>. Per tap, the column matrix's
    /// values of the three rows and every column are chained over the output channels in registers, then added where
    /// they exist to the rows' sums in <paramref name="sums"/> (<c>[column][row]</c>, 16 floats each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TColumns, TVectors>(float* dy, float* weight, float* dx, int c0, int h0, float* sums, in Conv2dGeometry g)
        where TColumns : IConstant
        where TVectors : IConstant
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, outHeight = g.OutHeight, outWidth = g.OutWidth, width = g.Width;
        nint taps = kh * kw, reduction = g.Reduction, outPlane = g.OutputPlane;
        int rowCount = Math.Min(BlockRows, g.Height - h0);
        new Span<float>(sums, TColumns.Value * BlockRows * Lanes).Clear();
        for (int i = 0; i < kh; i++)
        {
            int y0 = h0 + g.PaddingHeight - i;
            bool valid0 = (uint)y0 < (uint)outHeight;
            bool valid1 = rowCount > 1 && (uint)(y0 + 1) < (uint)outHeight;
            bool valid2 = rowCount > 2 && (uint)(y0 + 2) < (uint)outHeight;
            if (!valid0 && !valid1 && !valid2)
            {
                continue;
            }

            for (int j = 0; j < kw; j++)
            {
                // Input column w reads output column w + shift; lanes without one (or past the row), and rows without
                // an output row, are masked: not loaded, and not added.
                int shift = g.PaddingWidth - j;
                Vector512<float> columns0 = ColumnMask(shift, 0, outWidth, width);
                Vector512<float> columns1 = TVectors.Value > 1 ? ColumnMask(shift, Lanes, outWidth, width) : default;
                Vector512<float> m00 = valid0 ? columns0 : default, m01 = valid0 ? columns1 : default;
                Vector512<float> m10 = valid1 ? columns0 : default, m11 = valid1 ? columns1 : default;
                Vector512<float> m20 = valid2 ? columns0 : default, m21 = valid2 ? columns1 : default;
                Vector512<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
                Vector512<float> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
                Vector512<float> s40 = default, s41 = default, s42 = default, s50 = default, s51 = default, s52 = default;
                float* w = weight + ((nint)c0 * taps) + (i * kw) + j;
                float* row = dy + ((nint)y0 * outWidth) + shift;
                for (int o = 0; o < g.OutChannels; o++, w += reduction, row += outPlane)
                {
                    // Rows 0-2 of the first vector (a) and, with two vectors per row, of the second (b).
                    Vector512<float> a0 = Avx512F.MaskLoad(row, m00, Vector512<float>.Zero);
                    Vector512<float> a1 = Avx512F.MaskLoad(row + outWidth, m10, Vector512<float>.Zero);
                    Vector512<float> a2 = Avx512F.MaskLoad(row + (2 * outWidth), m20, Vector512<float>.Zero);
                    Vector512<float> b0 = TVectors.Value > 1 ? Avx512F.MaskLoad(row + Lanes, m01, Vector512<float>.Zero) : default;
                    Vector512<float> b1 = TVectors.Value > 1 ? Avx512F.MaskLoad(row + outWidth + Lanes, m11, Vector512<float>.Zero) : default;
                    Vector512<float> b2 = TVectors.Value > 1 ? Avx512F.MaskLoad(row + (2 * outWidth) + Lanes, m21, Vector512<float>.Zero) : default;

                    // Column 0: channel 0, first vector.
                    Vector512<float> v = Vector512.Create(w[0]);
                    s00 = Avx512F.FusedMultiplyAdd(v, a0, s00);
                    s01 = Avx512F.FusedMultiplyAdd(v, a1, s01);
                    s02 = Avx512F.FusedMultiplyAdd(v, a2, s02);

                    // Column 1: channel 1, or channel 0's second vector.
                    if (TColumns.Value > 1)
                    {
                        if (TVectors.Value == 1)
                        {
                            v = Vector512.Create(w[taps]);
                            s10 = Avx512F.FusedMultiplyAdd(v, a0, s10);
                            s11 = Avx512F.FusedMultiplyAdd(v, a1, s11);
                            s12 = Avx512F.FusedMultiplyAdd(v, a2, s12);
                        }
                        else
                        {
                            s10 = Avx512F.FusedMultiplyAdd(v, b0, s10);
                            s11 = Avx512F.FusedMultiplyAdd(v, b1, s11);
                            s12 = Avx512F.FusedMultiplyAdd(v, b2, s12);
                        }
                    }

                    // Column 2: channel 2, or channel 1's first vector.
                    if (TColumns.Value > 2)
                    {
                        v = Vector512.Create(w[(2 / TVectors.Value) * taps]);
                        s20 = Avx512F.FusedMultiplyAdd(v, a0, s20);
                        s21 = Avx512F.FusedMultiplyAdd(v, a1, s21);
                        s22 = Avx512F.FusedMultiplyAdd(v, a2, s22);
                    }

                    // Column 3: channel 3, or channel 1's second vector.
                    if (TColumns.Value > 3)
                    {
                        if (TVectors.Value == 1)
                        {
                            v = Vector512.Create(w[3 * taps]);
                            s30 = Avx512F.FusedMultiplyAdd(v, a0, s30);
                            s31 = Avx512F.FusedMultiplyAdd(v, a1, s31);
                            s32 = Avx512F.FusedMultiplyAdd(v, a2, s32);
                        }
                        else
                        {
                            s30 = Avx512F.FusedMultiplyAdd(v, b0, s30);
                            s31 = Avx512F.FusedMultiplyAdd(v, b1, s31);
                            s32 = Avx512F.FusedMultiplyAdd(v, b2, s32);
                        }
                    }

                    if (TColumns.Value > 4)
                    {
                        v = Vector512.Create(w[4 * taps]);
                        s40 = Avx512F.FusedMultiplyAdd(v, a0, s40);
                        s41 = Avx512F.FusedMultiplyAdd(v, a1, s41);
                        s42 = Avx512F.FusedMultiplyAdd(v, a2, s42);
                    }

                    if (TColumns.Value > 5)
                    {
                        v = Vector512.Create(w[5 * taps]);
                        s50 = Avx512F.FusedMultiplyAdd(v, a0, s50);
                        s51 = Avx512F.FusedMultiplyAdd(v, a1, s51);
                        s52 = Avx512F.FusedMultiplyAdd(v, a2, s52);
                    }
                }

                // The tap's column-matrix values, added in tap order where they exist (the scatter drops the rest).
                AddWhere(sums, s00, s01, s02, m00, m10, m20);
                if (TColumns.Value > 1)
                {
                    AddWhere(sums + (BlockRows * Lanes), s10, s11, s12, TVectors.Value == 1 ? m00 : m01, TVectors.Value == 1 ? m10 : m11, TVectors.Value == 1 ? m20 : m21);
                }

                if (TColumns.Value > 2)
                {
                    AddWhere(sums + (2 * BlockRows * Lanes), s20, s21, s22, m00, m10, m20);
                }

                if (TColumns.Value > 3)
                {
                    AddWhere(sums + (3 * BlockRows * Lanes), s30, s31, s32, TVectors.Value == 1 ? m00 : m01, TVectors.Value == 1 ? m10 : m11, TVectors.Value == 1 ? m20 : m21);
                }

                if (TColumns.Value > 4)
                {
                    AddWhere(sums + (4 * BlockRows * Lanes), s40, s41, s42, m00, m10, m20);
                }

                if (TColumns.Value > 5)
                {
                    AddWhere(sums + (5 * BlockRows * Lanes), s50, s51, s52, m00, m10, m20);
                }
            }
        }

        for (int k = 0; k < TColumns.Value; k++)
        {
            int channel = c0 + (k / TVectors.Value), offset = (k % TVectors.Value) * Lanes;
            int count = Math.Min(Lanes, width - offset);
            float* destination = dx + ((nint)channel * g.InputPlane) + ((nint)h0 * width) + offset;
            for (int r = 0; r < rowCount; r++)
            {
                Partial512.Store(destination + ((nint)r * width), Vector512.Load(sums + (((k * BlockRows) + r) * Lanes)), count);
            }
        }
    }

    /// <summary><c>sum_r = sum_r + s_r</c> in the lanes of <c>mask_r</c> for the three rows at <paramref name="sums"/>; the other lanes keep their value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddWhere(float* sums, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> mask0, Vector512<float> mask1, Vector512<float> mask2)
    {
        Vector512<float> old = Vector512.Load(sums);
        Vector512.ConditionalSelect(mask0, old + s0, old).Store(sums);
        old = Vector512.Load(sums + Lanes);
        Vector512.ConditionalSelect(mask1, old + s1, old).Store(sums + Lanes);
        old = Vector512.Load(sums + (2 * Lanes));
        Vector512.ConditionalSelect(mask2, old + s2, old).Store(sums + (2 * Lanes));
    }

    /// <summary>
    /// Lanes <c>l</c> of vector <paramref name="offset"/>/16 whose input column <c>w = offset + l</c> lies in the row and
    /// reads an existing output column <c>w + shift</c>: all bits set, else zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ColumnMask(int shift, int offset, int outWidth, int width)
    {
        Vector512<int> w = Vector512<int>.Indices + Vector512.Create(offset);
        Vector512<int> x = w + Vector512.Create(shift);
        return (Vector512.GreaterThanOrEqual(x, Vector512<int>.Zero) & Vector512.LessThan(x, Vector512.Create(outWidth))
            & Vector512.LessThan(w, Vector512.Create(width))).AsSingle();
    }
}
