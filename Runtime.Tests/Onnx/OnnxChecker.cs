using System.Diagnostics;
using System.IO;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>Runs Debian's ONNX checker (<c>scripts/onnx_check.py</c>) on files and returns its exit code and output.</summary>
internal static class OnnxChecker
{
    /// <summary>Checks <paramref name="files"/>; the script prints <c>ok: FILE</c> or <c>refused: FILE</c> per file and exits 1 on any refusal.</summary>
    public static (int ExitCode, string Output) Check(ITestOutputHelper output, params string[] files)
    {
        var start = new ProcessStartInfo(OnnxCheckerFactAttribute.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "scripts", "onnx_check.py"));
        foreach (string file in files)
        {
            start.ArgumentList.Add(file);
        }

        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.WriteLine(stdout + stderr);
        return (process.ExitCode, stdout + stderr);
    }
}
