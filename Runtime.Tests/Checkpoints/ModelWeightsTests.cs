using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Checkpoints;

public sealed class ModelWeightsTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    internal static byte[] Bits(ParameterSet parameters) => MemoryMarshal.AsBytes(parameters.Values).ToArray();

    /// <summary>A weight beyond F16's range was stored as infinity without a word (torch's .half() does the same); now nothing is written.</summary>
    [Fact]
    public void SavingAWeightBeyondHalfsRange_AsF16_IsRefused_AndWritesNothing()
    {
        var model = new MnistClassifier128(seed: 1);
        model.Parameters.Values[100_352 + 3] = 1e6f; // fc1.bias[3]
        string path = _files.PathOf("half.safetensors");

        ArgumentException e = Assert.Throws<ArgumentException>(() => ModelWeights.Save(model.Parameters, path, dtype: FloatDType.F16));

        Assert.Equal("dtype", e.ParamName);
        Assert.Contains("Tensor 'fc1.bias' holds 1000000 at element 3, beyond the range of F16 (±65504): stored as F16 it would become infinity. Save it as FloatDType.F32 or BF16.", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        ModelWeights.Save(model.Parameters, path, dtype: FloatDType.BF16);
        model.Parameters.Values[100_352 + 3] = 65504f;
        ModelWeights.Save(model.Parameters, path, dtype: FloatDType.F16);
        var loaded = new MnistClassifier128(seed: 2);
        ModelWeights.Load(loaded.Parameters, path, new WeightsLoadOptions { ConvertFloatTypes = true });
        Assert.Equal(65504f, loaded.Parameters.Values[100_352 + 3]);
    }

    [Fact]
    public void SaveThenLoad_RestoresEveryBit_WithPyTorchNamesAndShapes()
    {
        var source = new MnistClassifier128(seed: 3);
        var target = new MnistClassifier128(seed: 4);
        string path = _files.PathOf("w.safetensors");

        ModelWeights.Save(source.Parameters, path, new Dictionary<string, string> { ["model"] = "mlp128" });
        WeightsLoadResult result = ModelWeights.Load(target.Parameters, path);

        Assert.Equal(Bits(source.Parameters), Bits(target.Parameters));
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, result.Loaded);
        Assert.Empty(result.Missing);
        Assert.Empty(result.Unexpected);
        Assert.Equal("pt", result.Metadata["format"]);
        Assert.Equal("mlp128", result.Metadata["model"]);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Equal(
            new[] { "fc1.weight F32 [128, 784]", "fc1.bias F32 [128]", "fc2.weight F32 [10, 128]", "fc2.bias F32 [10]" },
            reader.Tensors.Select(t => $"{t.Name} {t.DType} {SafeTensorInfo.FormatShape(t.Shape)}"));
        Assert.Equal(8 + reader.HeaderLength + (4L * 101_770), new FileInfo(path).Length);
    }

    [Fact]
    public void TransposedWeight_IsRefused_WithAHint_AndTheModelIsUnchanged()
    {
        byte[] file = WeightsFile(new MnistClassifier256(seed: 1));
        string header = SafeTensorsFiles.HeaderOf(file).Replace("\"shape\":[256,784]", "\"shape\":[784,256]", StringComparison.Ordinal);
        var model = new MnistClassifier256(seed: 2);
        byte[] before = Bits(model.Parameters);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Load(model, SafeTensorsFiles.WithHeader(file, header)));

        Assert.Contains("tensor 'layer1.weight' has shape [784, 256] in the file but the model expects [256, 784]", e.Message);
        Assert.Contains("transposed", e.Message);
        Assert.Equal(before, Bits(model.Parameters));
    }

    [Theory]
    [InlineData("\"dtype\":\"F32\",\"shape\":[10]", "\"dtype\":\"I32\",\"shape\":[10]", "tensor 'fc2.bias' has dtype I32; the model's parameters are F32 and only F16, BF16 and F64 convert to it")]
    [InlineData("\"dtype\":\"F32\",\"shape\":[10]", "\"dtype\":\"F16\",\"shape\":[20]", "tensor 'fc2.bias' has shape [20] in the file but the model expects [10]")]
    [InlineData("\"fc2.bias\"", "\"fc2.b\"", "missing tensor(s) 'fc2.bias'; unexpected tensor(s) 'fc2.b'")]
    [InlineData("\"format\":\"pt\"", "\"format\":\"tf\"", "format 'tf'; only 'pt'")]
    public void FileThatDoesNotFit_IsRefused_AndTheModelIsUnchanged(string from, string to, string expected)
    {
        byte[] file = WeightsFile(new MnistClassifier128(seed: 1));
        string header = SafeTensorsFiles.HeaderOf(file);
        Assert.Contains(from, header);
        var model = new MnistClassifier128(seed: 2);
        byte[] before = Bits(model.Parameters);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Load(model, SafeTensorsFiles.WithHeader(file, header.Replace(from, to, StringComparison.Ordinal))));

        Assert.Contains(expected, e.Message);
        Assert.Equal(before, Bits(model.Parameters));
    }

    [Fact]
    public void AFileOfAnotherModel_IsRefusedWithEveryDifference_AtOnce()
    {
        // As PyTorch's load_state_dict lists every size mismatch with the missing and unexpected keys.
        // A 784-64-10 file without fc2.bias and with a head.bias, loaded into the 784-128-10 model.
        var writer = new SafeTensorsWriter();
        writer.Add("fc1.weight", new float[64 * 784], new[] { 64, 784 });
        writer.Add("fc1.bias", new float[64], new[] { 64 });
        writer.Add("fc2.weight", new float[10 * 64], new[] { 10, 64 });
        writer.Add("head.bias", new float[10], new[] { 10 });
        var model = new MnistClassifier128(seed: 6);
        float[] before = model.Parameters.Values.ToArray();

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Load(model, writer.ToArray()));

        Assert.Contains("tensor 'fc1.weight' has shape [64, 784] in the file but the model expects [128, 784].", e.Message);
        Assert.Contains("tensor 'fc1.bias' has shape [64] in the file but the model expects [128].", e.Message);
        Assert.Contains("tensor 'fc2.weight' has shape [10, 64] in the file but the model expects [10, 128].", e.Message);
        Assert.Contains("Also, the file does not fit the model: missing tensor(s) 'fc2.bias'; unexpected tensor(s) 'head.bias'", e.Message);
        Assert.Equal(before, model.Parameters.Values.ToArray());
    }

    [Fact]
    public void PartialLoading_WithAllowMissing_KeepsTheMissingTensors()
    {
        // A file with only the first layer (like a pretrained feature extractor).
        var source = new MnistClassifier128(seed: 5);
        var writer = new SafeTensorsWriter();
        writer.Add("fc1.weight", source.Parameters.ValuesOf(source.Parameters["fc1.weight"]), new[] { 128, 784 });
        writer.Add("fc1.bias", source.Parameters.ValuesOf(source.Parameters["fc1.bias"]), new[] { 128 });
        writer.Add("extra.running_mean", new float[3], new[] { 3 });
        byte[] file = writer.ToArray();
        var model = new MnistClassifier128(seed: 6);
        float[] fc2Before = model.Parameters.ValuesOf(model.Parameters["fc2.weight"]).ToArray();

        InvalidDataException strict = Assert.Throws<InvalidDataException>(() => Load(model, file));
        Assert.Contains("missing tensor(s) 'fc2.weight', 'fc2.bias'; unexpected tensor(s) 'extra.running_mean'", strict.Message);
        InvalidDataException onlyMissing = Assert.Throws<InvalidDataException>(() => Load(model, file, new WeightsLoadOptions { AllowMissing = true }));
        Assert.Contains("unexpected tensor(s) 'extra.running_mean'", onlyMissing.Message);
        Assert.DoesNotContain("missing", onlyMissing.Message);

        WeightsLoadResult result = Load(model, file, new WeightsLoadOptions { AllowMissing = true, AllowUnexpected = true });

        Assert.Equal(new[] { "fc1.weight", "fc1.bias" }, result.Loaded);
        Assert.Equal(new[] { "fc2.weight", "fc2.bias" }, result.Missing);
        Assert.Equal(new[] { "extra.running_mean" }, result.Unexpected);
        Assert.Equal(source.Parameters.ValuesOf(source.Parameters["fc1.weight"]).ToArray(), model.Parameters.ValuesOf(model.Parameters["fc1.weight"]).ToArray());
        Assert.Equal(fc2Before, model.Parameters.ValuesOf(model.Parameters["fc2.weight"]).ToArray());
    }

    [Fact]
    public void WrongModel_ListsWhatIsMissingAndUnexpected()
    {
        byte[] file = WeightsFile(new MnistClassifier128(seed: 1));
        var model = new MnistClassifier256(seed: 1);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Load(model, file));

        Assert.Contains("missing tensor(s) 'layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias'", e.Message);
        Assert.Contains("unexpected tensor(s) 'fc1.weight'", e.Message);
        Assert.Contains("layer1.weight [256, 784]", e.Message);
    }

    [Fact]
    public void TrainingCheckpoint_LoadsAsWeights()
    {
        var source = new MnistClassifier128(seed: 8);
        var adam = new Adam(source.Parameters);
        var checkpoint = TrainingCheckpoint.Capture(source.Parameters, adam, new TrainingProgress(1, 10, (1, 2, 3, 4), 64, 100));
        string path = _files.PathOf("ck.safetensors");
        checkpoint.Save(path);
        var model = new MnistClassifier128(seed: 9);

        WeightsLoadResult result = ModelWeights.Load(model.Parameters, path);

        Assert.Equal(Bits(source.Parameters), Bits(model.Parameters));
        Assert.Empty(result.Unexpected);
    }

    [Fact]
    public void ACheckpointOfOneModelsParametersAndAnotherModelsOptimizer_IsRefused()
    {
        var model = new MnistClassifier128(seed: 8);
        var other = new MnistClassifier128(seed: 9);
        var progress = new TrainingProgress(1, 10, (1, 2, 3, 4), 64, 100);
        var capture = Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Capture(model.Parameters, new Adam(other.Parameters), progress));
        Assert.Equal("optimizer", capture.ParamName);

        var checkpoint = TrainingCheckpoint.Capture(model.Parameters, new Adam(model.Parameters), progress);
        var restore = Assert.Throws<ArgumentException>(() => checkpoint.Restore(model.Parameters, new Adam(other.Parameters)));
        Assert.Equal("optimizer", restore.ParamName);
        Assert.Throws<ArgumentNullException>(() => checkpoint.ShapeOf(null!));
        Assert.Throws<ArgumentNullException>(() => checkpoint.ValuesOf(null!).Length);
    }

    /// <summary>Metadata that would not come back as given is refused when saving: a lone surrogate (written as U+FFFD) and a header over the loaders' limit.</summary>
    [Fact]
    public void MetadataThatCouldNotBeReadBack_IsRefusedWhenSaving_AndNothingIsWritten()
    {
        var model = new MnistClassifier128(seed: 8);
        string path = _files.PathOf("meta.safetensors");
        var surrogate = Assert.Throws<ArgumentException>(() => ModelWeights.Save(model.Parameters, path, [new("note", "a\ud800b")]));
        Assert.Equal("metadata", surrogate.ParamName);
        Assert.Contains("lone UTF-16 surrogate (U+D800) at index 1", surrogate.Message, StringComparison.Ordinal);
        Assert.Equal("metadata", Assert.Throws<ArgumentException>(() => ModelWeights.Save(model.Parameters, path, [new("\udc00", "x")])).ParamName);
        Assert.Equal("metadata", Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Capture(
            model.Parameters, new Adam(model.Parameters), new TrainingProgress(1, 10, (1, 2, 3, 4), 64, 100), [new("note", "\ud83d")])).ParamName);

        var large = Assert.Throws<InvalidOperationException>(() => ModelWeights.Save(model.Parameters, path, [new("notes", new string('x', 17_000_000))]));
        Assert.Contains("could not be loaded again", large.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        ModelWeights.Save(model.Parameters, path, [new("note", "a\ud83d\ude00b")]);
        Assert.Equal("a\ud83d\ude00b", ModelWeights.Load(new MnistClassifier128(seed: 9).Parameters, path).Metadata["note"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void AKeyMapEntryWithoutAName_IsRefusedNamingKeyMapAndTheKey_BeforeTheFileIsRead(string? target)
    {
        var model = new MnistClassifier128(seed: 1);
        byte[] before = Bits(model.Parameters);
        byte[] file = WeightsFile(new MnistClassifier128(seed: 2));
        var options = new WeightsLoadOptions
        {
            KeyMap = new Dictionary<string, string> { ["fc1.weight"] = "fc1.weight", ["fc2.weight"] = target! },
            AllowMissing = true,
            AllowUnexpected = true,
        };

        ArgumentException fromStream = Assert.Throws<ArgumentException>(() => Load(model, file, options));
        Assert.Equal("options", fromStream.ParamName);
        Assert.Contains($"WeightsLoadOptions.KeyMap maps file key 'fc2.weight' to {(target is null ? "null" : "an empty name")}", fromStream.Message);
        using (var reader = new SafeTensorsReader(new MemoryStream(file, writable: false), "test.safetensors"))
        {
            Assert.Equal("options", Assert.Throws<ArgumentException>(() => ModelWeights.Load(model.Parameters, reader, options)).ParamName);
        }

        // Checked before the file is opened: a path that does not exist is not reached.
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => ModelWeights.Load(model.Parameters, _files.PathOf("none.safetensors"), options)).ParamName);
        Assert.Equal(before, Bits(model.Parameters));
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => ModelWeights.Load(new MnistClassifier128(1).Parameters, _files.PathOf("none.safetensors")));
    }

    [Fact]
    public void ADirectoryForAFile_SaysItIsADirectory_OnLoadAsOnSave()
    {
        // .NET alone reports "Access to the path ... is denied" for a directory opened as a file.
        IOException load = Assert.Throws<IOException>(() => ModelWeights.Load(new MnistClassifier128(1).Parameters, _files.Directory));
        Assert.Contains("it is a directory", load.Message, StringComparison.Ordinal);
        IOException save = Assert.Throws<IOException>(() => ModelWeights.Save(new MnistClassifier128(1).Parameters, _files.Directory));
        Assert.Contains("it is a directory", save.Message, StringComparison.Ordinal);
        Assert.Contains("it is a directory", Assert.Throws<IOException>(() => global::StaticGrad.Data.CsvDataset.Load(_files.Directory, "label")).Message, StringComparison.Ordinal);
        Assert.Contains("it is a directory", Assert.Throws<IOException>(() => global::StaticGrad.Data.IdxReader.ReadLabels(_files.Directory)).Message, StringComparison.Ordinal);
    }

    internal static byte[] WeightsFile(IModel model)
    {
        using var stream = new MemoryStream();
        ModelWeights.Save(model.Parameters, stream);
        return stream.ToArray();
    }

    private static WeightsLoadResult Load(IModel model, byte[] file, WeightsLoadOptions? options = null)
        => ModelWeights.Load(model.Parameters, new MemoryStream(file, writable: false), "test.safetensors", options);
}
