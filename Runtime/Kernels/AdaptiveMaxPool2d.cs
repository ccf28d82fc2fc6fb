using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Adaptive max pooling, PyTorch's <c>nn.AdaptiveMaxPool2d(output_size)</c>: input <c>[batch, channels, height, width]</c>
/// to <c>[batch, channels, outHeight, outWidth]</c>, output <c>(i, j)</c> the maximum over input rows
/// <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c> and columns likewise (the windows of <see cref="AdaptiveAvgPool2d"/>), with the position
/// of that maximum in its input plane kept, as PyTorch's <c>return_indices</c> gives it. PyTorch's CPU rule picks the
/// first of equal maxima in row-major order and a NaN over any number (the last NaN of a window). The backward pass adds
/// each output gradient to its position, outputs in scan order (PyTorch's order where windows overlap). Planes are
/// independent, so any split across threads gives the same bits.
/// </summary>
public static unsafe class AdaptiveMaxPool2d
{
    /// <summary>The forward pass: each window's maximum and its position.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, outHeight, outWidth]</c>; must not overlap another span.</param>
    /// <param name="indices">Receives each maximum's position <c>h·width + w</c> in its input plane, <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive (larger than the input's too: windows then repeat rows).</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, Span<int> indices, int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        (int planes, int inputPlane, int outputPlane) = AdaptiveAvgPool2d.Check(batch, channels, height, width, outHeight, outWidth);
        KernelGuard.Holds(input.Length, planes, inputPlane, nameof(input), "batch*channels*height*width");
        KernelGuard.Holds(output.Length, planes, outputPlane, nameof(output), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(indices.Length, planes, outputPlane, nameof(indices), "batch*channels*outHeight*outWidth");
        KernelGuard.NoOverlap(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(System.Runtime.InteropServices.MemoryMarshal.Cast<int, float>(indices), output, nameof(indices), nameof(output));
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (int* positions = indices)
        {
            var pass = new Pass { Input = x, Output = y, Indices = positions, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth };
            PlaneParts.Run(ref pass, planes, inputPlane);
        }
    }

    /// <summary>The backward pass: each output gradient added to the position of its maximum; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="indices">The positions <see cref="Forward"/> kept.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap the other spans.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive.</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A dimension is out of range, or a position lies outside its input plane (found while adding: the input gradient is
    /// then partly written).
    /// </exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> indices, Span<float> inputGradient, int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        (int planes, int inputPlane, int outputPlane) = AdaptiveAvgPool2d.Check(batch, channels, height, width, outHeight, outWidth);
        KernelGuard.Holds(outputGradient.Length, planes, outputPlane, nameof(outputGradient), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(indices.Length, planes, outputPlane, nameof(indices), "batch*channels*outHeight*outWidth");
        KernelGuard.Holds(inputGradient.Length, planes, inputPlane, nameof(inputGradient), "batch*channels*height*width");
        KernelGuard.NoOverlap(outputGradient, inputGradient, nameof(outputGradient), nameof(inputGradient));
        KernelGuard.NoOverlap(System.Runtime.InteropServices.MemoryMarshal.Cast<int, float>(indices), inputGradient, nameof(indices), nameof(inputGradient));
        fixed (float* dy = outputGradient)
        fixed (int* positions = indices)
        fixed (float* dx = inputGradient)
        {
            var pass = new Pass { Input = dx, Output = dy, Indices = positions, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth, Backward = true };
            PlaneParts.Run(ref pass, planes, inputPlane);
        }
    }

    /// <summary>One plane's pass; in the backward pass <see cref="Input"/> is the input gradient and <see cref="Output"/> the output gradient.</summary>
    private struct Pass : IPlanePass
    {
        public float* Input;
        public float* Output;
        public int* Indices;
        public int Height, Width, OutHeight, OutWidth;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            int inputPlane = Height * Width, outputPlane = OutHeight * OutWidth;
            for (int p = first; p < end; p++)
            {
                float* x = Input + ((nint)p * inputPlane);
                float* y = Output + ((nint)p * outputPlane);
                int* positions = Indices + ((nint)p * outputPlane);
                if (Backward)
                {
                    // Positions are checked as they are used (MaxPool2d's rule): one pass over them, not two.
                    new Span<float>(x, inputPlane).Clear();
                    for (int o = 0; o < outputPlane; o++)
                    {
                        int position = positions[o];
                        if ((uint)position >= (uint)inputPlane)
                        {
                            throw new ArgumentOutOfRangeException(
                                "indices", position, $"Expected positions in [0, {inputPlane}) (height*width), as Forward writes them; indices[{((long)p * outputPlane) + o}] is not.");
                        }

                        x[position] += y[o];
                    }

                    continue;
                }

                for (int oh = 0; oh < OutHeight; oh++)
                {
                    (int h0, int h1) = AdaptiveAvgPool2d.Window(oh, OutHeight, Height);
                    for (int ow = 0; ow < OutWidth; ow++)
                    {
                        (int w0, int w1) = AdaptiveAvgPool2d.Window(ow, OutWidth, Width);
                        int best = (h0 * Width) + w0;
                        float maximum = float.NegativeInfinity;
                        for (int h = h0; h < h1; h++)
                        {
                            for (int w = w0; w < w1; w++)
                            {
                                float value = x[(h * Width) + w];
                                if (value > maximum || float.IsNaN(value))
                                {
                                    maximum = value;
                                    best = (h * Width) + w;
                                }
                            }
                        }

                        y[(oh * OutWidth) + ow] = maximum;
                        positions[(oh * OutWidth) + ow] = best;
                    }
                }
            }
        }
    }
}
