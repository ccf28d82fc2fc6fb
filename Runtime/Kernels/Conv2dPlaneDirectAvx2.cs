using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution vectorized over the flattened output plane with 256-bit vectors, for machines with AVX2 and
/// FMA but no 512-bit vectors (AMD Zen 2 and 3, Intel client parts), where the other direct paths do not run and the
/// forward pass would gather a column matrix and pack it for the GEMM for every sample. Dense shapes (stride 1,
/// dilation 1, one group, not 1 × 1): a register tile holds 6 output channels × 2 vectors of 8
/// consecutive pixels of the plane (12 accumulators of the 16 registers), each tap one load of the input per vector and
/// one broadcast weight per channel.
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample the input is copied into <see cref="ExpandedInput"/>'s layout, where the values a tap reads for
/// consecutive pixels are consecutive whatever rows they span. The plane is covered by tiles of 16 pixels, the last one
/// moved back to end at the plane's end (it recomputes some pixels, the same bits). Groups of tiles are the outer loop and
/// blocks of output channels the inner one, so a group's inputs (the reduction × 16 values of each tile: at most 16 KB,
/// <see cref="GroupTaps"/>) stay in L1 while every block of channels reads them.
/// </para>
/// <para>
/// Bits: it computes what the im2col path computes: every output value is, per GEMM k block
/// (<see cref="GemmBlocking.KBlock"/> of the reduction), one fused multiply-add chain from zero over the block's taps in
/// the column matrix's order (input channel, kernel row, kernel column), padding taps included (they add <c>w·0</c>);
/// the blocks' chains are added in order as the GEMM adds each to C (here in the output, which holds the sum between
/// blocks); then the bias and ReLU of the separate passes. <c>Conv2dPlaneDirectAvx2Tests</c> checks it against the
/// im2col path's bits.
/// </para>
/// </remarks>
internal static unsafe class Conv2dPlaneDirectAvx2
{
    private const int Lanes = 8;

    /// <summary>Pixels of a tile: two vectors.</summary>
    private const int TilePixels = 2 * Lanes;

    /// <summary>
    /// Taps × tiles of a group: the tiles every block of channels takes in turn read at most this many taps' 16 values
    /// (16 KB), as one tile does at 256 taps, so they stay in L1. A group is one call per block of channels, whose setup
    /// (addresses, 12 cleared chains) a tile paid alone before: LeNet's conv1 (25 taps, groups of 10 tiles) on one Zen 2
    /// core 239 → 221 µs a batch of 64.
    /// </summary>
    private const int GroupTaps = 256;

    /// <summary>
    /// Whether this path runs for the shape on this machine: the shape fits and the machine has AVX2 and FMA but not the
    /// 512-bit vectors the other direct paths take.
    /// </summary>
    public static bool Applies(in Conv2dGeometry g)
        => GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && Fits(g);

    /// <summary>Whether the shape suits this path (whatever the hardware): dense taps, not 1 × 1, a plane of at least one tile.</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutputPlane >= TilePixels;

    /// <summary>Floats of the workspace of one sample: the expanded input.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => ExpandedInput.Floats(g);

    /// <summary>
    /// One sample: <c>y = conv(x, w)</c>, plus <paramref name="bias"/> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) as the tiles are stored, through <paramref name="slot"/> (<see cref="SlotFloats"/> floats).
    /// </summary>
    public static void Sample(float* x, float* weight, float* y, float* slot, in Conv2dGeometry g, float* bias, bool relu)
    {
        ExpandedInput.Write256(x, slot, g);
        int plane = g.OutputPlane, kBlock = GemmBlocking.KBlock(g.Reduction), whole = plane / TilePixels;
        int group = Math.Max(1, GroupTaps / g.Reduction);
        for (int t = 0; t < whole; t += group)
        {
            Channels(slot + (t * TilePixels), weight, y + (t * TilePixels), g, kBlock, bias, relu, Math.Min(group, whole - t));
        }

        if (whole * TilePixels < plane)
        {
            // The last tile ends at the plane's end, over pixels the one before it computed.
            Channels(slot + plane - TilePixels, weight, y + plane - TilePixels, g, kBlock, bias, relu, 1);
        }
    }

    /// <summary>Every output channel of <paramref name="tiles"/> consecutive tiles, with one GEMM k block or several.</summary>
    private static void Channels(float* input, float* weight, float* output, in Conv2dGeometry g, int kBlock, float* bias, bool relu, int tiles)
    {
        if (g.Reduction <= kBlock)
        {
            Channels<N1>(input, weight, output, g, kBlock, bias, relu, tiles);
        }
        else
        {
            Channels<N2>(input, weight, output, g, kBlock, bias, relu, tiles);
        }
    }

    /// <summary>
    /// Every output channel of <paramref name="tiles"/> consecutive tiles: blocks of 6, then 4, 2 and 1, each over all
    /// the tiles; with one GEMM k block (<typeparamref name="TBlocks"/> = 1) or several (2).
    /// </summary>
    private static void Channels<TBlocks>(float* input, float* weight, float* output, in Conv2dGeometry g, int kBlock, float* bias, bool relu, int tiles)
        where TBlocks : IConstant
    {
        int oc = 0, outChannels = g.OutChannels;
        for (; oc + 6 <= outChannels; oc += 6)
        {
            Tile<N6, TBlocks>(input, weight, output, oc, g, kBlock, bias, relu, tiles);
        }

        for (; oc + 4 <= outChannels; oc += 4)
        {
            Tile<N4, TBlocks>(input, weight, output, oc, g, kBlock, bias, relu, tiles);
        }

        for (; oc + 2 <= outChannels; oc += 2)
        {
            Tile<N2, TBlocks>(input, weight, output, oc, g, kBlock, bias, relu, tiles);
        }

        for (; oc < outChannels; oc++)
        {
            Tile<N1, TBlocks>(input, weight, output, oc, g, kBlock, bias, relu, tiles);
        }
    }

