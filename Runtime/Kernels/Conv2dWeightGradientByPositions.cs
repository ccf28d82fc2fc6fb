using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// The weight and bias gradients of a convolution whose output gradient is mostly zeros, as behind a max pool (LeNet's
/// conv2), over its nonzero values only: each adds its gradient times the input window it came from to its output
/// channel's weight gradient. The dense paths spend three quarters of their multiply-adds on zeros there.
/// </summary>
/// <remarks>
/// <para>
/// Layout. Per sample the input is copied channels-last and padded (<c>[height + 2·padding, width + 2·padding,
/// inChannels]</c>), where a kernel row's window is <c>kernelWidth · inChannels</c> consecutive floats (at most 32: two
/// 16-float vectors). An output channel's weight gradient is summed as <c>[kernel row, 32]</c> in the window's order
/// (<c>kernelColumn · inChannels + channel</c>; the floats past the window are products of the next positions' inputs,
/// never read back); its rows stay in registers while the channel's nonzero positions are taken from bit masks of its
/// output-gradient plane.
/// </para>
/// <para>
/// Summation order: that of <see cref="Conv2dWeightGradientByChannels"/> (the same bits wherever both take a shape), the
/// same on every instruction set and for any thread count. The batch is cut into
/// <see cref="Conv2dWeightGradient.SegmentCount"/> fixed sample segments; per sample each weight's chain starts at +0 and
/// takes <c>fma(x, g, chain)</c> over its output channel's positions in row-major order, <c>x</c> the input under the
/// weight's tap there (+0 in the padding), and is added to its segment's sum, samples in order; the bias's chain adds the
/// gradients. Each gradient is its segments' sums added in segment order. A zero gradient's products are left out: with
/// finite inputs each is ±0 added to a chain that is never -0 (it starts at +0, and a sum that cancels rounds to +0),
/// which leaves the chain's bits unchanged. A call in which some sample's output gradient is more than a quarter nonzero,
/// or some input is not finite, declines (<see cref="Conv2dJob.Declined"/>) and runs the next path, where
/// <c>0 · ∞</c> gives the NaN PyTorch's dense products give.
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradientByPositions
{
    /// <summary>The floats of a kernel row's window (<c>kernelWidth · inChannels</c>) at most, and of a summed weight row.</summary>
    public const int RowFloats = 32;

    /// <summary>Kernel rows at most: two vectors a row, the rows in registers.</summary>
    public const int MaxKernelHeight = 5;

    /// <summary>Positions of one mask word.</summary>
    private const int MaskPositions = 32;

    /// <summary>The most output channels: a segment's sums within 64 KB.</summary>
    public const int MaxOutChannels = 64;

    /// <summary>
    /// Whether the shape takes this path (given a mostly-zero output gradient and finite inputs): one group, stride and
    /// dilation 1, at most <see cref="MaxOutChannels"/> output channels, at most <see cref="MaxKernelHeight"/> kernel rows
    /// of at most <see cref="RowFloats"/> floats of a window row.
    /// </summary>
    public static bool Fits(in Conv2dGeometry g)
        => Vector128.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
            && g.OutChannels <= MaxOutChannels && g.KernelHeight <= MaxKernelHeight && (long)g.KernelWidth * g.Channels <= RowFloats;

    /// <summary>Floats of a part's slot: the padded channels-last input, a row's reach past it, and each output position's window offset.</summary>
    public static long SlotFloats(in Conv2dGeometry g) => ChannelsLast.PlaneFloats(g) + RowFloats + g.OutputPlane;

    /// <summary>Floats of the segments' sums at the start of the workspace.</summary>
    public static long PartialFloats(in Conv2dGeometry g) => Conv2dWeightGradient.Segments * SegmentFloats(g);

    /// <summary>Floats of a segment's sums: <c>[outChannels, kernelHeight, 32]</c>, then the bias per output channel.</summary>
    private static long SegmentFloats(in Conv2dGeometry g) => WeightSumFloats(g) + g.OutChannels;

    private static nint WeightSumFloats(in Conv2dGeometry g) => (nint)g.OutChannels * g.KernelHeight * RowFloats;

    /// <summary>
    /// Part <paramref name="part"/> of <see cref="Conv2dJob.Parts"/>: its segment, or every segment with fewer parts than
    /// segments. <see cref="SumSegments"/> finishes the call unless a part declined.
    /// </summary>
    public static void Part(void* context, int part) => Conv2dWeightGradient.RunWholeSegments((Conv2dJob*)context, part, &Segment);

    private static void Segment(Conv2dJob* job, int part, int segment)
    {
        Conv2dGeometry g = job->Geometry;
        float* sums = job->Partials + (segment * SegmentFloats(g));
        new Span<float>(sums, checked((int)SegmentFloats(g))).Clear();
        float* plane = job->Slot(part);
        int* offsets = (int*)(plane + ChannelsLast.PlaneFloats(g) + RowFloats);
        // The padding and the reach past the plane stay zero: the copies write only the inner positions.
        new Span<float>(plane, checked((int)(ChannelsLast.PlaneFloats(g) + RowFloats))).Clear();
        for (int y = 0; y < g.OutHeight; y++)
        {
            for (int x = 0; x < g.OutWidth; x++)
            {
                offsets[(y * g.OutWidth) + x] = (y * ChannelsLast.RowStep(g)) + (x * g.Channels);
            }
        }

        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        int first = (int)((long)segment * job->Batch / segments), end = (int)((long)(segment + 1) * job->Batch / segments);
        for (int n = first; n < end; n++)
        {
            float* dy = job->Output + ((nint)n * g.OutputSample);
            if (Volatile.Read(ref job->Declined) != 0
                || !Conv2dWeightGradientSparse.PaysOff(Conv2dWeightGradientSparse.CountNonzero(dy, g.OutputSample), g.OutputSample)
                || !CopyPlane(job->Input + ((nint)n * g.InputSample), plane, g))
            {
                Volatile.Write(ref job->Declined, 1);
                return;
            }

            if (Vector512.IsHardwareAccelerated)
            {
                Sample<Simd512, Vector512<float>>(dy, plane, offsets, sums, g);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Sample<Simd256, Vector256<float>>(dy, plane, offsets, sums, g);
            }
            else
            {
                Sample<Simd128, Vector128<float>>(dy, plane, offsets, sums, g);
            }
        }
    }

    /// <summary>The sample's input <c>[inChannels, height, width]</c> into the padded channels-last plane; returns whether every value is finite.</summary>
    private static bool CopyPlane(float* x, float* plane, in Conv2dGeometry g)
    {
        if (!Conv2dWeightGradientSparse.AllFinite(x, g.InputSample))
        {
            return false;
        }

        ChannelsLast.FromPlanes(x, plane, g);
        return true;
    }

    /// <summary>One sample's products into the segment's sums, output channel by output channel, in passes of two vectors across the window row.</summary>
    private static void Sample<TOps, TVec>(float* dy, float* plane, int* offsets, float* sums, in Conv2dGeometry g)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int rowFloats = g.KernelWidth * g.Channels;
        float* biasSums = sums + WeightSumFloats(g);
        for (int o = 0; o < g.OutChannels; o++)
        {
            float* gradient = dy + ((nint)o * g.OutputPlane);
            float* rows = sums + ((nint)o * g.KernelHeight * RowFloats);
            for (int lane = 0; lane < rowFloats; lane += 2 * TOps.Count)
            {
                switch (g.KernelHeight)
                {
                    case 5:
                        Channel<TOps, TVec, N5>(gradient, plane + lane, offsets, rows + lane, lane == 0 ? biasSums + o : null, g);
                        break;
                    case 4:
                        Channel<TOps, TVec, N4>(gradient, plane + lane, offsets, rows + lane, lane == 0 ? biasSums + o : null, g);
                        break;
                    case 3:
                        Channel<TOps, TVec, N3>(gradient, plane + lane, offsets, rows + lane, lane == 0 ? biasSums + o : null, g);
                        break;
                    case 2:
                        Channel<TOps, TVec, N2>(gradient, plane + lane, offsets, rows + lane, lane == 0 ? biasSums + o : null, g);
                        break;
                    default:
                        Channel<TOps, TVec, N1>(gradient, plane + lane, offsets, rows + lane, lane == 0 ? biasSums + o : null, g);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// One output channel's products over floats <c>[lane, lane + 2·Count)</c> of its window rows (<paramref name="plane"/>
    /// and <paramref name="rows"/> already at the lane): the <typeparamref name="TRows"/> rows' sums in <c>a_i</c>/<c>b_i</c>,
    /// locals the JIT keeps in registers, and the channel's nonzero positions in row-major order; with
    /// <paramref name="bias"/>, the bias's chain of their gradients too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Channel<TOps, TVec, TRows>(float* gradient, float* plane, int* offsets, float* rows, float* bias, in Conv2dGeometry g)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TRows : IConstant
    {
        nint half = TOps.Count;
        nint rowStep = ChannelsLast.RowStep(g);
        int positions = g.OutputPlane;
        TVec a0 = TOps.Broadcast(0f), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0;
        float biasChain = 0f;
        for (int first = 0; first < positions; first += MaskPositions)
        {
            uint bits = NonzeroBits(gradient, first, positions);
            while (bits != 0)
            {
                int position = first + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                float value = gradient[position];
                biasChain += value;
                TVec v = TOps.Broadcast(value);
                float* x = plane + offsets[position];
                a0 = TOps.MultiplyAdd(TOps.Load(ref *x, 0), v, a0);
                b0 = TOps.MultiplyAdd(TOps.Load(ref x[half], 0), v, b0);
                if (TRows.Value > 1)
                {
                    a1 = TOps.MultiplyAdd(TOps.Load(ref x[rowStep], 0), v, a1);
                    b1 = TOps.MultiplyAdd(TOps.Load(ref x[rowStep + half], 0), v, b1);
                }

                if (TRows.Value > 2)
                {
                    a2 = TOps.MultiplyAdd(TOps.Load(ref x[2 * rowStep], 0), v, a2);
                    b2 = TOps.MultiplyAdd(TOps.Load(ref x[(2 * rowStep) + half], 0), v, b2);
                }

                if (TRows.Value > 3)
                {
                    a3 = TOps.MultiplyAdd(TOps.Load(ref x[3 * rowStep], 0), v, a3);
                    b3 = TOps.MultiplyAdd(TOps.Load(ref x[(3 * rowStep) + half], 0), v, b3);
                }

                if (TRows.Value > 4)
                {
                    a4 = TOps.MultiplyAdd(TOps.Load(ref x[4 * rowStep], 0), v, a4);
                    b4 = TOps.MultiplyAdd(TOps.Load(ref x[(4 * rowStep) + half], 0), v, b4);
                }
            }
        }

        if (bias != null)
        {
            *bias += biasChain;
        }

        AddRow<TOps, TVec>(rows, a0, b0);
        if (TRows.Value > 1)
        {
            AddRow<TOps, TVec>(rows + RowFloats, a1, b1);
        }

        if (TRows.Value > 2)
        {
            AddRow<TOps, TVec>(rows + (2 * RowFloats), a2, b2);
        }

        if (TRows.Value > 3)
        {
            AddRow<TOps, TVec>(rows + (3 * RowFloats), a3, b3);
        }

        if (TRows.Value > 4)
        {
            AddRow<TOps, TVec>(rows + (4 * RowFloats), a4, b4);
        }
    }

    /// <summary><c>row += chain</c>: a sample's chains into the segment's sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TOps, TVec>(float* row, TVec low, TVec high)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TOps.Store(TOps.Add(TOps.Load(ref *row, 0), low), ref *row, 0);
        TOps.Store(TOps.Add(TOps.Load(ref row[TOps.Count], 0), high), ref row[TOps.Count], 0);
    }

    /// <summary>Bit <c>k</c> set when <c>gradient[first + k]</c> is nonzero (NaN included), for the positions before <paramref name="positions"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonzeroBits(float* gradient, int first, int positions)
    {
        int count = Math.Min(MaskPositions, positions - first);
        uint bits = 0;
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k + 8 <= count; k += 8)
            {
                bits |= (~Vector256.Equals(Vector256.Load(gradient + first + k), Vector256<float>.Zero)).ExtractMostSignificantBits() << k;
            }
        }

        for (; k < count; k++)
        {
            bits |= gradient[first + k] != 0f ? 1u << k : 0;
        }

        return bits;
    }

    /// <summary>After every part (none declined): each weight's and bias's gradient is its segments' sums added in segment order.</summary>
    public static void SumSegments(Conv2dJob* job)
    {
        Conv2dGeometry g = job->Geometry;
        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        long segmentFloats = SegmentFloats(g);
        nint biasAt = WeightSumFloats(g);
        int taps = g.KernelHeight * g.KernelWidth;
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        nint at = ((((nint)o * g.KernelHeight) + i) * RowFloats) + (j * g.Channels) + c;
                        float sum = Conv2dWeightGradient.InSegmentOrder(job->Partials + at, segmentFloats, segments);

                        job->WeightGradient[((((nint)o * g.Channels) + c) * taps) + (i * g.KernelWidth) + j] = sum;
                    }
                }
            }

            if (job->BiasGradient != null)
            {
                float sum = Conv2dWeightGradient.InSegmentOrder(job->Partials + biasAt + o, segmentFloats, segments);

                job->BiasGradient[o] = sum;
            }
        }
    }
}
