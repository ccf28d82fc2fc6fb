using System;
using System.Diagnostics;
using System.Globalization;

namespace StaticGrad.Benchmarks;

/// <summary>
/// <c>warmup [predict|train]</c>: how fast the first calls of a fresh process run, while .NET's tiered JIT still runs
/// unoptimized (tier-0) code. LeNet-5's single-sample <c>Predict</c> and its Adam training step (batch 64), timed in
/// blocks of calls from the first one on: a user's short benchmark, or the first epoch, sees these, not the steady state.
/// Run it as the process's only command, or the kernels are already compiled.
/// </summary>
public static class WarmupBench
{
    private static readonly int[] PredictBlocks = [1, 10, 30, 100, 300, 1000, 3000, 10000, 30000];
    private static readonly int[] TrainBlocks = [1, 10, 30, 100, 300, 1000];

    /// <summary>Runs the curve named by <paramref name="args"/> (both by default).</summary>
    public static int Run(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "both";
        if (which is not ("both" or "predict" or "train"))
        {
            Console.Error.WriteLine($"unknown warmup curve '{which}'; expected predict, train or nothing (both)");
            return 2;
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; StaticGrad threads {Parallelism.MaxThreads}");
        if (which is "both" or "predict")
        {
            var predict = new LeNetBench.LeNetPredict();
            Curve("LeNet-5 single-sample Predict", "call", PredictBlocks, predict.Run);
        }

        if (which is "both" or "train")
        {
            var step = new LeNetBench.LeNetAdamStep(64);
            Curve("LeNet-5 Adam training step, batch 64", "step", TrainBlocks, step.Run);
        }

        return 0;
    }

    /// <summary>Prints the mean time per call of each block of calls ending at the counts in <paramref name="ends"/>.</summary>
    private static void Curve(string title, string unit, int[] ends, Action run)
    {
        Console.WriteLine();
        Console.WriteLine($"| {title}: {unit}s | µs per {unit}, mean of the block | elapsed ms |");
        Console.WriteLine("|---|---:|---:|");
        var clock = Stopwatch.StartNew();
        long blockStart = 0;
        int previous = 0;
        foreach (int end in ends)
        {
            for (int call = previous; call < end; call++)
            {
                run();
            }

            long now = clock.ElapsedTicks;
            double perCall = (now - blockStart) * 1e6 / Stopwatch.Frequency / (end - previous);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {previous + 1}-{end} | {perCall:F1} | {clock.Elapsed.TotalMilliseconds:F1} |"));
            blockStart = now;
            previous = end;
        }
    }
}
