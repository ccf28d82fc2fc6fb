using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="Conv2dInputGradientBySamples"/> with 256-bit vectors, for machines with AVX2 and FMA but no 512-bit vectors:
/// 8 samples side by side in the lanes of every vector. A block's output gradient is transposed once into
/// <c>[position][output channel][8 samples]</c> (<see cref="SampleLanesAvx2"/>); every input position then gets, per tap
/// that reaches it, one fused multiply-add chain over the output channels per input channel, added to its sum in
/// <c>[input channel][position][8 samples]</c>, which is transposed back into the input gradient. Stride 1, dilation 1, one
/// group, finite weights; blocks of fewer than <see cref="MinSamples"/> samples take the per-sample paths.
/// </summary>
/// <remarks>
/// <para>
/// Register tile: up to 6 input channels × 2 neighbouring positions, 12 chains, the 2 output-gradient vectors they share
/// and one broadcast weight (15 of the 16 registers); per output channel 8 loads for 12 FMAs, so the FMAs, not the
/// loads, set the pace. The sums stay in memory (a load, an add and a store per tap and chain, against as many FMAs as
/// there are output channels).
/// </para>
/// <para>
/// Bits: those of the GEMM path, as <see cref="Conv2dInputGradientBySamples"/>'s: every chain is the column-matrix value
/// (the fused multiply-add chain from zero over the output channels in order, one GEMM k block), and every input-gradient
/// value is zero plus the values its taps reach, taps in order, as <see cref="Im2Col.ScatterAdd"/> adds them; a tap that
/// reaches only the tile's other position reads the zero columns beside the plane and adds +0 (finite weights), which
/// changes no sum. <c>Conv2dInputGradientBySamplesAvx2Tests</c> checks it against those bits.
/// </para>
/// <para>
/// Why: on Zen 2 (no AVX-512) <see cref="Conv2dInputGradientByPlanesAvx2"/> ran LeNet-5's conv2 input gradient at about
/// 41% of the FMA peak: its chains are as long as the 16 output channels and every lane that a plane of 100 or a row of
/// 14 leaves over in a vector is wasted. Over samples every lane computes; docs/performance.md has the measurements.
/// </para>
/// </remarks>
internal static unsafe class Conv2dInputGradientBySamplesAvx2
{
    /// <summary>Samples side by side: one 256-bit vector of floats.</summary>
    public const int Lanes = SampleLanesAvx2.Lanes;

    /// <summary>
    /// The fewest samples of a block this path computes: with fewer, the idle lanes cost more than the per-sample path's
    /// partly filled vectors (LeNet's conv2 on Zen 2, one thread: a block 59.0-59.8 µs whatever its samples, sample by
    /// sample 49.1-49.4 µs for 5, 58.9-59.4 for 6, 68.7-69.3 for 7).
    /// </summary>
    public const int MinSamples = 6;

    /// <summary>The most input channels of a register tile: with <see cref="MaxPositions"/>, 12 chains, 2 loads and a weight within 16 registers.</summary>
    private const int MaxTileChannels = 6;

    /// <summary>The most neighbouring positions of a register tile.</summary>
    private const int MaxPositions = 2;

    /// <summary>The most floats of one thread's slot (128 KB, a quarter of Zen 2's 512 KB L2): beyond it a block's planes leave L2.</summary>
    private const long MaxSlotFloats = 1 << 15;

    /// <summary>The most taps; a tile keeps their offsets on the stack.</summary>
    private const int MaxTaps = 256;

