using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Products of two tensors, PyTorch's <c>a * b</c>: elementwise for two tensors of one shape (a gate); an image
/// <c>[batch, channels, height, width]</c> times one value per sample and channel (<c>[batch, channels, 1, 1]</c> or
/// <c>[batch, channels]</c>), broadcast over each plane (a squeeze-and-excitation block's rescaling); or an image times a
/// one-channel map <c>[batch, 1, height, width]</c>, broadcast over the channels (a spatial attention gate, CBAM's).
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
        CheckForward(image, scale, output, planes, plane, planes, nameof(scale), "batch*channels");
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
        CheckBackward(outputGradient, image, scale, imageGradient, scaleGradient, planes, plane, planes, nameof(scale), nameof(scaleGradient), "batch*channels");

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

    /// <summary>
    /// <c>output[n, c, h, w] = image[n, c, h, w] · map[n, h, w]</c>: each channel of a sample times the sample's one-channel
    /// map (PyTorch's <c>x * m</c> with <c>m</c> of shape <c>[batch, 1, height, width]</c>).
    /// </summary>
    /// <param name="image"><c>[batch, channels, height, width]</c>.</param>
    /// <param name="map"><c>[batch, 1, height, width]</c>.</param>
    /// <param name="output">Receives <c>[batch, channels, height, width]</c>; must not overlap the inputs.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels of the image; positive.</param>
    /// <param name="height">Height; positive.</param>
    /// <param name="width">Width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or overlaps another.</exception>
    public static void ForwardByPixel(
        ReadOnlySpan<float> image, ReadOnlySpan<float> map, Span<float> output, int batch, int channels, int height, int width)
    {
        (int planes, int plane) = GlobalAvgPool2d.Check(batch, channels, height, width);
        CheckForward(image, map, output, planes, plane, KernelGuard.Product(nameof(width), "batch*height*width", batch, plane), nameof(map), "batch*height*width");
        fixed (float* x = image)
        fixed (float* m = map)
        fixed (float* y = output)
        {
            var pass = new PixelPass { Image = x, Map = m, Output = y, Channels = channels, Plane = plane };
            PlaneParts.Run(ref pass, planes, plane);
        }
    }

    /// <summary>
    /// The backward pass of <see cref="ForwardByPixel"/>: <c>imageGradient[n, c, h, w] = outputGradient[n, c, h, w] · map[n, h, w]</c>
    /// and <c>mapGradient[n, h, w] = Σ_c outputGradient · image</c> (summed in float over the channels in order, a multiply
    /// then an add, so every vector width and thread count gives the same bits). Both are overwritten; an empty gradient
    /// span is not computed.
    /// </summary>
    /// <param name="outputGradient">dL/d(output), <c>[batch, channels, height, width]</c>.</param>
    /// <param name="image">The forward pass's image.</param>
    /// <param name="map">The forward pass's <c>[batch, 1, height, width]</c> map.</param>
    /// <param name="imageGradient">Receives dL/d(image), or empty; must not overlap the other spans.</param>
    /// <param name="mapGradient">Receives dL/d(map), <c>[batch, 1, height, width]</c>, or empty; must not overlap the other spans.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels of the image; positive.</param>
    /// <param name="height">Height; positive.</param>
    /// <param name="width">Width; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a gradient overlaps another span.</exception>
    public static void BackwardByPixel(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> image, ReadOnlySpan<float> map, Span<float> imageGradient, Span<float> mapGradient,
        int batch, int channels, int height, int width)
    {
        (int planes, int plane) = GlobalAvgPool2d.Check(batch, channels, height, width);
        CheckBackward(outputGradient, image, map, imageGradient, mapGradient, planes, plane, KernelGuard.Product(nameof(width), "batch*height*width", batch, plane), nameof(map), nameof(mapGradient), "batch*height*width");

        fixed (float* dy = outputGradient)
        fixed (float* x = image)
        fixed (float* m = map)
        fixed (float* dx = imageGradient)
        fixed (float* dm = mapGradient)
        {
            // One unit per sample: its map's gradient sums over all of its channels.
            var pass = new PixelBackwardPass { OutputGradient = dy, Image = x, Map = m, ImageGradient = dx, MapGradient = dm, Channels = channels, Plane = plane };
            PlaneParts.Run(ref pass, batch, 2L * channels * plane);
        }
    }

    /// <summary>The lengths and overlaps of a broadcasting forward pass: an image, the factor it broadcasts (<paramref name="otherLength"/> values), the output.</summary>
    private static void CheckForward(
        ReadOnlySpan<float> image, ReadOnlySpan<float> other, Span<float> output, int planes, int plane, int otherLength, string otherName, string otherFormula)
    {
        KernelGuard.Holds(image.Length, planes, plane, nameof(image), "batch*channels*height*width");
        KernelGuard.Holds(other.Length, otherLength, otherName, otherFormula);
        KernelGuard.Holds(output.Length, planes, plane, nameof(output), "batch*channels*height*width");
        KernelGuard.NoOverlap(image, output, nameof(image), nameof(output));
        KernelGuard.NoOverlap(other, output, otherName, nameof(output));
    }

    /// <summary>The lengths and overlaps of a broadcasting backward pass; an empty gradient is not checked (it is not computed).</summary>
    private static void CheckBackward(
        ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> image, ReadOnlySpan<float> other, Span<float> imageGradient, Span<float> otherGradient,
        int planes, int plane, int otherLength, string otherName, string otherGradientName, string otherFormula)
    {
        KernelGuard.Holds(outputGradient.Length, planes, plane, nameof(outputGradient), "batch*channels*height*width");
        KernelGuard.Holds(image.Length, planes, plane, nameof(image), "batch*channels*height*width");
        KernelGuard.Holds(other.Length, otherLength, otherName, otherFormula);
        if (!imageGradient.IsEmpty)
        {
            KernelGuard.Holds(imageGradient.Length, planes, plane, nameof(imageGradient), "batch*channels*height*width");
            KernelGuard.NoOverlap(outputGradient, imageGradient, nameof(outputGradient), nameof(imageGradient));
            KernelGuard.NoOverlap(image, imageGradient, nameof(image), nameof(imageGradient));
            KernelGuard.NoOverlap(other, imageGradient, otherName, nameof(imageGradient));
        }

        if (!otherGradient.IsEmpty)
        {
            KernelGuard.Holds(otherGradient.Length, otherLength, otherGradientName, otherFormula);
            KernelGuard.NoOverlap(outputGradient, otherGradient, nameof(outputGradient), otherGradientName);
            KernelGuard.NoOverlap(image, otherGradient, nameof(image), otherGradientName);
            KernelGuard.NoOverlap(other, otherGradient, otherName, otherGradientName);
            KernelGuard.NoOverlap(imageGradient, otherGradient, nameof(imageGradient), otherGradientName);
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

    /// <summary>Planes of <see cref="ForwardByPixel"/>: each one times its sample's map.</summary>
    private struct PixelPass : IPlanePass
    {
        public float* Image;
        public float* Map;
        public float* Output;
        public int Channels;
        public int Plane;

        public readonly void Run(int first, int end)
        {
            for (int p = first; p < end; p++)
            {
                nint offset = (nint)p * Plane;
                var map = new ReadOnlySpan<float>(Map + ((nint)(p / Channels) * Plane), Plane);
                Product(new ReadOnlySpan<float>(Image + offset, Plane), map, new Span<float>(Output + offset, Plane));
            }
        }
    }

    /// <summary>Samples of <see cref="BackwardByPixel"/>: the map's gradient summed over the channels in order, then each channel's image gradient.</summary>
    private struct PixelBackwardPass : IPlanePass
    {
        public float* OutputGradient;
        public float* Image;
        public float* Map;
        public float* ImageGradient;
        public float* MapGradient;
        public int Channels;
        public int Plane;

        public readonly void Run(int first, int end)
        {
            for (int n = first; n < end; n++)
            {
                nint sample = (nint)n * Channels * Plane;
                var map = new ReadOnlySpan<float>(Map + ((nint)n * Plane), Plane);
                if (MapGradient != null)
                {
                    var sum = new Span<float>(MapGradient + ((nint)n * Plane), Plane);
                    for (int c = 0; c < Channels; c++)
                    {
                        nint offset = sample + ((nint)c * Plane);
                        MultiplyAdd(new ReadOnlySpan<float>(OutputGradient + offset, Plane), new ReadOnlySpan<float>(Image + offset, Plane), sum, first: c == 0);
                    }
                }

                if (ImageGradient != null)
                {
                    for (int c = 0; c < Channels; c++)
                    {
                        nint offset = sample + ((nint)c * Plane);
                        Product(new ReadOnlySpan<float>(OutputGradient + offset, Plane), map, new Span<float>(ImageGradient + offset, Plane));
                    }
                }
            }
        }

        /// <summary><c>sum[i] = a[i]·b[i]</c> (<paramref name="first"/>) or <c>sum[i] += a[i]·b[i]</c>, a rounded product then an add.</summary>
        private static void MultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum, bool first)
        {
            if (first)
            {
                Product(a, b, sum);
                return;
            }

            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
                ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b);
                Span<Vector<float>> vs = MemoryMarshal.Cast<float, Vector<float>>(sum);
                for (int v = 0; v < vs.Length; v++)
                {
                    vs[v] += va[v] * vb[v];
                }

                i = vs.Length * Vector<float>.Count;
            }

            for (; i < sum.Length; i++)
            {
                sum[i] += a[i] * b[i];
            }
        }
    }

    /// <summary><c>output[i] = values[i] · factor</c>; the spans are the same (in place, Dropout2d's) or disjoint.</summary>
    internal static void Scaled(ReadOnlySpan<float> values, float factor, Span<float> output)
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
