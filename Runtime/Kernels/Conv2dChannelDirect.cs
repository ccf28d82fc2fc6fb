using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution vectorized over output channels, for stride-1, dilation-1, one-group shapes whose output
/// channels come in whole 16-lane vectors: a register tile holds a run of output pixels × 16 or 32 output channels,
/// and each tap is one (or two) vector loads of the repacked weights <c>[tap][16 channels]</c> and one broadcast input
/// value per pixel. Every lane does useful work whatever the output width, where <see cref="Conv2dDirect"/> fills a
/// vector with one output row (10 of 16 lanes on LeNet-5's conv2).
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample the input is copied once into <see cref="ExpandedInput"/>'s layout
/// <c>X[c][j][ih][ow] = xpad[c][ih][ow + j]</c>, where a run of consecutive output pixels reads consecutive values
/// whatever rows it spans, so a tile is any <c>P</c> consecutive pixels of the flattened output plane. The plane is
/// covered by tiles of the size <see cref="Pixels"/> chooses, the last one moved back to end at the plane's end (it
/// recomputes a few pixels, the same bits). The weights are repacked
/// once per call into <c>[outChannels/16][reduction][16]</c> by <see cref="PackWeights"/>.
/// </para>
/// <para>
/// Bits: it computes what the im2col path computes. Every output value is, per GEMM k block
/// (<see cref="GemmBlocking.KBlock"/> of the reduction <c>inChannels·kh·kw</c>), one fused multiply-add chain from zero
/// over the block's taps in the column matrix's order (input channel, kernel row, kernel column), padding taps included
/// (they add <c>w·0</c>), and the blocks' chains are added in order, first block first, as the GEMM adds each block to
/// C. So choosing this path (by shape and by the hardware having 512-bit vectors and FMA) never changes a result;
/// <c>Conv2dChannelDirectTests</c> checks it against the im2col path's bits.
/// </para>
/// </remarks>
internal static unsafe class Conv2dChannelDirect
{
    private const int Lanes = 16;

    /// <summary>The most pixels of a tile with one vector of output channels (24 accumulators).</summary>
    private const int MostPixelsOneVector = 24;

    /// <summary>The most pixels of a tile with two vectors of output channels (28 accumulators).</summary>
    private const int MostPixelsTwoVectors = 14;

    /// <summary>
    /// Floats of the tile parked in the slot: 32 × 16, what <see cref="Write"/>'s transposes of 16 pixels reach (the rows
    /// past a tile's pixels are read and not stored).
    /// </summary>
    private const int TileFloats = 32 * Lanes;

    /// <summary>The tile sizes (pixels) there are kernels for, largest first.</summary>
    private static readonly int[] TileSizes = [24, 20, 16, 14, 12, 10, 8, 6, 4, 3, 2, 1];

    /// <summary>
    /// Whether this path runs for the shape on this machine: it fits, and <see cref="Conv2dDirect"/> would not fill every
    /// lane of its vectors with output rows (rows of 16 or 32 values), where that path measured as fast (16 → 16 channels
    /// on 16 × 16) or faster (8 → 32 on 32 × 32; docs/performance.md).
    /// </summary>
    public static bool Applies(in Conv2dGeometry g)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fits(g) && !(Conv2dDirect.Fits(g) && g.OutWidth % Lanes == 0);

    /// <summary>Whether the shape suits this path (whatever the hardware): dense taps and whole vectors of output channels.</summary>
    public static bool Fits(in Conv2dGeometry g) => Conv2dDirect.IsDense(g) && g.OutChannels % Lanes == 0;

    /// <summary>Floats of the repacked weights: <c>outChannels · reduction</c>.</summary>
    public static long PackedFloats(in Conv2dGeometry g) => (long)g.OutChannels * g.Reduction;

