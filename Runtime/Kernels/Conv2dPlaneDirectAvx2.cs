using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution vectorized over the flattened output plane with 256-bit vectors, for machines with AVX2 and
/// FMA but no 512-bit vectors (AMD Zen 2 and 3, Intel client parts), where the other direct paths do not run and the
/// forward pass would gather a column matrix and pack it for the GEMM for every sample. Dense shapes (stride 1,
/// dilation 1, one group) whose reduction is one GEMM k block: a register tile holds 6 output channels × 2 vectors of 8
/// consecutive pixels of the plane (12 accumulators of the 16 registers), each tap one load of the input per vector and
/// one broadcast weight per channel.
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample the input is copied into <see cref="ExpandedInput"/>'s layout, where the values a tap reads for
/// consecutive pixels are consecutive whatever rows they span. The plane is covered by tiles of 16 pixels, the last one
/// moved back to end at the plane's end (it recomputes some pixels, the same bits). Tiles are the outer loop and blocks
/// of output channels the inner one, so a tile's inputs (the reduction × 16 values, 16 KB at most) stay in L1 while
/// every block of channels reads them.
/// </para>
/// <para>
/// Bits: it computes what the im2col path computes (reductions of at most <see cref="GemmBlocking.KcMax"/> taps, one GEMM
/// k block): every output value is one fused multiply-add chain from zero over the taps in the column matrix's order
/// (input channel, kernel row, kernel column), padding taps included (they add <c>w·0</c>), then the bias and ReLU of
/// the separate passes. <c>Conv2dPlaneDirectAvx2Tests</c> checks it against the im2col path's bits.
/// </para>
/// </remarks>
internal static unsafe class Conv2dPlaneDirectAvx2
{
    private const int Lanes = 8;

    /// <summary>Pixels of a tile: two vectors.</summary>
    private const int TilePixels = 2 * Lanes;

    /// <summary>
    /// Whether this path runs for the shape on this machine: the shape fits and the machine has AVX2 and FMA but not the
    /// 512-bit vectors the other direct paths take.
    /// </summary>
    public static bool Applies(in Conv2dGeometry g)
        => GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && Fits(g);

    /// <summary>Whether the shape suits this path (whatever the hardware): dense taps, one GEMM k block, a plane of at least one tile.</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.Reduction <= GemmBlocking.KcMax && g.OutputPlane >= TilePixels;

    /// <summary>Floats of the workspace of one sample: the expanded input.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => ExpandedInput.Floats(g);

    /// <summary>
    /// One sample: <c>y = conv(x, w)</c>, plus <paramref name="bias"/> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) as the tiles are stored, through <paramref name="slot"/> (<see cref="SlotFloats"/> floats).
    /// </summary>
    public static void Sample(float* x, float* weight, float* y, float* slot, in Conv2dGeometry g, float* bias, bool relu)
    {
        ExpandedInput.Write256(x, slot, g);
        int plane = g.OutputPlane;
        for (int q = 0; q < plane; q += TilePixels)
        {
            // The last tile ends at the plane's end, over pixels the one before it computed when the plane is not whole tiles.
            int first = q + TilePixels <= plane ? q : plane - TilePixels;
            Channels(slot + first, weight, y + first, g, bias, relu);
        }
    }

    /// <summary>Every output channel of one tile: blocks of 6, then 4, 2 and 1.</summary>
    private static void Channels(float* input, float* weight, float* output, in Conv2dGeometry g, float* bias, bool relu)
    {
        int oc = 0, outChannels = g.OutChannels;
        for (; oc + 6 <= outChannels; oc += 6)
        {
            Tile<N6>(input, weight, output, oc, g, bias, relu);
        }

        for (; oc + 4 <= outChannels; oc += 4)
        {
            Tile<N4>(input, weight, output, oc, g, bias, relu);
        }

        for (; oc + 2 <= outChannels; oc += 2)
        {
            Tile<N2>(input, weight, output, oc, g, bias, relu);
        }

        for (; oc < outChannels; oc++)
        {
            Tile<N1>(input, weight, output, oc, g, bias, relu);
        }
    }

