using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution vectorized over the flattened output plane, for the shapes <see cref="Conv2dDirect"/> takes
/// whose output rows do not fill whole 16-lane vectors (LeNet-5's conv1: rows of 28, 12 of the second vector's 16 lanes
/// used): a register tile holds up to 6 output channels × 4 vectors of 16 consecutive pixels of the plane (or 2 and 1
/// channels × 8 vectors), and each tap is one vector load of the input per vector and one broadcast weight per channel.
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample the input is copied into <see cref="ExpandedInput"/>'s layout, where the values a tap reads for
/// consecutive pixels are consecutive whatever rows they span, so a vector is any 16 consecutive pixels of the plane. The
/// plane is covered by tiles of <c>16·TVectors</c> pixels, the last one moved back to end at the plane's end (it
/// recomputes some pixels, the same bits); on 28 × 28 the 49 vectors of the plane take 13 tiles of 4 (52 vectors) where
/// the rows take 56.
/// </para>
/// <para>
/// Bits: it computes what the im2col path computes, for reductions of one GEMM k block (<see cref="GemmBlocking.KcMax"/>
/// or fewer taps): every output value is one fused multiply-add chain from zero over the taps in the column matrix's
/// order (input channel, kernel row, kernel column), padding taps included (they add <c>w·0</c>), then the bias and
/// ReLU of the separate passes. Longer reductions stay on <see cref="Conv2dDirect"/>'s rows. <c>Conv2dDirectTests</c>
/// checks it against the im2col path's bits.
/// </para>
/// </remarks>
internal static unsafe class Conv2dPlaneDirect
{
    private const int Lanes = 16;

    /// <summary>The most vectors of a tile (blocks of 2 and 1 channels): the plane holds at least one such tile.</summary>
    private const int MostVectors = 8;

    /// <summary>
    /// Whether <see cref="Conv2dDirect"/> takes this path for a shape it fits: rows that leave lanes of their vectors
    /// unused, a reduction of one GEMM k block and a plane of at least one tile of the widest kind.
    /// </summary>
    public static bool Fits(in Conv2dGeometry g)
        => g.OutWidth % Lanes != 0 && g.Reduction <= GemmBlocking.KcMax && g.OutputPlane >= MostVectors * Lanes;

    /// <summary>Floats of the workspace of one sample: the expanded input.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => ExpandedInput.Floats(g);

    /// <summary>
    /// One sample: <c>y = conv(x, w)</c>, plus <paramref name="bias"/> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) as the tiles are stored, through <paramref name="slot"/> (<see cref="SlotFloats"/> floats).
    /// </summary>
    public static void Sample(float* x, float* weight, float* y, float* slot, in Conv2dGeometry g, float* bias, bool relu)
    {
        ExpandedInput.Write(x, slot, g);
        int oc = 0, outChannels = g.OutChannels;
        for (; oc + 6 <= outChannels; oc += 6)
        {
            Plane<N6, N4>(slot, weight, y, oc, g, bias, relu);
        }

        for (; oc + 4 <= outChannels; oc += 4)
        {
            Plane<N4, N4>(slot, weight, y, oc, g, bias, relu);
        }

        for (; oc + 2 <= outChannels; oc += 2)
        {
            Plane<N2, N8>(slot, weight, y, oc, g, bias, relu);
        }

        for (; oc < outChannels; oc++)
        {
            Plane<N1, N8>(slot, weight, y, oc, g, bias, relu);
        }
    }

    /// <summary>
    /// Output channels <c>[oc, oc + TRows)</c> over the whole plane: tiles of <c>16·TVectors</c> pixels, then the vectors
    /// left (fewer than TVectors) in one tile of their own that ends at the plane's end (moving back over pixels computed
    /// before when the plane is not whole vectors: the same bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane<TRows, TVectors>(float* expanded, float* weight, float* y, int oc, in Conv2dGeometry g, float* bias, bool relu)
        where TRows : IConstant
        where TVectors : IConstant
    {
        int plane = g.OutputPlane, pixels = TVectors.Value * Lanes;
        float* weights = weight + ((nint)oc * g.Reduction);
        float* output = y + ((nint)oc * plane);
        float* channelBias = bias == null ? null : bias + oc;
        int q = 0;
        for (; q + pixels <= plane; q += pixels)
        {
            Tile<TRows, TVectors>(expanded + q, weights, output + q, g, channelBias, relu);
        }

        int left = (plane - q + Lanes - 1) / Lanes, first = plane - (left * Lanes);
        switch (left)
        {
            case 0: break;
            case 1: Tile<TRows, N1>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 2: Tile<TRows, N2>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 3: Tile<TRows, N3>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 4: Tile<TRows, N4>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 5: Tile<TRows, N5>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 6: Tile<TRows, N6>(expanded + first, weights, output + first, g, channelBias, relu); break;
            case 7: Tile<TRows, N7>(expanded + first, weights, output + first, g, channelBias, relu); break;
            default: Tile<TRows, TVectors>(expanded + first, weights, output + first, g, channelBias, relu); break;
        }
    }