    /// <summary>
    /// Floats of one thread's slot: the expanded sample with its vector of slack (<see cref="ExpandedInput.Floats"/>), the
    /// parked tile and the transpose's scratch vectors.
    /// </summary>
    public static long SlotFloats(in Conv2dGeometry g) => ExpandedInput.Floats(g) + (2 * TileFloats);

    /// <summary>
    /// The tile size for a plane of <paramref name="plane"/> pixels and <paramref name="vectors"/> vectors of output
    /// channels: the one with the fewest issue slots per tap over the plane, the largest of those. A tile issues its
    /// FMAs (a tile of fewer than 8 accumulators waits on the FMA latency as if it had 8) and one weight load per
    /// vector; the last tile overlaps the one before it.
    /// </summary>
    internal static int Pixels(int plane, int vectors)
    {
        int most = vectors == 1 ? MostPixelsOneVector : MostPixelsTwoVectors;
        int best = 1;
        long fewest = long.MaxValue;
        foreach (int size in TileSizes)
        {
            long slots = (long)((plane + size - 1) / size) * (Math.Max(size * vectors, 8) + vectors);
            if (size <= most && size <= plane && slots < fewest)
            {
                (best, fewest) = (size, slots);
            }
        }

        return best;
    }

    /// <summary>
    /// Repacks <c>weight[o][k]</c> into <c>packed[o / 16][k][o % 16]</c> (<see cref="PackedFloats"/> floats): 16 × 16
    /// blocks through <see cref="Transpose16"/> (AVX-512, which <see cref="Applies"/> requires), the reduction's last block
    /// loaded masked. Once per call: element by element it was 6% of a single-image LeNet-5 prediction.
    /// </summary>
    public static void PackWeights(float* weight, float* packed, in Conv2dGeometry g)
    {
        int reduction = g.Reduction;
        Vector512<float>* rows = stackalloc Vector512<float>[2 * Lanes];
        for (int block = 0; block < g.OutChannels / Lanes; block++)
        {
            float* source = weight + ((nint)block * Lanes * reduction);
            float* destination = packed + ((nint)block * reduction * Lanes);
            for (int k = 0; k < reduction; k += Lanes)
            {
                int count = Math.Min(Lanes, reduction - k);
                Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                for (int o = 0; o < Lanes; o++)
                {
                    rows[o] = Avx512F.MaskLoad(source + ((nint)o * reduction) + k, inside, Vector512<float>.Zero);
                }

                Transpose16.InRegisters(rows);
                for (int m = 0; m < count; m++)
                {
                    rows[m].Store(destination + ((nint)(k + m) * Lanes));
                }
            }
        }
    }

    /// <summary>
    /// One sample: <c>y = conv(x, w)</c> from the repacked weights, plus <paramref name="bias"/> (unless null) and then ReLU
    /// (if <paramref name="relu"/>) as the tiles are written, through <paramref name="slot"/> (<see cref="SlotFloats"/> floats).
    /// </summary>
    public static void Sample(float* x, float* packed, float* y, float* slot, in Conv2dGeometry g, float* bias, bool relu)
    {
        ExpandedInput.Write(x, slot, g);
        float* tile = slot + ExpandedInput.Floats(g);
        if (g.Reduction <= GemmBlocking.KBlock(g.Reduction))
        {
            Blocks<N1>(slot, packed, y, tile, g, bias, relu);
        }
        else
        {
            Blocks<N2>(slot, packed, y, tile, g, bias, relu);
        }
    }

    /// <summary>Every block of output channels (two vectors at a time, then one), with one GEMM k block (<typeparamref name="TBlocks"/> = 1) or several (2).</summary>
    private static void Blocks<TBlocks>(float* expanded, float* packed, float* y, float* tile, in Conv2dGeometry g, float* bias, bool relu)
        where TBlocks : IConstant
    {
        int oc = 0, plane = g.OutputPlane;
        if (g.OutChannels >= 2 * Lanes)
        {
            int pixels = Pixels(plane, 2);
            for (; oc + (2 * Lanes) <= g.OutChannels; oc += 2 * Lanes)
            {
                Tiles<N2, TBlocks>(pixels, expanded, packed, y, tile, oc, g, bias, relu);
            }
        }

        if (oc < g.OutChannels)
        {
            Tiles<N1, TBlocks>(Pixels(plane, 1), expanded, packed, y, tile, oc, g, bias, relu);
        }
    }

