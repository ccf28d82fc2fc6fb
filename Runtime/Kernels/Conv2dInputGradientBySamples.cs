using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The input gradient vectorized over samples: 16 samples side by side in the lanes of every vector, so every lane
/// works whatever the sizes of the planes. A block of 16 samples' output gradient is transposed once into
/// <c>[position][output channel][16 samples]</c>; then every input position sums its taps' column values in registers
/// (per tap, input channel and position, a fused multiply-add chain over the output channels: each weight broadcast
/// once for 3 neighbouring positions, each output-gradient vector loaded once for up to 6 input channels, 18 chains side
/// by side) into <c>[input channel][position][16 samples]</c>, which is transposed back into the input gradient.
/// Stride 1, dilation 1, one group, finite weights; blocks of fewer than <see cref="MinSamples"/> samples take the
/// per-sample paths.
/// </summary>
/// <remarks>
/// <para>
/// Bits: it computes what the GEMM path computes, lane by lane. A column-matrix value (tap, input channel, output
/// position) is there the fused multiply-add chain from zero over the output channels in order (one GEMM k block: at
/// most <see cref="GemmBlocking.KcMax"/> channels), and an input-gradient value is zero plus the column values its
/// taps reach, taps in order, as <see cref="Im2Col.ScatterAdd"/> adds them onto the cleared input gradient; here each
/// chain is the same and the sum runs over the taps that reach the position, in the same order, plus chains that stay
/// +0 (a tap that reaches a neighbouring position of the tile reads zeros here; with finite weights its chain is +0,
/// and +0 added to a sum that started at +0 changes nothing, as such a sum is never -0). So choosing
/// this path (by shape, batch and the hardware having 512-bit vectors) never changes a result;
/// <c>Conv2dInputGradientBySamplesTests</c> checks it against those bits, with non-finite values too.
/// </para>
/// <para>
/// Why: LeNet's conv2 (6 → 16 channels, 14 × 14 → 10 × 10) spends most of its input gradient in planes of 100 and rows
/// of 14, which fill 89% and 88% of a vector; <see cref="Conv2dInputGradientByPlanes"/> then adds every row a second
/// time from a buffer. Over samples every lane computes (8% of the chains are the +0 ones of LeNet's conv2), and the
/// only other work is the two transposes in registers. docs/performance.md has the measurements.
/// </para>
/// </remarks>
internal static unsafe class Conv2dInputGradientBySamples
{
    /// <summary>Samples side by side: one 512-bit vector of floats.</summary>
    public const int Lanes = SampleLanes.Lanes;

    /// <summary>
    /// The fewest samples of a block this path computes: with fewer, the idle lanes cost more than the per-sample paths'
    /// partly filled vectors.
    /// </summary>
    public const int MinSamples = 12;

    /// <summary>The most input channels of a register tile: with <see cref="MaxPositions"/>, 18 chains, 6 weights and 3 loads within 32 registers.</summary>
    private const int MaxTileChannels = 6;

    /// <summary>The most floats of one thread's slot (256 KB, a quarter of a 1 MB L2): beyond it a block's planes leave L2.</summary>
    private const long MaxSlotFloats = 1 << 16;

    /// <summary>The most neighbouring positions of a register tile: 3 × 6 chains, 6 weights and 3 loads within 32 registers.</summary>
    private const int MaxPositions = 3;

    /// <summary>The most taps; a position keeps their offsets on the stack.</summary>
    private const int MaxTaps = 256;

    /// <summary>Whether the path runs for this shape and batch on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g, int batch)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && batch >= MinSamples && Fits(g);

    /// <summary>Whether the shape suits the path (whatever the hardware and the batch).</summary>
    public static bool Fits(in Conv2dGeometry g)
        => Conv2dDirect.IsDense(g) && !g.IsPointwise && g.OutChannels <= GemmBlocking.KcMax
            && g.KernelHeight * g.KernelWidth <= MaxTaps && SlotFloats(g) <= MaxSlotFloats;

    /// <summary>Floats of one thread's slot: a block's transposed output gradient and input gradient, and 32 vectors for the transposes.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => GradientFloats(g) + ((long)Lanes * g.InputSample) + (2 * Lanes * Lanes);

    /// <summary>Floats of a block's output gradient with a zero column each side of every row (<see cref="Margin"/>).</summary>
    private static long GradientFloats(in Conv2dGeometry g) => SampleLanes.Floats(g.OutChannels, g.OutHeight, g.OutWidth, 0, Margin(g));

    /// <summary>The blocks of up to 16 samples of a batch: the items the threads share.</summary>
    public static int Blocks(int batch) => (batch + Lanes - 1) / Lanes;

