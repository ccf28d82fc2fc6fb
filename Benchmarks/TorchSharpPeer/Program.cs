using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;

namespace StaticGrad.Benchmarks.TorchSharpPeer;

/// <summary>
/// TorchSharp's side of <c>Benchmarks -- compare</c> and <c>-- lenet</c>; run it through scripts/torchsharp_peer.sh,
/// which makes libtorch's glue library load on this machine:
/// <code>scripts/torchsharp_peer.sh [--repeats 7] [--seconds 0.2] [--warmup 1] [--only seed128_adam_b64,...] [--threads 1,2] [--json]</code>
/// Each case runs with <c>torch.set_num_threads(1)</c> and <c>(2)</c> (by default) and reports the faster, as
/// scripts/pytorch_cnn_bench.py does; every thread count's median is in the JSON, whose shape is the Python scripts'.
/// </summary>
public static class Program
{
    /// <summary>Parses the options, times the cases and prints a table or one JSON document.</summary>
    public static int Main(string[] args)
    {
        int repeats = 7;
        double seconds = 0.2;
        double warmup = 1.0;
        bool json = false;
        IReadOnlyList<PeerCase> cases = PeerCases.All;
        int[] threadCounts = [1, 2];
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--repeats":
                        repeats = int.Parse(Value(args, ++i, "--repeats"), CultureInfo.InvariantCulture);
                        break;
                    case "--seconds":
                        seconds = double.Parse(Value(args, ++i, "--seconds"), CultureInfo.InvariantCulture);
                        break;
                    case "--warmup":
                        warmup = double.Parse(Value(args, ++i, "--warmup"), CultureInfo.InvariantCulture);
                        break;
                    case "--only":
                        cases = SelectCases(Value(args, ++i, "--only"));
                        break;
                    case "--threads":
                        threadCounts = Value(args, ++i, "--threads").Split(',', StringSplitOptions.RemoveEmptyEntries)
                            .Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                        break;
                    case "--json":
                        json = true;
                        break;
                    default:
                        throw new ArgumentException($"unknown option '{args[i]}'; expected --repeats N, --seconds S, --warmup S, --only CASE,..., --threads N,... or --json");
                }
            }

            if (repeats < 1 || seconds <= 0 || warmup < 0 || threadCounts.Length == 0 || threadCounts.Any(t => t < 1))
            {
                throw new ArgumentException($"expected --repeats >= 1 (got {repeats}), --seconds > 0 (got {seconds}), --warmup >= 0 (got {warmup}) and thread counts >= 1 (got '{string.Join(',', threadCounts)}')");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var results = cases.Select(c => TimeCase(c, threadCounts, repeats, seconds, warmup)).ToList();
        if (json)
        {
            WriteJson(Console.OpenStandardOutput(), results);
        }
        else
        {
            Console.WriteLine($"{Versions()}, best of torch.set_num_threads({string.Join(", ", threadCounts)})");
            foreach (CaseResult r in results)
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Case.Name,-20} batch {r.Case.Batch,5}  median {r.Best.MedianMicroseconds,10:F1} us/step  min {r.Best.MinMicroseconds,10:F1}  (threads {r.Threads}; by threads {string.Join(", ", r.ByThreads.Select(p => $"{p.Key}: {p.Value.MedianMicroseconds:F1}"))})"));
            }
        }

        return 0;
    }

    /// <summary>One case's timings at every thread count, and the fastest.</summary>
    private sealed record CaseResult(PeerCase Case, int Threads, StepTiming Best, IReadOnlyDictionary<int, StepTiming> ByThreads);

    private static CaseResult TimeCase(PeerCase peerCase, int[] threadCounts, int repeats, double seconds, double warmup)
    {
        var byThreads = new SortedDictionary<int, StepTiming>();
        foreach (int threads in threadCounts)
        {
            torch.set_num_threads(threads);
            byThreads[threads] = StepTimer.Time(peerCase.Build(), repeats, seconds, warmup);
        }

        int best = byThreads.MinBy(p => p.Value.MedianMicroseconds).Key;
        return new CaseResult(peerCase, best, byThreads[best], byThreads);
    }

    /// <summary>The JSON of scripts/pytorch_bench.py --json (and the per-thread fields of pytorch_cnn_bench.py's).</summary>
    private static void WriteJson(Stream output, List<CaseResult> results)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("torch", Versions());
        writer.WriteNumber("torch_threads", results.Count > 0 ? results[0].Threads : torch.get_num_threads());
        writer.WriteStartArray("results");
        foreach (CaseResult r in results)
        {
            writer.WriteStartObject();
            writer.WriteString("case", r.Case.Name);
            writer.WriteNumber("batch", r.Case.Batch);
            writer.WriteNumber("steps", r.Best.Steps);
            writer.WriteNumber("median_us", r.Best.MedianMicroseconds);
            writer.WriteNumber("min_us", r.Best.MinMicroseconds);
            writer.WriteStartArray("samples_us");
            foreach (double s in r.Best.SamplesMicroseconds)
            {
                writer.WriteNumberValue(s);
            }

            writer.WriteEndArray();
            writer.WriteNumber("threads", r.Threads);
            writer.WriteStartObject("median_us_by_threads");
            foreach ((int threads, StepTiming timing) in r.ByThreads)
            {
                writer.WriteNumber(threads.ToString(CultureInfo.InvariantCulture), timing.MedianMicroseconds);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        output.WriteByte((byte)'\n');
        output.Flush();
    }

    /// <summary>"TorchSharp 0.107.0, libtorch 2.10.0".</summary>
    private static string Versions()
    {
        Version? torchSharp = typeof(torch).Assembly.GetName().Version;
        // TorchSharp reports libtorch's version with four parts ("2.10.0.0"); PyTorch's has three.
        string libTorch = Version.TryParse(torch.__version__, out Version? parsed) ? parsed.ToString(3) : torch.__version__;
        return $"TorchSharp {torchSharp?.ToString(3) ?? "unknown"}, libtorch {libTorch}";
    }

    private static IReadOnlyList<PeerCase> SelectCases(string list)
    {
        var selected = new List<PeerCase>();
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            PeerCase? found = PeerCases.All.FirstOrDefault(c => c.Name == name);
            selected.Add(found ?? throw new ArgumentException($"--only: unknown case '{name}'; expected one of {string.Join(", ", PeerCases.All.Select(c => c.Name))}"));
        }

        return selected;
    }

    private static string Value(string[] args, int i, string option) =>
        i < args.Length ? args[i] : throw new ArgumentException($"{option} needs a value");
}
