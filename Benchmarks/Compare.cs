using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The speed comparison of the issue: our training steps and inference against PyTorch's (scripts/pytorch_bench.py)
/// and TorchSharp's (scripts/torchsharp_peer.sh), each run as a subprocess in the same command, the same cases, the
/// same timing method (median of timed runs), then matrix-multiply GFLOP/s at 1024³ on one core beside the FMA peak
/// measured in the same run.
/// </summary>
public static class Compare
{
    /// <summary>The cases, in the order printed, with the targets of issue 13; names match scripts/pytorch_bench.py and the TorchSharp peer.</summary>
    private static readonly (string Name, string Label, string Target)[] Cases =
    [
        ("seed128_adam_b64", "784-128-10, batch 64, Adam: train step", "≥ 10x PyTorch, ≥ 5x TorchSharp"),
        ("mlp256_sgd_b64", "784-256-10, batch 64, SGD: train step", ""),
        ("mlp1024_adam_b1024", "784-1024-10, batch 1024, Adam: train step", "≥ 1.5x TorchSharp"),
        ("seed128_infer_b1", "784-128-10, one sample: Predict", "≤ 2 µs"),
        ("mlp256_infer_b64", "784-256-10, batch 64: Forward", "≥ 1.5x TorchSharp"),
    ];