    /// <summary>The output channels <c>[oc, oc + 16·TVectors)</c> in tiles of <paramref name="pixels"/> pixels.</summary>
    private static void Tiles<TVectors, TBlocks>(int pixels, float* expanded, float* packed, float* y, float* tile, int oc, in Conv2dGeometry g, float* bias, bool relu)
        where TVectors : IConstant
        where TBlocks : IConstant
    {
        switch (pixels)
        {
            case 24: Plane<TVectors, N24, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 20: Plane<TVectors, N20, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 16: Plane<TVectors, N16, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 14: Plane<TVectors, N14, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 12: Plane<TVectors, N12, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 10: Plane<TVectors, N10, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 8: Plane<TVectors, N8, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 6: Plane<TVectors, N6, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 4: Plane<TVectors, N4, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 3: Plane<TVectors, N3, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            case 2: Plane<TVectors, N2, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
            default: Plane<TVectors, N1, TBlocks>(expanded, packed, y, tile, oc, g, bias, relu); break;
        }
    }

    /// <summary>Every tile of the output plane for one block of output channels, each written to the NCHW output.</summary>
    private static void Plane<TVectors, TPixels, TBlocks>(float* expanded, float* packed, float* y, float* tile, int oc, in Conv2dGeometry g, float* bias, bool relu)
        where TVectors : IConstant
        where TPixels : IConstant
        where TBlocks : IConstant
    {
        int plane = g.OutputPlane, pixels = TPixels.Value;
        float* weights = packed + ((nint)oc * g.Reduction);
        float* output = y + ((nint)oc * plane);
        for (int q = 0; q < plane; q += pixels)
        {
            int first = Math.Min(q, plane - pixels);
            Tile<TVectors, TPixels, TBlocks>(expanded + first, weights, tile, g);
            Write<TVectors, TPixels>(tile, output + first, plane, (Vector512<float>*)(tile + TileFloats), bias == null ? null : bias + oc, relu);
        }
    }

