using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// Up to 16 samples' planes to and from vectors of 16 samples (one sample per lane), for the kernels that vectorize
/// over samples (<see cref="Conv2dForwardBySamples"/>, <see cref="Conv2dInputGradientBySamples"/>): 16 positions of a
/// channel at a time, one load per sample and a 16 × 16 transpose in registers.
/// </summary>
internal static unsafe class SampleLanes
{
    /// <summary>Samples side by side: one 512-bit vector of floats.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// Floats of <paramref name="channels"/> planes of <paramref name="height"/> × <paramref name="width"/> in lanes, with
    /// <paramref name="rowMargin"/> zero rows above and below and <paramref name="columnMargin"/> zero columns each side.
    /// </summary>
    public static long Floats(int channels, int height, int width, int rowMargin, int columnMargin)
        => (long)Lanes * channels * (height + (2 * rowMargin)) * (width + (2 * columnMargin));

    /// <summary>
    /// <c>planes[s][k][y][x]</c> of <paramref name="samples"/> samples (1 to 16) into
    /// <c>lanes[rowMargin + y][columnMargin + x][k][s]</c>, lanes past the samples zero and the margins zero.
    /// </summary>
    [SkipLocalsInit]
    public static void ToLanes(float* planes, int samples, int channels, int height, int width, int rowMargin, int columnMargin, float* lanes)
    {
        int plane = height * width;
        nint sample = (nint)channels * plane;
        int* padded = stackalloc int[plane + Lanes];
        Layout(channels, height, width, rowMargin, columnMargin, Lanes, lanes, padded);

        for (int k = 0; k < channels; k++)
        {
            for (int p = 0; p < plane; p += Lanes)
            {
                int count = Math.Min(Lanes, plane - p);
                Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                float* source = planes + ((nint)k * plane) + p;
                Vector512<float> r0 = Row(source, 0, samples, sample, inside),
                    r1 = Row(source, 1, samples, sample, inside),
                    r2 = Row(source, 2, samples, sample, inside),
                    r3 = Row(source, 3, samples, sample, inside),
                    r4 = Row(source, 4, samples, sample, inside),
                    r5 = Row(source, 5, samples, sample, inside),
                    r6 = Row(source, 6, samples, sample, inside),
                    r7 = Row(source, 7, samples, sample, inside),
                    r8 = Row(source, 8, samples, sample, inside),
                    r9 = Row(source, 9, samples, sample, inside),
                    r10 = Row(source, 10, samples, sample, inside),
                    r11 = Row(source, 11, samples, sample, inside),
                    r12 = Row(source, 12, samples, sample, inside),
                    r13 = Row(source, 13, samples, sample, inside),
                    r14 = Row(source, 14, samples, sample, inside),
                    r15 = Row(source, 15, samples, sample, inside);
                Transpose16.Locals(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
                float* destination = lanes + (k * Lanes);
                Column(destination, padded, p + 0, 0 < count, r0);
                Column(destination, padded, p + 1, 1 < count, r1);
                Column(destination, padded, p + 2, 2 < count, r2);
                Column(destination, padded, p + 3, 3 < count, r3);
                Column(destination, padded, p + 4, 4 < count, r4);
                Column(destination, padded, p + 5, 5 < count, r5);
                Column(destination, padded, p + 6, 6 < count, r6);
                Column(destination, padded, p + 7, 7 < count, r7);
                Column(destination, padded, p + 8, 8 < count, r8);
                Column(destination, padded, p + 9, 9 < count, r9);
                Column(destination, padded, p + 10, 10 < count, r10);
                Column(destination, padded, p + 11, 11 < count, r11);
                Column(destination, padded, p + 12, 12 < count, r12);
                Column(destination, padded, p + 13, 13 < count, r13);
                Column(destination, padded, p + 14, 14 < count, r14);
                Column(destination, padded, p + 15, 15 < count, r15);
            }
        }
    }

    /// <summary>
    /// Clears the margins of <c>lanes[rowMargin + y][columnMargin + x][k][s]</c> (<paramref name="lanes"/> samples per
    /// vector) and writes where each position of a plane goes (<paramref name="padded"/>, in floats from
    /// <paramref name="destination"/>), and past the plane a chunk's worth that is never stored: the layout
    /// <see cref="ToLanes"/> and <see cref="SampleLanesAvx2.ToLanes"/> fill.
    /// </summary>
    public static void Layout(int channels, int height, int width, int rowMargin, int columnMargin, int lanes, float* destination, int* padded)
    {
        int plane = height * width, rowPositions = width + (2 * columnMargin);
        nint position = (nint)channels * lanes, row = rowPositions * position;
        new Span<float>(destination, (int)(rowMargin * row)).Clear();
        new Span<float>(destination + ((rowMargin + height) * row), (int)(rowMargin * row)).Clear();
        for (int y = 0; y < height && columnMargin > 0; y++)
        {
            float* start = destination + ((rowMargin + y) * row);
            new Span<float>(start, (int)(columnMargin * position)).Clear();
            new Span<float>(start + ((columnMargin + width) * position), (int)(columnMargin * position)).Clear();
        }

        // Row and column counted along, not divided out: two integer divisions a position took 3 of the 3.6 µs a block of
        // LeNet conv2's forward spent in ToLanes on Zen 2.
        for (int q = 0, y = 0, x = 0; q < plane + lanes; q++)
        {
            padded[q] = (int)((((rowMargin + y) * rowPositions) + columnMargin + x) * position);
            if (++x == width)
            {
                (x, y) = (0, y + 1);
            }
        }
    }

    /// <summary>
    /// <c>lanes[k][q][s]</c> (no margins) back into the planes <c>planes[s][k][q]</c> of the first
    /// <paramref name="samples"/> samples; each value plus <c>bias[k]</c> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) on the way, as <see cref="Conv2dDirect.Finish"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromLanes(float* lanes, int samples, int channels, int plane, float* planes, float* bias, bool relu)
    {
        nint sample = (nint)channels * plane;
        for (int k = 0; k < channels; k++)
        {
            for (int p = 0; p < plane; p += Lanes)
            {
                int count = Math.Min(Lanes, plane - p);
                Vector512<float> inside = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
                float* source = lanes + ((((nint)k * plane) + p) * Lanes);
                Vector512<float> r0 = 0 < count ? Conv2dDirect.Finish(Vector512.Load(source + 0), bias, k, relu) : default,
                    r1 = 1 < count ? Conv2dDirect.Finish(Vector512.Load(source + 16), bias, k, relu) : default,
                    r2 = 2 < count ? Conv2dDirect.Finish(Vector512.Load(source + 32), bias, k, relu) : default,
                    r3 = 3 < count ? Conv2dDirect.Finish(Vector512.Load(source + 48), bias, k, relu) : default,
                    r4 = 4 < count ? Conv2dDirect.Finish(Vector512.Load(source + 64), bias, k, relu) : default,
                    r5 = 5 < count ? Conv2dDirect.Finish(Vector512.Load(source + 80), bias, k, relu) : default,
                    r6 = 6 < count ? Conv2dDirect.Finish(Vector512.Load(source + 96), bias, k, relu) : default,
                    r7 = 7 < count ? Conv2dDirect.Finish(Vector512.Load(source + 112), bias, k, relu) : default,
                    r8 = 8 < count ? Conv2dDirect.Finish(Vector512.Load(source + 128), bias, k, relu) : default,
                    r9 = 9 < count ? Conv2dDirect.Finish(Vector512.Load(source + 144), bias, k, relu) : default,
                    r10 = 10 < count ? Conv2dDirect.Finish(Vector512.Load(source + 160), bias, k, relu) : default,
                    r11 = 11 < count ? Conv2dDirect.Finish(Vector512.Load(source + 176), bias, k, relu) : default,
                    r12 = 12 < count ? Conv2dDirect.Finish(Vector512.Load(source + 192), bias, k, relu) : default,
                    r13 = 13 < count ? Conv2dDirect.Finish(Vector512.Load(source + 208), bias, k, relu) : default,
                    r14 = 14 < count ? Conv2dDirect.Finish(Vector512.Load(source + 224), bias, k, relu) : default,
                    r15 = 15 < count ? Conv2dDirect.Finish(Vector512.Load(source + 240), bias, k, relu) : default;
                Transpose16.Locals(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
                float* destination = planes + ((nint)k * plane) + p;
                Row(destination, 0, samples, sample, inside, r0);
                Row(destination, 1, samples, sample, inside, r1);
                Row(destination, 2, samples, sample, inside, r2);
                Row(destination, 3, samples, sample, inside, r3);
                Row(destination, 4, samples, sample, inside, r4);
                Row(destination, 5, samples, sample, inside, r5);
                Row(destination, 6, samples, sample, inside, r6);
                Row(destination, 7, samples, sample, inside, r7);
                Row(destination, 8, samples, sample, inside, r8);
                Row(destination, 9, samples, sample, inside, r9);
                Row(destination, 10, samples, sample, inside, r10);
                Row(destination, 11, samples, sample, inside, r11);
                Row(destination, 12, samples, sample, inside, r12);
                Row(destination, 13, samples, sample, inside, r13);
                Row(destination, 14, samples, sample, inside, r14);
                Row(destination, 15, samples, sample, inside, r15);
            }
        }
    }

    /// <summary>Sample <paramref name="s"/>'s run of a plane (the lanes <paramref name="inside"/>), zero past the samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* source, int s, int samples, nint sample, Vector512<float> inside)
        => s < samples ? Avx512F.MaskLoad(source + (s * sample), inside, Vector512<float>.Zero) : Vector512<float>.Zero;

    /// <summary>Sample <paramref name="s"/>'s run of a plane stored (the lanes <paramref name="inside"/>), if it is one of the samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* destination, int s, int samples, nint sample, Vector512<float> inside, Vector512<float> value)
    {
        if (s < samples)
        {
            Avx512F.MaskStore(destination + (s * sample), inside, value);
        }
    }

    /// <summary>Position <paramref name="q"/>'s samples stored where <paramref name="padded"/> says, if the position is in the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* destination, int* padded, int q, bool inChunk, Vector512<float> value)
    {
        if (inChunk)
        {
            value.Store(destination + padded[q]);
        }
    }
}
