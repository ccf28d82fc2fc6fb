using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The TorchSharp columns of <c>compare</c> and <c>lenet</c>: <c>scripts/torchsharp_peer.sh --json</c> as a
/// subprocess. The script builds Benchmarks/TorchSharpPeer (outside StaticGrad.slnx, so only this restores libtorch)
/// and makes TorchSharp's glue library load on Debian 12 (docs/performance.md, "TorchSharp peer").
/// </summary>
internal static class TorchSharpRunner
{
    /// <summary>What the peer needs, printed when its column is n/a.</summary>
    private const string HowToEnable =
        "it needs Linux x64, dotnet, python3, g++ and the TorchSharp-cpu 0.107.0 package from NuGet; run scripts/torchsharp_peer.sh to see it build and run, or pass --no-torchsharp to skip it";

    /// <summary>
    /// Reads <c>--torchsharp</c> (run the peer, and fail if it cannot run) or <c>--no-torchsharp</c> (do not run it)
    /// into <paramref name="choice"/>, which stays null (run it if it can) without either.
    /// </summary>
    /// <returns>True if <paramref name="argument"/> was one of the two.</returns>
    internal static bool ParseOption(string argument, ref bool? choice)
    {
        switch (argument)
        {
            case "--torchsharp":
                choice = true;
                return true;
            case "--no-torchsharp":
                choice = false;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Times the cases of <paramref name="only"/> (comma-separated names) with TorchSharp, or returns null with the
    /// reason in <paramref name="info"/> (which otherwise names the versions and each case's best thread count).
    /// </summary>
    /// <param name="enabled">False for <c>--no-torchsharp</c>: nothing runs.</param>
    /// <param name="repeats">Timed runs per case, as for our side.</param>
    /// <param name="only">The peer's case names, e.g. <c>lenet_adam_b64,lenet_infer_b1</c>.</param>
    /// <param name="info">One line for the report.</param>
    internal static Dictionary<string, (double Median, double Min)>? Run(bool enabled, int repeats, string only, out string info)
    {
        if (!enabled)
        {
            info = "TorchSharp: not run (--no-torchsharp; by default scripts/torchsharp_peer.sh runs as a subprocess)";
            return null;
        }

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            info = $"TorchSharp: n/a: the peer runs on Linux x64 only, this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}";
            return null;
        }

        string? script = Compare.FindScript("torchsharp_peer.sh");
        if (script is null)
        {
            info = $"TorchSharp: n/a: scripts/torchsharp_peer.sh not found above {Environment.CurrentDirectory} or the binary; run from the repository";
            return null;
        }

        var start = new ProcessStartInfo("bash");
        foreach (string argument in new[] { script, "--json", "--repeats", repeats.ToString(CultureInfo.InvariantCulture), "--only", only })
        {
            start.ArgumentList.Add(argument);
        }

        Dictionary<string, (double Median, double Min)>? results = PeerProcess.Run(start, "scripts/torchsharp_peer.sh", Describe, out info);
        if (results is null)
        {
            info = $"TorchSharp: n/a: {info}; {HowToEnable}";
        }

        return results;
    }

    /// <summary>"TorchSharp 0.107.0, libtorch 2.10.0 (scripts/torchsharp_peer.sh), torch.set_num_threads best of 1 and 2 per case: seed128_adam_b64 1, ...".</summary>
    private static string Describe(JsonElement root)
    {
        IEnumerable<string> threads = root.GetProperty("results").EnumerateArray()
            .Select(r => $"{r.GetProperty("case").GetString()} {r.GetProperty("threads").GetInt32().ToString(CultureInfo.InvariantCulture)}");
        return $"{root.GetProperty("torch").GetString()} (scripts/torchsharp_peer.sh), torch.set_num_threads best of 1 and 2 per case: {string.Join(", ", threads)}";
    }
}
