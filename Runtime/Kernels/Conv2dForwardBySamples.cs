using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution vectorized over samples: 16 samples side by side in the lanes of every vector, so every
/// lane works whatever the sizes of the planes and the channel counts. A block of 16 samples' input is transposed
/// once into the zero-padded <c>[row][column][channel][16 samples]</c> (<see cref="SampleLanes"/>); every output value
/// is then one fused multiply-add chain over the reduction (input channel, kernel row, kernel column) in registers,
/// 3 neighbouring positions of an output row × up to 6 output channels per register tile (each weight broadcast once
/// for the 3 positions, each input vector loaded once for the 6 channels), and the outputs are transposed back with the
/// bias and ReLU applied on the way. Stride 1, dilation 1, one group; batches of fewer than <see cref="MinSamples"/>
/// samples take the per-sample paths, and a batch's last block of fewer than 16 leaves lanes idle.
/// </summary>
/// <remarks>
/// <para>
/// Bits: it computes what the im2col path computes. Every output value is, per GEMM k block
/// (<see cref="GemmBlocking.KBlock"/> of the reduction), one chain from zero over the block's taps in the column
/// matrix's order, padding taps included (they add <c>w·0</c>, here read from the zero margins as the GEMM reads them
/// from the column matrix), the blocks' chains added in order, first block first; then the bias is added and ReLU
/// applied, the operations of the separate passes. So choosing this path (by shape, batch and the hardware having
/// 512-bit vectors) never changes a result; <c>Conv2dForwardBySamplesTests</c> checks it against those bits.
/// </para>
/// <para>
/// Why: <see cref="Conv2dChannelDirect"/> fills every lane with output channels but broadcasts one input value per
/// fused multiply-add; here a tile of 18 chains needs 9 loads per 18 FMAs. docs/performance.md has the measurements.
/// </para>
/// </remarks>
internal static unsafe class Conv2dForwardBySamples
{
    /// <summary>Samples side by side: one 512-bit vector of floats.</summary>
    public const int Lanes = SampleLanes.Lanes;

    /// <summary>
    /// The fewest samples of a block this path computes: with fewer, the idle lanes cost more than the per-sample paths'
    /// partly filled vectors.
    /// </summary>
    public const int MinSamples = 12;

    /// <summary>The most output channels of a register tile: with <see cref="MaxPositions"/>, 18 chains, 6 weights and 3 loads within 32 registers.</summary>
    private const int MaxTileChannels = 6;

    /// <summary>The most neighbouring positions of a register tile.</summary>
    private const int MaxPositions = 3;

    /// <summary>The most floats of one thread's slot (256 KB, a quarter of a 1 MB L2): beyond it a block's planes leave L2.</summary>
    private const long MaxSlotFloats = 1 << 16;

    /// <summary>The longest reduction; a call keeps its offsets on the stack.</summary>
    private const int MaxReduction = 4096;

