using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Benchmarks;

/// <summary>
/// One core's read bandwidth from a buffer of a given size, measured: the buffer summed over and over in the widest
/// accelerated vectors into eight independent accumulators, so the loads, not the additions, set the pace. A buffer that fits the core's L2
/// measures L2; one far larger than L2 measures the shared L3 or memory.
/// </summary>
public static class ReadBandwidth
{
    /// <summary>Best GB/s (10⁹ bytes per second) over <paramref name="runs"/> runs of about 50 ms reading <paramref name="bytes"/> bytes.</summary>
    public static unsafe double Measure(int bytes, int runs = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 4096);
        int floats = bytes / sizeof(float) / 128 * 128;
        float* buffer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        try
        {
            new Span<float>(buffer, floats).Fill(1f);
            long passes = Math.Max(1, 50_000_000L / bytes);
            double best = 0;
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                float sink = 0;
                for (long p = 0; p < passes; p++)
                {
                    sink += Vector512.IsHardwareAccelerated ? Sum512(buffer, floats) : Sum256(buffer, floats);
                }

                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                GC.KeepAlive(sink);
                best = Math.Max(best, passes * (double)floats * sizeof(float) / seconds / 1e9);
            }

            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Sum512(float* values, int count)
    {
        int width = Vector512<float>.Count;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < count; i += 8 * width)
        {
            a0 += Vector512.LoadAligned(values + i);
            a1 += Vector512.LoadAligned(values + i + width);
            a2 += Vector512.LoadAligned(values + i + (2 * width));
            a3 += Vector512.LoadAligned(values + i + (3 * width));
            a4 += Vector512.LoadAligned(values + i + (4 * width));
            a5 += Vector512.LoadAligned(values + i + (5 * width));
            a6 += Vector512.LoadAligned(values + i + (6 * width));
            a7 += Vector512.LoadAligned(values + i + (7 * width));
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Sum256(float* values, int count)
    {
        int width = Vector256<float>.Count;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < count; i += 8 * width)
        {
            a0 += Vector256.LoadAligned(values + i);
            a1 += Vector256.LoadAligned(values + i + width);
            a2 += Vector256.LoadAligned(values + i + (2 * width));
            a3 += Vector256.LoadAligned(values + i + (3 * width));
            a4 += Vector256.LoadAligned(values + i + (4 * width));
            a5 += Vector256.LoadAligned(values + i + (5 * width));
            a6 += Vector256.LoadAligned(values + i + (6 * width));
            a7 += Vector256.LoadAligned(values + i + (7 * width));
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }
}
