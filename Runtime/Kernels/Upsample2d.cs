using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Nearest-neighbour upsampling by whole factors, PyTorch's <c>nn.Upsample(scale_factor=(sh, sw), mode='nearest')</c>
/// (<c>nn.UpsamplingNearest2d</c>): input <c>[batch, channels, height, width]</c> to output
/// <c>[batch, channels, height · sh, width · sw]</c>, each output value the input value at <c>(⌊i / sh⌋, ⌊j / sw⌋)</c>.
/// The backward pass sums each <c>sh × sw</c> block of the output gradient, row by row in order; planes are independent,
/// so any split across threads gives the same bits.
/// </summary>
public static unsafe class Upsample2d
{
    /// <summary>The forward pass: every input value copied to its <c>sh × sw</c> block.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, height · scaleHeight, width · scaleWidth]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="scaleHeight">The vertical factor; positive.</param>
    /// <param name="scaleWidth">The horizontal factor; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth)
        => Run(input, output, batch, channels, height, width, scaleHeight, scaleWidth, backward: false, nameof(input), nameof(output));

    /// <summary>The backward pass: each input value's gradient is the sum of its block's output gradients; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, height · scaleHeight, width · scaleWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="scaleHeight">The vertical factor; positive.</param>
    /// <param name="scaleWidth">The horizontal factor; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth)
        => Run(outputGradient, inputGradient, batch, channels, height, width, scaleHeight, scaleWidth, backward: true, nameof(outputGradient), nameof(inputGradient));

    private static void Run(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth, bool backward,
        string fromName, string toName)
    {
        (int planes, int large) = Check(from, to, batch, channels, height, width, scaleHeight, scaleWidth, backward, fromName, toName);
        fixed (float* source = from)
        fixed (float* target = to)
        {
            var pass = new Pass
            {
                From = source, To = target, Height = height, Width = width, ScaleHeight = scaleHeight, ScaleWidth = scaleWidth, Backward = backward,
            };
            PlaneParts.Run(ref pass, planes, large);
        }
    }

    /// <summary>
    /// The upsampling kernels' checks (this one's and <see cref="UpsampleBilinear2d"/>'s): <paramref name="from"/> is read and
    /// <paramref name="to"/> written, the small planes on the input's side; returns the planes and the floats of an upsampled one.
    /// </summary>
    internal static (int Planes, int Large) Check(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth, bool backward,
        string fromName, string toName)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        KernelGuard.Positive(scaleHeight, nameof(scaleHeight));
        KernelGuard.Positive(scaleWidth, nameof(scaleWidth));
        int planes = checked(batch * channels), small = checked(height * width), large = checked(small * scaleHeight * scaleWidth);
        KernelGuard.Holds(from.Length, planes, backward ? large : small, fromName, backward ? "batch*channels*(height*scaleHeight)*(width*scaleWidth)" : "batch*channels*height*width");
        KernelGuard.Holds(to.Length, planes, backward ? small : large, toName, backward ? "batch*channels*height*width" : "batch*channels*(height*scaleHeight)*(width*scaleWidth)");
        KernelGuard.NoOverlap(from, to, fromName, toName);
        return (planes, large);
    }

    /// <summary>Planes <c>[first, end)</c>: copies into the blocks, or sums them.</summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public int Height;
        public int Width;
        public int ScaleHeight;
        public int ScaleWidth;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            int outWidth = Width * ScaleWidth;
            long small = (long)Height * Width, large = small * ScaleHeight * ScaleWidth;
            for (int p = first; p < end; p++)
            {
                float* x = Backward ? To + (p * small) : From + (p * small);
                float* y = Backward ? From + (p * large) : To + (p * large);
                for (int i = 0; i < Height; i++)
                {
                    for (int j = 0; j < Width; j++)
                    {
                        float* block = y + ((long)i * ScaleHeight * outWidth) + ((long)j * ScaleWidth);
                        if (Backward)
                        {
                            float sum = 0f;
                            for (int a = 0; a < ScaleHeight; a++)
                            {
                                for (int b = 0; b < ScaleWidth; b++)
                                {
                                    sum += block[(a * outWidth) + b];
                                }
                            }

                            x[(i * Width) + j] = sum;
                        }
                        else
                        {
                            float value = x[(i * Width) + j];
                            for (int a = 0; a < ScaleHeight; a++)
                            {
                                for (int b = 0; b < ScaleWidth; b++)
                                {
                                    block[(a * outWidth) + b] = value;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
