using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Products of two tensors, PyTorch's <c>a * b</c>: elementwise for two tensors of one shape (a gate), or an image
/// <c>[batch, channels, height, width]</c> times one value per sample and channel (<c>[batch, channels, 1, 1]</c> or
/// <c>[batch, channels]</c>), broadcast over each plane: a squeeze-and-excitation block's rescaling.
/// </summary>
public static unsafe class Multiply
{
    /// <summary><c>output[i] = a[i] · b[i]</c> for the first <paramref name="length"/> elements.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <param name="output">Receives the product; must not overlap the factors.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps a factor.</exception>
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(a.Length, length, nameof(a), "length");
        KernelGuard.Holds(b.Length, length, nameof(b), "length");
        KernelGuard.Holds(output.Length, length, nameof(output), "length");
        KernelGuard.NoOverlap(a.Slice(0, length), output.Slice(0, length), nameof(a), nameof(output));
        KernelGuard.NoOverlap(b.Slice(0, length), output.Slice(0, length), nameof(b), nameof(output));
        Product(a.Slice(0, length), b.Slice(0, length), output.Slice(0, length));
    }

    /// <summary>
    /// The backward pass of <see cref="Forward"/>: <c>aGradient = outputGradient · b</c> and <c>bGradient = outputGradient · a</c>,
    /// each overwritten; an empty gradient span is not computed (a factor that needs no gradient).
    /// </summary>
    /// <param name="outputGradient">dL/d(output).</param>
    /// <param name="a">The first factor of the forward pass.</param>
    /// <param name="b">The second factor of the forward pass.</param>
    /// <param name="aGradient">Receives dL/da, or empty; must not overlap the other spans.</param>
    /// <param name="bGradient">Receives dL/db, or empty; must not overlap the other spans.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short, or a gradient overlaps another span.</exception>
    public static void Backward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> aGradient, Span<float> bGradient, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(outputGradient.Length, length, nameof(outputGradient), "length");
        KernelGuard.Holds(a.Length, length, nameof(a), "length");
        KernelGuard.Holds(b.Length, length, nameof(b), "length");
        ReadOnlySpan<float> dy = outputGradient.Slice(0, length);
        if (!aGradient.IsEmpty)
        {
            KernelGuard.Holds(aGradient.Length, length, nameof(aGradient), "length");
            Span<float> da = aGradient.Slice(0, length);
            KernelGuard.NoOverlap(dy, da, nameof(outputGradient), nameof(aGradient));
            KernelGuard.NoOverlap(b.Slice(0, length), da, nameof(b), nameof(aGradient));
            KernelGuard.NoOverlap(a.Slice(0, length), da, nameof(a), nameof(aGradient));
        }

        if (!bGradient.IsEmpty)
        {
            KernelGuard.Holds(bGradient.Length, length, nameof(bGradient), "length");
            Span<float> db = bGradient.Slice(0, length);
            KernelGuard.NoOverlap(dy, db, nameof(outputGradient), nameof(bGradient));
            KernelGuard.NoOverlap(a.Slice(0, length), db, nameof(a), nameof(bGradient));
            KernelGuard.NoOverlap(b.Slice(0, length), db, nameof(b), nameof(bGradient));
            if (!aGradient.IsEmpty)
            {
                KernelGuard.NoOverlap(aGradient.Slice(0, length), db, nameof(aGradient), nameof(bGradient));
            }
        }

        if (!aGradient.IsEmpty)
        {
            Product(dy, b.Slice(0, length), aGradient.Slice(0, length));
        }

        if (!bGradient.IsEmpty)
        {
            Product(dy, a.Slice(0, length), bGradient.Slice(0, length));
        }
    }

    /// <summary>
    /// <c>output[n, c, h, w] = image[n, c, h, w] · scale[n, c]</c>: each plane of <paramref name="image"/> times its sample's
    /// and channel's value (PyTorch's <c>x * s</c> with <c>s</c> of shape <c>[batch, channels, 1, 1]</c>).
    /// </summary>
    /// <param name="image"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="scale"><c>[batch, channels]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, height, width]</c>; must not overlap the inputs.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Height; positive.</param>
    /// <param name="width">Width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another.</exception>
    public static void ForwardByChannel(
        ReadOnlySpan<float> image, ReadOnlySpan<float> scale, Span<float> output, int batch, int channels, int height, int width)
    {
        (int planes, int plane) = GlobalAvgPool2d.Check(batch, channels, height, width);
        KernelGuard.Holds(image.Length, planes, plane, nameof(image), "batch*channels*height*width");
        KernelGuard.Holds(scale.Length, planes, nameof(scale), "batch*channels");
        KernelGuard.Holds(output.Length, planes, plane, nameof(output), "batch*channels*height*width");
        KernelGuard.NoOverlap(image, output, nameof(image), nameof(output));
        KernelGuard.NoOverlap(scale, output, nameof(scale), nameof(output));
        fixed (float* x = image)
        fixed (float* s = scale)
        fixed (float* y = output)
        {
            var pass = new ChannelPass { Image = x, Scale = s, Output = y, Plane = plane };
            PlaneParts.Run(ref pass, planes, plane);
        }
    }

    /// <summary>
    /// The backward pass of <see cref="ForwardByChannel"/>: <c>imageGradient[n, c, h, w] = outputGradient[n, c, h, w] · scale[n, c]</c>
    /// and <c>scaleGradient[n, c] = Σ_hw outputGradient · image</c> (summed in double in plane order, rounded once, so every
    /// thread count gives the same bits). Both are overwritten; an empty gradient span is not computed.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, height, width]</c>.</param>
    /// <param name="image">The forward pass's image.</param>
    /// <param name="scale">The forward pass's <c>[batch, channels]</c> values.</param>
    /// <param name="imageGradient">Receives dL/d(image), or empty; must not overlap the other spans.</param>
    /// <param name="scaleGradient">Receives dL/d(scale), <c>[batch, channels]</c>, or empty; must not overlap the other spans.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="height">Height; positive.</param>
    /// <param name="width">Width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a gradient overlaps another span.</exception>
    public static void BackwardByChannel(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> image, ReadOnlySpan<float> scale, Span<float> imageGradient, Span<float> scaleGradient,
        int batch, int channels, int height, int width)
    {
        (int planes, int plane) = GlobalAvgPool2d.Check(batch, channels, height, width);
        KernelGuard.Holds(outputGradient.Length, planes, plane, nameof(outputGradient), "batch*channels*height*width");
        KernelGuard.Holds(image.Length, planes, plane, nameof(image), "batch*channels*height*width");
        KernelGuard.Holds(scale.Length, planes, nameof(scale), "batch*channels");
        if (!imageGradient.IsEmpty)
        {
            KernelGuard.Holds(imageGradient.Length, planes, plane, nameof(imageGradient), "batch*channels*height*width");
            KernelGuard.NoOverlap(outputGradient, imageGradient, nameof(outputGradient), nameof(imageGradient));
            KernelGuard.NoOverlap(image, imageGradient, nameof(image), nameof(imageGradient));
            KernelGuard.NoOverlap(scale, imageGradient, nameof(scale), nameof(imageGradient));
        }

        if (!scaleGradient.IsEmpty)
        {
            KernelGuard.Holds(scaleGradient.Length, planes, nameof(scaleGradient), "batch*channels");
            KernelGuard.NoOverlap(outputGradient, scaleGradient, nameof(outputGradient), nameof(scaleGradient));
            KernelGuard.NoOverlap(image, scaleGradient, nameof(image), nameof(scaleGradient));
            KernelGuard.NoOverlap(scale, scaleGradient, nameof(scale), nameof(scaleGradient));
            KernelGuard.NoOverlap(imageGradient, scaleGradient, nameof(imageGradient), nameof(scaleGradient));
        }

        fixed (float* dy = outputGradient)
        fixed (float* x = image)
        fixed (float* s = scale)
        fixed (float* dx = imageGradient)
        fixed (float* ds = scaleGradient)
        {
            var pass = new ChannelBackwardPass { OutputGradient = dy, Image = x, Scale = s, ImageGradient = dx, ScaleGradient = ds, Plane = plane };
            PlaneParts.Run(ref pass, planes, 2L * plane);
        }
    }

    /// <summary><c>output[i] = a[i] · b[i]</c> over three spans of one length.</summary>
    private static void Product(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            Span<Vector<float>> vo = MemoryMarshal.Cast<float, Vector<float>>(output);
            for (int v = 0; v < vo.Length; v++)
            {
                vo[v] = va[v] * vb[v];
            }

            i = vo.Length * Vector<float>.Count;
        }

        for (; i < output.Length; i++)
        {
            output[i] = a[i] * b[i];
        }
    }

    /// <summary>Planes of the forward pass: each one scaled by its value.</summary>
    private struct ChannelPass : IPlanePass
    {
        public float* Image;
        public float* Scale;
        public float* Output;
        public int Plane;

        public readonly void Run(int first, int end)
        {
            for (int p = first; p < end; p++)
            {
                nint offset = (nint)p * Plane;
                Scaled(new ReadOnlySpan<float>(Image + offset, Plane), Scale[p], new Span<float>(Output + offset, Plane));
            }
        }
    }

    /// <summary>Planes of the backward pass: each plane's scale gradient (a dot product) and its image gradient.</summary>
    private struct ChannelBackwardPass : IPlanePass
    {
        public float* OutputGradient;
        public float* Image;
        public float* Scale;
        public float* ImageGradient;
        public float* ScaleGradient;
        public int Plane;

        public readonly void Run(int first, int end)
        {
            for (int p = first; p < end; p++)
            {
                nint offset = (nint)p * Plane;
                var dy = new ReadOnlySpan<float>(OutputGradient + offset, Plane);
                if (ScaleGradient != null)
                {
                    ScaleGradient[p] = Dot(dy, new ReadOnlySpan<float>(Image + offset, Plane));
                }

                if (ImageGradient != null)
                {
                    Scaled(dy, Scale[p], new Span<float>(ImageGradient + offset, Plane));
                }
            }
        }

        /// <summary>Σ a[i]·b[i], each product exact in double, four running sums in a fixed order.</summary>
        private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
            int i = 0;
            for (; i + 4 <= a.Length; i += 4)
            {
                sum0 += (double)a[i] * b[i];
                sum1 += (double)a[i + 1] * b[i + 1];
                sum2 += (double)a[i + 2] * b[i + 2];
                sum3 += (double)a[i + 3] * b[i + 3];
            }

            for (; i < a.Length; i++)
            {
                sum0 += (double)a[i] * b[i];
            }

            return (float)((sum0 + sum1) + (sum2 + sum3));
        }
    }

    /// <summary><c>output[i] = values[i] · factor</c>.</summary>
    private static void Scaled(ReadOnlySpan<float> values, float factor, Span<float> output)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(values);
            Span<Vector<float>> vo = MemoryMarshal.Cast<float, Vector<float>>(output);
            var f = new Vector<float>(factor);
            for (int v = 0; v < vo.Length; v++)
            {
                vo[v] = vv[v] * f;
            }

            i = vo.Length * Vector<float>.Count;
        }

        for (; i < output.Length; i++)
        {
            output[i] = values[i] * factor;
        }
    }
}
