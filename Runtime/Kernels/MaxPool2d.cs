using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// 2-d max pooling, PyTorch's <c>nn.MaxPool2d</c> (floor or ceil mode) over NCHW input <c>[batch, channels, height, width]</c>:
/// each output is the largest input in its window, padding counting as -∞. The forward pass records where each maximum
/// was (the flat index <c>ih·width + iw</c> in its input plane, like <c>return_indices=True</c>); the backward pass adds
/// each output gradient to that position, and <see cref="BackwardThroughReLU"/> also applies the derivative of a ReLU
/// that produced the input.
/// </summary>
public static unsafe class MaxPool2d
{
    /// <summary>
    /// Input values a thread must get before a pass splits its planes across threads (about 10 µs of the forward's
    /// four-lane scan, 3 µs of the AVX-512 row-pair path; handing work to a spinning worker costs about 0.25 µs).
    /// </summary>
    internal const long MinWorkPerThread = 1L << 15;

    /// <summary>
    /// The forward pass. Ties go to the first maximum in scan order (rows, then columns), and a NaN wins (the last one
    /// in scan order), as in PyTorch. A window entirely in the padding (possible only with dilation) gives -∞ and index -1.
    /// </summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, outHeight, outWidth]</c> (<see cref="SlidingWindow.OutputSize"/>); must not overlap <paramref name="input"/>.</param>
    /// <param name="indices">Receives the position of each output's maximum in its input plane, same shape as <paramref name="output"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Window height; positive.</param>
    /// <param name="kernelWidth">Window width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive (PyTorch's default is the kernel size).</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">-∞ padding above and below; at most <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">-∞ padding left and right; at most <c>kernelWidth / 2</c>.</param>
    /// <param name="dilationHeight">Vertical window dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal window dilation; positive.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="SlidingWindow.OutputSize"/>), and a last window past the input takes what it covers.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, or the window does not fit the padded input.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, Span<int> indices, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode = false)
    {
        Pool2dGeometry g = Validate(
            input, nameof(input), output, nameof(output), indices.Length, batch, channels, height, width,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, ceilMode);
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        if (g.Planes == 0)
        {
            return;
        }

        fixed (float* pInput = input)
        fixed (float* pOutput = output)
        fixed (int* pIndices = indices)
        {
            var pass = new ForwardPass { Job = new() { Input = pInput, Output = pOutput, Indices = pIndices, Geometry = g } };
            PlaneParts.Run(ref pass, g.Planes, g.InputPlane);
        }
    }

    /// <summary>
    /// The backward pass: clears <paramref name="inputGradient"/>, then adds each output gradient to the input position
    /// <paramref name="indices"/> names, in output order (overlapping windows accumulate). Index -1 adds nothing. Planes
    /// are split across threads; 2 × 2 windows of stride 2 are written directly, with the same results.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="indices">The forward pass's indices.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Window height; positive.</param>
    /// <param name="kernelWidth">Window width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Padding above and below; at most <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">Padding left and right; at most <c>kernelWidth / 2</c>.</param>
    /// <param name="dilationHeight">Vertical window dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal window dilation; positive.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="SlidingWindow.OutputSize"/>), and a last window past the input takes what it covers.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, the window does not fit, or an index is outside its plane.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> indices, Span<float> inputGradient, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode = false)
        => RunBackward(
            outputGradient, ReadOnlySpan<float>.Empty, throughReLU: false, indices, inputGradient, batch, channels, height, width,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, ceilMode);

