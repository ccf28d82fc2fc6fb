using System;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Nearest-neighbour upsampling by whole factors, PyTorch's <c>nn.Upsample(scale_factor=(sh, sw), mode='nearest')</c>
/// (<c>nn.UpsamplingNearest2d</c>): input <c>[batch, channels, height, width]</c> to output
/// <c>[batch, channels, height · sh, width · sw]</c>, each output value the input value at <c>(⌊i / sh⌋, ⌊j / sw⌋)</c>;
/// or to any output size (<see cref="ForwardToSize"/>, PyTorch's <c>size=(oh, ow)</c>). The backward pass sums the output
/// gradients each input value was copied to, in output scan order (each <c>sh × sw</c> block row by row); planes are
/// independent, so any split across threads gives the same bits.
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
    {
        (int outHeight, int outWidth) = ScaledSizes(height, width, scaleHeight, scaleWidth);
        Run(input, output, batch, channels, height, width, outHeight, outWidth, backward: false, nameof(input), nameof(output));
    }

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
    {
        (int outHeight, int outWidth) = ScaledSizes(height, width, scaleHeight, scaleWidth);
        Run(outputGradient, inputGradient, batch, channels, height, width, outHeight, outWidth, backward: true, nameof(outputGradient), nameof(inputGradient));
    }

    /// <summary>
    /// The forward pass to an output of <paramref name="outHeight"/> × <paramref name="outWidth"/>, PyTorch's
    /// <c>nn.Upsample(size=(oh, ow), mode='nearest')</c>: output <c>(i, j)</c> reads input <c>(⌊i · s_h⌋, ⌊j · s_w⌋)</c>
    /// (clamped to the last row and column), <c>s = in / out</c> in float, as PyTorch's <c>nearest_idx</c> computes it (a
    /// size of twice the input halves the index exactly). Smaller sizes than the input's are allowed (PyTorch's too).
    /// </summary>
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
    public static void ForwardToSize(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int outHeight, int outWidth)
        => Run(input, output, batch, channels, height, width, outHeight, outWidth, backward: false, nameof(input), nameof(output));

    /// <summary>
    /// The backward pass of <see cref="ForwardToSize"/>: each input value's gradient is the sum of the output gradients that
    /// read it, added in output scan order as PyTorch's CPU kernel adds them; overwrites <paramref name="inputGradient"/>.
    /// </summary>
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
    public static void BackwardToSize(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int outHeight, int outWidth)
        => Run(outputGradient, inputGradient, batch, channels, height, width, outHeight, outWidth, backward: true, nameof(outputGradient), nameof(inputGradient));

    /// <summary>The output sizes of whole factors, after checking the sizes and the factors are positive.</summary>
    internal static (int OutHeight, int OutWidth) ScaledSizes(int height, int width, int scaleHeight, int scaleWidth)
    {
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        KernelGuard.Positive(scaleHeight, nameof(scaleHeight));
        KernelGuard.Positive(scaleWidth, nameof(scaleWidth));
        return (
            KernelGuard.Product(nameof(scaleHeight), "height*scaleHeight", height, scaleHeight),
            KernelGuard.Product(nameof(scaleWidth), "width*scaleWidth", width, scaleWidth));
    }

    /// <summary>
    /// The input index output index <paramref name="index"/> reads along an axis, PyTorch's <c>nearest_idx</c>: itself when
    /// the sizes agree, half of it at twice the size, else <c>min(⌊index · (in / out)⌋, in - 1)</c> in float.
    /// </summary>
    internal static int NearestSource(int index, int inputSize, int outputSize)
    {
        if (outputSize == inputSize)
        {
            return index;
        }

        if (outputSize == 2 * inputSize)
        {
            return index >> 1;
        }

        float scale = (float)inputSize / outputSize;
        return Math.Min((int)MathF.Floor(index * scale), inputSize - 1);
    }

    private static void Run(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int outHeight, int outWidth, bool backward,
        string fromName, string toName)
    {
        (int planes, int large) = Check(from, to, batch, channels, height, width, outHeight, outWidth, backward, fromName, toName);
        fixed (float* source = from)
        fixed (float* target = to)
        {
            var pass = new Pass
            {
                From = source, To = target, Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth, Backward = backward,
            };
            PlaneParts.Run(ref pass, planes, large);
        }
    }

    /// <summary>The checks both upsampling kernels share; returns the planes and the floats of an output plane.</summary>
    internal static (int Planes, int Large) Check(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int outHeight, int outWidth, bool backward,
        string fromName, string toName)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(height, nameof(height));
        KernelGuard.Positive(width, nameof(width));
        KernelGuard.Positive(outHeight, nameof(outHeight));
        KernelGuard.Positive(outWidth, nameof(outWidth));
        int planes = KernelGuard.Product(nameof(channels), "batch*channels", batch, channels);
        int small = KernelGuard.Product(nameof(width), "height*width", height, width);
        int large = KernelGuard.Product(nameof(outWidth), "outHeight*outWidth", outHeight, outWidth);
        KernelGuard.Holds(from.Length, planes, backward ? large : small, fromName, backward ? "batch*channels*outHeight*outWidth" : "batch*channels*height*width");
        KernelGuard.Holds(to.Length, planes, backward ? small : large, toName, backward ? "batch*channels*height*width" : "batch*channels*outHeight*outWidth");
        KernelGuard.NoOverlap(from, to, fromName, toName);
        return (planes, large);
    }

    /// <summary>One plane's pass: whole factors copy or sum blocks; other sizes read or scatter through index tables.</summary>
    private struct Pass : IPlanePass
    {
        public float* From;
        public float* To;
        public int Height;
        public int Width;
        public int OutHeight;
        public int OutWidth;
        public bool Backward;

        public readonly void Run(int first, int end)
        {
            if (OutHeight % Height == 0 && OutWidth % Width == 0)
            {
                Blocks(first, end, OutHeight / Height, OutWidth / Width);
            }
            else
            {
                Indexed(first, end);
            }
        }

        /// <summary>Whole factors: each input value's block of the output (the index tables' result, without them).</summary>
        private readonly void Blocks(int first, int end, int scaleHeight, int scaleWidth)
        {
            int outWidth = Width * scaleWidth;
            long small = (long)Height * Width, large = small * scaleHeight * scaleWidth;
            for (int p = first; p < end; p++)
            {
                float* x = Backward ? To + (p * small) : From + (p * small);
                float* y = Backward ? From + (p * large) : To + (p * large);
                for (int i = 0; i < Height; i++)
                {
                    for (int j = 0; j < Width; j++)
                    {
                        float* block = y + ((long)i * scaleHeight * outWidth) + ((long)j * scaleWidth);
                        if (Backward)
                        {
                            float sum = 0f;
                            for (int a = 0; a < scaleHeight; a++)
                            {
                                for (int b = 0; b < scaleWidth; b++)
                                {
                                    sum += block[(a * outWidth) + b];
                                }
                            }

                            x[(i * Width) + j] = sum;
                        }
                        else
                        {
                            float value = x[(i * Width) + j];
                            for (int a = 0; a < scaleHeight; a++)
                            {
                                for (int b = 0; b < scaleWidth; b++)
                                {
                                    block[(a * outWidth) + b] = value;
                                }
                            }
                        }
                    }
                }
            }
        }

        /// <summary>Any sizes: the source column of each output column from a table, the source row per output row.</summary>
        [SkipLocalsInit]
        private readonly void Indexed(int first, int end)
        {
            Span<int> columns = OutWidth <= MaxTableColumns ? stackalloc int[OutWidth] : default;
            for (int j = 0; j < columns.Length; j++)
            {
                columns[j] = NearestSource(j, Width, OutWidth);
            }

            long small = (long)Height * Width, large = (long)OutHeight * OutWidth;
            for (int p = first; p < end; p++)
            {
                float* x = Backward ? To + (p * small) : From + (p * small);
                float* y = Backward ? From + (p * large) : To + (p * large);
                if (Backward)
                {
                    new Span<float>(x, (int)small).Clear();
                }

                for (int i = 0; i < OutHeight; i++)
                {
                    float* row = x + ((long)NearestSource(i, Height, OutHeight) * Width);
                    float* outputs = y + ((long)i * OutWidth);
                    for (int j = 0; j < OutWidth; j++)
                    {
                        int column = columns.IsEmpty ? NearestSource(j, Width, OutWidth) : columns[j];
                        if (Backward)
                        {
                            row[column] += outputs[j];
                        }
                        else
                        {
                            outputs[j] = row[column];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The widest output row whose column table lives on the stack (wider rows compute each column's source as they go).</summary>
    private const int MaxTableColumns = 4096;
}
