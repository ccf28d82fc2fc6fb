using System;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Bilinear upsampling by whole factors, PyTorch's <c>nn.Upsample(scale_factor=(sh, sw), mode='bilinear',
/// align_corners=...)</c>: input <c>[batch, channels, height, width]</c> to output <c>[batch, channels, height · sh,
/// width · sw]</c>, or to any size (<see cref="ForwardToSize"/>, PyTorch's <c>size=(oh, ow)</c>), each output value the
/// weighted mean of the four input values around its source position. The source positions and weights are PyTorch's
/// (<c>area_pixel_compute_source_index</c>, in float): with <c>alignCorners</c> output <c>i</c> reads
/// <c>i · (in - 1) / (out - 1)</c>, so the corners line up; without, <c>(i + 0.5) · in / out - 0.5</c> clamped at 0,
/// PyTorch's default. The forward pass sums the four products in double and rounds once (within float rounding of
/// PyTorch's); the backward pass adds each output gradient times its weight product to the four input gradients with a
/// fused multiply-add, output positions in scan order, as PyTorch 1.13's CPU kernel does (its bits for a factor of 2
/// without <c>alignCorners</c>, the common case; within float rounding otherwise). Planes are independent, so any split
/// across threads gives the same bits.
/// </summary>
public static unsafe class UpsampleBilinear2d
{
    /// <summary>The forward pass.</summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, height · scaleHeight, width · scaleWidth]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="scaleHeight">The vertical factor; positive.</param>
    /// <param name="scaleWidth">The horizontal factor; positive.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c>: the corner pixels' centres line up.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth, bool alignCorners)
    {
        (int outHeight, int outWidth) = Upsample2d.ScaledSizes(height, width, scaleHeight, scaleWidth);
        Run(input, output, batch, channels, height, width, outHeight, outWidth, alignCorners, backward: false, nameof(input), nameof(output));
    }

    /// <summary>The backward pass: each input value's gradient sums the output gradients that read it, times their weights; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, height · scaleHeight, width · scaleWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="scaleHeight">The vertical factor; positive.</param>
    /// <param name="scaleWidth">The horizontal factor; positive.</param>
    /// <param name="alignCorners">The forward pass's <c>align_corners</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int scaleHeight, int scaleWidth, bool alignCorners)
    {
        (int outHeight, int outWidth) = Upsample2d.ScaledSizes(height, width, scaleHeight, scaleWidth);
        Run(outputGradient, inputGradient, batch, channels, height, width, outHeight, outWidth, alignCorners, backward: true, nameof(outputGradient), nameof(inputGradient));
    }

