using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>
/// Headers written to break the reader rather than by a corrupted disk: JSON escapes that decode to
/// invalid UTF-16 in every place a string is read, control characters in names, and more entries
/// than any model has. Each must be refused with <see cref="InvalidDataException"/>, cheaply.
/// </summary>
[Collection(nameof(TimedLoads))]
public sealed class HostileHeaderTests(ITestOutputHelper output)
{
    private const string Tensor = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    /// <summary>A header, what the message must say was being read, and the string token it is at.</summary>
    public static TheoryData<string, string, string> InvalidText => new()
    {
        { "{\"\\ud800\":" + Tensor + "}", "a header key", "\"\\ud800\"" },
        { "{\"\\udc00\":" + Tensor + "}", "a header key", "\"\\udc00\"" },
        { "{\"a\\ud800b\":" + Tensor + "}", "a header key", "\"a\\ud800b\"" },
        { "{\"\\udc00\\ud800\":" + Tensor + "}", "a header key", "\"\\udc00\\ud800\"" },
        { "{\"ok\":" + Tensor + ",\"\\ud800\\ud800\":" + Tensor + "}", "a header key", "\"\\ud800\\ud800\"" },
        { "{\"a\":{\"dtype\":\"\\ud800\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': 'dtype'", "\"\\ud800\"" },
        { "{\"a\":{\"dtype\":\"F32\\udfff\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': 'dtype'", "\"F32\\udfff\"" },
        { "{\"a\":{\"\\ud800\":1,\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': a field name", "\"\\ud800\"" },
        { "{\"a\":{\"dtype\":\"F32\",\"sh\\udbffape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a': a field name", "\"sh\\udbffape\"" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":\"\\ud800\",\"data_offsets\":[0,4]}}", "tensor 'a': 'shape'", "\"\\ud800\"" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"\\ud800\"]}}", "tensor 'a': 'data_offsets'", "\"\\ud800\"" },
        { "{\"a\":\"\\ud800\"}", "tensor 'a'", "\"\\ud800\"" },
        { "{\"__metadata__\":{\"\\ud800\":\"x\"},\"a\":" + Tensor + "}", "'__metadata__': a key", "\"\\ud800\"" },
        { "{\"__metadata__\":{\"format\":\"pt\",\"k\":\"\\ud800\"},\"a\":" + Tensor + "}", "'__metadata__' entry 'k'", "\"\\ud800\"" },
        { "{\"__metadata__\":{\"k\":\"v\\udc00\"},\"a\":" + Tensor + "}", "'__metadata__' entry 'k'", "\"v\\udc00\"" },
        { "{\"__metadata__\":\"\\ud800\",\"a\":" + Tensor + "}", "'__metadata__'", "\"\\ud800\"" },
        { "{\"a\":" + Tensor + ",\"__metadata__\":{\"\\udc00\":\"x\"}}", "'__metadata__': a key", "\"\\udc00\"" },
    };

    [Theory]
    [MemberData(nameof(InvalidText))]
    public void InvalidUtf16Escapes_AreRefused_NamingWhatWasReadAndTheByteOffset(string header, string what, string token)
    {
        byte[] file = SafeTensorsFiles.Build(header, new byte[4]);
        int offset = 8 + Encoding.UTF8.GetByteCount(header[..header.LastIndexOf(token, StringComparison.Ordinal)]);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(file, "hostile.safetensors").Dispose());

