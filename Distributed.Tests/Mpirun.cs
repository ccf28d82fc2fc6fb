using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>A fact that needs Open MPI's <c>mpirun</c>; skipped, saying so, only when it is not on the PATH.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <c>mpirun</c> is missing.</summary>
    public MpiFactAttribute()
    {
        if (Mpirun.Path is null)
        {
            Skip = "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev; .ci/run does) to run the real-MPI tests.";
        }
    }
}

/// <summary>Runs the train app under <c>mpirun</c> on this machine, or alone.</summary>
internal static class Mpirun
{
    private static readonly Lazy<string?> s_path = new(() =>
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            string candidate = System.IO.Path.Combine(dir, "mpirun");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    });

    /// <summary>The mpirun executable, or null.</summary>
    public static string? Path => s_path.Value;

    /// <summary>Starts <c>mpirun -np <paramref name="ranks"/> dotnet train.dll args</c> (as root: with --allow-run-as-root; always --oversubscribe).</summary>
    public static Process Start(int ranks, IEnumerable<string> args, DataReceivedEventHandler? onOutput = null)
    {
        ProcessStartInfo info = MpirunInfo();
        foreach (string arg in (string[])["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", RepoPaths.TrainProgram])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TERM"] = "dumb";
        var process = new Process { StartInfo = info };
        return Started(process, onOutput);
    }

    /// <summary>
    /// Runs <c>mpirun -np 1 dotnet train.dll args₀ : -np 1 dotnet train.dll args₁ ...</c> to the end: one rank per
    /// command line (Open MPI's multiple-program form), for ranks started with different options.
    /// </summary>
    public static (int ExitCode, string Output) RunPerRank(TimeSpan timeout, params string[][] argsPerRank)
    {
        ProcessStartInfo info = MpirunInfo();
        for (int rank = 0; rank < argsPerRank.Length; rank++)
        {
            foreach (string arg in (string[])[.. rank == 0 ? [] : (string[])[":"], "-np", "1", "dotnet", RepoPaths.TrainProgram, .. argsPerRank[rank]])
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.Environment["TERM"] = "dumb";
        return Finish(Started(new Process { StartInfo = info }, null), timeout);
    }

    /// <summary>mpirun with its output redirected, as root with --allow-run-as-root, always with --oversubscribe.</summary>
    private static ProcessStartInfo MpirunInfo()
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("mpirun is missing."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Environment.UserName == "root")
        {
            info.ArgumentList.Add("--allow-run-as-root");
        }

        info.ArgumentList.Add("--oversubscribe");
        return info;
    }

    /// <summary>Starts the app as one plain process (no mpirun), with extra environment variables.</summary>
    public static Process StartSingle(IEnumerable<string> args, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.TrainProgram);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["TERM"] = "dumb";
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        return Started(new Process { StartInfo = info }, null);
    }

    /// <summary>Waits for the process and returns its exit code and output (stdout then stderr).</summary>
    public static (int ExitCode, string Output) Finish(Process process, TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The job did not end within {timeout.TotalSeconds} s.\n{Collected(process)}");
        }

        process.WaitForExit(); // flush the asynchronous readers
        return (process.ExitCode, Collected(process));
    }

    /// <summary>Runs under mpirun to the end.</summary>
    public static (int ExitCode, string Output) Run(int ranks, params string[] args) => Finish(Start(ranks, args), TimeSpan.FromMinutes(3));

    /// <summary>Runs alone to the end.</summary>
    public static (int ExitCode, string Output) RunSingle(params string[] args) => Finish(StartSingle(args), TimeSpan.FromMinutes(2));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, StringBuilder> s_output = new();

    private static string Collected(Process process)
    {
        StringBuilder text = s_output.GetOrCreateValue(process);
        lock (text)
        {
            return text.ToString();
        }
    }

    private static Process Started(Process process, DataReceivedEventHandler? onOutput)
    {
        StringBuilder text = s_output.GetOrCreateValue(process);
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (text)
                {
                    text.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        if (onOutput is not null)
        {
            process.OutputDataReceived += onOutput;
        }

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
