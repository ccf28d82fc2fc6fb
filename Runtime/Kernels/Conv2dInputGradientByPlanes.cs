using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The input gradient for small output planes (at most <see cref="MaxVectors"/> 16-lane vectors, rows of at most 16):
/// the column matrix <c>Wᵀ·dY</c> a few rows at a time, each row over the whole flattened output plane in registers
/// (one load of each output-gradient vector per output channel serves every row of the block, one broadcast weight per
/// row), then scattered onto the input gradient with a masked add per output row. Stride 1, dilation 1, one group.
/// </summary>
/// <remarks>
/// <para>
/// It computes what the GEMM path computes, bit for bit: every column-matrix value is the fused multiply-add chain from
/// zero over the output channels in order (one GEMM k block: at most <see cref="GemmBlocking.KcMax"/> channels), and the
/// rows are scattered in order onto the cleared input gradient, dropping positions outside the input, as
/// <see cref="Im2Col.ScatterAdd"/> does. <c>Conv2dInputGradientByPlanesTests</c> checks it against those bits.
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

    private const int Lanes = 16;

    /// <summary>Whether the path runs for this shape on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && g.OutWidth <= Lanes && Vectors(g.OutputPlane) <= MaxVectors;

    /// <summary>One sample: <c>dx = convᵀ(dy, w)</c>, overwritten.</summary>
    public static void Sample(float* dy, float* weight, float* dx, in Conv2dGeometry g)
    {
        new Span<float>(dx, g.InputSample).Clear();
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

    /// <summary>Every column-matrix row in blocks of <typeparamref name="TRows"/> (the last ones one at a time), each scattered in order.</summary>
    private static void Blocks<TVectors, TRows>(float* dy, float* weight, float* dx, in Conv2dGeometry g)
        where TVectors : IConstant
        where TRows : IConstant
    {
        float* rows = stackalloc float[TRows.Value * TVectors.Value * Lanes];
        int k = 0;
        for (; k + TRows.Value <= g.Reduction; k += TRows.Value)
        {
            Block<TVectors, TRows>(dy, weight, k, rows, g);
            Scatter(rows, TVectors.Value * Lanes, k, TRows.Value, dx, g);
        }

        for (; k < g.Reduction; k++)
        {
            Block<TVectors, N1>(dy, weight, k, rows, g);
            Scatter(rows, TVectors.Value * Lanes, k, 1, dx, g);
        }
    }

    /// <summary>
    /// Column-matrix rows <c>k .. k + TRows - 1</c> over the whole output plane into <paramref name="rows"/>
    /// (<c>[row][TVectors × 16]</c>; lanes past the plane hold values nobody reads).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TVectors, TRows>(float* dy, float* weight, int k, float* rows, in Conv2dGeometry g)
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
            Vector512<float> v = Load(x, 0, vectors, last);
            (a0, b0, c0, d0) = Chain<TRows>(v, wa, wb, wc, wd, a0, b0, c0, d0);
            if (vectors > 1)
            {
                v = Load(x, 1, vectors, last);
                (a1, b1, c1, d1) = Chain<TRows>(v, wa, wb, wc, wd, a1, b1, c1, d1);
            }

            if (vectors > 2)
            {
                v = Load(x, 2, vectors, last);
                (a2, b2, c2, d2) = Chain<TRows>(v, wa, wb, wc, wd, a2, b2, c2, d2);
            }

            if (vectors > 3)
            {
                v = Load(x, 3, vectors, last);
                (a3, b3, c3, d3) = Chain<TRows>(v, wa, wb, wc, wd, a3, b3, c3, d3);
            }

            if (vectors > 4)
            {
                v = Load(x, 4, vectors, last);
                (a4, b4, c4, d4) = Chain<TRows>(v, wa, wb, wc, wd, a4, b4, c4, d4);
            }

            if (vectors > 5)
            {
                v = Load(x, 5, vectors, last);
                (a5, b5, c5, d5) = Chain<TRows>(v, wa, wb, wc, wd, a5, b5, c5, d5);
            }

            if (vectors > 6)
            {
                v = Load(x, 6, vectors, last);
                (a6, b6, c6, d6) = Chain<TRows>(v, wa, wb, wc, wd, a6, b6, c6, d6);
            }
        }

        nint stride = vectors * Lanes;
        StoreRow(rows, vectors, a0, a1, a2, a3, a4, a5, a6);
        if (count > 1)
        {
            StoreRow(rows + stride, vectors, b0, b1, b2, b3, b4, b5, b6);
        }

        if (count > 2)
        {
            StoreRow(rows + (2 * stride), vectors, c0, c1, c2, c3, c4, c5, c6);
        }

        if (count > 3)
        {
            StoreRow(rows + (3 * stride), vectors, d0, d1, d2, d3, d4, d5, d6);
        }
    }

    /// <summary>Vector <paramref name="index"/> of a plane; the last one masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* plane, int index, int vectors, Vector512<float> last)
        => index == vectors - 1 ? Avx512F.MaskLoad(plane + (index * Lanes), last, Vector512<float>.Zero) : Vector512.Load(plane + (index * Lanes));

    /// <summary>One step of each row's chain: <c>acc_r = fma(w_r, dy, acc_r)</c>, as the GEMM's microkernel takes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Chain<TRows>(
        Vector512<float> dy, Vector512<float> wa, Vector512<float> wb, Vector512<float> wc, Vector512<float> wd,
        Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
        where TRows : IConstant
    {
        a = Avx512F.FusedMultiplyAdd(wa, dy, a);
        if (TRows.Value > 1)
        {
            b = Avx512F.FusedMultiplyAdd(wb, dy, b);
        }

        if (TRows.Value > 2)
        {
            c = Avx512F.FusedMultiplyAdd(wc, dy, c);
        }

        if (TRows.Value > 3)
        {
            d = Avx512F.FusedMultiplyAdd(wd, dy, d);
        }

        return (a, b, c, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        float* row, int vectors, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6)
    {
        v0.Store(row);
        if (vectors > 1)
        {
            v1.Store(row + Lanes);
        }

        if (vectors > 2)
        {
            v2.Store(row + (2 * Lanes));
        }

        if (vectors > 3)
        {
            v3.Store(row + (3 * Lanes));
        }

        if (vectors > 4)
        {
            v4.Store(row + (4 * Lanes));
        }

        if (vectors > 5)
        {
            v5.Store(row + (5 * Lanes));
        }

        if (vectors > 6)
        {
            v6.Store(row + (6 * Lanes));
        }
    }

    /// <summary>
    /// Column-matrix rows <c>k .. k + count - 1</c> (each <paramref name="stride"/> floats apart in <paramref name="rows"/>)
    /// added in order onto the input gradient: row <c>(c, i, j)</c>'s output row <c>y</c> onto input row <c>y + i - ph</c>
    /// from column <c>j - pw</c>, where those exist.
    /// </summary>
    private static void Scatter(float* rows, nint stride, int k, int count, float* dx, in Conv2dGeometry g)
    {
        int taps = g.KernelHeight * g.KernelWidth, outWidth = g.OutWidth, width = g.Width;
        for (int r = 0; r < count; r++, k++)
        {
            int c = k / taps, i = k % taps / g.KernelWidth, j = k % g.KernelWidth;
            int rowOffset = i - g.PaddingHeight, columnOffset = j - g.PaddingWidth;
            Vector512<int> column = Vector512<int>.Indices + Vector512.Create(columnOffset);
            Vector512<float> mask = (Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(outWidth))
                & Vector512.GreaterThanOrEqual(column, Vector512<int>.Zero) & Vector512.LessThan(column, Vector512.Create(width))).AsSingle();
            int firstRow = Math.Max(0, -rowOffset), endRow = Math.Min(g.OutHeight, g.Height - rowOffset);
            float* source = rows + (r * stride);
            float* destination = dx + ((nint)c * g.InputPlane) + columnOffset;
            for (int y = firstRow; y < endRow; y++)
            {
                float* target = destination + ((nint)(y + rowOffset) * width);
                Vector512<float> sum = Avx512F.MaskLoad(target, mask, Vector512<float>.Zero) + Avx512F.MaskLoad(source + (y * outWidth), mask, Vector512<float>.Zero);
                Avx512F.MaskStore(target, mask, sum);
            }
        }
    }
}
