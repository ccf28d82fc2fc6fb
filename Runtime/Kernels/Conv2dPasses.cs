using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// The parts of <see cref="Conv2d"/>'s passes as the worker pool runs them: part <c>p</c> of <c>P</c> takes the
/// items (samples, or reduction lanes of the weight gradient) <c>[p·items/P, (p+1)·items/P)</c> and the workspace slot
/// <c>p</c>. Each item's result is computed by the same operations whichever part runs it.
/// </summary>
internal static unsafe class Conv2dPasses
{
    /// <summary>
    /// Forward: per sample, the column matrix and one product per group into the output (or, for shapes that suit them,
    /// <see cref="Conv2dChannelDirect"/> from the weights it repacked into <see cref="Conv2dJob.Partials"/>,
    /// <see cref="Conv2dDirect"/>, or without 512-bit vectors <see cref="Conv2dPlaneDirectAvx2"/>; all give the same bits),
    /// then bias and activation.
    /// </summary>
    public static void ForwardPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        (int first, int end) = job->Range(part);
        ForwardSamples(job, first, end, job->Slot(part));
    }

    /// <summary>
    /// Samples <c>[first, end)</c>'s forward pass by the per-sample path their shape takes, <paramref name="columns"/> the
    /// thread's slot; <paramref name="packedWeights"/> false when <see cref="Conv2dJob.Partials"/> holds something other than
    /// <see cref="Conv2dChannelDirect"/>'s repacked weights (that path is then passed over: the paths give the same bits).
    /// </summary>
    internal static void ForwardSamples(Conv2dJob* job, int first, int end, float* columns, bool packedWeights = true)
    {
        Conv2dGeometry g = job->Geometry;
        int groupOut = g.GroupOutChannels, reduction = g.GroupReduction, plane = g.OutputPlane;
        bool depthwise = Conv2dDepthwise.Applies(g);
        bool channels = !depthwise && packedWeights && Conv2dChannelDirect.Applies(g);
        bool plane256 = !depthwise && !channels && Conv2dPlaneDirectAvx2.Applies(g);
        bool direct = depthwise || channels || plane256 || Conv2dDirect.Applies(g);

        // The direct paths add the bias and apply ReLU as they store (the same operations as the passes below).
        bool stored = direct && job->Activation is Activation.None or Activation.ReLU;
        for (int n = first; n < end; n++)
        {
            float* x = job->Input + ((nint)n * g.InputSample);
            float* y = job->Output + ((nint)n * g.OutputSample);
            float* b = x;
            if (depthwise)
            {
                Conv2dDepthwise.Forward(x, job->Weight, stored ? job->Bias : null, stored && job->Activation == Activation.ReLU, y, columns, g);
            }
            else if (channels)
            {
                Conv2dChannelDirect.Sample(x, job->Partials, y, columns, g, stored ? job->Bias : null, stored && job->Activation == Activation.ReLU);
            }
            else if (plane256)
            {
                Conv2dPlaneDirectAvx2.Sample(x, job->Weight, y, columns, g, stored ? job->Bias : null, stored && job->Activation == Activation.ReLU);
            }
            else if (direct)
            {
                Conv2dDirect.Sample(x, job->Weight, y, columns, g, stored ? job->Bias : null, stored && job->Activation == Activation.ReLU);
            }
            else if (!g.IsPointwise)
            {
                Im2Col.Gather(x, g.Channels, g, columns, plane);
                b = columns;
            }

            for (int group = 0; group < g.Groups && !direct; group++)
            {
                Gemm.Multiply(
                    new ReadOnlySpan<float>(job->Weight + ((nint)group * groupOut * reduction), groupOut * reduction),
                    new ReadOnlySpan<float>(b + ((nint)group * reduction * plane), reduction * plane),
                    new Span<float>(y + ((nint)group * groupOut * plane), groupOut * plane),
                    groupOut, reduction, plane);
            }

            if (job->Bias != null && !stored)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    AddScalar(new Span<float>(y + ((nint)o * plane), plane), job->Bias[o]);
                }
            }

            if (job->Activation != Activation.None && !stored)
            {
                var sample = new Span<float>(y, g.OutputSample);
                ElementwiseActivation.Forward(sample, sample, sample.Length, job->Activation, 0f, 0f);
            }
        }
    }

    /// <summary>
    /// Forward in blocks of <see cref="Conv2dForwardBySamples.Lanes"/> samples (the items), by
    /// <see cref="Conv2dForwardBySamples"/> from the weights it repacked into <see cref="Conv2dJob.Partials"/>, bias and
    /// ReLU included; a last block of fewer samples leaves lanes idle. The per-sample paths' bits.
    /// </summary>
    public static void ForwardBySamplesPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        for (int block = first; block < end; block++)
        {
            int n = block * Conv2dForwardBySamples.Lanes, samples = Math.Min(Conv2dForwardBySamples.Lanes, job->Batch - n);
            Conv2dForwardBySamples.Block(
                job->Input + ((nint)n * g.InputSample), job->Partials, job->Bias, job->Output + ((nint)n * g.OutputSample), samples, job->Slot(part), g,
                job->Activation == Activation.ReLU);
        }
    }

    /// <summary>
    /// Input gradient: per sample and group, <c>Wᵀ·dY</c> into the column matrix, scattered back onto the cleared input
    /// gradient (or, for shapes that suit them, <see cref="Conv2dInputGradientByPlanes"/> or <see cref="Conv2dInputGradient"/>,
    /// which give the same bits).
    /// </summary>
    public static void BackwardDataPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        (int first, int end) = job->Range(part);
        for (int n = first; n < end; n++)
        {
            BackwardDataSample(job, n, job->Slot(part));
        }
    }

    /// <summary>
    /// Input gradient in blocks of <see cref="Conv2dInputGradientBySamples.Lanes"/> samples (the items), by
    /// <see cref="Conv2dInputGradientBySamples"/> from the weights it repacked into <see cref="Conv2dJob.Partials"/>; a
    /// last block of fewer than <see cref="Conv2dInputGradientBySamples.MinSamples"/> samples sample by sample. The same
    /// bits either way.
    /// </summary>
    public static void BackwardDataBySamplesPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        float* slot = job->Slot(part);
        for (int block = first; block < end; block++)
        {
            int n = block * Conv2dInputGradientBySamples.Lanes, samples = Math.Min(Conv2dInputGradientBySamples.Lanes, job->Batch - n);
            if (samples >= Conv2dInputGradientBySamples.MinSamples)
            {
                Conv2dInputGradientBySamples.Block(job->Output + ((nint)n * g.OutputSample), job->Partials, job->Input + ((nint)n * g.InputSample), samples, slot, g);
                continue;
            }

            for (int s = n; s < n + samples; s++)
            {
                BackwardDataSample(job, s, slot);
            }
        }
    }

    /// <summary>
    /// <see cref="ForwardBySamplesPart"/> with 256-bit vectors: blocks of <see cref="Conv2dForwardBySamplesAvx2.Lanes"/>
    /// samples by <see cref="Conv2dForwardBySamplesAvx2"/>, a last block of fewer than
    /// <see cref="Conv2dForwardBySamplesAvx2.MinSamples"/> samples sample by sample. The per-sample paths' bits either way.
    /// </summary>
    public static void ForwardBySamplesAvx2Part(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        float* slot = job->Slot(part);
        for (int block = first; block < end; block++)
        {
            int n = block * Conv2dForwardBySamplesAvx2.Lanes, samples = Math.Min(Conv2dForwardBySamplesAvx2.Lanes, job->Batch - n);
            if (samples >= Conv2dForwardBySamplesAvx2.MinSamples)
            {
                Conv2dForwardBySamplesAvx2.Block(
                    job->Input + ((nint)n * g.InputSample), job->Partials, job->Bias, job->Output + ((nint)n * g.OutputSample), samples, slot, g,
                    job->Activation == Activation.ReLU);
                continue;
            }

            // Partials holds this path's repacking; the per-sample path that reads its own (Conv2dChannelDirect) needs 512-bit vectors.
            ForwardSamples(job, n, n + samples, slot);
        }
    }

    /// <summary>
    /// <see cref="BackwardDataBySamplesPart"/> with 256-bit vectors: blocks of <see cref="Conv2dInputGradientBySamplesAvx2.Lanes"/>
    /// samples by <see cref="Conv2dInputGradientBySamplesAvx2"/>, a last block of fewer than
    /// <see cref="Conv2dInputGradientBySamplesAvx2.MinSamples"/> samples sample by sample. The same bits either way.
    /// </summary>
    public static void BackwardDataBySamplesAvx2Part(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        float* slot = job->Slot(part);
        for (int block = first; block < end; block++)
        {
            int n = block * Conv2dInputGradientBySamplesAvx2.Lanes, samples = Math.Min(Conv2dInputGradientBySamplesAvx2.Lanes, job->Batch - n);
            if (samples >= Conv2dInputGradientBySamplesAvx2.MinSamples)
            {
                Conv2dInputGradientBySamplesAvx2.Block(job->Output + ((nint)n * g.OutputSample), job->Partials, job->Input + ((nint)n * g.InputSample), samples, slot, g);
                continue;
            }

            for (int s = n; s < n + samples; s++)
            {
                BackwardDataSample(job, s, slot);
            }
        }
    }

    /// <summary>Sample <paramref name="n"/>'s input gradient by the per-sample path its shape takes, <paramref name="columns"/> its thread's slot.</summary>
    internal static void BackwardDataSample(Conv2dJob* job, int n, float* columns)
    {
        Conv2dGeometry g = job->Geometry;
        int groupOut = g.GroupOutChannels, reduction = g.GroupReduction, plane = g.OutputPlane;
        float* dy = job->Output + ((nint)n * g.OutputSample);
        float* dx = job->Input + ((nint)n * g.InputSample);
        if (job->DepthwiseInputGradient)
        {
            Conv2dDepthwise.InputGradient(dy, job->Weight, dx, columns, g);
            return;
        }

        if (Conv2dInputGradientByPlanes.Applies(g))
        {
            Conv2dInputGradientByPlanes.Sample(dy, job->Weight, dx, g);
            return;
        }

        if (Conv2dInputGradient.Applies(g))
        {
            Conv2dInputGradient.Sample(dy, job->Weight, dx, g);
            return;
        }

        if (Conv2dInputGradientByPlanesAvx2.Applies(g))
        {
            Conv2dInputGradientByPlanesAvx2.Sample(dy, job->Weight, dx, g);
            return;
        }

        float* c = g.IsPointwise ? dx : columns;
        for (int group = 0; group < g.Groups; group++)
        {
            Gemm.MultiplyTransposeA(
                new ReadOnlySpan<float>(job->Weight + ((nint)group * groupOut * reduction), groupOut * reduction),
                new ReadOnlySpan<float>(dy + ((nint)group * groupOut * plane), groupOut * plane),
                new Span<float>(c + ((nint)group * reduction * plane), reduction * plane),
                reduction, groupOut, plane);
        }

        if (!g.IsPointwise)
        {
            new Span<float>(dx, g.InputSample).Clear();
            Im2Col.ScatterAdd(columns, plane, g.Channels, g, dx);
        }
    }

    /// <summary>
    /// Weight gradient of the reduction lanes of one part: each lane's samples in blocks of up to
    /// <see cref="Conv2dJob.ChunkSamples"/>, one product <c>dY · [col(X); 1]ᵀ</c> per block and group (the row of ones
    /// gives the bias gradient), summed block by block into the lane's partial gradient <c>[outChannels, K/groups + 1]</c>.
    /// </summary>
    public static void BackwardWeightPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int firstLane, int endLane) = job->Range(part);
        int groupOut = g.GroupOutChannels, reduction = g.GroupReduction, plane = g.OutputPlane, row = reduction + 1;
        int chunk = job->ChunkSamples;
        int partialFloats = g.OutChannels * row;
        float* columns = job->Slot(part);
        float* block = columns + ((nint)g.Groups * row * chunk * plane);
        float* scratch = block + (chunk > 1 ? (nint)chunk * g.OutputSample : 0);
        for (int lane = firstLane; lane < endLane; lane++)
        {
            int first = (int)((long)lane * job->Batch / job->Lanes), end = (int)((long)(lane + 1) * job->Batch / job->Lanes);
            float* partial = job->Partials + ((nint)lane * partialFloats);
            for (int s0 = first; s0 < end; s0 += chunk)
            {
                int count = Math.Min(chunk, end - s0);
                int length = count * plane;
                for (int group = 0; group < g.Groups; group++)
                {
                    float* rows = columns + ((nint)group * row * length);
                    for (int s = 0; s < count; s++)
                    {
                        float* x = job->Input + ((nint)(s0 + s) * g.InputSample) + ((nint)group * g.GroupChannels * g.InputPlane);
                        Im2Col.Gather(x, g.GroupChannels, g, rows + ((nint)s * plane), length);
                    }

                    new Span<float>(rows + ((nint)reduction * length), length).Fill(1f);
                }

                float* dy = job->Output + ((nint)s0 * g.OutputSample);
                if (count > 1)
                {
                    for (int s = 0; s < count; s++)
                    {
                        for (int o = 0; o < g.OutChannels; o++)
                        {
                            new ReadOnlySpan<float>(dy + ((nint)s * g.OutputSample) + ((nint)o * plane), plane)
                                .CopyTo(new Span<float>(block + ((nint)o * length) + ((nint)s * plane), plane));
                        }
                    }

                    dy = block;
                }

                float* destination = s0 == first ? partial : scratch;
                for (int group = 0; group < g.Groups; group++)
                {
                    Gemm.MultiplyTransposeB(
                        new ReadOnlySpan<float>(dy + ((nint)group * groupOut * length), groupOut * length),
                        new ReadOnlySpan<float>(columns + ((nint)group * row * length), row * length),
                        new Span<float>(destination + ((nint)group * groupOut * row), groupOut * row),
                        groupOut, length, row);
                }

                if (destination == scratch)
                {
                    Add(new Span<float>(partial, partialFloats), new ReadOnlySpan<float>(scratch, partialFloats));
                }
            }
        }
    }

    /// <summary>Adds the lanes' partial gradients in lane order into the weight gradient and (when not empty) the bias gradient.</summary>
    public static void SumLanes(Conv2dJob* job, Span<float> weightGradient, Span<float> biasGradient)
    {
        Conv2dGeometry g = job->Geometry;
        int reduction = g.GroupReduction, row = reduction + 1, partialFloats = g.OutChannels * row;
        for (int o = 0; o < g.OutChannels; o++)
        {
            Span<float> destination = weightGradient.Slice(o * reduction, reduction);
            new ReadOnlySpan<float>(job->Partials + ((nint)o * row), reduction).CopyTo(destination);
            float bias = job->Partials[((nint)o * row) + reduction];
            for (int lane = 1; lane < job->Lanes; lane++)
            {
                float* source = job->Partials + ((nint)lane * partialFloats) + ((nint)o * row);
                Add(destination, new ReadOnlySpan<float>(source, reduction));
                bias += source[reduction];
            }

            if (!biasGradient.IsEmpty)
            {
                biasGradient[o] = bias;
            }
        }
    }

    /// <summary><c>values[i] += addend</c>: the same rounding per element at every vector width.</summary>
    private static void AddScalar(Span<float> values, float addend)
    {
        Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var broadcast = new Vector<float>(addend);
        for (int v = 0; v < vectors.Length; v++)
        {
            vectors[v] += broadcast;
        }

        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            values[i] += addend;
        }
    }

    /// <summary><c>destination[i] += source[i]</c>: the same rounding per element at every vector width.</summary>
    private static void Add(Span<float> destination, ReadOnlySpan<float> source)
    {
        Span<Vector<float>> d = MemoryMarshal.Cast<float, Vector<float>>(destination);
        ReadOnlySpan<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(source);
        for (int v = 0; v < d.Length; v++)
        {
            d[v] += s[v];
        }

        for (int i = d.Length * Vector<float>.Count; i < destination.Length; i++)
        {
            destination[i] += source[i];
        }
    }
}