    /// <summary>
    /// Channels <c>[oc, oc + TRows)</c> of one tile: TRows × 2 accumulators, one FMA chain per value over (input channel,
    /// kernel row, kernel column), stored with the bias and ReLU into TRows output planes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(float* input, float* weight, float* output, int oc, in Conv2dGeometry g, float* bias, bool relu)
        where TRows : IConstant
    {
        int channels = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        nint row = g.OutWidth, tapStride = ExpandedInput.TapStride(g), channelStride = tapStride * kw;
        nint weightStride = g.Reduction, plane = g.OutputPlane;
        float* w = weight + ((nint)oc * weightStride);
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero;
        Vector256<float> a3 = zero, b3 = zero, a4 = zero, b4 = zero, a5 = zero, b5 = zero;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < kh; i++)
            {
                float* x = input + (c * channelStride) + (i * row);
                for (int j = 0; j < kw; j++, x += tapStride, w++)
                {
                    Vector256<float> x0 = Avx.LoadVector256(x);
                    Vector256<float> x1 = Avx.LoadVector256(x + Lanes);
                    Vector256<float> v = Vector256.Create(w[0]);
                    a0 = Fma.MultiplyAdd(v, x0, a0);
                    b0 = Fma.MultiplyAdd(v, x1, b0);
                    if (TRows.Value > 1)
                    {
                        v = Vector256.Create(w[weightStride]);
                        a1 = Fma.MultiplyAdd(v, x0, a1);
                        b1 = Fma.MultiplyAdd(v, x1, b1);
                    }

                    if (TRows.Value > 2)
                    {
                        v = Vector256.Create(w[2 * weightStride]);
                        a2 = Fma.MultiplyAdd(v, x0, a2);
                        b2 = Fma.MultiplyAdd(v, x1, b2);
                        v = Vector256.Create(w[3 * weightStride]);
                        a3 = Fma.MultiplyAdd(v, x0, a3);
                        b3 = Fma.MultiplyAdd(v, x1, b3);
                    }

                    if (TRows.Value > 4)
                    {
                        v = Vector256.Create(w[4 * weightStride]);
                        a4 = Fma.MultiplyAdd(v, x0, a4);
                        b4 = Fma.MultiplyAdd(v, x1, b4);
                        v = Vector256.Create(w[5 * weightStride]);
                        a5 = Fma.MultiplyAdd(v, x0, a5);
                        b5 = Fma.MultiplyAdd(v, x1, b5);
                    }
                }
            }
        }

        float* channelBias = bias == null ? null : bias + oc;
        float* y = output + ((nint)oc * plane);
        Store(y, a0, b0, channelBias, 0, relu);
        if (TRows.Value > 1)
        {
            Store(y + plane, a1, b1, channelBias, 1, relu);
        }

        if (TRows.Value > 2)
        {
            Store(y + (2 * plane), a2, b2, channelBias, 2, relu);
            Store(y + (3 * plane), a3, b3, channelBias, 3, relu);
        }

        if (TRows.Value > 4)
        {
            Store(y + (4 * plane), a4, b4, channelBias, 4, relu);
            Store(y + (5 * plane), a5, b5, channelBias, 5, relu);
        }
    }

    /// <summary>
    /// One channel's 16 pixels with its bias added (unless null) and then ReLU applied (if <paramref name="relu"/>): the
    /// operations of the separate bias and activation passes, on the registers before the store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* output, Vector256<float> first, Vector256<float> second, float* bias, int channel, bool relu)
    {
        if (bias != null)
        {
            Vector256<float> b = Vector256.Create(bias[channel]);
            first += b;
            second += b;
        }

        if (relu)
        {
            first = ReLUFunction.Forward<Simd256, Vector256<float>>(first);
            second = ReLUFunction.Forward<Simd256, Vector256<float>>(second);
        }

        first.Store(output);
        second.Store(output + Lanes);
    }
}
