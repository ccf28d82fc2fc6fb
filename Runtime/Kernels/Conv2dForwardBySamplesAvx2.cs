using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="Conv2dForwardBySamples"/> with 256-bit vectors, for machines with AVX2 and FMA but no 512-bit vectors: 8
/// samples side by side in the lanes of every vector. A block's input is transposed once into the zero-padded
/// <c>[row][column][channel][8 samples]</c> (<see cref="SampleLanesAvx2"/>); every output value is then one fused
/// multiply-add chain over the reduction (input channel, kernel row, kernel column) per GEMM k block, in registers, 2
/// neighbouring positions of an output row × up to 6 output channels per register tile, and the outputs are transposed
/// back with the bias and ReLU applied on the way. Stride 1, dilation 1, one group; blocks of fewer than
/// <see cref="MinSamples"/> samples (a batch's last) take the per-sample paths.
/// </summary>
/// <remarks>
/// <para>
/// Register tile: 12 chains, the 2 input vectors they share and one broadcast weight (15 of the 16 registers); per step
/// of the reduction 8 loads for 12 FMAs, so the FMAs set the pace, and the chains stay in registers for a whole k block.
/// </para>
/// <para>
/// Bits: those of the im2col path, as <see cref="Conv2dForwardBySamples"/>'s: per GEMM k block
/// (<see cref="GemmBlocking.KBlock"/> of the reduction) one chain from zero over the block's taps in the column matrix's
/// order, padding taps included (they add <c>w·0</c>, read from the zero margins), the blocks' chains added in order;
/// then the bias added and ReLU applied. <c>Conv2dForwardBySamplesAvx2Tests</c> checks it against those bits.
/// </para>
/// <para>
/// Why: <see cref="Conv2dPlaneDirectAvx2"/> fills the lanes with a plane's pixels, so a row of 10 or a plane of 100
/// leaves lanes idle, and its tiles' sums go through memory between k blocks and channel blocks; over samples every lane
/// computes. docs/performance.md has the measurements.
/// </para>
/// </remarks>
internal static unsafe class Conv2dForwardBySamplesAvx2
{
    /// <summary>Samples side by side: one 256-bit vector of floats.</summary>
    public const int Lanes = SampleLanesAvx2.Lanes;

    /// <summary>
    /// The fewest samples of a block this path computes, and of a batch it takes: a whole block. With 7 the per-sample path
    /// was as fast (LeNet's conv2 on Zen 2, one thread: 49.6-50.0 µs a block of 7 against 48.3-48.7 µs sample by sample;
    /// 8 samples 49.6-50.0 against 55.6-55.8 µs).
    /// </summary>
    public const int MinSamples = 8;

    /// <summary>The most output channels of a register tile: with <see cref="MaxPositions"/>, 12 chains, 2 loads and a weight within 16 registers.</summary>
    private const int MaxTileChannels = 6;

    /// <summary>The most neighbouring positions of a register tile.</summary>
    private const int MaxPositions = 2;

    /// <summary>
    /// The most floats of one thread's slot (128 KB, a quarter of Zen 2's 512 KB L2). LeNet-5's conv1 (one input channel,
    /// 28 × 28 outputs, 183 KB a block) ran slower here than on <see cref="Conv2dPlaneDirectAvx2"/> (165 against 135 µs
    /// for batch 64 on two threads): its chains are 25 steps long, and a block's outputs pass through L2 twice.
    /// </summary>
    private const long MaxSlotFloats = 1 << 15;

    /// <summary>The longest reduction; a call keeps its offsets on the stack.</summary>
    private const int MaxReduction = 4096;

    /// <summary>Whether the path runs for this shape, batch and activation on this machine: it fits, with AVX2 and FMA and no 512-bit vectors.</summary>
    public static bool Applies(in Conv2dGeometry g, int batch, Activation activation)
        => GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && batch >= MinSamples
            && activation is Activation.None or Activation.ReLU && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware, the batch and the activation).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.Reduction <= MaxReduction && SlotFloats(g) <= MaxSlotFloats;

    /// <summary>Floats of one thread's slot: a block's zero-padded input and its output, in lanes.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => InputFloats(g) + ((long)Lanes * g.OutputSample);

    /// <summary>The blocks of up to 8 samples of a batch: the items the threads share.</summary>
    public static int Blocks(int batch) => (batch + Lanes - 1) / Lanes;

    /// <summary>
    /// The output of <paramref name="samples"/> (1 to 8) consecutive samples, overwritten: the convolution from the weights
    /// <see cref="Conv2dForwardBySamples.PackWeights"/> repacked, plus <paramref name="bias"/> (unless null), then ReLU (if
    /// <paramref name="relu"/>); <paramref name="slot"/> holds <see cref="SlotFloats"/> floats.
    /// </summary>
    public static void Block(float* x, float* packed, float* bias, float* y, int samples, float* slot, in Conv2dGeometry g, bool relu)
    {
        float* inputs = slot;
        float* sums = slot + InputFloats(g);
        SampleLanesAvx2.ToLanes(x, samples, g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth, inputs);
        Positions(inputs, packed, sums, g);
        SampleLanesAvx2.FromLanes(sums, samples, g.OutChannels, g.OutputPlane, y, bias, relu);
    }

    /// <summary>Floats of a block's input with its zero padding.</summary>
    private static long InputFloats(in Conv2dGeometry g) => SampleLanesAvx2.Floats(g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth);

    /// <summary>
    /// Every output value's chains, output row by output row, two positions at a time, in tiles of output channels, per
    /// k block.
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
            for (int ow = 0, count; ow < g.OutWidth; ow += count)
            {
                count = Math.Min(MaxPositions, g.OutWidth - ow);
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
                            case 2: Chains<N2, N1>(tile); break;
                            case 3: Chains<N2, N2>(tile); break;
                            case 4: Chains<N3, N1>(tile); break;
                            case 5: Chains<N3, N2>(tile); break;
                            case 6: Chains<N4, N1>(tile); break;
                            case 7: Chains<N4, N2>(tile); break;
                            case 8: Chains<N5, N1>(tile); break;
                            case 9: Chains<N5, N2>(tile); break;
                            case 10: Chains<N6, N1>(tile); break;
                            default: Chains<N6, N2>(tile); break;
                        }
                    }
                }
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
        nint next = tile.Position, stride = tile.OutChannels, plane = tile.SumPlane;
        float* input = tile.Input, w = tile.Weights, sum = tile.Sum;
        int* offsets = tile.Offsets;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        for (int k = 0; k < tile.Steps; k++, w += stride)
        {
            float* x = input + offsets[k];
            Vector256<float> va = Vector256.Load(x), vb = TPositions.Value > 1 ? Vector256.Load(x + next) : default;
            SampleTileAvx2.Step<TChannels, TPositions>(w, va, vb, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref b0, ref b1, ref b2, ref b3, ref b4, ref b5);
        }

        SampleTileAvx2.PutAll<TChannels, TPositions>(sum, plane, tile.First, a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5);
    }
}