    /// <summary>
    /// One tile: TPixels × TVectors accumulators, one FMA chain per value and GEMM k block over (input channel, kernel
    /// row, kernel column), each block's chain parked in <paramref name="tile"/> (the first) or added to it (the next).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TVectors, TPixels, TBlocks>(float* input, float* weights, float* tile, in Conv2dGeometry g)
        where TVectors : IConstant
        where TPixels : IConstant
        where TBlocks : IConstant
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, reduction = g.Reduction, kBlock = GemmBlocking.KBlock(reduction);
        nint row = g.OutWidth, tapStride = ExpandedInput.TapStride(g), channelStride = tapStride * kw;
        nint secondVector = (nint)reduction * Lanes;
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        Vector512<float> a8 = zero, a9 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero, a15 = zero;
        Vector512<float> a16 = zero, a17 = zero, a18 = zero, a19 = zero, a20 = zero, a21 = zero, a22 = zero, a23 = zero;
        Vector512<float> b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero, b5 = zero, b6 = zero;
        Vector512<float> b7 = zero, b8 = zero, b9 = zero, b10 = zero, b11 = zero, b12 = zero, b13 = zero;
        int p = 0, blockEnd = Math.Min(reduction, kBlock);
        bool accumulate = false;
        for (int c = 0; c < g.Channels; c++)
        {
            float* inputRows = input + (c * channelStride);
            for (int i = 0; i < kh; i++)
            {
                float* kernelRow = inputRows + (i * row);

                // A kernel row in one run, or cut where a GEMM k block ends (only when there are several).
                for (int j = 0; j < kw;)
                {
                    int run = TBlocks.Value > 1 ? Math.Min(kw - j, blockEnd - p) : kw;
                    float* x = kernelRow + (j * tapStride);
                    float* w = weights + ((nint)p * Lanes);
                    for (int r = 0; r < run; r++, w += Lanes, x += tapStride)
                    {
                        Vector512<float> w0 = Vector512.Load(w);
                        Vector512<float> w1 = TVectors.Value > 1 ? Vector512.Load(w + secondVector) : zero;
                        Vector512<float> v;
                        v = Vector512.Create(x[0]);
                        a0 = Avx512F.FusedMultiplyAdd(v, w0, a0);
                        if (TVectors.Value > 1)
                        {
                            b0 = Avx512F.FusedMultiplyAdd(v, w1, b0);
                        }

                        if (TPixels.Value > 1)
                        {
                            v = Vector512.Create(x[1]);
                            a1 = Avx512F.FusedMultiplyAdd(v, w0, a1);
                            if (TVectors.Value > 1)
                            {
                                b1 = Avx512F.FusedMultiplyAdd(v, w1, b1);
                            }
                        }

                        if (TPixels.Value > 2)
                        {
                            v = Vector512.Create(x[2]);
                            a2 = Avx512F.FusedMultiplyAdd(v, w0, a2);
                            if (TVectors.Value > 1)
                            {
                                b2 = Avx512F.FusedMultiplyAdd(v, w1, b2);
                            }
                        }

                        if (TPixels.Value > 3)
                        {
                            v = Vector512.Create(x[3]);
                            a3 = Avx512F.FusedMultiplyAdd(v, w0, a3);
                            if (TVectors.Value > 1)
                            {
                                b3 = Avx512F.FusedMultiplyAdd(v, w1, b3);
                            }
                        }

                        if (TPixels.Value > 4)
                        {
                            v = Vector512.Create(x[4]);
                            a4 = Avx512F.FusedMultiplyAdd(v, w0, a4);
                            if (TVectors.Value > 1)
                            {
                                b4 = Avx512F.FusedMultiplyAdd(v, w1, b4);
                            }
                        }

                        if (TPixels.Value > 5)
                        {
                            v = Vector512.Create(x[5]);
                            a5 = Avx512F.FusedMultiplyAdd(v, w0, a5);
                            if (TVectors.Value > 1)
                            {
                                b5 = Avx512F.FusedMultiplyAdd(v, w1, b5);
                            }
                        }

                        if (TPixels.Value > 6)
                        {
                            v = Vector512.Create(x[6]);
                            a6 = Avx512F.FusedMultiplyAdd(v, w0, a6);
                            if (TVectors.Value > 1)
                            {
                                b6 = Avx512F.FusedMultiplyAdd(v, w1, b6);
                            }
                        }

                        if (TPixels.Value > 7)
                        {
                            v = Vector512.Create(x[7]);
                            a7 = Avx512F.FusedMultiplyAdd(v, w0, a7);
                            if (TVectors.Value > 1)
                            {
                                b7 = Avx512F.FusedMultiplyAdd(v, w1, b7);
                            }
                        }

                        if (TPixels.Value > 8)
                        {
                            v = Vector512.Create(x[8]);
                            a8 = Avx512F.FusedMultiplyAdd(v, w0, a8);
                            if (TVectors.Value > 1)
                            {
                                b8 = Avx512F.FusedMultiplyAdd(v, w1, b8);
                            }
                        }

                        if (TPixels.Value > 9)
                        {
                            v = Vector512.Create(x[9]);
                            a9 = Avx512F.FusedMultiplyAdd(v, w0, a9);
                            if (TVectors.Value > 1)
                            {
                                b9 = Avx512F.FusedMultiplyAdd(v, w1, b9);
                            }
                        }

                        if (TPixels.Value > 10)
                        {
                            v = Vector512.Create(x[10]);
                            a10 = Avx512F.FusedMultiplyAdd(v, w0, a10);
                            if (TVectors.Value > 1)
                            {
                                b10 = Avx512F.FusedMultiplyAdd(v, w1, b10);
                            }
                        }

                        if (TPixels.Value > 11)
                        {
                            v = Vector512.Create(x[11]);
                            a11 = Avx512F.FusedMultiplyAdd(v, w0, a11);
                            if (TVectors.Value > 1)
                            {
                                b11 = Avx512F.FusedMultiplyAdd(v, w1, b11);
                            }
                        }

                        if (TPixels.Value > 12)
                        {
                            v = Vector512.Create(x[12]);
                            a12 = Avx512F.FusedMultiplyAdd(v, w0, a12);
                            if (TVectors.Value > 1)
                            {
                                b12 = Avx512F.FusedMultiplyAdd(v, w1, b12);
                            }
                        }

                        if (TPixels.Value > 13)
                        {
                            v = Vector512.Create(x[13]);
                            a13 = Avx512F.FusedMultiplyAdd(v, w0, a13);
                            if (TVectors.Value > 1)
                            {
                                b13 = Avx512F.FusedMultiplyAdd(v, w1, b13);
                            }
                        }

                        if (TPixels.Value > 14)
                        {
                            v = Vector512.Create(x[14]);
                            a14 = Avx512F.FusedMultiplyAdd(v, w0, a14);
                        }

                        if (TPixels.Value > 15)
                        {
                            v = Vector512.Create(x[15]);
                            a15 = Avx512F.FusedMultiplyAdd(v, w0, a15);
                        }

                        if (TPixels.Value > 16)
                        {
                            v = Vector512.Create(x[16]);
                            a16 = Avx512F.FusedMultiplyAdd(v, w0, a16);
                        }

                        if (TPixels.Value > 17)
                        {
                            v = Vector512.Create(x[17]);
                            a17 = Avx512F.FusedMultiplyAdd(v, w0, a17);
                        }

                        if (TPixels.Value > 18)
                        {
                            v = Vector512.Create(x[18]);
                            a18 = Avx512F.FusedMultiplyAdd(v, w0, a18);
                        }

                        if (TPixels.Value > 19)
                        {
                            v = Vector512.Create(x[19]);
                            a19 = Avx512F.FusedMultiplyAdd(v, w0, a19);
                        }

                        if (TPixels.Value > 20)
                        {
                            v = Vector512.Create(x[20]);
                            a20 = Avx512F.FusedMultiplyAdd(v, w0, a20);
                        }

                        if (TPixels.Value > 21)
                        {
                            v = Vector512.Create(x[21]);
                            a21 = Avx512F.FusedMultiplyAdd(v, w0, a21);
                        }

                        if (TPixels.Value > 22)
                        {
                            v = Vector512.Create(x[22]);
                            a22 = Avx512F.FusedMultiplyAdd(v, w0, a22);
                        }

                        if (TPixels.Value > 23)
                        {
                            v = Vector512.Create(x[23]);
                            a23 = Avx512F.FusedMultiplyAdd(v, w0, a23);
                        }
                    }

                    j += run;
                    p += run;

                    // The end of a GEMM k block (with one block, of the reduction): park or add the block's chains.
                    if (p == blockEnd)
                    {
                        Keep(tile + (0 * TVectors.Value * Lanes), a0, accumulate);
                        if (TVectors.Value > 1)
                        {
                            Keep(tile + (((0 * TVectors.Value) + 1) * Lanes), b0, accumulate);
                        }

                        if (TPixels.Value > 1)
                        {
                            Keep(tile + (1 * TVectors.Value * Lanes), a1, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((1 * TVectors.Value) + 1) * Lanes), b1, accumulate);
                            }
                        }

                        if (TPixels.Value > 2)
                        {
                            Keep(tile + (2 * TVectors.Value * Lanes), a2, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((2 * TVectors.Value) + 1) * Lanes), b2, accumulate);
                            }
                        }