/// <summary>One <see cref="Conv2d"/> call as its parts see it: the shape, the operands, the split and the workspace.</summary>
internal unsafe struct Conv2dJob
{
    /// <summary>The shape.</summary>
    public readonly Conv2dGeometry Geometry;

    /// <summary>Samples.</summary>
    public readonly int Batch;

    /// <summary>The input (forward, weight gradient) or the input gradient (input gradient pass).</summary>
    public float* Input;

    /// <summary>The weights.</summary>
    public float* Weight;

    /// <summary>The bias of the forward pass, or null.</summary>
    public float* Bias;

    /// <summary>The output (forward) or the output gradient (backward passes).</summary>
    public float* Output;

    /// <summary>The lanes' partial weight gradients; in the forward pass, the weights <see cref="Conv2dChannelDirect"/> repacked.</summary>
    public float* Partials;

    /// <summary>The weight gradient written by <see cref="Conv2dWeightGradient"/>.</summary>
    public float* WeightGradient;

    /// <summary>The bias gradient written by <see cref="Conv2dWeightGradient"/>, or null.</summary>
    public float* BiasGradient;

    /// <summary>The max pool whose backward pass gives the weight gradient's output gradient, if it is not <see cref="Output"/>.</summary>
    public MaxPoolGradient Pool;