    /// <summary>Runs the comparison and prints the table.</summary>
    /// <param name="args"><c>--repeats N</c>, <c>--python PATH</c>, <c>--no-pytorch</c>, <c>--torchsharp</c> (the default) or
    /// <c>--no-torchsharp</c>, <c>--threads N</c>, <c>--head</c> (then the fused-head comparison of <see cref="FusedHeadBench"/>).</param>
    /// <returns>0; 1 when <c>--torchsharp</c> was given and the TorchSharp peer could not run; 2 for an unknown option.</returns>
    public static int Run(string[] args)
    {
        int repeats = 7;
        string python = "/usr/bin/python3";
        bool pytorch = true;
        bool? torchSharp = null;
        bool head = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--repeats":
                    repeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--python":
                    python = args[++i];
                    break;
                case "--no-pytorch":
                    pytorch = false;
                    break;
                case "--head":
                    head = true;
                    break;
                case "--threads":
                    Parallelism.MaxThreads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    if (!TorchSharpRunner.ParseOption(args[i], ref torchSharp))
                    {
                        Console.Error.WriteLine($"unknown option '{args[i]}'");
                        return 2;
                    }

                    break;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"StaticGrad vs PyTorch and TorchSharp, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} cores, {CpuName()}, {RuntimeInformation.FrameworkDescription}, GEMM kernels {Gemm.Microkernel}, StaticGrad threads {Parallelism.MaxThreads}"));
        Console.WriteLine($"load average before: {LoadAverage()}");

        var ours = new Dictionary<string, (double Median, double Min)>
        {
            ["seed128_adam_b64"] = Steps.TimeSeed128Adam(64, repeats),
            ["mlp256_sgd_b64"] = Steps.TimeMlp256Sgd(64, repeats),
            ["mlp1024_adam_b1024"] = Steps.TimeMlp1024Adam(1024, repeats),
            ["seed128_infer_b1"] = Steps.TimeSeed128Predict(repeats),
            ["mlp256_infer_b64"] = Steps.TimeMlp256Forward(64, repeats),
        };

        Dictionary<string, (double Median, double Min)>? theirs = null;
        string torchInfo = "PyTorch not run";
        if (pytorch)
        {
            theirs = RunPyTorch(python, repeats, out torchInfo, string.Join(',', Cases.Select(c => c.Name)));
        }

        Dictionary<string, (double Median, double Min)>? sharp = TorchSharpRunner.Run(torchSharp ?? true, repeats, string.Join(',', Cases.Select(c => c.Name)), out string sharpInfo);
        Console.WriteLine(torchInfo);
        Console.WriteLine(sharpInfo);
        Console.WriteLine();
        Console.WriteLine("| case | StaticGrad µs | PyTorch µs | vs PyTorch | TorchSharp µs | vs TorchSharp | target |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        foreach ((string name, string label, string target) in Cases)
        {
            double us = ours[name].Median;
            Console.WriteLine($"| {label} | {us.ToString("F1", CultureInfo.InvariantCulture)} | {PeerColumns(theirs, name, us)} | {PeerColumns(sharp, name, us)} | {target} |");
        }

        Console.WriteLine("(vs: the peer's time over ours, so 2.0x means our step takes half the time.)");

        Console.WriteLine();
        (double peak, int bits) = FmaPeak.Measure();
        double one = GemmBench.GFlops(GemmBench.Layout.Plain, 1024, 1024, 1024, threads: 1);
        double all = GemmBench.GFlops(GemmBench.Layout.Plain, 1024, 1024, 1024, threads: Parallelism.MaxThreads);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak, one core, {bits}-bit FMAs on registers (measured now): {peak:F1} GFLOP/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM 1024x1024x1024, one core: {one:F1} GFLOP/s = {100 * one / peak:F1}% of peak (target ≥ 75%)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM 1024x1024x1024, {Parallelism.MaxThreads} threads: {all:F1} GFLOP/s"));
        Console.WriteLine($"load average after: {LoadAverage()}");
        int exitCode = torchSharp == true && sharp is null ? 1 : 0;
        if (head)
        {
            // The classifier head of a 50,000-class vocabulary: fused, unfused and PyTorch, in the same run.
            Console.WriteLine();
            string[] headArgs = pytorch ? ["--repeats", "3", "--python", python] : ["--repeats", "3", "--no-pytorch"];
            exitCode = Math.Max(exitCode, FusedHeadBench.Run(headArgs));
        }

        return exitCode;
    }

    /// <summary>A peer's two table cells for one case: its microseconds and its time over ours (samples per second ratio), or n/a.</summary>
    internal static string PeerColumns(Dictionary<string, (double Median, double Min)>? peer, string name, double ours) =>
        peer is not null && peer.TryGetValue(name, out var t)
            ? string.Create(CultureInfo.InvariantCulture, $"{t.Median:F1} | {t.Median / ours:F1}x")
            : "n/a | n/a";

    /// <summary>
    /// Runs a PyTorch timing script (<paramref name="scriptName"/> in scripts/) with <c>--json</c> and reads its cases'
    /// median and minimum microseconds (<paramref name="only"/>: its <c>--only</c> list, null for its default cases).
    /// </summary>
    internal static Dictionary<string, (double Median, double Min)>? RunPyTorch(string python, int repeats, out string info, string? only = null, bool cpuTime = false, string scriptName = "pytorch_bench.py")
    {
        string? script = FindScript(scriptName);
        if (script is null)
        {
            info = $"PyTorch: scripts/{scriptName} not found";
            return null;
        }

        var start = new ProcessStartInfo(python);
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--json");
        start.ArgumentList.Add("--repeats");
        start.ArgumentList.Add(repeats.ToString(CultureInfo.InvariantCulture));
        if (only is not null)
        {
            start.ArgumentList.Add("--only");
            start.ArgumentList.Add(only);
        }

        start.Environment["OPENBLAS_NUM_THREADS"] = cpuTime ? "1" : Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") ?? "2";
        if (cpuTime)
        {
            start.ArgumentList.Add("--cpu-time");
        }

        return PeerProcess.Run(
            start,
            "PyTorch",
            root => string.Create(
                CultureInfo.InvariantCulture,
                $"PyTorch {root.GetProperty("torch").GetString()} ({python}), OPENBLAS_NUM_THREADS={root.GetProperty("openblas_num_threads").GetString()}, torch.set_num_threads({root.GetProperty("torch_threads").GetInt32()})"),
            out info);
    }

    /// <summary>scripts/pytorch_bench.py, searched upward from the working directory and from the binary.</summary>
    internal static string? FindScript(string name = "pytorch_bench.py")
    {
        foreach (string origin in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(origin); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "scripts", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    internal static string CpuName()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
