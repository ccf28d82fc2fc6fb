using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Adaptive 2-d average pooling, PyTorch's <c>nn.AdaptiveAvgPool2d((outHeight, outWidth))</c> over NCHW input
/// <c>[batch, channels, height, width]</c>, for any output size (smaller, equal or larger than the input): output row
/// <c>i</c> averages input rows <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c>, and columns likewise, so windows differ in size by at most
/// one and overlap where the sizes do not divide. The arithmetic is PyTorch 1.13's CPU kernel's: a float sum in scan order
/// (rows, then columns) divided by the window's height, then by its width; the backward pass adds
/// <c>dY / kh / kw</c> to each window in output order. Both give PyTorch's bits. Planes are independent: a large pass
/// splits them across threads, the same bits for any thread count.
/// </summary>
public static unsafe class AdaptiveAvgPool2d
{
    /// <summary>The forward pass.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, outHeight, outWidth]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive.</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        (int planes, int inputPlane, int outputPlane) = Check(batch, channels, height, width, outHeight, outWidth);
        KernelGuard.Holds(input.Length, planes, inputPlane, nameof(input), "batch*channels*height*width");
        KernelGuard.Holds(output.Length, planes, outputPlane, nameof(output), "batch*channels*outHeight*outWidth");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        fixed (float* x = input)
        fixed (float* y = output)
        {
            var pass = new Pass { From = x, To = y, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth };
            PlaneParts.Run(ref pass, planes, inputPlane);
        }
    }

    /// <summary>The backward pass: clears <paramref name="inputGradient"/>, then adds <c>dY / kh / kw</c> of each output to every input of its window, in output order.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive.</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        (int planes, int inputPlane, int outputPlane) = Check(batch, channels, height, width, outHeight, outWidth);
        KernelGuard.Holds(outputGradient.Length, planes, outputPlane, nameof(outputGradient), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(inputGradient.Length, planes, inputPlane, nameof(inputGradient), "batch*channels*height*width");
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        fixed (float* dy = outputGradient)
        fixed (float* dx = inputGradient)
        {
            var pass = new Pass { From = dy, To = dx, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth, Backward = true };
            PlaneParts.Run(ref pass, planes, inputPlane);
        }
    }

    /// <summary>
    /// The input range <c>[⌊index·inputSize/outputSize⌋, ⌈(index+1)·inputSize/outputSize⌉)</c> that output
    /// <paramref name="index"/> of <paramref name="outputSize"/> averages (PyTorch's <c>start_index</c> and <c>end_index</c>).
    /// </summary>
    /// <param name="index">The output row or column; in <c>[0, outputSize)</c>.</param>
    /// <param name="outputSize">The output's height or width; positive.</param>
    /// <param name="inputSize">The input's height or width; positive.</param>
    /// <returns>The first input index and the one past the last.</returns>
    internal static (int Start, int End) Window(int index, int outputSize, int inputSize)
    {
        long start = (long)index * inputSize / outputSize;
        long end = (((long)(index + 1) * inputSize) + outputSize - 1) / outputSize;
        return ((int)start, (int)end);
    }

    /// <summary>
    /// One pass over planes: the forward pass reads input planes (<see cref="From"/>) and writes output planes; the backward
    /// pass reads output-gradient planes and clears, then fills, input-gradient planes (<see cref="To"/>).
    /// </summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public int Height, Width, OutHeight, OutWidth;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            int inputPlane = Height * Width, outputPlane = OutHeight * OutWidth;
            for (int p = first; p < end; p++)
            {
                if (Backward)
                {
                    BackwardPlane(From + ((nint)p * outputPlane), To + ((nint)p * inputPlane));
                }
                else
                {
                    ForwardPlane(From + ((nint)p * inputPlane), To + ((nint)p * outputPlane));
                }
            }
        }

        private readonly void ForwardPlane(float* plane, float* output)
        {
            for (int oh = 0; oh < OutHeight; oh++)
            {
                (int ih0, int ih1) = Window(oh, OutHeight, Height);
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    (int iw0, int iw1) = Window(ow, OutWidth, Width);
                    float sum = 0f;
                    for (int ih = ih0; ih < ih1; ih++)
                    {
                        for (int iw = iw0; iw < iw1; iw++)
                        {
                            sum += plane[(ih * Width) + iw];
                        }
                    }

                    output[(oh * OutWidth) + ow] = sum / (ih1 - ih0) / (iw1 - iw0);
                }
            }
        }

        private readonly void BackwardPlane(float* outputGradient, float* plane)
        {
            new Span<float>(plane, Height * Width).Clear();
            for (int oh = 0; oh < OutHeight; oh++)
            {
                (int ih0, int ih1) = Window(oh, OutHeight, Height);
                for (int ow = 0; ow < OutWidth; ow++)
                {
                    (int iw0, int iw1) = Window(ow, OutWidth, Width);
                    float share = outputGradient[(oh * OutWidth) + ow] / (ih1 - ih0) / (iw1 - iw0);
                    for (int ih = ih0; ih < ih1; ih++)
                    {
                        for (int iw = iw0; iw < iw1; iw++)
                        {
                            plane[(ih * Width) + iw] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The size checks of both adaptive pools; returns the planes and the floats of an input and an output plane.</summary>
    internal static (int Planes, int InputPlane, int OutputPlane) Check(int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        KernelGuard.Positive(outHeight, nameof(outHeight));
        KernelGuard.Positive(outWidth, nameof(outWidth));
        return (
            KernelGuard.Product(nameof(channels), "batch*channels", batch, channels),
            KernelGuard.Product(nameof(width), "height*width", height, width),
            KernelGuard.Product(nameof(outWidth), "outHeight*outWidth", outHeight, outWidth));
    }
}
