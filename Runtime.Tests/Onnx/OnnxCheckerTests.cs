using System;
using System.IO;
using System.Linq;
using StaticGrad.Onnx;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Onnx;

/// <summary>
/// Debian's ONNX checker (scripts/onnx_check.py: <c>check_model(full_check=True)</c>, strict shape inference, opset 17,
/// IR 8, a symbolic batch dimension) accepts every file <see cref="OnnxGraphBuilder"/> writes for <see cref="OnnxCases"/>,
/// and refuses broken ones, so a refusal would fail the test.
/// </summary>
public sealed class OnnxCheckerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int ExitCode, string Output) Check(params string[] files) => OnnxChecker.Check(output, files);

    [OnnxCheckerFact]
    public void TheCheckerAcceptsEveryWrittenGraph()
    {
        string[] files = OnnxCases.All().Select(c =>
        {
            string path = Path.Combine(_directory, c.Name + ".onnx");
            File.WriteAllBytes(path, c.Model);
            return path;
        }).ToArray();

        (int exitCode, string text) = Check(files);

        Assert.True(exitCode == 0, text);
        Assert.Equal(files.Length, text.Split('\n').Count(line => line.StartsWith("ok: ", StringComparison.Ordinal)));
    }

    [OnnxCheckerFact]
    public void TheCheckerRefusesAShapeMismatchAndATruncatedFile()
    {
        // A [batch, 7] x [5, 7]^T product declared as 6 features: shape inference finds 5.
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 7);
        builder.Output(builder.Gemm(x, builder.Initializer("w", new float[5 * 7], 5, 7), null), "y", 6);
        string mismatch = Path.Combine(_directory, "mismatch.onnx");
        builder.Save(mismatch);
        string truncated = Path.Combine(_directory, "truncated.onnx");
        byte[] whole = OnnxCases.Get("small_cnn").Model;
        File.WriteAllBytes(truncated, whole[..(whole.Length / 2)]);
        string good = Path.Combine(_directory, "good.onnx");
        File.WriteAllBytes(good, OnnxCases.Get("linear_relu").Model);

        (int exitCode, string text) = Check(good, mismatch, truncated);

        Assert.Equal(1, exitCode);
        Assert.Contains($"ok: {good}", text);
        Assert.Contains($"refused: {mismatch}", text);
        Assert.Contains($"refused: {truncated}", text);
    }

    [OnnxCheckerFact]
    public void TheCheckerAcceptsAGraphInputThatIsAlsoAGraphOutput()
    {
        // ONNX names each graph output once but lets an output be a graph input: the builder allows it, and refuses a second output of one name.
        var builder = new OnnxGraphBuilder();
        string x = builder.Input("x", 4);
        builder.Output(x, null, 4);
        builder.Output(builder.Relu(x), "y", 4);
        Assert.Throws<ArgumentException>(() => builder.Output(x, null, 4));
        string path = Path.Combine(_directory, "passthrough.onnx");
        builder.Save(path);

        (int exitCode, string text) = Check(path);

        Assert.True(exitCode == 0, text);
    }
}
