using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace StaticGrad.Benchmarks;

/// <summary>
/// A PyTorch timing script kept running in its interleaved mode (<c>--serve</c>, scripts/pytorch_cnn_bench.py): each
/// <see cref="Time"/> asks it for one timed run and waits for the answer, so the benchmark can alternate PyTorch's runs
/// with its own and both sides meet the same minutes of a shared host.
/// </summary>
internal sealed class PyTorchServer : IDisposable
{
    private readonly Process _process;

    private PyTorchServer(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    /// <summary>PyTorch's version, the interpreter and its OpenBLAS thread setting, for the report.</summary>
    public string Description { get; }

    /// <summary>
    /// Starts <paramref name="script"/> (in scripts/) with <paramref name="python"/> and reads its first line; returns
    /// null when it cannot start or prints no such line, with <paramref name="info"/> saying why.
    /// </summary>
    public static PyTorchServer? Start(string python, string script, out string info)
    {
        string? path = Compare.FindScript(script);
        if (path is null)
        {
            info = $"PyTorch: scripts/{script} not found";
            return null;
        }

        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("--serve");
        start.Environment["OPENBLAS_NUM_THREADS"] = Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") ?? "2";
        Process? process = null;
        try
        {
            process = Process.Start(start)!;
            string? header = process.StandardOutput.ReadLine();
            if (header is null)
            {
                process.WaitForExit();
                info = $"PyTorch could not run (exit code {process.ExitCode}; its error output is above)";
                process.Dispose();
                return null;
            }

            using JsonDocument document = JsonDocument.Parse(header);
            JsonElement root = document.RootElement;
            info = $"PyTorch {root.GetProperty("torch").GetString()} ({python}), OPENBLAS_NUM_THREADS={root.GetProperty("openblas_num_threads").GetString()}";
            return new PyTorchServer(process, info);
        }
        catch (Exception e) when (e is Win32Exception or JsonException or InvalidOperationException or IOException)
        {
            info = $"PyTorch could not run: {e.Message}";
            process?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// One timed run of <paramref name="caseName"/> at <paramref name="threads"/> threads lasting about
    /// <paramref name="seconds"/> (the first request of a case and setting also calibrates and warms it up).
    /// </summary>
    /// <returns>PyTorch's microseconds per step in that run.</returns>
    /// <exception cref="InvalidOperationException">The script stopped or answered something else.</exception>
    public double Time(string caseName, int threads, double seconds)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{caseName} {threads} {seconds}"));
        _process.StandardInput.Flush();
        string answer = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"PyTorch stopped while timing {caseName} (its error output is above).");
        using JsonDocument document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("us").GetDouble();
    }

    /// <summary>Closes the script's input, which ends it, and waits for it.</summary>
    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit();
        _process.Dispose();
    }
}
