using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The machine's single-core FP32 FMA peak, measured: independent accumulator chains of 512-bit (or 256-bit) fused
/// multiply-adds on registers, no memory traffic, enough of them to cover the FMA latency times the FMA pipes.
/// </summary>
public static class FmaPeak
{
    /// <summary>Accumulator chains of the 512-bit loop: 16 of the 32 registers.</summary>
    private const int Chains512 = 16;

    /// <summary>
    /// Accumulator chains of the 256-bit loop: 12, so they and the two operands fit the 16 registers (16 chains spilled
    /// to the stack and measured 57 GFLOP/s on a Zen 2 core whose convolution ran at 60); 12 still cover 5 cycles of
    /// latency times 2 pipes.
    /// </summary>
    private const int Chains256 = 12;

    /// <summary>Best GFLOP/s over <paramref name="runs"/> runs of about 0.1 s, at the widest accelerated width; with <paramref name="cpuTime"/>, timed by the thread's CPU time.</summary>
    public static (double GFlops, int Bits) Measure(int runs = 7, bool cpuTime = false)
    {
        int bits = Avx512F.IsSupported ? 512 : Fma.IsSupported ? 256 : 0;
        if (bits == 0)
        {
            return (double.NaN, 0);
        }

        const long Iterations = 4_000_000;
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            double cpuStart = cpuTime ? ThreadCpuTime.Seconds() : 0;
            float sink = bits == 512 ? Loop512(Iterations) : Loop256(Iterations);
            double seconds = cpuTime ? ThreadCpuTime.Seconds() - cpuStart : Stopwatch.GetElapsedTime(start).TotalSeconds;
            GC.KeepAlive(sink);
            double flops = Iterations * (bits == 512 ? Chains512 : Chains256) * (bits / 32) * 2.0;
            best = Math.Max(best, flops / seconds / 1e9);
        }

        return (best, bits);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        Vector512<float> x = Vector512.Create(0.999999f), y = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + y, a2 = a1 + y, a3 = a2 + y, a4 = a3 + y, a5 = a4 + y, a6 = a5 + y, a7 = a6 + y;
        Vector512<float> a8 = a7 + y, a9 = a8 + y, a10 = a9 + y, a11 = a10 + y, a12 = a11 + y, a13 = a12 + y, a14 = a13 + y, a15 = a14 + y;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y); a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y); a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y); a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y); a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y); a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y); a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
            a12 = Avx512F.FusedMultiplyAdd(a12, x, y); a13 = Avx512F.FusedMultiplyAdd(a13, x, y);
            a14 = Avx512F.FusedMultiplyAdd(a14, x, y); a15 = Avx512F.FusedMultiplyAdd(a15, x, y);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        Vector256<float> x = Vector256.Create(0.999999f), y = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + y, a2 = a1 + y, a3 = a2 + y, a4 = a3 + y, a5 = a4 + y, a6 = a5 + y, a7 = a6 + y;
        Vector256<float> a8 = a7 + y, a9 = a8 + y, a10 = a9 + y, a11 = a10 + y;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y); a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y); a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y); a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y); a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y); a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y); a11 = Fma.MultiplyAdd(a11, x, y);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
