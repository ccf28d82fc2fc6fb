using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace StaticGrad.Benchmarks.TorchSharpPeer;

/// <summary>One timed case at one thread count: steps per timed run, the median and minimum microseconds per step, every run.</summary>
/// <param name="Steps">Steps in each timed run.</param>
/// <param name="MedianMicroseconds">Median over the timed runs of the microseconds per step.</param>
/// <param name="MinMicroseconds">The fastest run's microseconds per step.</param>
/// <param name="SamplesMicroseconds">Each timed run's microseconds per step, in run order.</param>
internal sealed record StepTiming(long Steps, double MedianMicroseconds, double MinMicroseconds, IReadOnlyList<double> SamplesMicroseconds);

/// <summary>
/// The timing method of scripts/pytorch_bench.py's <c>time_step</c>, step for step, so TorchSharp's numbers mean what
/// PyTorch's mean: warm up by doubling the steps of a run until one lasts a quarter of the target, scale the step count
/// to the target, then time <c>repeats</c> runs and report the median (and the minimum) microseconds per step.
/// Before that, the step runs for a fixed warm-up time, which Python does not need: TorchSharp's own code (the
/// optimizers, the module calls) is .NET code that the JIT first compiles unoptimized and recompiles once it is hot.
/// StaticGrad's side warms up the same way (Benchmarks/Timing.cs).
/// </summary>
internal static class StepTimer
{
    /// <summary>Times <paramref name="step"/>.</summary>
    /// <param name="step">One step; its result is ignored (the Python side returns <c>float(loss)</c> or a class, and so does this one).</param>
    /// <param name="repeats">Timed runs, at least 1.</param>
    /// <param name="targetSeconds">Target duration of one timed run, greater than 0.</param>
    /// <param name="warmupSeconds">Seconds of steps run first and not timed, at least 0.</param>
    public static StepTiming Time(Action step, int repeats, double targetSeconds, double warmupSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSeconds);
        long warmupEnd = Stopwatch.GetTimestamp() + (long)(warmupSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < warmupEnd)
        {
            step();
        }

        long steps = 1;
        double elapsed;
        while (true)
        {
            elapsed = Run(step, steps);
            if (elapsed >= targetSeconds / 4)
            {
                break;
            }

            steps *= 2;
        }

        steps = Math.Max(1, (long)(steps * targetSeconds / Math.Max(elapsed, 1e-9)));
        var samples = new List<double>(repeats);
        for (int r = 0; r < repeats; r++)
        {
            samples.Add(Run(step, steps) / steps * 1e6);
        }

        return new StepTiming(steps, Median(samples), Min(samples), samples);
    }

    /// <summary>Seconds taken by <paramref name="steps"/> calls of <paramref name="step"/>.</summary>
    private static double Run(Action step, long steps)
    {
        long started = Stopwatch.GetTimestamp();
        for (long i = 0; i < steps; i++)
        {
            step();
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Python's <c>statistics.median</c>: the middle value, or the mean of the two middle values.</summary>
    private static double Median(List<double> samples)
    {
        var sorted = new List<double>(samples);
        sorted.Sort();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double Min(List<double> samples)
    {
        double min = double.PositiveInfinity;
        foreach (double s in samples)
        {
            min = Math.Min(min, s);
        }

        return min;
    }
}