    /// <summary>The forward pass's activation.</summary>
    public Activation Activation;

    /// <summary>The input gradient takes <see cref="Conv2dDepthwise"/> (its shape, and weights checked finite once per call).</summary>
    public bool DepthwiseInputGradient;

    /// <summary>The vector width of <see cref="Conv2dWeightGradient"/>, read once by the submitting thread.</summary>
    public GemmIsa Isa;

    /// <summary>The number of parts.</summary>
    public int Parts;

    /// <summary>The items the parts share: samples, or reduction lanes.</summary>
    public int Items;

    /// <summary>Reduction lanes of the weight gradient.</summary>
    public int Lanes;

    /// <summary>Samples per weight-gradient product.</summary>
    public int ChunkSamples;

    /// <summary>
    /// Set by a part of <see cref="Conv2dWeightGradientByPositions"/> or <see cref="Conv2dWeightGradientRouted"/> whose
    /// data does not suit it (a non-finite input, for the first too few zeros): the call runs the next paths instead.
    /// </summary>
    public int Declined;

    private readonly float* _slots;
    private readonly long _slotFloats;

    public Conv2dJob(in Conv2dGeometry geometry, int batch, float* slots, long slotFloats)
    {
        Geometry = geometry;
        Batch = batch;
        _slots = slots;
        _slotFloats = slotFloats;
    }

    /// <summary>The items <c>[first, end)</c> of <paramref name="part"/>.</summary>
    public readonly (int First, int End) Range(int part) =>
        ((int)((long)part * Items / Parts), (int)((long)(part + 1) * Items / Parts));

    /// <summary>The workspace slot of <paramref name="part"/>.</summary>
    public readonly float* Slot(int part) => _slots + (part * _slotFloats);
}
