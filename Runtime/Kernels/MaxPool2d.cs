using System;

namespace StaticGrad.Kernels;

/// <summary>
/// 2-d max pooling, PyTorch's <c>nn.MaxPool2d</c> (floor mode) over NCHW input <c>[batch, channels, height, width]</c>:
/// each output is the largest input in its window, padding counting as -∞. The forward pass records where each maximum
/// was (the flat index <c>ih·width + iw</c> in its input plane, like <c>return_indices=True</c>); the backward pass adds
/// each output gradient to that position.
/// </summary>
public static unsafe class MaxPool2d
{
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
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, or the window does not fit the padded input.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, Span<int> indices, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth)
    {
        Pool2dGeometry g = Pool2dGeometry.Create(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth);
        KernelGuard.Holds(input.Length, g.Planes, g.InputPlane, nameof(input), "batch*channels*height*width");
        KernelGuard.Holds(output.Length, g.Planes, g.OutputPlane, nameof(output), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(indices.Length, g.Planes, g.OutputPlane, nameof(indices), "batch*channels*outHeight*outWidth");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        fixed (float* pInput = input)
        fixed (float* pOutput = output)
        fixed (int* pIndices = indices)
        {
            for (int p = 0; p < g.Planes; p++)
            {
                Plane(pInput + ((nint)p * g.InputPlane), pOutput + ((nint)p * g.OutputPlane), pIndices + ((nint)p * g.OutputPlane), g);
            }
        }
    }

    /// <summary>
    /// The backward pass: clears <paramref name="inputGradient"/>, then adds each output gradient to the input position
    /// <paramref name="indices"/> names, in output order (overlapping windows accumulate). Index -1 adds nothing.
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
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps, the window does not fit, or an index is outside its plane.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> indices, Span<float> inputGradient, int batch, int channels, int height, int width,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth)
    {
        Pool2dGeometry g = Pool2dGeometry.Create(batch, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth);
        KernelGuard.Holds(outputGradient.Length, g.Planes, g.OutputPlane, nameof(outputGradient), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(indices.Length, g.Planes, g.OutputPlane, nameof(indices), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(inputGradient.Length, g.Planes, g.InputPlane, nameof(inputGradient), "batch*channels*height*width");
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        inputGradient.Slice(0, g.Planes * g.InputPlane).Clear();
        for (int p = 0; p < g.Planes; p++)
        {
            Span<float> plane = inputGradient.Slice(p * g.InputPlane, g.InputPlane);
            int start = p * g.OutputPlane;
            for (int o = start; o < start + g.OutputPlane; o++)
            {
                int index = indices[o];
                if (index == -1)
                {
                    continue;
                }

                if ((uint)index >= (uint)plane.Length)
                {
                    throw new ArgumentException($"Expected indices in [0, {plane.Length}) or -1, got {index} at {o}.", nameof(indices));
                }

                plane[index] += outputGradient[o];
            }
        }
    }

    /// <summary>One plane: per window, the in-bounds kernel rows and columns first (no test per element), then the scan.</summary>
    private static void Plane(float* plane, float* output, int* indices, in Pool2dGeometry g)
    {
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            int ih0 = (oh * g.StrideHeight) - g.PaddingHeight;
            (int iFirst, int iEnd) = InBounds(ih0, g.DilationHeight, g.KernelHeight, g.Height);
            for (int ow = 0; ow < g.OutWidth; ow++)
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

                output[(oh * g.OutWidth) + ow] = max;
                indices[(oh * g.OutWidth) + ow] = index;
            }
        }
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
}
