using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace StaticGrad.Benchmarks;

/// <summary>
/// Runs a benchmark peer (a PyTorch script, or the TorchSharp peer through scripts/torchsharp_peer.sh) as a subprocess
/// that prints one JSON document (<c>--json</c>): <c>{"torch": ..., "results": [{"case", "median_us", "min_us", ...}]}</c>.
/// </summary>
internal static class PeerProcess
{
    /// <summary>
    /// Runs <paramref name="start"/> and reads each case's median and minimum microseconds, or returns null when it
    /// cannot run, fails or prints no such document; <paramref name="info"/> then says why, else what
    /// <paramref name="describe"/> makes of the document (versions, threads).
    /// </summary>
    /// <param name="start">The command; its standard output and error are redirected here.</param>
    /// <param name="peer">The peer's name in messages, e.g. "PyTorch".</param>
    /// <param name="describe">One line about the run from the document's root.</param>
    /// <param name="info">That line, or why there are no results.</param>
    internal static Dictionary<string, (double Median, double Min)>? Run(ProcessStartInfo start, string peer, Func<JsonElement, string> describe, out string info)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        try
        {
            using Process process = Process.Start(start)!;
            // Both streams at once: a peer that fills one pipe while this side waits on the other would never finish.
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                info = $"{peer} failed (exit code {process.ExitCode}): {LastLines(error.Result, 3)}";
                return null;
            }

            using JsonDocument document = JsonDocument.Parse(output.Result);
            JsonElement root = document.RootElement;
            var results = new Dictionary<string, (double, double)>();
            foreach (JsonElement r in root.GetProperty("results").EnumerateArray())
            {
                results[r.GetProperty("case").GetString()!] = (r.GetProperty("median_us").GetDouble(), r.GetProperty("min_us").GetDouble());
            }

            info = describe(root);
            return results;
        }
        catch (Exception e) when (e is Win32Exception or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            info = $"{peer} could not run: {e.Message}";
            return null;
        }
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of <paramref name="text"/>, joined by " | " (a failing build or traceback says why at its end).</summary>
    private static string LastLines(string text, int count)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no message" : string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - count)));
    }
}