    /// <summary>Whether the path runs for this shape, batch and activation on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g, int batch, Activation activation)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && batch >= MinSamples
            && activation is Activation.None or Activation.ReLU && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware, the batch and the activation).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.Reduction <= MaxReduction && SlotFloats(g) <= MaxSlotFloats;

    /// <summary>Floats of one thread's slot: a block's zero-padded input and its output, in lanes.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => InputFloats(g) + ((long)Lanes * g.OutputSample);

    /// <summary>The blocks of up to 16 samples of a batch: the items the threads share.</summary>
    public static int Blocks(int batch) => (batch + Lanes - 1) / Lanes;

    /// <summary>
    /// The weights <c>[outChannels][reduction]</c> repacked as <c>[reduction][outChannels]</c>: a chain's step reads a
    /// tile's channels side by side.
    /// </summary>
    public static void PackWeights(float* weight, float* packed, in Conv2dGeometry g)
    {
        int reduction = g.Reduction, outChannels = g.OutChannels;
        for (int o = 0; o < outChannels; o++)
        {
            for (int k = 0; k < reduction; k++)
            {
                packed[((nint)k * outChannels) + o] = weight[((nint)o * reduction) + k];
            }
        }
    }

    /// <summary>
    /// The output of <paramref name="samples"/> (1 to 16) consecutive samples, overwritten: the convolution from the
    /// weights <see cref="PackWeights"/> repacked, plus <paramref name="bias"/> (unless null), then ReLU (if
    /// <paramref name="relu"/>); <paramref name="slot"/> holds <see cref="SlotFloats"/> floats.
    /// </summary>
    public static void Block(float* x, float* packed, float* bias, float* y, int samples, float* slot, in Conv2dGeometry g, bool relu)
    {
        float* inputs = slot;
        float* sums = slot + InputFloats(g);
        SampleLanes.ToLanes(x, samples, g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth, inputs);
        Positions(inputs, packed, sums, g);
        SampleLanes.FromLanes(sums, samples, g.OutChannels, g.OutputPlane, y, bias, relu);
    }

    /// <summary>Floats of a block's input with its zero padding.</summary>
    private static long InputFloats(in Conv2dGeometry g) => SampleLanes.Floats(g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth);

    /// <summary>
    /// Every output value's chains, output row by output row, up to <see cref="MaxPositions"/> positions at a time (a
    /// row's last 4 as 2 and 2), in tiles of output channels, per k block.
    /// </summary>
    [SkipLocalsInit]
    private static void Positions(float* inputs, float* packed, float* sums, in Conv2dGeometry g)
    {
        int outChannels = g.OutChannels, channels = g.Channels, reduction = g.Reduction;
        int rowPositions = g.Width + (2 * g.PaddingWidth), kBlock = GemmBlocking.KBlock(reduction);
        int tiles = (outChannels + MaxTileChannels - 1) / MaxTileChannels, tileChannels = (outChannels + tiles - 1) / tiles;
        nint position = (nint)channels * Lanes, sumPlane = (nint)g.OutputPlane * Lanes;

        int* offsets = stackalloc int[reduction];
        SampleChainTile.StepOffsets(g, Lanes, offsets);

        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            for (int ow = 0; ow < g.OutWidth;)
            {
                // A row's last 4 positions as 2 and 2: a tile of one position has too few chains to hide their latency.
                int left = g.OutWidth - ow, count = left == 4 ? 2 : Math.Min(MaxPositions, left);
                float* input = inputs + ((((nint)oh * rowPositions) + ow) * position);
                float* sum = sums + ((((nint)oh * g.OutWidth) + ow) * Lanes);
                for (int o = 0; o < outChannels; o += tileChannels)
                {
                    for (int first = 0; first < reduction; first += kBlock)
                    {
                        var tile = new SampleChainTile(input, position, packed + ((nint)first * outChannels) + o, outChannels, offsets + first, Math.Min(kBlock, reduction - first), sum + (o * sumPlane), sumPlane, first == 0);
                        switch (((Math.Min(tileChannels, outChannels - o) - 1) * MaxPositions) + count - 1)
                        {
                            case 0: Chains<N1, N1>(tile); break;
                            case 1: Chains<N1, N2>(tile); break;
                            case 2: Chains<N1, N3>(tile); break;
                            case 3: Chains<N2, N1>(tile); break;
                            case 4: Chains<N2, N2>(tile); break;
                            case 5: Chains<N2, N3>(tile); break;
                            case 6: Chains<N3, N1>(tile); break;
                            case 7: Chains<N3, N2>(tile); break;
                            case 8: Chains<N3, N3>(tile); break;
                            case 9: Chains<N4, N1>(tile); break;
                            case 10: Chains<N4, N2>(tile); break;
                            case 11: Chains<N4, N3>(tile); break;
                            case 12: Chains<N5, N1>(tile); break;
                            case 13: Chains<N5, N2>(tile); break;
                            case 14: Chains<N5, N3>(tile); break;
                            case 15: Chains<N6, N1>(tile); break;
                            case 16: Chains<N6, N2>(tile); break;
                            default: Chains<N6, N3>(tile); break;
                        }
                    }
                }

                ow += count;
            }
        }
    }

    /// <summary>
    /// The chains of <typeparamref name="TChannels"/> output channels at <typeparamref name="TPositions"/> neighbouring
    /// positions over one k block, from zero, stored (first block) or added to the outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains<TChannels, TPositions>(in SampleChainTile tile)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        bool second = TPositions.Value > 1, third = TPositions.Value > 2;
        nint next = tile.Position, stride = tile.OutChannels;
        float* input = tile.Input, w = tile.Weights;
        int* offsets = tile.Offsets;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < tile.Steps; k++, w += stride)
        {
            float* x = input + offsets[k];
            Vector512<float> va = Vector512.Load(x), vb = second ? Vector512.Load(x + next) : default, vc = third ? Vector512.Load(x + (2 * next)) : default;
            SampleTile.Step<TChannels, TPositions>(w, va, vb, vc, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5);
        }

        SampleTile.PutAll<TChannels, TPositions>(tile.Sum, tile.SumPlane, tile.First, a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5, c0, c1, c2, c3, c4, c5);
    }
}