                        if (TPixels.Value > 3)
                        {
                            Keep(tile + (3 * TVectors.Value * Lanes), a3, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((3 * TVectors.Value) + 1) * Lanes), b3, accumulate);
                            }
                        }

                        if (TPixels.Value > 4)
                        {
                            Keep(tile + (4 * TVectors.Value * Lanes), a4, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((4 * TVectors.Value) + 1) * Lanes), b4, accumulate);
                            }
                        }

                        if (TPixels.Value > 5)
                        {
                            Keep(tile + (5 * TVectors.Value * Lanes), a5, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((5 * TVectors.Value) + 1) * Lanes), b5, accumulate);
                            }
                        }

                        if (TPixels.Value > 6)
                        {
                            Keep(tile + (6 * TVectors.Value * Lanes), a6, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((6 * TVectors.Value) + 1) * Lanes), b6, accumulate);
                            }
                        }

                        if (TPixels.Value > 7)
                        {
                            Keep(tile + (7 * TVectors.Value * Lanes), a7, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((7 * TVectors.Value) + 1) * Lanes), b7, accumulate);
                            }
                        }

                        if (TPixels.Value > 8)
                        {
                            Keep(tile + (8 * TVectors.Value * Lanes), a8, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((8 * TVectors.Value) + 1) * Lanes), b8, accumulate);
                            }
                        }

                        if (TPixels.Value > 9)
                        {
                            Keep(tile + (9 * TVectors.Value * Lanes), a9, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((9 * TVectors.Value) + 1) * Lanes), b9, accumulate);
                            }
                        }

                        if (TPixels.Value > 10)
                        {
                            Keep(tile + (10 * TVectors.Value * Lanes), a10, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((10 * TVectors.Value) + 1) * Lanes), b10, accumulate);
                            }
                        }

                        if (TPixels.Value > 11)
                        {
                            Keep(tile + (11 * TVectors.Value * Lanes), a11, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((11 * TVectors.Value) + 1) * Lanes), b11, accumulate);
                            }
                        }

                        if (TPixels.Value > 12)
                        {
                            Keep(tile + (12 * TVectors.Value * Lanes), a12, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((12 * TVectors.Value) + 1) * Lanes), b12, accumulate);
                            }
                        }

                        if (TPixels.Value > 13)
                        {
                            Keep(tile + (13 * TVectors.Value * Lanes), a13, accumulate);
                            if (TVectors.Value > 1)
                            {
                                Keep(tile + (((13 * TVectors.Value) + 1) * Lanes), b13, accumulate);
                            }
                        }

                        if (TPixels.Value > 14)
                        {
                            Keep(tile + (14 * TVectors.Value * Lanes), a14, accumulate);
                        }

                        if (TPixels.Value > 15)
                        {
                            Keep(tile + (15 * TVectors.Value * Lanes), a15, accumulate);
                        }

                        if (TPixels.Value > 16)
                        {
                            Keep(tile + (16 * TVectors.Value * Lanes), a16, accumulate);
                        }

                        if (TPixels.Value > 17)
                        {
                            Keep(tile + (17 * TVectors.Value * Lanes), a17, accumulate);
                        }

                        if (TPixels.Value > 18)
                        {
                            Keep(tile + (18 * TVectors.Value * Lanes), a18, accumulate);
                        }

                        if (TPixels.Value > 19)
                        {
                            Keep(tile + (19 * TVectors.Value * Lanes), a19, accumulate);
                        }

                        if (TPixels.Value > 20)
                        {
                            Keep(tile + (20 * TVectors.Value * Lanes), a20, accumulate);
                        }

                        if (TPixels.Value > 21)
                        {
                            Keep(tile + (21 * TVectors.Value * Lanes), a21, accumulate);
                        }

                        if (TPixels.Value > 22)
                        {
                            Keep(tile + (22 * TVectors.Value * Lanes), a22, accumulate);
                        }

                        if (TPixels.Value > 23)
                        {
                            Keep(tile + (23 * TVectors.Value * Lanes), a23, accumulate);
                        }

                        accumulate = true;
                        (a0, a1, a2, a3, a4, a5, a6, a7) = (zero, zero, zero, zero, zero, zero, zero, zero);
                        (a8, a9, a10, a11, a12, a13, a14, a15) = (zero, zero, zero, zero, zero, zero, zero, zero);
                        (a16, a17, a18, a19, a20, a21, a22, a23) = (zero, zero, zero, zero, zero, zero, zero, zero);
                        (b0, b1, b2, b3, b4, b5, b6) = (zero, zero, zero, zero, zero, zero, zero);
                        (b7, b8, b9, b10, b11, b12, b13) = (zero, zero, zero, zero, zero, zero, zero);
                        blockEnd = Math.Min(reduction, p + kBlock);
                    }
                }
            }
        }
    }

    /// <summary>The first block's chain parked, or a later block's chain added to the parked sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(float* place, Vector512<float> chain, bool accumulate)
    {
        if (accumulate)
        {
            chain = Vector512.Load(place) + chain;
        }

        chain.Store(place);
    }

    /// <summary>
    /// The parked tile <c>[pixel][16·TVectors channels]</c> into the output planes of its channels, 16 pixels × 16
    /// channels at a time through <see cref="Transpose"/>, with the channels' <paramref name="bias"/> (unless null) and
    /// ReLU (if <paramref name="relu"/>): <c>y + b</c>, then <see cref="ReLUFunction"/>'s <c>max(y, 0)</c>, the operations
    /// of the separate passes.
    /// </summary>
    private static void Write<TVectors, TPixels>(float* tile, float* output, int plane, Vector512<float>* scratch, float* bias, bool relu)
        where TVectors : IConstant
        where TPixels : IConstant
    {
        int channels = TVectors.Value * Lanes, pixels = TPixels.Value;
        for (int t = 0; t < pixels; t += Lanes)
        {
            for (int v = 0; v < TVectors.Value; v++)
            {
                Transpose(tile + (t * channels) + (v * Lanes), channels, output + ((nint)v * Lanes * plane) + t, plane, Math.Min(Lanes, pixels - t), scratch, bias == null ? null : bias + (v * Lanes), relu);
            }
        }
    }

    /// <summary>
    /// Stores the transpose of 16 rows of 16 floats (<paramref name="rows"/>, <paramref name="rowStride"/> apart) as 16
    /// rows of <paramref name="count"/> floats (<paramref name="output"/>, <paramref name="outputStride"/> apart) through
    /// <see cref="Transpose16"/> in <paramref name="scratch"/> (32 vectors); output row <c>m</c> plus <c>bias[m]</c>
    /// (unless null), then ReLU (if <paramref name="relu"/>).
    /// </summary>
    private static void Transpose(float* rows, int rowStride, float* output, nint outputStride, int count, Vector512<float>* scratch, float* bias, bool relu)
    {
        for (int k = 0; k < Lanes; k++)
        {
            scratch[k] = Vector512.Load(rows + ((nint)k * rowStride));
        }

        Transpose16.InRegisters(scratch);
        Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
        for (int m = 0; m < Lanes; m++)
        {
            Store(output + (m * outputStride), Conv2dDirect.Finish(scratch[m], bias, m, relu), count, inside);
        }
    }

    /// <summary>The first <paramref name="count"/> lanes of <paramref name="values"/>; nothing past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* destination, Vector512<float> values, int count, Vector512<float> inside)
    {
        if (count == Lanes)
        {
            values.Store(destination);
        }
        else
        {
            Avx512F.MaskStore(destination, inside, values);
        }
    }
}
