using System;
using System.Collections.Generic;
using System.Diagnostics;

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

        long perRun = Math.Max(1, (long)(runSeconds / Math.Max(perCall, 1e-9)));
        var samples = new List<double>(repeats);
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (long i = 0; i < perRun; i++)
            {
                step.Run();
            }

            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / perRun);
        }

        samples.Sort();
        return (samples[samples.Count / 2], samples[0]);
    }
}
