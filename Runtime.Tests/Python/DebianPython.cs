using System;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace StaticGrad.Runtime.Tests.Python;

/// <summary>Debian's interpreter, which the repository's scripts run with, and whether it can import a module.</summary>
internal static class DebianPython
{
    /// <summary>The interpreter (where Debian's python3-onnx, python3-numpy and python3-torch install).</summary>
    public const string Path = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, bool> s_imports = new();

    /// <summary>Whether <c>import <paramref name="module"/></c> succeeds (false without the interpreter); asked once per module.</summary>
    public static bool CanImport(string module) => s_imports.GetOrAdd(module, static m =>
    {
        try
        {
            using Process? process = Process.Start(new ProcessStartInfo(Path, ["-c", "import " + m]) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null)
            {
                return false;
            }

            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>Runs <paramref name="arguments"/> with the interpreter; returns its exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