    /// <summary>
    /// The forward pass to an output of <paramref name="outHeight"/> × <paramref name="outWidth"/>, PyTorch's
    /// <c>nn.Upsample(size=(oh, ow), mode='bilinear', align_corners=...)</c>: the source positions use <c>in / out</c> in
    /// float where whole factors use <c>1 / s</c> (the same value when <c>out = in · s</c>). Smaller sizes are allowed.
    /// </summary>
    /// <param name="input"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, outHeight, outWidth]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive.</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c>: the corner pixels' centres line up.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void ForwardToSize(
        ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int outHeight, int outWidth, bool alignCorners)
        => Run(input, output, batch, channels, height, width, outHeight, outWidth, alignCorners, backward: false, nameof(input), nameof(output));

    /// <summary>The backward pass of <see cref="ForwardToSize"/>; overwrites <paramref name="inputGradient"/>.</summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, outHeight, outWidth]</c>.</param>
    /// <param name="inputGradient">Receives dL/d(input), <c>[batch, channels, height, width]</c>; must not overlap <paramref name="outputGradient"/>.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Input height; positive.</param>
    /// <param name="width">Input width; positive.</param>
    /// <param name="outHeight">Output height; positive.</param>
    /// <param name="outWidth">Output width; positive.</param>
    /// <param name="alignCorners">The forward pass's <c>align_corners</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps.</exception>
    public static void BackwardToSize(
        ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, int channels, int height, int width, int outHeight, int outWidth, bool alignCorners)
        => Run(outputGradient, inputGradient, batch, channels, height, width, outHeight, outWidth, alignCorners, backward: true, nameof(outputGradient), nameof(inputGradient));

    /// <summary>
    /// The two input positions output position <paramref name="index"/> reads along an axis and their weights, as PyTorch's
    /// <c>compute_source_index_and_lambda</c> computes them (float arithmetic).
    /// </summary>
    internal static (int First, int Second, float FirstWeight, float SecondWeight) Source(int index, int inputSize, int outputSize, bool alignCorners)
    {
        if (outputSize == inputSize)
        {
            return (index, index, 1f, 0f);
        }

        float source;
        if (alignCorners)
        {
            float ratio = outputSize > 1 ? (float)(inputSize - 1) / (outputSize - 1) : 0f;
            source = ratio * index;
        }
        else
        {
            // PyTorch's in / out (its 1 / s for a whole factor s is the same float: both are in / out rounded once).
            float ratio = (float)inputSize / outputSize;
            source = Math.Max((ratio * (index + 0.5f)) - 0.5f, 0f);
        }

        int first = Math.Min((int)MathF.Floor(source), inputSize - 1);
        float second = Math.Clamp(source - first, 0f, 1f);
        return (first, first + (first < inputSize - 1 ? 1 : 0), 1f - second, second);
    }

    private static void Run(
        ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int height, int width, int outHeight, int outWidth, bool alignCorners,
        bool backward, string fromName, string toName)
    {
        (int planes, int large) = Upsample2d.Check(from, to, batch, channels, height, width, outHeight, outWidth, backward, fromName, toName);
        fixed (float* source = from)
        fixed (float* target = to)
        {
            var pass = new Pass
            {
                Input = backward ? target : source, Output = backward ? source : target, Height = height, Width = width,
                OutHeight = outHeight, OutWidth = outWidth, AlignCorners = alignCorners, Backward = backward,
            };
            PlaneParts.Run(ref pass, planes, large);
        }
    }

    /// <summary>The most output columns whose sources and weights a pass keeps on its stack (16 KB), computed once instead of per row.</summary>
    private const int MaxTableColumns = 1024;

    /// <summary>Planes <c>[first, end)</c>, output positions in scan order.</summary>
    private struct Pass : IPlanePass
    {
        public float* Input;
        public float* Output;
        public int Height;
        public int Width;
        public int OutHeight;
        public int OutWidth;
        public bool AlignCorners;
        public bool Backward;

        [SkipLocalsInit]
        public readonly void Run(int first, int end)
        {
            int outHeight = OutHeight, outWidth = OutWidth;

            // Every row reads the same columns: their sources and weights once (wider rows compute them as they go).
            Span<(int First, int Second, float FirstWeight, float SecondWeight)> columns = outWidth <= MaxTableColumns
                ? stackalloc (int, int, float, float)[outWidth]
                : default;
            for (int j = 0; j < columns.Length; j++)
            {
                columns[j] = Source(j, Width, outWidth, AlignCorners);
            }

            for (int p = first; p < end; p++)
            {
                float* plane = Input + ((nint)p * Height * Width);
                float* outputs = Output + ((nint)p * outHeight * outWidth);
                if (Backward)
                {
                    new Span<float>(plane, Height * Width).Clear();
                }

                for (int i = 0; i < outHeight; i++, outputs += outWidth)
                {
                    (int h0, int h1, float hw0, float hw1) = Source(i, Height, outHeight, AlignCorners);
                    float* row0 = plane + ((nint)h0 * Width), row1 = plane + ((nint)h1 * Width);
                    for (int j = 0; j < outWidth; j++)
                    {
                        (int w0, int w1, float ww0, float ww1) = columns.IsEmpty ? Source(j, Width, outWidth, AlignCorners) : columns[j];
                        if (Backward)
                        {
                            float g = outputs[j];
                            row0[w0] = MathF.FusedMultiplyAdd(hw0 * ww0, g, row0[w0]);
                            row0[w1] = MathF.FusedMultiplyAdd(hw0 * ww1, g, row0[w1]);
                            row1[w0] = MathF.FusedMultiplyAdd(hw1 * ww0, g, row1[w0]);
                            row1[w1] = MathF.FusedMultiplyAdd(hw1 * ww1, g, row1[w1]);
                        }
                        else
                        {
                            double top = ((double)row0[w0] * ww0) + ((double)row0[w1] * ww1);
                            double bottom = ((double)row1[w0] * ww0) + ((double)row1[w1] * ww1);
                            outputs[j] = (float)((top * hw0) + (bottom * hw1));
                        }
                    }
                }
            }
        }
    }
}