    /// <summary>
    /// Channels <c>[oc, oc + TRows)</c> of <paramref name="tiles"/> consecutive tiles, one after the other: TRows × 2
    /// accumulators, one FMA chain per value and GEMM k block over (input channel, kernel row, kernel column), stored with
    /// the bias and ReLU into TRows output planes. With several blocks (<typeparamref name="TBlocks"/> = 2) each block's
    /// chain goes to the output as the GEMM adds it to C: the first stored, the next ones added to what is there
    /// (<c>C + chain</c>), the last one's sum then finished.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TBlocks>(float* input, float* weight, float* output, int oc, in Conv2dGeometry g, int kBlock, float* bias, bool relu, int tiles)
        where TRows : IConstant
        where TBlocks : IConstant
    {
        int channels = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth, reduction = g.Reduction;
        nint row = g.OutWidth, tapStride = ExpandedInput.TapStride(g), channelStride = tapStride * kw;
        nint weightStride = reduction, plane = g.OutputPlane;
        float* channelWeights = weight + ((nint)oc * weightStride);
        Vector256<float> zero = Vector256<float>.Zero;
        for (int tile = 0; tile < tiles; tile++, input += TilePixels, output += TilePixels)
        {
            float* w = channelWeights;
            float* y = output + ((nint)oc * plane);
            Vector256<float> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero;
            Vector256<float> a3 = zero, b3 = zero, a4 = zero, b4 = zero, a5 = zero, b5 = zero;
            int p = 0, blockEnd = Math.Min(reduction, kBlock);
            bool stored = false;
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < kh; i++)
                {
                    float* x = input + (c * channelStride) + (i * row);

                    // A kernel row in one run, or cut where a GEMM k block ends (only when there are several).
                    for (int j = 0; j < kw;)
                    {
                        int run = TBlocks.Value > 1 ? Math.Min(kw - j, blockEnd - p) : kw;
                        for (int r = 0; r < run; r++, x += tapStride, w++)
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

                        j += run;
                        p += run;
                        if (TBlocks.Value > 1 && p == blockEnd && p < reduction)
                        {
                            // Not the last block: its chains to the output (stored, or added to the blocks' sum there).
                            Accumulate<TRows>(y, plane, stored, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5);
                            (a0, b0, a1, b1, a2, b2) = (zero, zero, zero, zero, zero, zero);
                            (a3, b3, a4, b4, a5, b5) = (zero, zero, zero, zero, zero, zero);
                            stored = true;
                            blockEnd = Math.Min(reduction, p + kBlock);
                        }
                    }
                }
            }

            if (TBlocks.Value > 1 && stored)
            {
                // The last block's chains added to the sum of the ones before, C + chain as the GEMM adds them.
                a0 = Avx.LoadVector256(y) + a0;
                b0 = Avx.LoadVector256(y + Lanes) + b0;
                if (TRows.Value > 1)
                {
                    a1 = Avx.LoadVector256(y + plane) + a1;
                    b1 = Avx.LoadVector256(y + plane + Lanes) + b1;
                }

                if (TRows.Value > 2)
                {
                    a2 = Avx.LoadVector256(y + (2 * plane)) + a2;
                    b2 = Avx.LoadVector256(y + (2 * plane) + Lanes) + b2;
                    a3 = Avx.LoadVector256(y + (3 * plane)) + a3;
                    b3 = Avx.LoadVector256(y + (3 * plane) + Lanes) + b3;
                }

                if (TRows.Value > 4)
                {
                    a4 = Avx.LoadVector256(y + (4 * plane)) + a4;
                    b4 = Avx.LoadVector256(y + (4 * plane) + Lanes) + b4;
                    a5 = Avx.LoadVector256(y + (5 * plane)) + a5;
                    b5 = Avx.LoadVector256(y + (5 * plane) + Lanes) + b5;
                }
            }

            float* channelBias = bias == null ? null : bias + oc;
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
    }

    /// <summary>
    /// A k block's chains of TRows channels to their 16 pixels: stored when <paramref name="stored"/> is false (the first
    /// block), else added to the sum there (<c>C + chain</c>).
    /// </summary>
    private static void Accumulate<TRows>(
        float* y, nint plane, bool stored, Vector256<float> a0, Vector256<float> b0, Vector256<float> a1, Vector256<float> b1, Vector256<float> a2,
        Vector256<float> b2, Vector256<float> a3, Vector256<float> b3, Vector256<float> a4, Vector256<float> b4, Vector256<float> a5, Vector256<float> b5)
        where TRows : IConstant
    {
        Add(y, a0, b0, stored);
        if (TRows.Value > 1)
        {
            Add(y + plane, a1, b1, stored);
        }

        if (TRows.Value > 2)
        {
            Add(y + (2 * plane), a2, b2, stored);
            Add(y + (3 * plane), a3, b3, stored);
        }

        if (TRows.Value > 4)
        {
            Add(y + (4 * plane), a4, b4, stored);
            Add(y + (5 * plane), a5, b5, stored);
        }

        static void Add(float* at, Vector256<float> first, Vector256<float> second, bool stored)
        {
            (stored ? Avx.LoadVector256(at) + first : first).Store(at);
            (stored ? Avx.LoadVector256(at + Lanes) + second : second).Store(at + Lanes);
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