    /// <summary>Whether the path runs for this shape and batch on this machine: it fits, with AVX2 and FMA and no 512-bit vectors.</summary>
    public static bool Applies(in Conv2dGeometry g, int batch)
        => GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && batch >= MinSamples && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware and the batch).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && g.KernelHeight * g.KernelWidth <= MaxTaps && SlotFloats(g) <= MaxSlotFloats;

    /// <summary>Floats of one thread's slot: a block's transposed output gradient and its input-gradient sums.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => GradientFloats(g) + ((long)Lanes * g.InputSample);

    /// <summary>The blocks of up to 8 samples of a batch: the items the threads share.</summary>
    public static int Blocks(int batch) => (batch + Lanes - 1) / Lanes;

    /// <summary>
    /// The input gradient of <paramref name="samples"/> (1 to 8) consecutive samples, overwritten, from their output
    /// gradient and the weights <see cref="Conv2dInputGradientBySamples.PackWeights"/> repacked; <paramref name="slot"/>
    /// holds <see cref="SlotFloats"/> floats.
    /// </summary>
    public static void Block(float* dy, float* packed, float* dx, int samples, float* slot, in Conv2dGeometry g)
    {
        float* gradients = slot;
        float* sums = slot + GradientFloats(g);
        SampleLanesAvx2.ToLanes(dy, samples, g.OutChannels, g.OutHeight, g.OutWidth, 0, Margin(g), gradients);
        Positions(gradients, packed, sums, g);
        SampleLanesAvx2.FromLanes(sums, samples, g.Channels, g.InputPlane, dx, null, false);
    }

    /// <summary>Floats of a block's output gradient with <see cref="Margin"/> zero columns each side of every row.</summary>
    private static long GradientFloats(in Conv2dGeometry g) => SampleLanesAvx2.Floats(g.OutChannels, g.OutHeight, g.OutWidth, 0, Margin(g));

    /// <summary>
    /// Every input position's sums over the taps that reach it (tap <c>(i, j)</c> reaches input <c>(y, x)</c> from output
    /// <c>(y + ph - i, x + pw - j)</c> where that exists), two positions of a row at a time, in tiles of input channels.
    /// </summary>
    [SkipLocalsInit]
    private static void Positions(float* gradients, float* packed, float* sums, in Conv2dGeometry g)
    {
        int outChannels = g.OutChannels, channels = g.Channels, margin = Margin(g);
        int tiles = (channels + MaxTileChannels - 1) / MaxTileChannels, tileChannels = (channels + tiles - 1) / tiles;
        nint sumPlane = (nint)g.InputPlane * Lanes;
        int* gradientOffsets = stackalloc int[g.KernelHeight * g.KernelWidth];
        int* weightOffsets = stackalloc int[g.KernelHeight * g.KernelWidth];
        new Span<float>(sums, g.InputSample * Lanes).Clear();
        for (int y = 0; y < g.Height; y++)
        {
            for (int x = 0, positions; x < g.Width; x += positions)
            {
                positions = Math.Min(MaxPositions, g.Width - x);
                int taps = SampleTapTile.Reaching(g, y, x, positions, margin, Lanes, gradientOffsets, weightOffsets);

                float* sum = sums + ((((nint)y * g.Width) + x) * Lanes);
                for (int c = 0; c < channels; c += tileChannels)
                {
                    var tile = new SampleTapTile(gradients, packed + c, gradientOffsets, weightOffsets, taps, outChannels, channels, sum + (c * sumPlane), sumPlane);
                    switch (((Math.Min(tileChannels, channels - c) - 1) * MaxPositions) + positions - 1)
                    {
                        case 0: Sum<N1, N1>(tile); break;
                        case 1: Sum<N1, N2>(tile); break;
                        case 2: Sum<N2, N1>(tile); break;
                        case 3: Sum<N2, N2>(tile); break;
                        case 4: Sum<N3, N1>(tile); break;
                        case 5: Sum<N3, N2>(tile); break;
                        case 6: Sum<N4, N1>(tile); break;
                        case 7: Sum<N4, N2>(tile); break;
                        case 8: Sum<N5, N1>(tile); break;
                        case 9: Sum<N5, N2>(tile); break;
                        case 10: Sum<N6, N1>(tile); break;
                        default: Sum<N6, N2>(tile); break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The sums of <typeparamref name="TChannels"/> input channels at <typeparamref name="TPositions"/> neighbouring
    /// positions: per tap, one chain over the output channels per channel and position (each weight broadcast once for
    /// both positions), added to the sum in memory, taps in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum<TChannels, TPositions>(in SampleTapTile tile)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        int outChannels = tile.OutChannels;
        bool second = TPositions.Value > 1;
        nint step = tile.Channels, plane = tile.SumPlane, next = (nint)outChannels * Lanes;
        float* sum = tile.Sum;
        for (int t = 0; t < tile.Taps; t++)
        {
            float* ya = tile.Gradients + tile.GradientOffsets[t];
            float* w = tile.Weights + tile.WeightOffsets[t];
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
            for (int o = 0; o < outChannels; o++, ya += Lanes, w += step)
            {
                Vector256<float> va = Vector256.Load(ya), vb = second ? Vector256.Load(ya + next) : default;
                SampleTileAvx2.Step<TChannels, TPositions>(w, va, vb, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref b0, ref b1, ref b2, ref b3, ref b4, ref b5);
            }

            SampleTileAvx2.PutAll<TChannels, TPositions>(sum, plane, false, a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5);
        }
    }

    /// <summary>Zero columns each side of an output row of the block's output gradient, where the kernel is wider than 1: a tile's second position's taps reach one past the plane.</summary>
    private static int Margin(in Conv2dGeometry g) => g.KernelWidth > 1 ? MaxPositions - 1 : 0;
}
