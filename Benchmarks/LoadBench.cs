using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The seed step (784-128-10, batch 64, Adam) with 1 and 2 threads, on a quiet machine and beside one competing
/// CPU-bound process that this command starts itself (this program's <c>spin</c> command: one thread in a busy
/// loop), so "under load" means the same thing on every machine. Rounds alternate the four cases; medians are
/// reported. Options: <c>--rounds N</c> (default 5), <c>--batch N</c> (64).
/// </summary>
public static class LoadBench
{
    /// <summary>Runs the comparison and prints the table.</summary>
    public static int Run(string[] args)
    {
        int rounds = Option(args, "--rounds", 5);
        int batch = Option(args, "--batch", 64);
        Console.WriteLine($"seed step 784-128-10, batch {batch}, Adam; {Compare.CpuName()}, {Environment.ProcessorCount} CPUs; load before: {Compare.LoadAverage()}");
        var step = new Steps.Seed128AdamStep(batch);
        var times = new Dictionary<(bool Loaded, int Threads), List<double>>();
        foreach (bool loaded in new[] { false, true })
        {
            foreach (int threads in new[] { 1, 2 })
            {
                times[(loaded, threads)] = [];
            }
        }

        for (int round = 0; round < rounds; round++)
        {
            foreach (bool loaded in new[] { false, true })
            {
                using Process? spinner = loaded ? StartSpinner() : null;
                foreach (int threads in round % 2 == 0 ? new[] { 1, 2 } : new[] { 2, 1 })
                {
                    int saved = Parallelism.MaxThreads;
                    Parallelism.MaxThreads = threads;
                    (double median, _) = Timing.Measure(ref step, repeats: 5, runSeconds: 0.2, warmupSeconds: 0.3);
                    Parallelism.MaxThreads = saved;
                    times[(loaded, threads)].Add(median);
                }

                if (spinner is not null)
                {
                    spinner.Kill();
                    spinner.WaitForExit();
                }
            }
        }

        Console.WriteLine("| machine state | 1 thread µs/step | 2 threads µs/step | 2 threads / 1 thread |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (bool loaded in new[] { false, true })
        {
            double one = Timing.Median(times[(loaded, 1)]), two = Timing.Median(times[(loaded, 2)]);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {(loaded ? "one competing busy process" : "no competing process")} | {one:F1} | {two:F1} | {two / one:F2} |"));
        }

        foreach (((bool loaded, int threads), List<double> list) in times)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {(loaded ? "loaded" : "quiet"),-6} {threads} thread(s): {string.Join(", ", list.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}"));
        }

        Console.WriteLine($"load after: {Compare.LoadAverage()}");
        return 0;
    }

    /// <summary>The child's body: one thread spinning until killed, or for <paramref name="args"/>[0] seconds (default 600).</summary>
    public static int Spin(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 600;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        ulong x = 1;
        while (Stopwatch.GetTimestamp() < end)
        {
            for (int i = 0; i < 100_000; i++)
            {
                x = (x * 6364136223846793005UL) + 1442695040888963407UL;
            }
        }

        return (int)(x & 1);
    }

    private static Process StartSpinner()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoadBench).Assembly.Location);
        }

        start.ArgumentList.Add("spin");
        start.ArgumentList.Add("600");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the spinning process");
        System.Threading.Thread.Sleep(300); // let it start and begin spinning
        return process;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
