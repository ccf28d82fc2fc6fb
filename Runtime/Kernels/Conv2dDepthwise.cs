using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The depthwise convolution (<c>groups = in = out channels</c>, one kernel per channel, as in MobileNet's separable
/// blocks) plane by plane, with the GEMM path's bits. That path multiplies a 1-row weight matrix by each channel's column
/// matrix, a packed product of one row per channel and sample, and ran at 1-6 GFLOP/s (docs/performance.md, "Depthwise
/// convolutions"). Here each channel's plane is copied once into the thread's slot with its zero border (in column phases
/// for a stride), and every output row is a chain of <c>kh·kw</c> multiply-adds over whole vectors of the row. The weight
/// gradient (<see cref="WeightGradientPart"/>, for the shapes the stride-1 weight-gradient paths do not take) keeps the GEMM
/// path's dot products and copies their columns from the same padded plane.
/// </summary>
/// <remarks>
/// <para>
/// Bits. Forward: the GEMM path's value of an output is the fused multiply-add chain from +0 over the taps in order
/// (<c>i</c> then <c>j</c>), padding taps included as <c>fma(w, +0, acc)</c>; the chain here is the same, read from the padded
/// copy, and the bias and activation are the GEMM path's passes' operations, applied as each vector is stored. Input
/// gradient: the GEMM path forms <c>w·dY</c> for every tap (a chain of one product) and adds them onto +0 in tap order at
/// each input position; here each input position adds <c>w·dY</c> of the taps in the same order from a zero-bordered copy
/// of <c>dY</c>, whose border adds <c>w·0 = ±0</c> to a sum that starts at +0 (which changes no value), so the path needs
/// finite weights (<see cref="FiniteWeights"/>; an infinite one would turn a border product into NaN). Every width and the
/// scalar tail take the same steps (<see cref="ISimdOps{TVec}"/>'s multiply-add, or multiply then add), so the results are
/// the same on every instruction set.
/// </para>
/// <para>
/// Why not wider tiles: a depthwise layer does <c>kh·kw</c> multiply-adds per output and reads as many inputs from L1, so
/// it is bound by loads and the trip through memory of its planes, not by the FMA units.
/// </para>
/// </remarks>
internal static unsafe class Conv2dDepthwise
{
    /// <summary>The most taps of a kernel (the forward pass keeps their offsets on the stack).</summary>
    private const int MaxTaps = 256;

    /// <summary>
    /// Whether the forward pass, the input gradient and (where no stride-1 weight-gradient path fits) the weight gradient take
    /// this path: one group per channel, one output channel per group, any stride, padding and dilation (the input gradient
    /// also needs <see cref="FiniteWeights"/>).
    /// </summary>
    public static bool Applies(in Conv2dGeometry g)
        => g.Groups > 1 && g.Groups == g.Channels && g.OutChannels == g.Channels && g.KernelHeight * g.KernelWidth <= MaxTaps;

    /// <summary>Floats of the thread's slot the passes use: the larger of the padded input plane (in column phases) and the bordered output-gradient plane.</summary>
    public static long SlotFloats(in Conv2dGeometry g)
    {
        (int top, int bottom, int left, int right) = GradientBorder(g);
        long input = PaddedFloats(g);
        long gradient = (long)(Stuffed(g.OutHeight, g.StrideHeight) + top + bottom) * (Stuffed(g.OutWidth, g.StrideWidth) + left + right);
        return Math.Max(input, gradient);
    }

    /// <summary>Whether every weight is finite (the input-gradient path's condition).</summary>
    public static bool FiniteWeights(float* weight, in Conv2dGeometry g)
    {
        int count = g.Channels * g.KernelHeight * g.KernelWidth;
        for (int i = 0; i < count; i++)
        {
            if (!float.IsFinite(weight[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// One sample's forward pass, <paramref name="y"/> <c>[C, OH, OW]</c> from <paramref name="x"/> <c>[C, H, W]</c>, plus
    /// <paramref name="bias"/> (unless null) and then ReLU (if <paramref name="relu"/>) as each vector is stored: the
    /// operations of the separate passes (<c>y + b</c>, then <see cref="ReLUFunction"/>'s maximum with 0), so the same bits.
    /// </summary>
    /// <remarks>
    /// The padded plane is stored in column phases: padded row <c>r</c>'s columns <c>q, q + sw, q + 2·sw, …</c> form phase row
    /// <c>r·sw + q</c>, so that tap <c>(i, j)</c> of outputs <c>ow, ow + 1, …</c> reads consecutive floats of phase
    /// <c>(j·dw) mod sw</c> from column <c>ow + ⌊j·dw / sw⌋</c> whatever the stride (with stride 1, the padded plane itself).
    /// </remarks>
    public static void Forward(float* x, float* weight, float* bias, bool relu, float* y, float* slot, in Conv2dGeometry g)
    {
        int stride = g.StrideWidth, phaseWidth = PhaseWidth(g);
        int taps = g.KernelHeight * g.KernelWidth;
        int* offsets = stackalloc int[taps];
        InputTapOffsets(g, phaseWidth, offsets);
        for (int c = 0; c < g.Channels; c++)
        {
            PaddedPlane(x + ((nint)c * g.InputPlane), slot, g, phaseWidth);
            float* w = weight + ((nint)c * taps);
            float* output = y + ((nint)c * g.OutputPlane);
            var epilogue = new Epilogue(bias == null ? null : bias + c, relu);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                Row<FusedStep>(slot + ((nint)oh * g.StrideHeight * stride * phaseWidth), offsets, taps, w, output + ((nint)oh * g.OutWidth), g.OutWidth, epilogue);
            }
        }
    }

    /// <summary>
    /// One sample's input gradient, overwritten: <paramref name="dx"/> <c>[C, H, W]</c> from <paramref name="dy"/>
    /// <c>[C, OH, OW]</c>. With a stride, the output gradient is first spread out to the input's spacing, <c>dY[oh, ow]</c> at
    /// <c>(oh·sh, ow·sw)</c> and zeros between: every tap then reads its output at an offset as with stride 1, and the
    /// products of the zeros (taps whose output does not exist) add ±0, which changes no sum.
    /// </summary>
    public static void InputGradient(float* dy, float* weight, float* dx, float* slot, in Conv2dGeometry g)
    {
        (int top, int bottom, int left, int right) = GradientBorder(g);
        int stuffedHeight = Stuffed(g.OutHeight, g.StrideHeight), stuffedWidth = Stuffed(g.OutWidth, g.StrideWidth);
        int borderedWidth = stuffedWidth + left + right, borderedHeight = stuffedHeight + top + bottom;
        int taps = g.KernelHeight * g.KernelWidth;
        int* offsets = stackalloc int[taps];
        for (int i = 0; i < g.KernelHeight; i++)
        {
            for (int j = 0; j < g.KernelWidth; j++)
            {
                // Tap (i, j) reaches input (ih, iw) from the spread-out output (ih + ph - i·dh, iw + pw - j·dw).
                offsets[(i * g.KernelWidth) + j] = -((i * g.DilationHeight * borderedWidth) + (j * g.DilationWidth));
            }
        }

        for (int c = 0; c < g.Channels; c++)
        {
            float* plane = dy + ((nint)c * g.OutputPlane);
            if (g.StrideHeight == 1 && g.StrideWidth == 1)
            {
                Border(plane, g.OutHeight, g.OutWidth, slot, borderedHeight, borderedWidth, top, left);
            }
            else
            {
                new Span<float>(slot, borderedHeight * borderedWidth).Clear();
                for (int oh = 0; oh < g.OutHeight; oh++)
                {
                    float* row = slot + ((nint)((oh * g.StrideHeight) + top) * borderedWidth) + left;
                    for (int ow = 0; ow < g.OutWidth; ow++)
                    {
                        row[ow * g.StrideWidth] = plane[(oh * g.OutWidth) + ow];
                    }
                }
            }

            float* w = weight + ((nint)c * taps);
            float* gradient = dx + ((nint)c * g.InputPlane);
            for (int ih = 0; ih < g.Height; ih++)
            {
                // Input row ih's tap (0, 0) reads the bordered copy at (ih + ph + top, pw + left).
                float* origin = slot + ((nint)(ih + g.PaddingHeight + top) * borderedWidth) + g.PaddingWidth + left;
                Row<RoundedStep>(origin, offsets, taps, w, gradient + ((nint)ih * g.Width), g.Width, default);
            }
        }
    }

    /// <summary>
    /// Floats of a slot the weight gradient uses for <paramref name="chunk"/> samples at a time: the padded plane, the
    /// chunk's column matrix of one channel (its taps and a row of ones) and the chunk's output gradient of that channel.
    /// </summary>
    public static long WeightGradientSlotFloats(in Conv2dGeometry g, int chunk)
        => PaddedFloats(g) + (((long)(g.KernelHeight * g.KernelWidth) + 2) * chunk * g.OutputPlane);

    /// <summary>
    /// A thread part of the weight and bias gradients (<see cref="Conv2d"/>'s reduction lanes <c>Range(part)</c> of the job,
    /// into their partial gradients, which <see cref="Conv2dPasses.SumLanes"/> adds), with the bits of the GEMM path's
    /// <see cref="Conv2dPasses.BackwardWeightPart"/>: per lane and chunk of samples, each channel's column matrix (its taps'
    /// inputs, zeros for padding, then a row of ones for the bias) multiplied by its output gradient in
    /// <see cref="RowKernels.DotRows{TOps, TVec, TPartial}"/>, the dot products <see cref="Gemm"/> runs for a single row;
    /// the lane's first chunk stored, the others added. The columns come from the padded plane in column phases, a run of
    /// consecutive floats per tap and output row, where the GEMM path gathers every value one by one (1.7 µs of the 1.9
    /// µs a channel and sample took in MobileNet's stride-2 layer, docs/performance.md).
    /// </summary>
    public static void WeightGradientPart(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        switch (job->Isa)
        {
            case GemmIsa.Avx512:
                WeightGradientLanes<Simd512, Vector512<float>, Partial512>(job, part);
                break;
            case GemmIsa.Avx2:
                WeightGradientLanes<Simd256, Vector256<float>, Partial256>(job, part);
                break;
            default:
                WeightGradientLanes<SimdVector, Vector<float>, PartialVector>(job, part);
                break;
        }
    }

    private static void WeightGradientLanes<TOps, TVec, TPartial>(Conv2dJob* job, int part)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        Conv2dGeometry g = job->Geometry;
        (int firstLane, int endLane) = job->Range(part);
        int taps = g.KernelHeight * g.KernelWidth, row = taps + 1, plane = g.OutputPlane, chunk = job->ChunkSamples;
        int phaseWidth = PhaseWidth(g);
        nint rowStep = (nint)g.StrideHeight * g.StrideWidth * phaseWidth;
        int* offsets = stackalloc int[taps];
        float* sums = stackalloc float[row];
        InputTapOffsets(g, phaseWidth, offsets);
        float* padded = job->Slot(part);
        float* columns = padded + PaddedFloats(g);
        float* gradient = columns + ((nint)row * chunk * plane);
        for (int lane = firstLane; lane < endLane; lane++)
        {
            int first = (int)((long)lane * job->Batch / job->Lanes), end = (int)((long)(lane + 1) * job->Batch / job->Lanes);
            float* partial = job->Partials + ((nint)lane * g.OutChannels * row);
            for (int s0 = first; s0 < end; s0 += chunk)
            {
                int count = Math.Min(chunk, end - s0), length = count * plane;
                new Span<float>(columns + ((nint)taps * length), length).Fill(1f);
                for (int c = 0; c < g.Channels; c++)
                {
                    for (int s = 0; s < count; s++)
                    {
                        PaddedPlane(job->Input + ((nint)(s0 + s) * g.InputSample) + ((nint)c * g.InputPlane), padded, g, phaseWidth);
                        for (int t = 0; t < taps; t++)
                        {
                            float* source = padded + offsets[t];
                            float* destination = columns + ((nint)t * length) + ((nint)s * plane);
                            for (int oh = 0; oh < g.OutHeight; oh++, source += rowStep, destination += g.OutWidth)
                            {
                                RowCopy.Copy(source, destination, g.OutWidth);
                            }
                        }
                    }

                    float* dy = job->Output + ((nint)s0 * g.OutputSample) + ((nint)c * plane);
                    if (count > 1)
                    {
                        for (int s = 0; s < count; s++)
                        {
                            RowCopy.Copy(dy + ((nint)s * g.OutputSample), gradient + ((nint)s * plane), plane);
                        }

                        dy = gradient;
                    }

                    RowKernels.DotRows<TOps, TVec, TPartial>(dy, columns, sums, null, 1, length, row, 0, row, false, Activation.None);
                    float* destinationSums = partial + ((nint)c * row);
                    for (int k = 0; k < row; k++)
                    {
                        destinationSums[k] = s0 == first ? sums[k] : destinationSums[k] + sums[k];
                    }
                }
            }
        }
    }

    /// <summary>The extent of <paramref name="size"/> outputs spread <paramref name="stride"/> apart: <c>(size - 1)·stride + 1</c>.</summary>
    private static int Stuffed(int size, int stride) => ((size - 1) * stride) + 1;

    /// <summary>
    /// The zero rows and columns the bordered (spread-out) output-gradient copy needs on each side, so that every tap of
    /// every input position reads inside it: <c>(kh - 1)·dh - ph</c> above, <c>H - 1 + ph - ((OH - 1)·sh)</c> below, likewise
    /// for columns.
    /// </summary>
    private static (int Top, int Bottom, int Left, int Right) GradientBorder(in Conv2dGeometry g)
        => (Math.Max(0, ((g.KernelHeight - 1) * g.DilationHeight) - g.PaddingHeight), Math.Max(0, g.Height - 1 + g.PaddingHeight - (Stuffed(g.OutHeight, g.StrideHeight) - 1)),
            Math.Max(0, ((g.KernelWidth - 1) * g.DilationWidth) - g.PaddingWidth), Math.Max(0, g.Width - 1 + g.PaddingWidth - (Stuffed(g.OutWidth, g.StrideWidth) - 1)));

    /// <summary>
    /// Where tap <c>(i, j)</c> of output row 0 starts in the padded plane <see cref="PaddedPlane"/> writes: row <c>i·dh</c>'s
    /// phase <c>(j·dw) mod sw</c>, column <c>⌊j·dw / sw⌋</c>; output row <c>oh</c> adds <c>oh·sh·sw</c> phase rows.
    /// </summary>
    private static void InputTapOffsets(in Conv2dGeometry g, int phaseWidth, int* offsets)
    {
        int stride = g.StrideWidth;
        for (int i = 0; i < g.KernelHeight; i++)
        {
            for (int j = 0; j < g.KernelWidth; j++)
            {
                int column = j * g.DilationWidth;
                offsets[(i * g.KernelWidth) + j] = ((((i * g.DilationHeight) * stride) + (column % stride)) * phaseWidth) + (column / stride);
            }
        }
    }

    /// <summary>Copies one <c>H × W</c> plane into <paramref name="to"/> zero-padded, in column phases for a stride (<see cref="Forward"/>).</summary>
    private static void PaddedPlane(float* plane, float* to, in Conv2dGeometry g, int phaseWidth)
    {
        if (g.StrideWidth == 1)
        {
            Border(plane, g.Height, g.Width, to, g.Height + (2 * g.PaddingHeight), phaseWidth, g.PaddingHeight, g.PaddingWidth);
        }
        else
        {
            Phases(plane, to, g, phaseWidth);
        }
    }

    /// <summary>Floats of the padded plane in column phases (<see cref="PaddedPlane"/>).</summary>
    private static long PaddedFloats(in Conv2dGeometry g) => (long)(g.Height + (2 * g.PaddingHeight)) * g.StrideWidth * PhaseWidth(g);

    /// <summary>The floats of a phase row: the padded width divided by the stride, rounded up.</summary>
    private static int PhaseWidth(in Conv2dGeometry g) => (g.Width + (2 * g.PaddingWidth) + g.StrideWidth - 1) / g.StrideWidth;

    /// <summary>Copies the <c>H × W</c> plane into <paramref name="to"/> as the zero-padded plane's column phases (<see cref="Forward"/>).</summary>
    private static void Phases(float* from, float* to, in Conv2dGeometry g, int phaseWidth)
    {
        int stride = g.StrideWidth;
        new Span<float>(to, (g.Height + (2 * g.PaddingHeight)) * stride * phaseWidth).Clear();
        for (int r = 0; r < g.Height; r++)
        {
            float* row = to + ((nint)(r + g.PaddingHeight) * stride * phaseWidth);
            float* source = from + ((nint)r * g.Width);
            if (stride == 2 && Avx2.IsSupported)
            {
                // Input column c is padded column c + pw, at (c + pw) / 2 of phase (c + pw) mod 2: input column 2m at m + ⌊pw/2⌋ of
                // phase pw mod 2, column 2m + 1 at m + ⌊(pw + 1)/2⌋ of the other.
                int evenPhase = g.PaddingWidth & 1;
                float* even = row + ((nint)evenPhase * phaseWidth) + (g.PaddingWidth / 2);
                float* odd = row + ((nint)(1 - evenPhase) * phaseWidth) + ((g.PaddingWidth + 1) / 2);
                Deinterleave(source, g.Width, even, odd);
                continue;
            }

            for (int q = 0; q < stride; q++)
            {
                // Phase q holds padded columns k·stride + q, input columns k·stride + q - pw: from the first inside the input.
                float* phase = row + ((nint)q * phaseWidth);
                int k = g.PaddingWidth > q ? (g.PaddingWidth - q + stride - 1) / stride : 0;
                for (int column = (k * stride) + q - g.PaddingWidth; column < g.Width; column += stride, k++)
                {
                    phase[k] = source[column];
                }
            }
        }
    }

    /// <summary>
    /// <paramref name="source"/>'s even elements to <paramref name="even"/> and its odd ones to <paramref name="odd"/> (a
    /// row of stride 2's two phases), 16 at a time in two 8-float permutes and two lane swaps.
    /// </summary>
    private static void Deinterleave(float* source, int width, float* even, float* odd)
    {
        int m = 0;
        for (; (2 * m) + 16 <= width; m += 8)
        {
            Deinterleave16(source, m, even, odd);
        }

        if (m > 0 && (2 * m) < width)
        {
            // The last 16 (15 of an odd width, the last one below) again, over pairs already split.
            m = (width - 16) / 2;
            Deinterleave16(source, m, even, odd);
            m += 8;
        }

        for (int c = 2 * m; c < width; c++)
        {
            ((c & 1) == 0 ? even : odd)[c >> 1] = source[c];
        }
    }

    /// <summary><paramref name="source"/>'s 16 floats from <c>2·m</c> to <paramref name="even"/> and <paramref name="odd"/> from <c>m</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave16(float* source, int m, float* even, float* odd)
    {
        Vector256<int> order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        Vector256<float> a = Avx2.PermuteVar8x32(Avx.LoadVector256(source + (2 * m)), order);
        Vector256<float> b = Avx2.PermuteVar8x32(Avx.LoadVector256(source + (2 * m) + 8), order);
        Avx.Store(even + m, Avx.Permute2x128(a, b, 0x20));
        Avx.Store(odd + m, Avx.Permute2x128(a, b, 0x31));
    }

    /// <summary>Copies the <paramref name="height"/> × <paramref name="width"/> plane into <paramref name="to"/> at (<paramref name="top"/>, <paramref name="left"/>) of a zeroed <paramref name="toHeight"/> × <paramref name="toWidth"/> plane.</summary>
    private static void Border(float* from, int height, int width, float* to, int toHeight, int toWidth, int top, int left)
    {
        new Span<float>(to, toHeight * toWidth).Clear();
        for (int r = 0; r < height; r++)
        {
            RowCopy.Copy(from + ((nint)r * width), to + ((nint)(r + top) * toWidth) + left, width);
        }
    }

    /// <summary>
    /// One row: <c>y[o] = +0 ⊕ w[0]·row[offsets[0] + o] ⊕ w[1]·row[offsets[1] + o] ⊕ …</c>, taps in order, each step
    /// <typeparamref name="TStep"/>'s (a fused multiply-add for the forward pass, a product then a sum for the input
    /// gradient), then <paramref name="epilogue"/>; in the widest vectors the row fills (<see cref="Vector{T}"/>, else 4
    /// lanes, else one at a time: every width rounds alike).
    /// </summary>
    private static void Row<TStep>(float* row, int* offsets, int taps, float* w, float* y, int width, Epilogue epilogue)
        where TStep : ITapStep
    {
        if (width >= Vector<float>.Count)
        {
            Row<SimdVector, Vector<float>, TStep>(row, offsets, taps, w, y, width, epilogue);
        }
        else if (width >= Vector128<float>.Count && Vector128.IsHardwareAccelerated)
        {
            Row<Simd128, Vector128<float>, TStep>(row, offsets, taps, w, y, width, epilogue);
        }
        else
        {
            for (int o = 0; o < width; o++)
            {
                float sum = 0f;
                for (int t = 0; t < taps; t++)
                {
                    sum = TStep.Step<ScalarOps, float>(w[t], row[offsets[t] + o], sum);
                }

                y[o] = epilogue.Apply<ScalarOps, float>(sum);
            }
        }
    }

    /// <summary>
    /// <see cref="Row{TStep}"/> in vectors of <typeparamref name="TVec"/>, <paramref name="width"/> at least one vector: four
    /// vectors run their chains side by side (one chain waits on each step before it), and the last four of a row end at
    /// its end, overlapping the ones before (recomputed alike, stored alike).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row<TOps, TVec, TStep>(float* row, int* offsets, int taps, float* w, float* y, int width, Epilogue epilogue)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TStep : ITapStep
    {
        int lanes = TOps.Count, last = width - lanes;
        for (int o = 0; o < width; o += 4 * lanes)
        {
            int at0 = Math.Min(o, last), at1 = Math.Min(o + lanes, last), at2 = Math.Min(o + (2 * lanes), last), at3 = Math.Min(o + (3 * lanes), last);
            TVec sum0 = TOps.Broadcast(0f), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int t = 0; t < taps; t++)
            {
                TVec weight = TOps.Broadcast(w[t]);
                ref float tap = ref row[offsets[t]];
                sum0 = TStep.Step<TOps, TVec>(weight, TOps.Load(ref tap, (nuint)at0), sum0);
                sum1 = TStep.Step<TOps, TVec>(weight, TOps.Load(ref tap, (nuint)at1), sum1);
                sum2 = TStep.Step<TOps, TVec>(weight, TOps.Load(ref tap, (nuint)at2), sum2);
                sum3 = TStep.Step<TOps, TVec>(weight, TOps.Load(ref tap, (nuint)at3), sum3);
            }

            TOps.Store(epilogue.Apply<TOps, TVec>(sum0), ref *y, (nuint)at0);
            TOps.Store(epilogue.Apply<TOps, TVec>(sum1), ref *y, (nuint)at1);
            TOps.Store(epilogue.Apply<TOps, TVec>(sum2), ref *y, (nuint)at2);
            TOps.Store(epilogue.Apply<TOps, TVec>(sum3), ref *y, (nuint)at3);
        }
    }

    /// <summary>How a row adds one tap's product to its sum.</summary>
    private interface ITapStep
    {
        /// <summary>The sum after adding <c>weight · value</c>.</summary>
        static abstract TVec Step<TOps, TVec>(TVec weight, TVec value, TVec sum)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    /// <summary>The forward pass's step, the GEMM's: one fused multiply-add (<see cref="ISimdOps{TVec}.MultiplyAdd"/>).</summary>
    private readonly struct FusedStep : ITapStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Step<TOps, TVec>(TVec weight, TVec value, TVec sum)
            where TOps : ISimdOps<TVec>
            where TVec : struct => TOps.MultiplyAdd(weight, value, sum);
    }

    /// <summary>The input gradient's step, the scatter's: the product rounded, then added.</summary>
    private readonly struct RoundedStep : ITapStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Step<TOps, TVec>(TVec weight, TVec value, TVec sum)
            where TOps : ISimdOps<TVec>
            where TVec : struct => TOps.Add(sum, TOps.Multiply(weight, value));
    }

    /// <summary>The bias add and ReLU of the forward pass's stores (each optional; <c>default</c> applies neither).</summary>
    private readonly struct Epilogue(float* bias, bool relu)
    {
        private readonly float* _bias = bias;
        private readonly bool _relu = relu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Apply<TOps, TVec>(TVec sum)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            if (_bias != null)
            {
                sum = TOps.Add(sum, TOps.Broadcast(*_bias));
            }

            return _relu ? ReLUFunction.Forward<TOps, TVec>(sum) : sum;
        }
    }
}
