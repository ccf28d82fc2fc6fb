using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="SampleLanes"/> with 256-bit vectors: up to 8 samples' planes to and from vectors of 8 samples (one sample per
/// lane), for <see cref="Conv2dForwardBySamplesAvx2"/> and <see cref="Conv2dInputGradientBySamplesAvx2"/>: 8 positions of a
/// channel at a time, one load per sample and an 8 × 8 transpose in registers (<see cref="Transpose8"/>).
/// </summary>
internal static unsafe class SampleLanesAvx2
{
    /// <summary>Samples side by side: one 256-bit vector of floats.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Floats of <paramref name="channels"/> planes of <paramref name="height"/> × <paramref name="width"/> in lanes, with
    /// <paramref name="rowMargin"/> zero rows above and below and <paramref name="columnMargin"/> zero columns each side.
    /// </summary>
    public static long Floats(int channels, int height, int width, int rowMargin, int columnMargin)
        => (long)Lanes * channels * (height + (2 * rowMargin)) * (width + (2 * columnMargin));

    /// <summary>
    /// <c>planes[s][k][y][x]</c> of <paramref name="samples"/> samples (1 to 8) into
    /// <c>lanes[rowMargin + y][columnMargin + x][k][s]</c>, lanes past the samples zero and the margins zero.
    /// </summary>
    /// <remarks>
    /// Chunks of positions outer, channels inner: a position's channels lie side by side, so its cache lines are written
    /// whole while in L1 (channels outer wrote half of each line and came back for the other half after a whole plane:
    /// LeNet's conv2 output gradient, 8 samples, 4.0 → 3.3-3.6 µs on Zen 2).
    /// </remarks>
    [SkipLocalsInit]
    public static void ToLanes(float* planes, int samples, int channels, int height, int width, int rowMargin, int columnMargin, float* lanes)
    {
        int plane = height * width;
        nint sample = (nint)channels * plane;
        int* padded = stackalloc int[plane + Lanes];
        SampleLanes.Layout(channels, height, width, rowMargin, columnMargin, Lanes, lanes, padded);

        for (int p = 0; p < plane; p += Lanes)
        {
            int count = Math.Min(Lanes, plane - p);
            Vector256<float> inside = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
            for (int k = 0; k < channels; k++)
            {
                float* source = planes + ((nint)k * plane) + p;
                Vector256<float> r0 = Row(source, 0, samples, sample, count, inside),
                    r1 = Row(source, 1, samples, sample, count, inside),
                    r2 = Row(source, 2, samples, sample, count, inside),
                    r3 = Row(source, 3, samples, sample, count, inside),
                    r4 = Row(source, 4, samples, sample, count, inside),
                    r5 = Row(source, 5, samples, sample, count, inside),
                    r6 = Row(source, 6, samples, sample, count, inside),
                    r7 = Row(source, 7, samples, sample, count, inside);
                Transpose8.InRegisters(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* destination = lanes + (k * Lanes);
                Column(destination, padded, p + 0, 0 < count, r0);
                Column(destination, padded, p + 1, 1 < count, r1);
                Column(destination, padded, p + 2, 2 < count, r2);
                Column(destination, padded, p + 3, 3 < count, r3);
                Column(destination, padded, p + 4, 4 < count, r4);
                Column(destination, padded, p + 5, 5 < count, r5);
                Column(destination, padded, p + 6, 6 < count, r6);
                Column(destination, padded, p + 7, 7 < count, r7);
            }
        }
    }

    /// <summary>
    /// <c>lanes[k][q][s]</c> (no margins) back into the planes <c>planes[s][k][q]</c> of the first
    /// <paramref name="samples"/> samples; each value plus <c>bias[k]</c> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) on the way, the operations of the separate bias and activation passes.
    /// </summary>
    /// <remarks>
    /// A plane's last chunk is stored whole where the lanes past the plane land on the next channels' planes of the same
    /// sample, which their chunks overwrite afterwards: a masked store costs a dozen cycles on Zen 2, and only the chunks
    /// at a sample's end need one.
    /// </remarks>
    public static void FromLanes(float* lanes, int samples, int channels, int plane, float* planes, float* bias, bool relu)
    {
        nint sample = (nint)channels * plane;
        for (int k = 0; k < channels; k++)
        {
            for (int p = 0; p < plane; p += Lanes)
            {
                int count = Math.Min(Lanes, plane - p);
                bool whole = count == Lanes || ((nint)k * plane) + p + Lanes <= sample;
                Vector256<float> inside = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
                float* source = lanes + ((((nint)k * plane) + p) * Lanes);
                Vector256<float> r0 = Finish(source, bias, k, relu),
                    r1 = 1 < count ? Finish(source + 8, bias, k, relu) : default,
                    r2 = 2 < count ? Finish(source + 16, bias, k, relu) : default,
                    r3 = 3 < count ? Finish(source + 24, bias, k, relu) : default,
                    r4 = 4 < count ? Finish(source + 32, bias, k, relu) : default,
                    r5 = 5 < count ? Finish(source + 40, bias, k, relu) : default,
                    r6 = 6 < count ? Finish(source + 48, bias, k, relu) : default,
                    r7 = 7 < count ? Finish(source + 56, bias, k, relu) : default;
                Transpose8.InRegisters(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* destination = planes + ((nint)k * plane) + p;
                Row(destination, 0, samples, sample, whole, inside, r0);
                Row(destination, 1, samples, sample, whole, inside, r1);
                Row(destination, 2, samples, sample, whole, inside, r2);
                Row(destination, 3, samples, sample, whole, inside, r3);
                Row(destination, 4, samples, sample, whole, inside, r4);
                Row(destination, 5, samples, sample, whole, inside, r5);
                Row(destination, 6, samples, sample, whole, inside, r6);
                Row(destination, 7, samples, sample, whole, inside, r7);
            }
        }
    }

    /// <summary>A position's samples with <paramref name="channel"/>'s bias added (unless null) and ReLU applied (if <paramref name="relu"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(float* source, float* bias, int channel, bool relu)
    {
        Vector256<float> values = Vector256.Load(source);
        if (bias != null)
        {
            values += Vector256.Create(bias[channel]);
        }

        return relu ? ReLUFunction.Forward<Simd256, Vector256<float>>(values) : values;
    }

    /// <summary>Sample <paramref name="s"/>'s run of <paramref name="count"/> positions of a plane, zero past the samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* source, int s, int samples, nint sample, int count, Vector256<float> inside)
    {
        if (s >= samples)
        {
            return Vector256<float>.Zero;
        }

        return count == Lanes ? Vector256.Load(source + (s * sample)) : Avx.MaskLoad(source + (s * sample), inside);
    }

    /// <summary>Sample <paramref name="s"/>'s run of a plane stored (whole, or the lanes <paramref name="inside"/>), if it is one of the samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* destination, int s, int samples, nint sample, bool whole, Vector256<float> inside, Vector256<float> value)
    {
        if (s >= samples)
        {
            return;
        }

        if (whole)
        {
            value.Store(destination + (s * sample));
        }
        else
        {
            Avx.MaskStore(destination + (s * sample), inside, value);
        }
    }

    /// <summary>Position <paramref name="q"/>'s samples stored where <paramref name="padded"/> says, if the position is in the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* destination, int* padded, int q, bool inChunk, Vector256<float> value)
    {
        if (inChunk)
        {
            value.Store(destination + padded[q]);
        }
    }
}
