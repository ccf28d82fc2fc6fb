using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using StaticGrad.Models.Commands;
using StaticGrad.Runtime.Tests.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// <c>--strip-prefix</c> of eval, predict and export, run in-process: a state_dict saved from <c>nn.DataParallel</c>
/// (every name under <c>module.</c>) loads and gives what the bare file gives; without the option, or with one no name
/// starts with, the message says which <c>--strip-prefix</c> loads it.
/// </summary>
public sealed class StripPrefixCommandTests : IDisposable
{
    private static readonly string Images = Path.Combine(RepoPaths.MnistDataDirectory, "t10k-images-idx3-ubyte.gz");

    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The same command on the bare and the prefixed file, the prefixed one with <paramref name="extra"/>.</summary>
    private static string[][] Commands(string file, string onnx, params string[] extra) =>
    [
        ["eval", "--weights", file, .. extra, "--data", RepoPaths.MnistDataDirectory],
        ["predict", "--weights", file, .. extra, "--idx", Images, "--index", "7"],
        ["export", "--weights", file, .. extra, "--onnx", onnx],
    ];

    /// <summary>
    /// LeNet-5 weights saved bare and with every name under <paramref name="prefix"/> (as
    /// <c>nn.DataParallel(model).state_dict()</c> saves them), with or without the <c>model</c> metadata.
    /// </summary>
    private (string Bare, string Prefixed) LeNetFiles(string prefix, bool metadata, string name = "lenet")
    {
        var model = new LeNet5(seed: 5, maxBatch: 1);
        string bare = _files.PathOf($"{name}.safetensors");
        ModelWeights.Save(model.Parameters, bare, metadata ? [new(ModelFiles.ModelKey, "lenet")] : null);
        byte[] file = File.ReadAllBytes(bare);
        string header = SafeTensorsFiles.HeaderOf(file);
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            header = header.Replace($"\"{tensor.Name}\":", $"\"{prefix}{tensor.Name}\":", StringComparison.Ordinal);
        }