    /// <summary>
    /// The backward pass of a max pool over a ReLU's output, through that ReLU: the bits of <see cref="Backward"/> followed
    /// by <see cref="ActivationBackward.Apply(Span{float}, ReadOnlySpan{float}, int, Activation)"/> with
    /// <see cref="Activation.ReLU"/> on the input gradient, in one pass that reads the small pooled output instead of the
    /// ReLU's output. ReLU's derivative at a window's maximum is
    /// its pooled value's (<c>y &lt;= 0 ? +0 : gradient</c>, so a -0 maximum passes nothing and a NaN one passes the
    /// gradient, as PyTorch's <c>threshold_backward</c> does), and every window that picks a position sees the same value
    /// there, so each window's gradient is added unless its maximum is at most 0; positions no window picks get +0 either way.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="output">The forward pass's output (the window maxima), same shape.</param>
    /// <param name="indices">The forward pass's indices.</param>
    /// <param name="inputGradient">
    /// Receives dL/d(the ReLU's input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>
    /// or <paramref name="output"/>.
    /// </param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="kernelHeight">Window height; positive.</param>
    /// <param name="kernelWidth">Window width; positive.</param>
    /// <param name="strideHeight">Vertical stride; positive.</param>
    /// <param name="strideWidth">Horizontal stride; positive.</param>
    /// <param name="paddingHeight">Padding above and below; at most <c>kernelHeight / 2</c>.</param>
    /// <param name="paddingWidth">Padding left and right; at most <c>kernelWidth / 2</c>.</param>
    /// <param name="dilationHeight">Vertical window dilation; positive.</param>
    /// <param name="dilationWidth">Horizontal window dilation; positive.</param>
    /// <param name="ceilMode">PyTorch's <c>ceil_mode</c>: the output sizes round up (<see cref="SlidingWindow.OutputSize"/>), and a last window past the input takes what it covers.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, the window does not fit, or an index is outside its plane.</exception>
    public static void BackwardThroughReLU(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, ReadOnlySpan<int> indices, Span<float> inputGradient, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode = false)
        => RunBackward(
            outputGradient, output, throughReLU: true, indices, inputGradient, batch, channels, height, width,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, ceilMode);

