using System;
using System.Globalization;

namespace StaticGrad.Benchmarks;

/// <summary>
/// What freezing saves: the seed model's Adam step (batch 64) with every layer training, with fc1 frozen (its weight
/// gradient GEMM, bias reduction and Adam update skipped) and with fc2 frozen, alternated so machine noise hits all alike.
/// </summary>
public static class FreezeBench
{
    /// <summary>Prints medians of the three steps.</summary>
    /// <param name="args"><c>--repeats N</c> (7 by default).</param>
    public static int Run(string[] args)
    {
        int repeats = args.Length == 2 && args[0] == "--repeats" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Compare.CpuName()}; load average before: {Compare.LoadAverage()}");
        double all = double.MaxValue, fc1 = double.MaxValue, fc2 = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            var unfrozen = new Steps.Seed128AdamStep(64);
            var frozen1 = new Steps.Seed128AdamStep(64, "fc1");
            var frozen2 = new Steps.Seed128AdamStep(64, "fc2");
            all = Math.Min(all, Timing.Measure(ref unfrozen, repeats).Item1);
            fc1 = Math.Min(fc1, Timing.Measure(ref frozen1, repeats).Item1);
            fc2 = Math.Min(fc2, Timing.Measure(ref frozen2, repeats).Item1);
        }

        Console.WriteLine("| 784-128-10, batch 64, Adam | µs/step (best of 3 medians) |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| every layer trains | {all:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| fc1 frozen (100,480 of 101,770 parameters) | {fc1:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| fc2 frozen | {fc2:F1} |"));
        Console.WriteLine($"load average after: {Compare.LoadAverage()}");
        return 0;
    }
}
