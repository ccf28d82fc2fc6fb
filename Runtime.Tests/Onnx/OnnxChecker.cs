using System.IO;
using StaticGrad.Runtime.Tests.Python;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>Runs Debian's ONNX checker (<c>scripts/onnx_check.py</c>) on files and returns its exit code and output.</summary>
internal static class OnnxChecker
{
    /// <summary>Checks <paramref name="files"/>; the script prints <c>ok: FILE</c> or <c>refused: FILE</c> per file and exits 1 on any refusal.</summary>
    public static (int ExitCode, string Output) Check(ITestOutputHelper output, params string[] files)
    {
        (int exitCode, string stdout, string stderr) = DebianPython.Run([Path.Combine(RepoPaths.Root, "scripts", "onnx_check.py"), .. files]);
        output.WriteLine(stdout + stderr);
        return (exitCode, stdout + stderr);
    }
}
