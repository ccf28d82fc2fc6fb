using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// The weight and bias gradients of a convolution whose output gradient comes from the max pool after it
/// (<see cref="Conv2d.BackwardWeightFromMaxPool"/>), over the positions the pool routes a gradient to: each window sends
/// its gradient to one position (its maximum), so a 2 × 2 pool leaves three positions of four at zero, and the dense
/// weight gradient spends three quarters of its products on them. Here each window's position is read from the pool's
/// indices and run through the kernel rows' chains of <see cref="Conv2dWeightGradientSparse.Chains"/> (8-lane rows of a
/// padded copy of the input plane, kernel columns in the lanes), without forming the output gradient at all.
/// </summary>
/// <remarks>
/// <para>
/// Summation order, the same on every instruction set and for any thread count: the batch is cut into
/// <see cref="Conv2dWeightGradient.SegmentCount"/> fixed sample segments. Per sample and output channel the pool's windows
/// are taken in row-major order, each with its position and gradient (+0 where the fused ReLU's derivative clears it:
/// the window's maximum at most 0; +0 for a window whose index is -1, all padding). Per (output channel, input channel,
/// kernel row) an 8-lane chain (kernel columns in the lanes) starts at +0 and takes <c>fma(x, g, chain)</c> over the
/// sample's windows in order, and is added to the segment's sum, samples in order. The bias's per-sample chain has 8
/// lanes, lane <c>l</c> adding the gradients of windows <c>w ≡ l (mod 8)</c>, summed as
/// <c>((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))</c>, and is added to the segment's bias sum, samples in order.
/// Each gradient is its segments' sums added in segment order. This is not the dense paths' order (the bits differ from
/// theirs within float32 rounding), but it depends on neither the thread count nor the vector width.
/// </para>
/// <para>
/// A window of gradient ±0 adds <c>x · (±0)</c>, which is ±0 for a finite <c>x</c> and leaves a chain that is never -0
/// (it starts at +0, and a sum that cancels rounds to +0) unchanged: the bits are those of the chains over the routed
/// gradients alone. A batch with a non-finite input takes the dense path instead (the part that meets it declines,
/// <see cref="Conv2dJob.Declined"/>, and <see cref="Conv2d.BackwardWeightFromMaxPool"/> runs the next path), where
/// <c>0 · ∞</c> gives the NaN PyTorch's dense products give.
/// </para>
/// </remarks>
internal static unsafe class Conv2dWeightGradientRouted
{
    private const int RowLanes = Conv2dWeightGradientSparse.RowLanes;

    /// <summary>Floats of a block of the slot, rounded to whole 64-byte lines.</summary>
    private static long Lines(long floats) => (floats + 15) & ~15L;

    /// <summary>
    /// Whether the shape takes this path: undilated kernel columns of at most 8 and kernel rows of at most 5 (one row's
    /// chain per vector, a kernel's rows in registers), and the part's lists, positions and input planes within the
    /// convolution's thread slot, and a segment's sums within its share of the partial gradients.
    /// </summary>
    public static bool Fits(in Conv2dGeometry g, in Pool2dGeometry pool)
        => Vector128.IsHardwareAccelerated && g.DilationWidth == 1 && g.KernelWidth <= RowLanes && g.KernelHeight <= Conv2dWeightGradientSparse.MaxKernelHeight
            && pool.InputPlane == g.OutputPlane
            && SlotFloats(g, pool) <= Conv2d.SlotFloats(g)
            && (long)Conv2dWeightGradient.Segments * SegmentFloats(g) <= Conv2d.PartialFloats(g);

    /// <summary>Floats of a part's slot: each output position's window offset, one plane's list (offsets and gradients), the input planes.</summary>
    private static long SlotFloats(in Conv2dGeometry g, in Pool2dGeometry pool)
        => Lines(g.OutputPlane) + (2 * Lines(pool.OutputPlane + RowLanes)) + ((long)g.Channels * Lines(Conv2dWeightGradientSparse.PlaneFloats(g)));

    /// <summary>Floats of a segment's sums: the weights' (<see cref="WeightSumFloats"/>), then one per output channel (the bias).</summary>
    private static long SegmentFloats(in Conv2dGeometry g) => WeightSumFloats(g) + g.OutChannels;

    /// <summary>Floats of a segment's weight sums, <c>[outChannels, groupChannels, kernelHeight, 8]</c>: where its bias sums start.</summary>
    private static nint WeightSumFloats(in Conv2dGeometry g) => (nint)g.OutChannels * g.GroupChannels * g.KernelHeight * RowLanes;

    /// <summary>
    /// Part <paramref name="part"/> of <see cref="Conv2dJob.Parts"/>: its segment, or every segment with fewer parts than
    /// segments (the job's items are the segments). <see cref="SumSegments"/> finishes the call.
    /// </summary>
    public static void Part(void* context, int part) => Conv2dWeightGradient.RunWholeSegments((Conv2dJob*)context, part, &Segment);