    /// <summary>
    /// One tile: TRows × TVectors accumulators, one FMA chain per value over (input channel, kernel row, kernel column),
    /// stored with the bias and ReLU into TRows output planes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TVectors>(float* input, float* weights, float* output, in Conv2dGeometry g, float* bias, bool relu)
        where TRows : IConstant
        where TVectors : IConstant
    {
        // Rows 2 to 5 have accumulators for 4 vectors (the tiles of 3 or more channels have 4 or fewer).
        Debug.Assert(TRows.Value <= 2 || TVectors.Value <= 4, "a tile of more than 2 channels has at most 4 vectors");
        int channels = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        nint row = g.OutWidth, tapStride = ExpandedInput.TapStride(g), channelStride = tapStride * kw;
        nint weightStride = g.Reduction, plane = g.OutputPlane;
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> a00 = zero, a01 = zero, a02 = zero, a03 = zero, a04 = zero, a05 = zero, a06 = zero, a07 = zero;
        Vector512<float> a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero, a15 = zero, a16 = zero, a17 = zero;
        Vector512<float> a20 = zero, a21 = zero, a22 = zero, a23 = zero;
        Vector512<float> a30 = zero, a31 = zero, a32 = zero, a33 = zero;
        Vector512<float> a40 = zero, a41 = zero, a42 = zero, a43 = zero;
        Vector512<float> a50 = zero, a51 = zero, a52 = zero, a53 = zero;

        // Rows 2 to 5 never reach their vectors 4 to 7 (see the assertion above): this stands in for them.
        Vector512<float> spare = zero;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                float* x = input + (c * channelStride) + (i * row);
                float* w = weights + (((c * kh) + i) * kw);
                for (int j = 0; j < kw; j++, x += tapStride, w++)
                {
                    Vector512<float> x0 = Vector512.Load(x);
                    Vector512<float> x1 = TVectors.Value > 1 ? Vector512.Load(x + 16) : zero;
                    Vector512<float> x2 = TVectors.Value > 2 ? Vector512.Load(x + 32) : zero;
                    Vector512<float> x3 = TVectors.Value > 3 ? Vector512.Load(x + 48) : zero;
                    Vector512<float> x4 = TVectors.Value > 4 ? Vector512.Load(x + 64) : zero;
                    Vector512<float> x5 = TVectors.Value > 5 ? Vector512.Load(x + 80) : zero;
                    Vector512<float> x6 = TVectors.Value > 6 ? Vector512.Load(x + 96) : zero;
                    Vector512<float> x7 = TVectors.Value > 7 ? Vector512.Load(x + 112) : zero;
                    Row<TVectors>(Vector512.Create(w[0]), x0, x1, x2, x3, x4, x5, x6, x7, ref a00, ref a01, ref a02, ref a03, ref a04, ref a05, ref a06, ref a07);

                    if (TRows.Value > 1)
                    {
                        Row<TVectors>(Vector512.Create(w[weightStride]), x0, x1, x2, x3, x4, x5, x6, x7, ref a10, ref a11, ref a12, ref a13, ref a14, ref a15, ref a16, ref a17);
                    }

                    if (TRows.Value > 2)
                    {
                        Row<TVectors>(Vector512.Create(w[2 * weightStride]), x0, x1, x2, x3, x4, x5, x6, x7, ref a20, ref a21, ref a22, ref a23, ref spare, ref spare, ref spare, ref spare);
                    }

                    if (TRows.Value > 3)
                    {
                        Row<TVectors>(Vector512.Create(w[3 * weightStride]), x0, x1, x2, x3, x4, x5, x6, x7, ref a30, ref a31, ref a32, ref a33, ref spare, ref spare, ref spare, ref spare);
                    }

                    if (TRows.Value > 4)
                    {
                        Row<TVectors>(Vector512.Create(w[4 * weightStride]), x0, x1, x2, x3, x4, x5, x6, x7, ref a40, ref a41, ref a42, ref a43, ref spare, ref spare, ref spare, ref spare);
                    }

                    if (TRows.Value > 5)
                    {
                        Row<TVectors>(Vector512.Create(w[5 * weightStride]), x0, x1, x2, x3, x4, x5, x6, x7, ref a50, ref a51, ref a52, ref a53, ref spare, ref spare, ref spare, ref spare);
                    }
                }
            }
        }

        Store<TVectors>(output, a00, a01, a02, a03, a04, a05, a06, a07, bias, 0, relu);

        if (TRows.Value > 1)
        {
            Store<TVectors>(output + plane, a10, a11, a12, a13, a14, a15, a16, a17, bias, 1, relu);
        }

        if (TRows.Value > 2)
        {
            Store<TVectors>(output + (2 * plane), a20, a21, a22, a23, zero, zero, zero, zero, bias, 2, relu);
        }

        if (TRows.Value > 3)
        {
            Store<TVectors>(output + (3 * plane), a30, a31, a32, a33, zero, zero, zero, zero, bias, 3, relu);
        }

        if (TRows.Value > 4)
        {
            Store<TVectors>(output + (4 * plane), a40, a41, a42, a43, zero, zero, zero, zero, bias, 4, relu);
        }

        if (TRows.Value > 5)
        {
            Store<TVectors>(output + (5 * plane), a50, a51, a52, a53, zero, zero, zero, zero, bias, 5, relu);
        }
    }

    /// <summary>One channel's row of the tile after a tap: <c>a_k = fma(x_k, v, a_k)</c> for the first TVectors vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TVectors>(
        Vector512<float> v,
        Vector512<float> x0,
        Vector512<float> x1,
        Vector512<float> x2,
        Vector512<float> x3,
        Vector512<float> x4,
        Vector512<float> x5,
        Vector512<float> x6,
        Vector512<float> x7,
        ref Vector512<float> a0,
        ref Vector512<float> a1,
        ref Vector512<float> a2,
        ref Vector512<float> a3,
        ref Vector512<float> a4,
        ref Vector512<float> a5,
        ref Vector512<float> a6,
        ref Vector512<float> a7)
        where TVectors : IConstant
    {
        a0 = Avx512F.FusedMultiplyAdd(x0, v, a0);
        if (TVectors.Value > 1)
        {
            a1 = Avx512F.FusedMultiplyAdd(x1, v, a1);
        }

        if (TVectors.Value > 2)
        {
            a2 = Avx512F.FusedMultiplyAdd(x2, v, a2);
        }

        if (TVectors.Value > 3)
        {
            a3 = Avx512F.FusedMultiplyAdd(x3, v, a3);
        }

        if (TVectors.Value > 4)
        {
            a4 = Avx512F.FusedMultiplyAdd(x4, v, a4);
        }

        if (TVectors.Value > 5)
        {
            a5 = Avx512F.FusedMultiplyAdd(x5, v, a5);
        }

        if (TVectors.Value > 6)
        {
            a6 = Avx512F.FusedMultiplyAdd(x6, v, a6);
        }

        if (TVectors.Value > 7)
        {
            a7 = Avx512F.FusedMultiplyAdd(x7, v, a7);
        }
    }

    /// <summary>The first TVectors vectors of one channel's tile row, with its bias (unless null) and ReLU (if <paramref name="relu"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TVectors>(
        float* output,
        Vector512<float> v0,
        Vector512<float> v1,
        Vector512<float> v2,
        Vector512<float> v3,
        Vector512<float> v4,
        Vector512<float> v5,
        Vector512<float> v6,
        Vector512<float> v7,
        float* bias,
        int channel,
        bool relu)
        where TVectors : IConstant
    {
        Conv2dDirect.Finish(v0, bias, channel, relu).Store(output);

        if (TVectors.Value > 1)
        {
            Conv2dDirect.Finish(v1, bias, channel, relu).Store(output + 16);
        }

        if (TVectors.Value > 2)
        {
            Conv2dDirect.Finish(v2, bias, channel, relu).Store(output + 32);
        }

        if (TVectors.Value > 3)
        {
            Conv2dDirect.Finish(v3, bias, channel, relu).Store(output + 48);
        }

        if (TVectors.Value > 4)
        {
            Conv2dDirect.Finish(v4, bias, channel, relu).Store(output + 64);
        }

        if (TVectors.Value > 5)
        {
            Conv2dDirect.Finish(v5, bias, channel, relu).Store(output + 80);
        }

        if (TVectors.Value > 6)
        {
            Conv2dDirect.Finish(v6, bias, channel, relu).Store(output + 96);
        }

        if (TVectors.Value > 7)
        {
            Conv2dDirect.Finish(v7, bias, channel, relu).Store(output + 112);
        }
    }
}