    /// <summary><see cref="Backward"/>, or with <paramref name="throughReLU"/> <see cref="BackwardThroughReLU"/> with <paramref name="output"/> its window maxima.</summary>
    private static void RunBackward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> output, bool throughReLU, ReadOnlySpan<int> indices, Span<float> inputGradient, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode)
    {
        Pool2dGeometry g = Validate(
            inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient), indices.Length, batch, channels, height, width,
            kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, ceilMode);
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        if (throughReLU)
        {
            KernelGuard.Holds(output.Length, g.Planes, g.OutputPlane, nameof(output), "batch*channels*outHeight*outWidth");
            KernelGuard.NoOverlap(output, inputGradient, nameof(output), nameof(inputGradient));
        }

        if (g.Planes == 0)
        {
            return;
        }

        fixed (float* pOutputGradient = outputGradient)
        fixed (float* pOutput = output)
        fixed (int* pIndices = indices)
        fixed (float* pInputGradient = inputGradient)
        {
            var pass = new BackwardPass { Job = new() { Input = pInputGradient, Output = pOutputGradient, Indices = pIndices, Maxima = throughReLU ? pOutput : null, Geometry = g } };
            PlaneParts.Run(ref pass, g.Planes, g.InputPlane);
        }
    }

    /// <summary>
    /// The checks every pass shares: the window (PyTorch's rules), <paramref name="planes"/> (the input or its gradient)
    /// and <paramref name="windows"/> (the output or its gradient) long enough, and one index per window. The caller checks
    /// that what it writes overlaps nothing it reads, so that the message names the written span.
    /// </summary>
    private static Pool2dGeometry Validate(
        ReadOnlySpan<float> planes, string planesName, ReadOnlySpan<float> windows, string windowsName, int indexCount, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, bool ceilMode)
    {
        Pool2dGeometry g = Pool2dGeometry.Create(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, ceilMode);
        KernelGuard.Holds(planes.Length, g.Planes, g.InputPlane, planesName, "batch*channels*height*width");
        KernelGuard.Holds(windows.Length, g.Planes, g.OutputPlane, windowsName, "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(indexCount, g.Planes, g.OutputPlane, "indices", "batch*channels*outHeight*outWidth");
        return g;
    }

    /// <summary>Planes <c>[first, end)</c> of a backward pass (<see cref="BackwardPlanes"/>).</summary>
    private struct BackwardPass : IPlanePass
    {
        public PoolJob Job;

        public readonly void Run(int first, int end)
        {
            Pool2dGeometry g = Job.Geometry;
            nint at = (nint)first * g.OutputPlane;
            BackwardPlanes(
                Job.Output + at, Job.Maxima == null ? null : Job.Maxima + at, Job.Indices + at, Job.Input + ((nint)first * g.InputPlane), end - first, first, g);
        }
    }

    /// <summary>
    /// <paramref name="count"/> planes of a backward pass on the calling thread, from the output gradient
    /// <paramref name="dy"/>, the indices and (through a ReLU, else null) the window maxima of those planes into the
    /// input gradient <paramref name="dx"/>: the 2 × 2, stride-2 windows of even planes as one sequence of row pairs
    /// (<see cref="MaxPool2dRowPairs512"/>, <see cref="MaxPool2dRowPairsAvx2"/>), or plane by plane, row pair by row pair where every index lies in its window
    /// (<see cref="PlaneBackwardTwoByTwo"/>), else cleared and scattered. With the window maxima, a window whose maximum
    /// is at most 0 adds nothing. <paramref name="firstPlane"/> is the first plane's place in the call, for the message
    /// of an index outside its plane. The convolution's weight gradient through a max pool
    /// (<see cref="Conv2d.BackwardWeightFromMaxPool"/>) builds each sample's gradient with it.
    /// </summary>
    internal static void BackwardPlanes(float* dy, float* maxima, int* indices, float* dx, int count, long firstPlane, in Pool2dGeometry g)
    {
        if (MaxPool2dRowPairs512.Applies(g) && MaxPool2dRowPairs512.Backward(dy, maxima, indices, dx, count, g))
        {
            return;
        }

        if (MaxPool2dRowPairsAvx2.Applies(g) && MaxPool2dRowPairsAvx2.Backward(dy, maxima, indices, dx, count, g))
        {
            return;
        }

        // An index outside its window: each plane again, those with such an index through the scatter.
        bool wide = Vector512.IsHardwareAccelerated && Avx512F.IsSupported && IsTwoByTwo(g);
        bool twoByTwo = Sse.IsSupported && IsTwoByTwo(g);
        for (int p = 0; p < count; p++)
        {
            float* planeDy = dy + ((nint)p * g.OutputPlane);
            int* planeIndices = indices + ((nint)p * g.OutputPlane);
            float* planeMaxima = maxima == null ? null : maxima + ((nint)p * g.OutputPlane);
            float* planeDx = dx + ((nint)p * g.InputPlane);
            if (wide
                ? PlaneBackwardTwoByTwo512(planeDy, planeMaxima, planeIndices, planeDx, g)
                : twoByTwo && PlaneBackwardTwoByTwo(planeDy, planeMaxima, planeIndices, planeDx, g))
            {
                continue;
            }

            new Span<float>(planeDx, g.InputPlane).Clear();
            for (int o = 0; o < g.OutputPlane; o++)
            {
                int index = planeIndices[o];
                if (index == -1)
                {
                    continue;
                }

                if ((uint)index >= (uint)g.InputPlane)
                {
                    throw IndexOutsidePlane(index, g.InputPlane, ((firstPlane + p) * g.OutputPlane) + o);
                }

                if (planeMaxima == null || !(planeMaxima[o] <= 0f))
                {
                    planeDx[index] += planeDy[o];
                }
            }
        }
    }

    /// <summary>The error for an index of the pool's forward pass that names no position of its plane (nor -1), at flat position <paramref name="at"/>.</summary>
    internal static ArgumentException IndexOutsidePlane(int index, int inputPlane, long at)
        => new($"Expected indices in [0, {inputPlane}) or -1, got {index} at {at}.", "indices");

    /// <summary>
    /// One plane of 2 × 2, stride-2 windows without padding, which do not overlap: every input position is <c>0 + g</c>
    /// (what the scatter adds onto the cleared plane) where it is its window's maximum and 0 elsewhere, written row pair by
    /// row pair, four windows at a time, with no clearing pass and no scatter. Returns false, having written part of the
    /// plane, if an index does not name a position of its window; the caller then clears and scatters the plane. With
    /// <paramref name="maxima"/> (not null), a window's gradient is +0 where its maximum is at most 0, as the scatter
    /// through a ReLU gives.
    /// </summary>
    private static bool PlaneBackwardTwoByTwo(float* dy, float* maxima, int* indices, float* dx, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth;
        Vector128<int> lanes = Vector128.Create(0, 2, 4, 6);
        Vector128<int> right = Vector128.Create(1), below = Vector128.Create(width), belowRight = Vector128.Create(width + 1);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int rowStart = 2 * oh * width;
            float* top = dx + rowStart, bottom = top + width;
            float* gradientRow = dy + ((nint)oh * outWidth);
            int* indexRow = indices + ((nint)oh * outWidth);
            int ow = 0;
            for (; ow + 4 <= outWidth; ow += 4)
            {
                Vector128<float> gradient = Vector128.Load(gradientRow + ow) + Vector128<float>.Zero;
                if (maxima != null)
                {
                    gradient = Vector128.AndNot(gradient, Vector128.LessThanOrEqual(Vector128.Load(maxima + ((nint)oh * outWidth) + ow), Vector128<float>.Zero));
                }

                Vector128<int> offset = Vector128.Load(indexRow + ow) - (Vector128.Create(rowStart + (2 * ow)) + lanes);
                Vector128<int> topLeft = Vector128.Equals(offset, Vector128<int>.Zero), topRight = Vector128.Equals(offset, right);
                Vector128<int> bottomLeft = Vector128.Equals(offset, below), bottomRight = Vector128.Equals(offset, belowRight);
                if (!Vector128.EqualsAll(topLeft | topRight | bottomLeft | bottomRight, Vector128<int>.AllBitsSet))
                {
                    return false;
                }

                Vector128<float> a = gradient & topLeft.AsSingle(), b = gradient & topRight.AsSingle();
                Sse.UnpackLow(a, b).Store(top + (2 * ow));
                Sse.UnpackHigh(a, b).Store(top + (2 * ow) + 4);
                a = gradient & bottomLeft.AsSingle();
                b = gradient & bottomRight.AsSingle();
                Sse.UnpackLow(a, b).Store(bottom + (2 * ow));
                Sse.UnpackHigh(a, b).Store(bottom + (2 * ow) + 4);
            }

            for (; ow < outWidth; ow++)
            {
                int offset = indexRow[ow] - (rowStart + (2 * ow));
                if (offset is not (0 or 1) && offset != width && offset != width + 1)
                {
                    return false;
                }

                float gradient = maxima == null || !(maxima[((nint)oh * outWidth) + ow] <= 0f) ? 0f + gradientRow[ow] : 0f;
                top[2 * ow] = offset == 0 ? gradient : 0f;
                top[(2 * ow) + 1] = offset == 1 ? gradient : 0f;
                bottom[2 * ow] = offset == width ? gradient : 0f;
                bottom[(2 * ow) + 1] = offset == width + 1 ? gradient : 0f;
            }

            // An odd width leaves the last column outside every window.
            for (int iw = 2 * outWidth; iw < width; iw++)
            {
                top[iw] = 0f;
                bottom[iw] = 0f;
            }
        }

        // So does an odd height the last row.
        new Span<float>(dx + (2 * g.OutHeight * width), (g.Height - (2 * g.OutHeight)) * width).Clear();
        return true;
    }

    /// <summary>
    /// <see cref="PlaneBackwardTwoByTwo"/> with AVX-512: sixteen windows at a time, the left and right columns of each
    /// input row interleaved by one two-register permute per 16 floats; the same values.
    /// </summary>
    private static bool PlaneBackwardTwoByTwo512(float* dy, float* maxima, int* indices, float* dx, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth;
        Vector512<int> lanes = Vector512<int>.Indices * 2;
        Vector512<int> low = Interleave(0), high = Interleave(8);
        Vector512<int> right = Vector512<int>.One, below = Vector512.Create(width), belowRight = Vector512.Create(width + 1);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int rowStart = 2 * oh * width;
            float* top = dx + rowStart, bottom = top + width;
            float* gradientRow = dy + ((nint)oh * outWidth);
            int* indexRow = indices + ((nint)oh * outWidth);
            for (int ow = 0; ow < outWidth; ow += 16)
            {
                int count = Math.Min(16, outWidth - ow);
                Vector512<int> active = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
                Vector512<float> gradient = Partial512.Load(gradientRow + ow, count) + Vector512<float>.Zero;
                if (maxima != null)
                {
                    gradient = Vector512.AndNot(gradient, Vector512.LessThanOrEqual(Partial512.Load(maxima + ((nint)oh * outWidth) + ow, count), Vector512<float>.Zero));
                }

                Vector512<int> offset = Avx512F.MaskLoad(indexRow + ow, active, Vector512<int>.Zero) - (Vector512.Create(rowStart + (2 * ow)) + lanes);
                Vector512<int> topLeft = Vector512.Equals(offset, Vector512<int>.Zero), topRight = Vector512.Equals(offset, right);
                Vector512<int> bottomLeft = Vector512.Equals(offset, below), bottomRight = Vector512.Equals(offset, belowRight);
                if (!Vector512.EqualsAll((topLeft | topRight | bottomLeft | bottomRight) | ~active, Vector512<int>.AllBitsSet))
                {
                    return false;
                }

                StoreInterleaved(top + (2 * ow), gradient & topLeft.AsSingle(), gradient & topRight.AsSingle(), low, high, 2 * count);
                StoreInterleaved(bottom + (2 * ow), gradient & bottomLeft.AsSingle(), gradient & bottomRight.AsSingle(), low, high, 2 * count);
            }

            for (int iw = 2 * outWidth; iw < width; iw++)
            {
                top[iw] = 0f;
                bottom[iw] = 0f;
            }
        }

        new Span<float>(dx + (2 * g.OutHeight * width), (g.Height - (2 * g.OutHeight)) * width).Clear();
        return true;
    }

    /// <summary>Permute indices taking lanes <c>from, from + 16, from + 1, from + 17, ...</c> of two registers.</summary>
    private static Vector512<int> Interleave(int from) =>
        (Vector512<int>.Indices >>> 1) + Vector512.Create(from) + ((Vector512<int>.Indices & Vector512<int>.One) * 16);

    /// <summary><c>a0, b0, a1, b1, ...</c>: the first <paramref name="count"/> of these 32 floats at <paramref name="row"/>.</summary>
    private static void StoreInterleaved(float* row, Vector512<float> a, Vector512<float> b, Vector512<int> low, Vector512<int> high, int count)
    {
        Vector512<float> first = Avx512F.PermuteVar16x32x2(a, low, b), second = Avx512F.PermuteVar16x32x2(a, high, b);
        if (count == 32)
        {
            first.Store(row);
            second.Store(row + 16);
            return;
        }

        Partial512.Store(row, first, Math.Min(16, count));
        if (count > 16)
        {
            Partial512.Store(row + 16, second, count - 16);
        }
    }

    /// <summary>The 2 × 2, stride-2 window without padding or dilation (PyTorch's <c>MaxPool2d(2)</c>), every window whole (in ceil mode an odd size's last window is not).</summary>
    internal static bool IsTwoByTwo(in Pool2dGeometry g) =>
        g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2
            && g.PaddingHeight == 0 && g.PaddingWidth == 0 && g.DilationHeight == 1 && g.DilationWidth == 1 && g.WindowsInsidePaddedInput;

    /// <summary>
    /// Planes <c>[first, end)</c> of a forward pass: as one sequence of row pairs where <see cref="MaxPool2dRowPairs512"/>
    /// or <see cref="MaxPool2dRowPairsAvx2"/> applies, else plane by plane.
    /// </summary>
    private struct ForwardPass : IPlanePass
    {
        public PoolJob Job;

        public readonly void Run(int first, int end)
        {
            Pool2dGeometry g = Job.Geometry;
            float* input = Job.Input + ((nint)first * g.InputPlane), output = Job.Output + ((nint)first * g.OutputPlane);
            int* indices = Job.Indices + ((nint)first * g.OutputPlane);
            if (MaxPool2dRowPairs512.Applies(g))
            {
                MaxPool2dRowPairs512.Forward(input, output, indices, end - first, g);
                return;
            }

            if (MaxPool2dRowPairsAvx2.Applies(g))
            {
                MaxPool2dRowPairsAvx2.Forward(input, output, indices, end - first, g);
                return;
            }

            for (int p = 0; p < end - first; p++)
            {
                Plane(input + ((nint)p * g.InputPlane), output + ((nint)p * g.OutputPlane), indices + ((nint)p * g.OutputPlane), g);
            }
        }
    }

    /// <summary>
    /// One plane. Windows whose columns all lie inside the input run four at a time in <see cref="Vector128{T}"/> lanes
    /// (compare, then select the value and the index: no branch on the data, which mispredicts about once per window
    /// on real activations); the others, and the rest of a row, one at a time. Both apply the same comparison to every
    /// element in the same order, so the lanes give the scalar loop's results.
    /// </summary>
    private static void Plane(float* plane, float* output, int* indices, in Pool2dGeometry g)
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && IsTwoByTwo(g))
        {
            PlaneTwoByTwo512(plane, output, indices, g);
            return;
        }

        if (Sse.IsSupported && IsTwoByTwo(g))
        {
            PlaneTwoByTwo(plane, output, indices, g);
            return;
        }

        int lastStart = g.Width - 1 - ((g.KernelWidth - 1) * g.DilationWidth);
        int vectorFirst = Math.Min(g.OutWidth, (g.PaddingWidth + g.StrideWidth - 1) / g.StrideWidth);
        int vectorEnd = lastStart + g.PaddingWidth < 0 ? 0 : Math.Min(g.OutWidth, ((lastStart + g.PaddingWidth) / g.StrideWidth) + 1);
        Vector128<int> lanes = Vector128.Create(0, 1, 2, 3) * g.StrideWidth;
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int ih0 = (oh * g.StrideHeight) - g.PaddingHeight;
            (int iFirst, int iEnd) = InBounds(ih0, g.DilationHeight, g.KernelHeight, g.Height);
            float* outputRow = output + ((nint)oh * g.OutWidth);
            int* indexRow = indices + ((nint)oh * g.OutWidth);
            int ow = 0;
            for (; ow < vectorFirst; ow++)
            {
                Window(plane, g, ih0, iFirst, iEnd, ow, outputRow, indexRow);
            }

            for (; iFirst < iEnd && ow + 4 <= vectorEnd; ow += 4)
            {
                int iw0 = (ow * g.StrideWidth) - g.PaddingWidth;
                // Start from the first element, as the scalar loop does (all -∞ keeps the first position).
                int first = ((ih0 + (iFirst * g.DilationHeight)) * g.Width) + iw0;
                Vector128<float> max = Load(plane + first, g.StrideWidth);
                Vector128<int> index = Vector128.Create(first) + lanes;
                for (int i = iFirst; i < iEnd; i++)
                {
                    int rowStart = ((ih0 + (i * g.DilationHeight)) * g.Width) + iw0;
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        int at = rowStart + (j * g.DilationWidth);
                        Vector128<float> value = Load(plane + at, g.StrideWidth);
                        Vector128<float> take = Vector128.GreaterThan(value, max) | ~Vector128.Equals(value, value);
                        max = Vector128.ConditionalSelect(take, value, max);
                        index = Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(at) + lanes, index);
                    }
                }

                max.Store(outputRow + ow);
                index.Store(indexRow + ow);
            }

            for (; ow < g.OutWidth; ow++)
            {
                Window(plane, g, ih0, iFirst, iEnd, ow, outputRow, indexRow);
            }
        }
    }

    /// <summary>
    /// The 2 × 2, stride-2 pool with AVX-512: sixteen windows at a time (a row of LeNet's pools in one step), two masked
    /// loads per input row split into even and odd columns by one two-register permute each, then the scan-order
    /// comparisons of <see cref="Window"/> lane by lane, so the results are the general path's on every instruction set.
    /// </summary>
    private static void PlaneTwoByTwo512(float* plane, float* output, int* indices, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth;
        Vector512<int> even = Vector512<int>.Indices * 2, odd = even + Vector512<int>.One;
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int rowStart = 2 * oh * width;
            float* top = plane + rowStart;
            float* bottom = top + width;
            float* outputRow = output + ((nint)oh * outWidth);
            int* indexRow = indices + ((nint)oh * outWidth);
            for (int ow = 0; ow < outWidth; ow += 16)
            {
                // Windows [ow, ow + count): input columns [2·ow, 2·ow + 2·count), none past the row.
                int count = Math.Min(16, outWidth - ow), columns = 2 * count;
                Vector512<float> topLow = Load512(top + (2 * ow), Math.Min(16, columns)), topHigh = Load512(top + (2 * ow) + 16, columns - 16);
                Vector512<float> bottomLow = Load512(bottom + (2 * ow), Math.Min(16, columns)), bottomHigh = Load512(bottom + (2 * ow) + 16, columns - 16);
                Vector512<int> first = Vector512.Create(rowStart + (2 * ow)) + even;
                Vector512<float> max = Avx512F.PermuteVar16x32x2(topLow, even, topHigh);
                Vector512<int> index = first;
                Take(Avx512F.PermuteVar16x32x2(topLow, odd, topHigh), first + Vector512<int>.One, ref max, ref index);
                Take(Avx512F.PermuteVar16x32x2(bottomLow, even, bottomHigh), first + Vector512.Create(width), ref max, ref index);
                Take(Avx512F.PermuteVar16x32x2(bottomLow, odd, bottomHigh), first + Vector512.Create(width + 1), ref max, ref index);
                if (count == 16)
                {
                    max.Store(outputRow + ow);
                    index.Store(indexRow + ow);
                }
                else
                {
                    Partial512.Store(outputRow + ow, max, count);
                    Avx512F.MaskStore(indexRow + ow, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)), index);
                }
            }
        }
    }

    /// <summary>The first <paramref name="count"/> floats (none when it is 0 or less, all 16 from 16 on), zeros after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Load512(float* p, int count) =>
        count >= 16 ? Vector512.Load(p) : count > 0 ? Partial512.Load(p, count) : Vector512<float>.Zero;

    /// <summary>One scan-order step of every lane's window: a larger value or a NaN takes the lane.</summary>
    internal static void Take(Vector512<float> value, Vector512<int> at, ref Vector512<float> max, ref Vector512<int> index)
    {
        Vector512<float> take = Vector512.GreaterThan(value, max) | ~Vector512.Equals(value, value);
        max = Vector512.ConditionalSelect(take, value, max);
        index = Vector512.ConditionalSelect(take.AsInt32(), at, index);
    }

    /// <summary>
    /// The common 2 × 2, stride 2 pool: four windows at a time from two loads per input row, split into even and odd
    /// columns by one shuffle each (no gather), then the scan-order comparisons of <see cref="Window"/> lane by lane, so
    /// the results are the general path's. Rows of fewer than four windows take the one-window loop.
    /// </summary>
    private static void PlaneTwoByTwo(float* plane, float* output, int* indices, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth;
        Vector128<int> lanes = Vector128.Create(0, 2, 4, 6);
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int rowStart = 2 * oh * width;
            float* top = plane + rowStart;
            float* bottom = top + width;
            float* outputRow = output + ((nint)oh * outWidth);
            int* indexRow = indices + ((nint)oh * outWidth);
            if (outWidth < 4)
            {
                for (int ow = 0; ow < outWidth; ow++)
                {
                    Window(plane, g, 2 * oh, 0, 2, ow, outputRow, indexRow);
                }

                continue;
            }

            for (int next = 0; next < outWidth; next += 4)
            {
                // The row's last four windows may overlap the previous four: recomputing a window gives the same value
                // and index, and keeps the tail out of the one-window loop, which costs about ten times more per window.
                int ow = Math.Min(next, outWidth - 4);
                Vector128<float> topLow = Vector128.Load(top + (2 * ow)), topHigh = Vector128.Load(top + (2 * ow) + 4);
                Vector128<float> bottomLow = Vector128.Load(bottom + (2 * ow)), bottomHigh = Vector128.Load(bottom + (2 * ow) + 4);
                Vector128<int> first = Vector128.Create(rowStart + (2 * ow)) + lanes;
                Vector128<float> max = Sse.Shuffle(topLow, topHigh, 0b10_00_10_00);
                Vector128<int> index = first;
                Take(Sse.Shuffle(topLow, topHigh, 0b11_01_11_01), first + Vector128.Create(1), ref max, ref index);
                Take(Sse.Shuffle(bottomLow, bottomHigh, 0b10_00_10_00), first + Vector128.Create(width), ref max, ref index);
                Take(Sse.Shuffle(bottomLow, bottomHigh, 0b11_01_11_01), first + Vector128.Create(width + 1), ref max, ref index);
                max.Store(outputRow + ow);
                index.Store(indexRow + ow);
            }
        }
    }

    /// <summary>One scan-order step of every lane's window: a larger value or a NaN takes the lane.</summary>
    private static void Take(Vector128<float> value, Vector128<int> at, ref Vector128<float> max, ref Vector128<int> index)
    {
        Vector128<float> take = Vector128.GreaterThan(value, max) | ~Vector128.Equals(value, value);
        max = Vector128.ConditionalSelect(take, value, max);
        index = Vector128.ConditionalSelect(take.AsInt32(), at, index);
    }

    /// <summary>Four values <paramref name="stride"/> apart.</summary>
    private static Vector128<float> Load(float* p, int stride) =>
        stride == 1 ? Vector128.Load(p) : Vector128.Create(p[0], p[stride], p[2 * stride], p[3 * stride]);

    /// <summary>One window, scanned in order: the first maximum wins, a NaN wins over anything before it.</summary>
    private static void Window(float* plane, in Pool2dGeometry g, int ih0, int iFirst, int iEnd, int ow, float* outputRow, int* indexRow)
    {
        int iw0 = (ow * g.StrideWidth) - g.PaddingWidth;
        (int jFirst, int jEnd) = InBounds(iw0, g.DilationWidth, g.KernelWidth, g.Width);
        float max = float.NegativeInfinity;
        int index = -1;
        if (iFirst < iEnd && jFirst < jEnd)
        {
            index = ((ih0 + (iFirst * g.DilationHeight)) * g.Width) + iw0 + (jFirst * g.DilationWidth);
            max = plane[index];
            for (int i = iFirst; i < iEnd; i++)
            {
                int rowStart = (ih0 + (i * g.DilationHeight)) * g.Width;
                for (int j = jFirst; j < jEnd; j++)
                {
                    int at = rowStart + iw0 + (j * g.DilationWidth);
                    float value = plane[at];
                    if (value > max || float.IsNaN(value))
                    {
                        max = value;
                        index = at;
                    }
                }
            }
        }

        outputRow[ow] = max;
        indexRow[ow] = index;
    }

    /// <summary>The kernel positions <c>[first, end)</c> whose input position <c>start + k·dilation</c> lies in <c>[0, size)</c>.</summary>
    private static (int First, int End) InBounds(int start, int dilation, int kernel, int size)
    {
        if (dilation == 1)
        {
            // No integer division (tens of cycles) per window in the common case.
            return (Math.Max(0, -start), Math.Max(Math.Max(0, -start), Math.Min(kernel, size - start)));
        }

        int first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
        int end = start > size - 1 ? 0 : Math.Min(kernel, ((size - 1 - start) / dilation) + 1);
        return (first, Math.Max(first, end));
    }

    /// <summary>
    /// One pass as its parts see it: the input (or its gradient), the output (or its gradient), the indices, and for a
    /// backward pass through a ReLU the forward pass's output (else null). Planes are independent, so any split gives
    /// the same results.
    /// </summary>
    private struct PoolJob
    {
        public float* Input;
        public float* Output;
        public int* Indices;
        public float* Maxima;
        public Pool2dGeometry Geometry;
    }
}