    private static void Segment(Conv2dJob* job, int part, int segment)
    {
        Conv2dGeometry g = job->Geometry;
        MaxPoolGradient pool = job->Pool;
        Pool2dGeometry p = pool.Geometry;
        float* sums = job->Partials + (segment * SegmentFloats(g));
        float* biasSums = sums + WeightSumFloats(g);
        new Span<float>(sums, checked((int)SegmentFloats(g))).Clear();

        int* windows = (int*)job->Slot(part);
        int* offsets = windows + Lines(g.OutputPlane);
        float* values = (float*)(offsets + Lines(p.OutputPlane + RowLanes));
        float* planes = values + Lines(p.OutputPlane + RowLanes);
        long planeFloats = Lines(Conv2dWeightGradientSparse.PlaneFloats(g));
        Conv2dWeightGradientSparse.Windows(g, windows);
        // The padding and the slack stay zero: the copies write only the planes' inner rows.
        new Span<float>(planes, checked((int)(g.Channels * planeFloats))).Clear();

        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        int first = (int)((long)segment * job->Batch / segments), end = (int)((long)(segment + 1) * job->Batch / segments);
        nint rowBlock = (nint)g.KernelHeight * RowLanes;
        for (int n = first; n < end; n++)
        {
            // Each part checks the samples it copies, on its own core, instead of the caller the whole batch beforehand.
            if (Volatile.Read(ref job->Declined) != 0 || !Conv2dWeightGradientSparse.AllFinite(job->Input + ((nint)n * g.InputSample), g.InputSample))
            {
                Volatile.Write(ref job->Declined, 1);
                return;
            }

            for (int c = 0; c < g.Channels; c++)
            {
                Conv2dWeightGradientSparse.CopyPlane(job->Input + (((nint)n * g.Channels) + c) * g.InputPlane, planes + (c * planeFloats), g);
            }

            for (int o = 0; o < g.OutChannels; o++)
            {
                long plane = ((long)n * g.OutChannels) + o;
                nint at = (nint)(plane * p.OutputPlane);
                int count = List(pool.Gradient + at, pool.Maxima == null ? null : pool.Maxima + at, pool.Indices + at, plane, g, p, windows, offsets, values, out float bias);
                biasSums[o] += bias;
                int firstChannel = o / g.GroupOutChannels * g.GroupChannels;
                for (int k = 0; k < g.GroupChannels; k++)
                {
                    float* rows = sums + ((((nint)o * g.GroupChannels) + k) * rowBlock);
                    Conv2dWeightGradientSparse.Chains(planes + ((firstChannel + k) * planeFloats), g, offsets, values, count, rows);
                }
            }
        }
    }

    /// <summary>
    /// One pool plane's windows in order: each window's position's offset in the copied input plane and its gradient (+0
    /// where the ReLU's derivative clears it, and for a window of index -1, whose offset is then 0), then +0 gradients up
    /// to a whole 8-float vector; returns how many windows, with the bias's chain of the gradients. Every window is listed,
    /// whatever its gradient: a branch per window on the data cost more than the products it saves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int List(float* gradient, float* maxima, int* indices, long plane, in Conv2dGeometry conv, in Pool2dGeometry p, int* windows, int* offsets, float* values, out float bias)
    {
        int count = p.OutputPlane;
        uint limit = (uint)p.InputPlane;
        int w = 0;
        if (Avx2.IsSupported && WindowOffsets.Fits(conv))
        {
            // Eight windows at a time while every index is inside its plane; the rest, and any other, one at a time.
            var grid = new WindowOffsets(conv);
            Vector256<int> top = Vector256.Create(p.InputPlane - 1);
            for (; w + 8 <= count; w += 8)
            {
                Vector256<int> index = Avx.LoadVector256(indices + w);
                if (!Vector256.EqualsAll(Vector256.Min(index.AsUInt32(), top.AsUInt32()), index.AsUInt32()))
                {
                    break;
                }

                Avx.Store(offsets + w, grid.Of(index));
                Vector256<float> routed = Avx.LoadVector256(gradient + w);
                if (maxima != null)
                {
                    routed = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Avx.LoadVector256(maxima + w), Vector256<float>.Zero), Vector256<float>.Zero, routed);
                }

                Avx.Store(values + w, routed);
            }
        }

        for (; w < count; w++)
        {
            int index = indices[w];
            if ((uint)index >= limit)
            {
                if (index != -1)
                {
                    throw MaxPool2d.IndexOutsidePlane(index, p.InputPlane, (plane * count) + w);
                }

                offsets[w] = 0;
                values[w] = 0f;
                continue;
            }

            offsets[w] = windows[index];
            values[w] = maxima == null || !(maxima[w] <= 0f) ? gradient[w] : 0f;
        }

        int padded = (count + RowLanes - 1) / RowLanes * RowLanes;
        for (int k = count; k < padded; k++)
        {
            offsets[k] = 0;
            values[k] = 0f;
        }

        // The bias's chain in 8 lanes by window and LaneSums' fixed tree: one chain of adds waited on each add's latency.
        var lanes = default(LaneSums.Floats);
        for (int k = 0; k < padded; k += RowLanes)
        {
            lanes.Lanes += Vector256.Load(values + k);
        }

        bias = lanes.Total();
        return count;
    }

    /// <summary>After every part: each weight's and bias's gradient is its segments' sums added in segment order.</summary>
    public static void SumSegments(Conv2dJob* job)
    {
        Conv2dGeometry g = job->Geometry;
        int segments = Conv2dWeightGradient.SegmentCount(job->Batch);
        long segmentFloats = SegmentFloats(g);
        nint biasAt = WeightSumFloats(g);
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int k = 0; k < g.GroupChannels; k++)
            {
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    nint row = ((((nint)o * g.GroupChannels) + k) * g.KernelHeight + i) * RowLanes;
                    float* weights = job->WeightGradient + ((((nint)o * g.GroupChannels) + k) * g.KernelHeight + i) * g.KernelWidth;
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        float sum = Conv2dWeightGradient.InSegmentOrder(job->Partials + row + j, segmentFloats, segments);

                        weights[j] = sum;
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
