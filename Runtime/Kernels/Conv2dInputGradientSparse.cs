using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The input gradient of a convolution whose output gradient is mostly zeros, as behind a max pool (a 2 × 2 pool passes
/// each window's gradient to one position of four; LeNet's conv2): per output position, only its nonzero output channels
/// are scattered, each adding its gradient times its kernel into the window of input positions it came from. The dense
/// paths spend three quarters of their multiply-adds on zeros there.
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample, the output gradient is transposed so that each position's channels are one 16-float vector
/// (then <c>-0</c> in the 16 floats after them) with a bit mask of the nonzero ones, and the input gradient is summed
/// in a padded channels-last plane (<c>[height + 2·padding, width + 2·padding, inChannels]</c>), where a kernel row's
/// window is <c>kernelWidth · inChannels</c> consecutive floats (at most 32: two 16-float vectors, padded with zero
/// weights). The weights are packed once per call as <c>[channel, kernel row, 32]</c>. The kernel rows of one output
/// column's window stay in registers while the positions move down the column: each position stores its top row and
/// loads the row below its window.
/// </para>
/// <para>
/// Summation order, the same on every instruction set and for any thread count: each input-gradient element starts at
/// +0 and takes <c>fma(w, g, sum)</c> for the output positions whose window covers it in column-major order (output
/// column by column, each from the top), and within a position for its nonzero output channels in ascending order.
/// Channels are taken two at a time; an odd count adds one <c>fma(+0, -0, sum)</c>, which is <c>sum</c> exactly (also for
/// <c>-0</c> and NaN). A zero gradient's products are left out: with finite weights each is ±0 added to a chain that is
/// never -0 (it starts at +0, and a sum that cancels rounds to +0), which leaves the chain's bits unchanged. This is
/// not the dense paths' order (the bits differ from theirs within float32 rounding); a sample whose output gradient is
/// more than a quarter nonzero takes the dense per-sample path and its bits instead, and a call whose weights are not
/// all finite, or whose samples are all dense, the dense paths alone.
/// </para>
/// </remarks>
internal static unsafe class Conv2dInputGradientSparse
{
    /// <summary>The most output channels: one position's channels are one 16-float vector and a 16-bit mask.</summary>
    public const int MaxOutChannels = 16;

    /// <summary>The floats of a kernel row's window (<c>kernelWidth · inChannels</c>) at most, and of a packed weight row.</summary>
    public const int RowFloats = 32;

    /// <summary>Kernel rows at most: two vectors a row, the window's rows in registers.</summary>
    public const int MaxKernelHeight = 5;

    /// <summary>Floats of a position's transposed gradient: its channels' 16, then 16 of <c>-0</c> for the pairing's odd channel.</summary>
    private const int PositionFloats = 32;

    /// <summary>Two channels past the last: where a position's mask ends, the pairs take the zero weights and <c>-0</c> gradients there.</summary>
    private const uint Sentinels = 0x3_0000;

    /// <summary>
    /// Whether the shape takes this path: one group, stride and dilation 1, at most <see cref="MaxOutChannels"/> output
    /// channels, at most <see cref="MaxKernelHeight"/> kernel rows and <see cref="RowFloats"/> floats of a kernel row's
    /// window.
    /// </summary>
    public static bool Fits(in Conv2dGeometry g)
        => Vector128.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
            && g.OutChannels <= MaxOutChannels && g.KernelHeight <= MaxKernelHeight && (long)g.KernelWidth * g.Channels <= RowFloats;

    /// <summary>Floats of a part's slot: the transposed gradient, its masks, the padded channels-last sum plane and a row's reach past it.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => GradientFloats(g) + MaskFloats(g) + ChannelsLast.PlaneFloats(g) + RowFloats;

    /// <summary>Floats of the packed weights in the workspace's partials: two zero channels past the last, for the pairs.</summary>
    public static long PackedFloats(in Conv2dGeometry g) => (MaxOutChannels + 2L) * g.KernelHeight * RowFloats;

    private static long GradientFloats(in Conv2dGeometry g) => (long)g.OutputPlane * PositionFloats;

    private static long MaskFloats(in Conv2dGeometry g) => (g.OutputPlane + 15L) & ~15L;

    /// <summary>
    /// Packs the weights as <c>[channel, kernel row, 32]</c> (a row's window order, <c>kernelColumn · inChannels + channel</c>,
    /// zeros after it, and two channels of zeros past the last); returns whether every weight is finite.
    /// </summary>
    public static bool PackWeights(float* weight, float* packed, in Conv2dGeometry g)
    {
        new Span<float>(packed, checked((int)PackedFloats(g))).Clear();
        bool finite = true;
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    float* source = weight + ((((nint)o * g.Channels) + c) * g.KernelHeight + i) * g.KernelWidth;
                    float* row = packed + (((nint)o * g.KernelHeight) + i) * RowFloats;
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        finite &= float.IsFinite(source[j]);
                        row[(j * g.Channels) + c] = source[j];
                    }
                }
            }
        }

        return finite;
    }

    /// <summary>Whether some sample's output gradient is at most a quarter nonzero (else every sample takes the dense paths).</summary>
    public static bool AnySampleSparse(float* outputGradient, int batch, in Conv2dGeometry g)
    {
        for (int n = 0; n < batch; n++)
        {
            if (Conv2dWeightGradientSparse.PaysOff(Conv2dWeightGradientSparse.CountNonzero(outputGradient + ((nint)n * g.OutputSample), g.OutputSample), g.OutputSample))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Part <paramref name="part"/>: its samples, each sparse or, more than a quarter nonzero, by the dense per-sample path.</summary>
    public static void Part(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        float* slot = job->Slot(part);
        float* gradient = slot;
        uint* masks = (uint*)(gradient + GradientFloats(g));
        float* plane = (float*)masks + MaskFloats(g);
        for (int n = first; n < end; n++)
        {
            float* dy = job->Output + ((nint)n * g.OutputSample);
            long nonzero = Transpose(dy, gradient, masks, g);
            if (!Conv2dWeightGradientSparse.PaysOff(nonzero, g.OutputSample))
            {
                Conv2dPasses.BackwardDataSample(job, n, slot);
                continue;
            }

            new Span<float>(plane, checked((int)(ChannelsLast.PlaneFloats(g) + RowFloats))).Clear();
            if (Vector512.IsHardwareAccelerated)
            {
                Scatter<Simd512, Vector512<float>>(gradient, masks, job->Partials, plane, g);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Scatter<Simd256, Vector256<float>>(gradient, masks, job->Partials, plane, g);
            }
            else
            {
                Scatter<Simd128, Vector128<float>>(gradient, masks, job->Partials, plane, g);
            }

            ChannelsLast.ToPlanes(plane, job->Input + ((nint)n * g.InputSample), g);
        }
    }

    /// <summary>
    /// The sample's output gradient <c>[outChannels, positions]</c> as <c>[position, 32]</c> (channels, zeros up to 16,
    /// then 16 of <c>-0</c>) with each position's mask of nonzero channels (NaN counts as nonzero); returns how many
    /// values are nonzero.
    /// </summary>
    private static long Transpose(float* dy, float* gradient, uint* masks, in Conv2dGeometry g)
    {
        int positions = g.OutputPlane, channels = g.OutChannels;
        long nonzero = 0;
        int p = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float>* rows = stackalloc Vector512<float>[16];
            Vector512<float> negativeZero = Vector512.Create(-0f);
            for (; p < positions; p += 16)
            {
                int count = Math.Min(16, positions - p);
                Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                for (int o = 0; o < 16; o++)
                {
                    rows[o] = o < channels ? Avx512F.MaskLoad(dy + ((nint)o * positions) + p, inside, Vector512<float>.Zero) : Vector512<float>.Zero;
                }

                Transpose16.InRegisters(rows);
                for (int k = 0; k < count; k++)
                {
                    Vector512<float> v = rows[k];
                    uint mask = (uint)(~Vector512.Equals(v, Vector512<float>.Zero)).ExtractMostSignificantBits();
                    nonzero += BitOperations.PopCount(mask);
                    masks[p + k] = mask;
                    float* at = gradient + ((nint)(p + k) * PositionFloats);
                    v.Store(at);
                    negativeZero.Store(at + 16);
                }
            }

            return nonzero;
        }

        for (; p < positions; p++)
        {
            float* at = gradient + ((nint)p * PositionFloats);
            uint mask = 0;
            for (int o = 0; o < 16; o++)
            {
                float v = o < channels ? dy[((nint)o * positions) + p] : 0f;
                at[o] = v;
                at[16 + o] = -0f;
                mask |= v != 0f ? 1u << o : 0;
            }

            nonzero += BitOperations.PopCount(mask);
            masks[p] = mask;
        }

        return nonzero;
    }

    /// <summary>Every output column's scatter, in passes of two vectors across the window row's floats.</summary>
    private static void Scatter<TOps, TVec>(float* gradient, uint* masks, float* packed, float* plane, in Conv2dGeometry g)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int rowFloats = g.KernelWidth * g.Channels;
        TVec limit = TOps.Broadcast(rowFloats);
        float* offsets = stackalloc float[RowFloats];
        for (int i = 0; i < RowFloats; i++)
        {
            offsets[i] = i;
        }

        // Column by column, each through all of its passes: the next column's window overlaps this one's from its
        // second float of channels on, and must add its products after this column's.
        for (int column = 0; column < g.OutWidth; column++)
        {
            for (int lane = 0; lane < rowFloats; lane += 2 * TOps.Count)
            {
                TVec lowIndex = TOps.Load(ref offsets[lane], 0), highIndex = TOps.Load(ref offsets[lane + TOps.Count], 0);
                switch (g.KernelHeight)
                {
                    case 5:
                        Column<TOps, TVec, N5>(gradient, masks, packed, plane, g, column, lane, lowIndex, highIndex, limit);
                        break;
                    case 4:
                        Column<TOps, TVec, N4>(gradient, masks, packed, plane, g, column, lane, lowIndex, highIndex, limit);
                        break;
                    case 3:
                        Column<TOps, TVec, N3>(gradient, masks, packed, plane, g, column, lane, lowIndex, highIndex, limit);
                        break;
                    case 2:
                        Column<TOps, TVec, N2>(gradient, masks, packed, plane, g, column, lane, lowIndex, highIndex, limit);
                        break;
                    default:
                        Column<TOps, TVec, N1>(gradient, masks, packed, plane, g, column, lane, lowIndex, highIndex, limit);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// One output column's positions, top to bottom, over floats <c>[lane, lane + 2·Count)</c> of each window row: the
    /// window's <typeparamref name="TRows"/> rows in <c>a_i</c>/<c>b_i</c> (locals the JIT keeps in registers), each
    /// position's channels two at a time, then its top row stored (only the floats inside the window row) and the row
    /// below its window loaded.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Column<TOps, TVec, TRows>(
        float* gradient, uint* masks, float* packed, float* plane, in Conv2dGeometry g, int column, int lane, TVec lowIndex, TVec highIndex, TVec limit)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        nint half = TOps.Count;
        nint rowStep = ChannelsLast.RowStep(g);
        nint channelStep = (nint)g.KernelHeight * RowFloats;
        int rows = TRows.Value, outHeight = g.OutHeight, outWidth = g.OutWidth;
        float* top = plane + ((nint)column * g.Channels) + lane;
        float* weights = packed + lane;
        TVec a0 = TOps.Load(ref *top, 0), b0 = TOps.Load(ref top[half], 0);
        TVec a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0, a4 = a0, b4 = b0;
        if (rows > 1)
        {
            a1 = TOps.Load(ref top[rowStep], 0);
            b1 = TOps.Load(ref top[rowStep + half], 0);
        }

        if (rows > 2)
        {
            a2 = TOps.Load(ref top[2 * rowStep], 0);
            b2 = TOps.Load(ref top[(2 * rowStep) + half], 0);
        }

        if (rows > 3)
        {
            a3 = TOps.Load(ref top[3 * rowStep], 0);
            b3 = TOps.Load(ref top[(3 * rowStep) + half], 0);
        }

        if (rows > 4)
        {
            a4 = TOps.Load(ref top[4 * rowStep], 0);
            b4 = TOps.Load(ref top[(4 * rowStep) + half], 0);
        }

        for (int y = 0; ; y++)
        {
            int position = (y * outWidth) + column;
            float* values = gradient + ((nint)position * PositionFloats);
            uint bits = masks[position] | Sentinels;
            while ((bits & 0xFFFF) != 0)
            {
                Pair<TOps, TVec, TRows>(ref bits, weights, values, channelStep, ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, ref a4, ref b4);
            }

            StoreInside<TOps, TVec>(top, a0, lowIndex, limit);
            StoreInside<TOps, TVec>(top + half, b0, highIndex, limit);
            if (y + 1 == outHeight)
            {
                break;
            }

            float* below = top + (rows * rowStep);
            top += rowStep;
            if (rows == 1)
            {
                a0 = TOps.Load(ref *below, 0);
                b0 = TOps.Load(ref below[half], 0);
                continue;
            }

            a0 = a1;
            b0 = b1;
            if (rows == 2)
            {
                a1 = TOps.Load(ref *below, 0);
                b1 = TOps.Load(ref below[half], 0);
                continue;
            }

            a1 = a2;
            b1 = b2;
            if (rows == 3)
            {
                a2 = TOps.Load(ref *below, 0);
                b2 = TOps.Load(ref below[half], 0);
                continue;
            }

            a2 = a3;
            b2 = b3;
            if (rows == 4)
            {
                a3 = TOps.Load(ref *below, 0);
                b3 = TOps.Load(ref below[half], 0);
                continue;
            }

            a3 = a4;
            b3 = b4;
            a4 = TOps.Load(ref *below, 0);
            b4 = TOps.Load(ref below[half], 0);
        }

        // The last position's window rows below its top.
        if (rows > 1)
        {
            StoreInside<TOps, TVec>(top + rowStep, a1, lowIndex, limit);
            StoreInside<TOps, TVec>(top + rowStep + half, b1, highIndex, limit);
        }

        if (rows > 2)
        {
            StoreInside<TOps, TVec>(top + (2 * rowStep), a2, lowIndex, limit);
            StoreInside<TOps, TVec>(top + (2 * rowStep) + half, b2, highIndex, limit);
        }

        if (rows > 3)
        {
            StoreInside<TOps, TVec>(top + (3 * rowStep), a3, lowIndex, limit);
            StoreInside<TOps, TVec>(top + (3 * rowStep) + half, b3, highIndex, limit);
        }

        if (rows > 4)
        {
            StoreInside<TOps, TVec>(top + (4 * rowStep), a4, lowIndex, limit);
            StoreInside<TOps, TVec>(top + (4 * rowStep) + half, b4, highIndex, limit);
        }
    }

    /// <summary>The next two channels of <paramref name="bits"/> (a sentinel for the second of an odd count), cleared from it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair<TOps, TVec, TRows>(
        ref uint bits, float* weights, float* values, nint channelStep, ref TVec a0, ref TVec b0, ref TVec a1, ref TVec b1, ref TVec a2, ref TVec b2, ref TVec a3, ref TVec b3, ref TVec a4, ref TVec b4)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        int first = BitOperations.TrailingZeroCount(bits);
        bits &= bits - 1;
        int second = BitOperations.TrailingZeroCount(bits);
        bits &= bits - 1;
        Channel<TOps, TVec, TRows>(weights + (first * channelStep), TOps.Broadcast(values[first]), ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, ref a4, ref b4);
        Channel<TOps, TVec, TRows>(weights + (second * channelStep), TOps.Broadcast(values[second]), ref a0, ref b0, ref a1, ref b1, ref a2, ref b2, ref a3, ref b3, ref a4, ref b4);
    }

    /// <summary>One channel's products into the window's rows: <c>a_i = fma(w[i], g, a_i)</c>, likewise <c>b_i</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Channel<TOps, TVec, TRows>(
        float* w, TVec g, ref TVec a0, ref TVec b0, ref TVec a1, ref TVec b1, ref TVec a2, ref TVec b2, ref TVec a3, ref TVec b3, ref TVec a4, ref TVec b4)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        nint half = TOps.Count;
        a0 = TOps.MultiplyAdd(TOps.Load(ref *w, 0), g, a0);
        b0 = TOps.MultiplyAdd(TOps.Load(ref w[half], 0), g, b0);
        if (TRows.Value > 1)
        {
            a1 = TOps.MultiplyAdd(TOps.Load(ref w[RowFloats], 0), g, a1);
            b1 = TOps.MultiplyAdd(TOps.Load(ref w[RowFloats + half], 0), g, b1);
        }

        if (TRows.Value > 2)
        {
            a2 = TOps.MultiplyAdd(TOps.Load(ref w[2 * RowFloats], 0), g, a2);
            b2 = TOps.MultiplyAdd(TOps.Load(ref w[(2 * RowFloats) + half], 0), g, b2);
        }

        if (TRows.Value > 3)
        {
            a3 = TOps.MultiplyAdd(TOps.Load(ref w[3 * RowFloats], 0), g, a3);
            b3 = TOps.MultiplyAdd(TOps.Load(ref w[(3 * RowFloats) + half], 0), g, b3);
        }

        if (TRows.Value > 4)
        {
            a4 = TOps.MultiplyAdd(TOps.Load(ref w[4 * RowFloats], 0), g, a4);
            b4 = TOps.MultiplyAdd(TOps.Load(ref w[(4 * RowFloats) + half], 0), g, b4);
        }
    }

    /// <summary>
    /// Stores the lanes of <paramref name="sums"/> whose offset in the window row is inside it; the others keep what memory
    /// holds (read back here: no other position writes there while a column runs), so they never take the products of the
    /// zero weights past the row, which an infinite gradient would turn into NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInside<TOps, TVec>(float* at, TVec sums, TVec offsets, TVec limit)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => TOps.Store(TOps.SelectLess(offsets, limit, sums, TOps.Load(ref *at, 0)), ref *at, 0);
}