    /// <summary>
    /// The weights <c>[outChannels][inChannels][kh][kw]</c> repacked as <c>[kh·kw][outChannels][inChannels]</c> (a tap's
    /// chain steps through the output channels one row of input channels at a time); false when a weight is not finite,
    /// and then the call must take the per-sample paths: the chains of taps a position does not reach read zeros and
    /// stay +0 only with finite weights.
    /// </summary>
    public static bool PackWeights(float* weight, float* packed, in Conv2dGeometry g)
    {
        int taps = g.KernelHeight * g.KernelWidth, outChannels = g.OutChannels, channels = g.Channels;
        bool finite = true;
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                float* source = weight + ((nint)((o * channels) + c) * taps);
                for (int t = 0; t < taps; t++)
                {
                    finite &= float.IsFinite(source[t]);
                    packed[(((nint)t * outChannels) + o) * channels + c] = source[t];
                }
            }
        }

        return finite;
    }

    /// <summary>
    /// The input gradient of <paramref name="samples"/> (1 to 16) consecutive samples, overwritten, from their output
    /// gradient and the weights <see cref="PackWeights"/> repacked; <paramref name="slot"/> holds
    /// <see cref="SlotFloats"/> floats.
    /// </summary>
    public static void Block(float* dy, float* packed, float* dx, int samples, float* slot, in Conv2dGeometry g)
    {
        float* gradients = slot;
        float* sums = slot + GradientFloats(g);
        SampleLanes.ToLanes(dy, samples, g.OutChannels, g.OutHeight, g.OutWidth, 0, Margin(g), gradients);
        Positions(gradients, packed, sums, g);
        SampleLanes.FromLanes(sums, samples, g.Channels, g.InputPlane, dx, null, false);
    }

    /// <summary>
    /// Every input position's sums over the taps that reach it (tap <c>(i, j)</c> reaches input <c>(y, x)</c> from output
    /// <c>(y + ph - i, x + pw - j)</c> where that exists), up to <see cref="MaxPositions"/> positions of a row at a time,
    /// in tiles of input channels. The positions run the taps that reach any of them; where a tap does not reach a
    /// position, that position reads the zero columns beside the plane and its chain stays +0 (finite weights: the caller
    /// checks), which adds nothing.
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
                // A row's last 4 positions as 2 and 2: a tile of one position has too few chains to hide their latency.
                int left = g.Width - x;
                positions = left == 4 ? 2 : Math.Min(MaxPositions, left);
                int taps = SampleTapTile.Reaching(g, y, x, positions, margin, Lanes, gradientOffsets, weightOffsets);

                float* sum = sums + ((((nint)y * g.Width) + x) * Lanes);
                for (int c = 0; c < channels; c += tileChannels)
                {
                    var tile = new SampleTapTile(gradients, packed + c, gradientOffsets, weightOffsets, taps, outChannels, channels, sum + (c * sumPlane), sumPlane);
                    switch (((Math.Min(tileChannels, channels - c) - 1) * MaxPositions) + positions - 1)
                    {
                        case 0: Sum<N1, N1>(tile); break;
                        case 1: Sum<N1, N2>(tile); break;
                        case 2: Sum<N1, N3>(tile); break;
                        case 3: Sum<N2, N1>(tile); break;
                        case 4: Sum<N2, N2>(tile); break;
                        case 5: Sum<N2, N3>(tile); break;
                        case 6: Sum<N3, N1>(tile); break;
                        case 7: Sum<N3, N2>(tile); break;
                        case 8: Sum<N3, N3>(tile); break;
                        case 9: Sum<N4, N1>(tile); break;
                        case 10: Sum<N4, N2>(tile); break;
                        case 11: Sum<N4, N3>(tile); break;
                        case 12: Sum<N5, N1>(tile); break;
                        case 13: Sum<N5, N2>(tile); break;
                        case 14: Sum<N5, N3>(tile); break;
                        case 15: Sum<N6, N1>(tile); break;
                        case 16: Sum<N6, N2>(tile); break;
                        default: Sum<N6, N3>(tile); break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The sums of <typeparamref name="TChannels"/> input channels at <typeparamref name="TPositions"/> neighbouring
    /// positions: per tap, one chain over the output channels per channel and position (each weight broadcast once for
    /// all the positions: 9 loads per 18 FMAs), added to the sum in memory, taps in order. The sums stay in memory (a
    /// load and a store per tap and chain against 16 FMAs) so the chains have the registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum<TChannels, TPositions>(in SampleTapTile tile)
        where TChannels : IConstant
        where TPositions : IConstant
    {
        int outChannels = tile.OutChannels;
        bool second = TPositions.Value > 1, third = TPositions.Value > 2;
        nint step = tile.Channels, plane = tile.SumPlane, next = (nint)outChannels * Lanes;
        float* sum = tile.Sum;
        for (int t = 0; t < tile.Taps; t++)
        {
            float* ya = tile.Gradients + tile.GradientOffsets[t];
            float* w = tile.Weights + tile.WeightOffsets[t];
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            for (int o = 0; o < outChannels; o++, ya += Lanes, w += step)
            {
                Vector512<float> va = Vector512.Load(ya), vb = second ? Vector512.Load(ya + next) : default, vc = third ? Vector512.Load(ya + (2 * next)) : default;
                SampleTile.Step<TChannels, TPositions>(w, va, vb, vc, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5);
            }

            SampleTile.PutAll<TChannels, TPositions>(sum, plane, false, a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5, c0, c1, c2, c3, c4, c5);
        }
    }

    /// <summary>Zero columns each side of an output row of the block's output gradient, where the kernel is wider than 1: the taps of a tile's positions reach up to <see cref="MaxPositions"/> - 1 past the plane.</summary>
    private static int Margin(in Conv2dGeometry g) => g.KernelWidth > 1 ? MaxPositions - 1 : 0;
}
