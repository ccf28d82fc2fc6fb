using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace StaticGrad.Benchmarks;

/// <summary>One timed operation; a struct so the timing loop calls it without a delegate.</summary>
public interface ITimedStep
{
    /// <summary>Runs the operation once.</summary>
    void Run();
}

/// <summary>Median-of-runs wall-clock timing, the same method PyTorch's side uses (scripts/pytorch_bench.py).</summary>
public static class Timing
{
    /// <summary>
    /// Warms <paramref name="step"/> up for <paramref name="warmupSeconds"/> (JIT tiers, caches, worker threads),
    /// then times <paramref name="repeats"/> runs of enough calls to last about <paramref name="runSeconds"/> each.
    /// </summary>
    /// <returns>The median and the minimum microseconds per call.</returns>
    public static (double MedianMicroseconds, double MinMicroseconds) Measure<T>(ref T step, int repeats = 7, double runSeconds = 0.2, double warmupSeconds = 0.5)
        where T : struct, ITimedStep
    {
        long perRun = Calibrate(ref step, runSeconds, warmupSeconds);
        var samples = new List<double>(repeats);
        for (int r = 0; r < repeats; r++)
        {
            samples.Add(TimedRun(ref step, perRun));
        }

        samples.Sort();
        return (samples[samples.Count / 2], samples[0]);
    }

    /// <summary>
    /// Warms <paramref name="step"/> up for <paramref name="warmupSeconds"/> (JIT tiers, caches, worker threads) and
    /// returns how many calls last about <paramref name="runSeconds"/>.
    /// </summary>
    public static long Calibrate<T>(ref T step, double runSeconds, double warmupSeconds)
        where T : struct, ITimedStep
    {
        long calls = 1;
        long warmupEnd = Stopwatch.GetTimestamp() + (long)(warmupSeconds * Stopwatch.Frequency);
        double perCall;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < calls; i++)
            {
                step.Run();
            }

            long end = Stopwatch.GetTimestamp();
            perCall = (double)(end - start) / Stopwatch.Frequency / calls;
            if (end >= warmupEnd && (end - start) >= Stopwatch.Frequency / 50)
            {
                break;
            }

            if ((end - start) < Stopwatch.Frequency / 20)
            {
                calls *= 2;
            }
        }

        return Math.Max(1, (long)(runSeconds / Math.Max(perCall, 1e-9)));
    }

    /// <summary>One timed run of <paramref name="calls"/> calls; returns the wall-clock microseconds per call.</summary>
    public static double TimedRun<T>(ref T step, long calls)
        where T : struct, ITimedStep
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < calls; i++)
        {
            step.Run();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Whether <c>STATICGRAD_BENCH_CPU_TIME=1</c> asks for thread CPU time (and the clock is readable here).</summary>
    public static bool CpuTimeRequested =>
        Environment.GetEnvironmentVariable("STATICGRAD_BENCH_CPU_TIME") == "1" && ThreadCpuTime.IsSupported;

    /// <summary>
    /// The calling thread's CPU time per call (<see cref="ThreadCpuTime"/>), best of <paramref name="repeats"/> runs of
    /// about <paramref name="runSeconds"/> after <paramref name="warmupSeconds"/> of warm-up: on a machine other jobs keep
    /// busy, the time the core spent on them is left out. Meaningful for work on the calling thread only (one thread).
    /// </summary>
    /// <returns>Microseconds per call.</returns>
    public static double MeasureCpuTime<T>(ref T step, int repeats = 7, double runSeconds = 0.2, double warmupSeconds = 0.5)
        where T : struct, ITimedStep
    {
        (_, double wallMin) = Measure(ref step, repeats: 1, runSeconds: 0.05, warmupSeconds);
        long perRun = Math.Max(1, (long)(runSeconds / Math.Max(wallMin * 1e-6, 1e-9)));
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            double start = ThreadCpuTime.Seconds();
            for (long i = 0; i < perRun; i++)
            {
                step.Run();
            }

            best = Math.Min(best, (ThreadCpuTime.Seconds() - start) / perRun);
        }

        return best * 1e6;
    }
}