        Assert.Equal(model.Parameters.Tensors.Count, header.Split($"\"{prefix}").Length - 1);
        return (bare, _files.Write($"{name}-prefixed.safetensors", SafeTensorsFiles.WithHeader(file, header)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DataParallelFile_WithStripPrefix_GivesWhatTheBareFileGives(bool metadata)
    {
        (string bare, string prefixed) = LeNetFiles("module.", metadata);
        string[][] fromBare = Commands(bare, _files.PathOf("bare.onnx"));
        string[][] fromPrefixed = Commands(prefixed, _files.PathOf("prefixed.onnx"), "--strip-prefix", "module.");
        for (int i = 0; i < fromBare.Length; i++)
        {
            var expected = Run(fromBare[i]);
            var actual = Run(fromPrefixed[i]);

            Assert.True(expected.Code == 0, expected.Error);
            Assert.True(actual.Code == 0, $"{string.Join(' ', fromPrefixed[i])}: {actual.Error}");
            Assert.Empty(actual.Error);
            Assert.Contains(fromBare[i][0] == "predict" ? $", lenet weights from {prefixed}" : $"lenet from {prefixed}", actual.Output, StringComparison.Ordinal);
            Assert.Equal(
                expected.Output.Replace(bare, "FILE", StringComparison.Ordinal).Replace("bare.onnx", "X.onnx", StringComparison.Ordinal),
                actual.Output.Replace(prefixed, "FILE", StringComparison.Ordinal).Replace("prefixed.onnx", "X.onnx", StringComparison.Ordinal));
        }

        Assert.Equal(File.ReadAllBytes(_files.PathOf("bare.onnx")), File.ReadAllBytes(_files.PathOf("prefixed.onnx")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DataParallelFile_WithoutStripPrefix_SaysWhichStripPrefixLoadsIt(bool metadata)
    {
        (_, string prefixed) = LeNetFiles("module.", metadata);
        foreach (string[] command in Commands(prefixed, _files.PathOf("none.onnx")).Concat(Commands(prefixed, _files.PathOf("none.onnx"), "--model", "lenet")))
        {
            var result = Run(command);

            Assert.True(result.Code == 1, $"{string.Join(' ', command)}: exit code {result.Code}: {result.Error}");
            Assert.Empty(result.Output);
            Assert.Equal(
                $"error: cannot load weights: {prefixed}: the file's tensor names carry the prefix 'module.' (e.g. 'module.conv1.weight'), which lenet's tensor names lack (nn.DataParallel and DistributedDataParallel save 'module.' before every name); pass --strip-prefix module. to remove it.",
                Assert.Single(result.Error.TrimEnd('\r', '\n').Split('\n')));
        }

        Assert.False(File.Exists(_files.PathOf("none.onnx")));
    }

    [Fact]
    public void StripPrefix_ThatLeavesPartOfThePrefix_SaysTheWholeOne()
    {
        (_, string prefixed) = LeNetFiles("module.", metadata: false);
        foreach (string[] command in Commands(prefixed, _files.PathOf("none.onnx"), "--strip-prefix", "module"))
        {
            var result = Run(command);

            Assert.True(result.Code == 1, $"{string.Join(' ', command)}: exit code {result.Code}: {result.Error}");
            Assert.Contains(
                "after --strip-prefix module the file's tensor names still start with '.' (e.g. 'module.conv1.weight' as '.conv1.weight'), which lenet's tensor names lack; pass --strip-prefix module. to remove the whole prefix.",
                result.Error,
                StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StripPrefix_ThatNoTensorNameStartsWith_IsAUsageErrorNamingTheOptionAndThePrefix()
    {
        (string bare, string prefixed) = LeNetFiles("module.", metadata: true);
        foreach ((string file, string hint) in new[]
        {
            (prefixed, "; they all start with 'module.', which --strip-prefix module. removes."),
            (bare, "; they are lenet's names as they are, so drop --strip-prefix."),
        })
        {
            string names = file == bare ? "'conv1.weight', 'conv1.bias'" : "'module.conv1.weight', 'module.conv1.bias'";
            foreach (string[] command in Commands(file, _files.PathOf("none.onnx"), "--strip-prefix", "model."))
            {
                var result = Run(command);

                Assert.True(result.Code == Cli.UsageErrorCode, $"{string.Join(' ', command)}: exit code {result.Code}: {result.Error}");
                Assert.Empty(result.Output);
                string line = Assert.Single(result.Error.TrimEnd('\r', '\n').Split('\n'));
                Assert.StartsWith($"error: Option '--strip-prefix': no tensor name of '{file}' starts with 'model.' (its tensors are {names}, ", line, StringComparison.Ordinal);
                Assert.EndsWith(hint, line, StringComparison.Ordinal);
            }
        }

        Assert.False(File.Exists(_files.PathOf("none.onnx")));
    }

    [Fact]
    public void StripPrefix_Empty_IsAParseError()
    {
        foreach (string[] args in (IEnumerable<string[]>)[["eval"], ["predict", "a.pgm"], ["export", "--onnx", "a.onnx"]])
        {
            string command = args[0];
            var result = Run([.. args, "--weights", "w.safetensors", "--strip-prefix", ""]);

            Assert.Equal(Cli.UsageErrorCode, result.Code);
            Assert.Contains("Option '--strip-prefix' expects the prefix to remove from the file's tensor names, such as 'module.'; got ''.", result.Error, StringComparison.Ordinal);
            Assert.Contains($"Run 'train {command} --help' for the options.", result.Error, StringComparison.Ordinal);
        }
    }

    /// <summary>A file holding a tensor both with and without the prefix: both would load as one name, which is refused naming the two.</summary>
    [Fact]
    public void StripPrefix_ThatMakesTwoNamesOne_IsRefusedNamingBoth()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("module.fc1.weight", new float[128 * 784], [128, 784]);
        writer.Add("fc1.weight", new float[128 * 784], [128, 784]);
        string path = _files.Write("twice.safetensors", writer.ToArray());

        var result = Run("eval", "--weights", path, "--strip-prefix", "module.", "--data", RepoPaths.MnistDataDirectory);

        Assert.Equal(1, result.Code);
        Assert.Equal(
            $"error: cannot load weights: {path}: with --strip-prefix module., the tensors 'module.fc1.weight' and 'fc1.weight' would both load as 'fc1.weight'.",
            Assert.Single(result.Error.TrimEnd('\r', '\n').Split('\n')));
    }

    /// <summary>Another model detected from the stripped names: an mlp128 state_dict without metadata under <c>module.</c>.</summary>
    [Fact]
    public void StripPrefix_TellsTheModelFromTheStrippedNames()
    {
        var model = new MnistClassifier128(seed: 2, maxBatch: 1);
        var writer = new SafeTensorsWriter();
        writer.AddMetadata(SafeTensorsReader.FormatKey, "pt");
        foreach (ParameterTensor tensor in model.Parameters.Tensors)
        {
            writer.Add("module." + tensor.Name, model.Parameters.ValuesOf(tensor), tensor.Shape.ToArray());
        }

        string path = _files.Write("mlp128-dp.safetensors", writer.ToArray());

        var without = Run("export", "--weights", path, "--onnx", _files.PathOf("mlp.onnx"));
        var with = Run("export", "--weights", path, "--strip-prefix", "module.", "--onnx", _files.PathOf("mlp.onnx"));

        Assert.Equal(1, without.Code);
        Assert.Contains("which mlp128's tensor names lack (nn.DataParallel and DistributedDataParallel save 'module.' before every name); pass --strip-prefix module. to remove it.", without.Error, StringComparison.Ordinal);
        Assert.True(with.Code == 0, with.Error);
        Assert.StartsWith($"mlp128 from {path} -> ", with.Output, StringComparison.Ordinal);
    }
}