        Assert.StartsWith("hostile.safetensors: ", e.Message);
        Assert.Contains($"{what} at byte {offset} is not valid text", e.Message);
    }

    [Fact]
    public void ModelWeightsLoad_AndTrainingCheckpointLoad_RefuseALoneSurrogate_WithInvalidDataException()
    {
        using var files = new SafeTensorsFiles();
        string key = files.Write("key.safetensors", SafeTensorsFiles.Build("{\"\\ud800\":0}", []));
        string value = files.Write("value.safetensors", SafeTensorsFiles.Build("{\"__metadata__\":{\"staticgrad.kind\":\"training-checkpoint\\ud800\"},\"a\":" + Tensor + "}", new byte[4]));
        var model = new MnistClassifier128(seed: 1);
        byte[] before = ModelWeightsTests.Bits(model.Parameters);

        foreach (string path in new[] { key, value })
        {
            InvalidDataException weights = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, path));
            InvalidDataException checkpoint = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(path));

            Assert.StartsWith(path + ": ", weights.Message);
            Assert.Contains("is not valid text", weights.Message);
            Assert.Equal(weights.Message, checkpoint.Message);
        }

        Assert.Equal(before, ModelWeightsTests.Bits(model.Parameters));
    }

    [Fact]
    public void ValidSurrogatePairsAndEscapes_StillLoad()
    {
        string header = "{\"__metadata__\":{\"n\\u00f8te\":\"\\ud83d\\ude00 \\\"q\\\"\"},\"\\ud83d\\ude00\":" + Tensor.Replace("F32", "F\\u0033\\u0032", StringComparison.Ordinal) + "}";

        using SafeTensorsReader reader = SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, new byte[4]));

        Assert.Equal("\U0001F600 \"q\"", reader.Metadata["nøte"]);
        Assert.True(reader.TryGetTensor("\U0001F600", out SafeTensorInfo info));
        Assert.Equal("F32", info.DType);
    }

    [Fact]
    public void NamesInMessages_AreShownOnOneLine_WithControlCharactersEscaped()
    {
        string header = "{\"a\\nb\\u001b[31m\":" + Tensor + ",\"a\\nb\\u001b[31m\":" + Tensor + "}";

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, new byte[8])).Dispose());

        Assert.Contains("tensor 'a\\nb\\u001B[31m' twice", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Fact]
    public void LongNamesInMessages_AreShortened_WithoutSplittingASurrogatePair()
    {
        string name = new string('x', SafeTensorsReader.MaxShownChars - 1) + "\U0001F600" + new string('y', 100);
        string header = "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}";

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(SafeTensorsFiles.Build(header, new byte[4])).Dispose());

        Assert.Contains("tensor '" + new string('x', SafeTensorsReader.MaxShownChars - 1) + "\U0001F600...'", e.Message);
        Assert.DoesNotContain("yyy", e.Message);
    }

    /// <summary>The case of the issue: 300,000 zero-size tensors in a header just under the 16 MiB limit.</summary>
    [Fact]
    public void AHeaderOfTooManyTensors_IsRefused_NamingTheCountAndTheCap_BeforeAllocatingPerEntry()
    {
        byte[] file = SafeTensorsFiles.ZeroSizeTensors(300_000, headerLength: (int)SafeTensorsReader.DefaultMaxHeaderLength - 8);

        (Exception? error, long allocated, TimeSpan elapsed) = Measure(() => SafeTensorsFiles.Open(file).Dispose());

        output.WriteLine($"300,000 zero-size tensors, file {file.Length:N0} bytes: {error?.GetType().Name ?? "loaded"}, allocated {allocated:N0} bytes, {elapsed.TotalMilliseconds:F0} ms");
        InvalidDataException e = Assert.IsType<InvalidDataException>(error);
        Assert.Contains($"the header declares 300000 tensors, more than the limit of {SafeTensorsReader.MaxTensorCount}", e.Message);
        Assert.True(allocated < file.Length + (1 << 20), $"allocated {allocated:N0} bytes for a {file.Length:N0}-byte file");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"{elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void AHeaderOfTensorsAtTheCap_Loads_WithAllocationProportionalToTheFile_AndOneMoreIsRefused()
    {
        byte[] atCap = SafeTensorsFiles.ZeroSizeTensors(SafeTensorsReader.MaxTensorCount);
        byte[] overCap = SafeTensorsFiles.ZeroSizeTensors(SafeTensorsReader.MaxTensorCount + 1);

        (Exception? error, long allocated, TimeSpan elapsed) = Measure(() =>
        {
            using SafeTensorsReader reader = SafeTensorsFiles.Open(atCap);
            Assert.Equal(SafeTensorsReader.MaxTensorCount, reader.Tensors.Count);
        });

        output.WriteLine($"{SafeTensorsReader.MaxTensorCount:N0} zero-size tensors, file {atCap.Length:N0} bytes: {error?.GetType().Name ?? "loaded"}, allocated {allocated:N0} bytes ({(double)allocated / atCap.Length:F2}x the file), {elapsed.TotalMilliseconds:F0} ms");
        Assert.Null(error);
        Assert.True(allocated <= SafeTensorsReader.MaxAllocationPerHeaderByte * (long)atCap.Length, $"allocated {allocated:N0} bytes, {(double)allocated / atCap.Length:F2}x the {atCap.Length:N0}-byte file");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"{elapsed.TotalMilliseconds:F0} ms");
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(overCap).Dispose());
        Assert.Contains($"the header declares {SafeTensorsReader.MaxTensorCount + 1} tensors, more than the limit of {SafeTensorsReader.MaxTensorCount}", e.Message);
    }

    [Fact]
    public void AHeaderOfTooManyMetadataEntries_IsRefused_NamingTheCountAndTheCap()
    {
        string Metadata(int count) => "{\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"{i}\":\"\"")) + "}}";
        byte[] atCap = SafeTensorsFiles.Build(Metadata(SafeTensorsReader.MaxMetadataCount), []);
        byte[] overCap = SafeTensorsFiles.Build(Metadata(SafeTensorsReader.MaxMetadataCount + 1), []);

        (Exception? error, long allocated, _) = Measure(() =>
        {
            using SafeTensorsReader reader = SafeTensorsFiles.Open(atCap);
            Assert.Equal(SafeTensorsReader.MaxMetadataCount, reader.Metadata.Count);
        });
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SafeTensorsFiles.Open(overCap).Dispose());

        Assert.Null(error);
        Assert.True(allocated <= SafeTensorsReader.MaxAllocationPerHeaderByte * (long)atCap.Length, $"allocated {allocated:N0} bytes, {(double)allocated / atCap.Length:F2}x the {atCap.Length:N0}-byte file");
        Assert.Contains($"'__metadata__' holds {SafeTensorsReader.MaxMetadataCount + 1} entries, more than the limit of {SafeTensorsReader.MaxMetadataCount}", e.Message);
    }

    /// <summary>A checkpoint of many small parameters: matching optimizer tensors to parameters must not be quadratic.</summary>
    [Fact]
    public void ACheckpointOfManyParameters_LoadsInLinearTime()
    {
        const int Parameters = 49_000;
        var writer = new SafeTensorsWriter();
        foreach ((string key, string value) in CheckpointMetadata())
        {
            writer.AddMetadata(key, value);
        }

        for (int i = 0; i < Parameters; i++)
        {
            writer.Add($"p{i}", [i], []);
        }

        for (int i = 0; i < Parameters; i++)
        {
            writer.Add($"optimizer.p{i}.momentum_buffer", [-i], []);
        }

        byte[] file = writer.ToArray();

        (Exception? error, long allocated, TimeSpan elapsed) = Measure(() =>
        {
            TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(new MemoryStream(file, writable: false), "many.safetensors");
            Assert.Equal(Parameters, checkpoint.ParameterNames.Count);
            Assert.Equal(-48_999f, checkpoint.Optimizer.Buffer("momentum_buffer")![48_999]);
        });

        output.WriteLine($"checkpoint of {Parameters:N0} parameters and {Parameters:N0} buffers, file {file.Length:N0} bytes: {error?.GetType().Name ?? "loaded"}, allocated {allocated:N0} bytes ({(double)allocated / file.Length:F2}x the file), {elapsed.TotalMilliseconds:F0} ms");
        Assert.Null(error);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"{elapsed.TotalMilliseconds:F0} ms"); // about 1 s in Debug; 46 s when matching was quadratic
        Assert.True(allocated <= SafeTensorsReader.MaxAllocationPerHeaderByte * (long)file.Length, $"allocated {allocated:N0} bytes, {(double)allocated / file.Length:F2}x the {file.Length:N0}-byte file");
    }

    private static IEnumerable<(string Key, string Value)> CheckpointMetadata() =>
    [
        ("format", "pt"), ("staticgrad.kind", "training-checkpoint"), ("staticgrad.version", "1"), ("training.epoch", "1"), ("training.step", "2"),
        ("training.batch_size", "4"), ("training.samples", "8"), ("training.shuffle_state", "00000001,00000002,00000003,00000004"), ("optimizer", "sgd"),
        ("optimizer.step", "2"), ("optimizer.lr", "0.1"), ("optimizer.momentum", "0.9"), ("optimizer.dampening", "0"), ("optimizer.nesterov", "false"),
        ("optimizer.weight_decay", "0"),
    ];

    /// <summary>Runs <paramref name="action"/> three times: the first run's error and allocation, and the fastest time (the machine is shared).</summary>
    private static (Exception? Error, long Allocated, TimeSpan Elapsed) Measure(Action action)
    {
        (Exception? error, long allocated, TimeSpan elapsed) = Mutation.Measure(action);
        for (int run = 1; run < 3; run++)
        {
            TimeSpan again = Mutation.Measure(action).Elapsed;
            elapsed = again < elapsed ? again : elapsed;
        }

        return (error, allocated, elapsed);
    }
}
