using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using StaticGrad.Checkpoints;
using StaticGrad.Runtime.Tests.Python;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>
/// state_dicts as PyTorch users have them (fixtures from scripts/pytorch_state_dicts.py, PyTorch 1.13): an
/// <c>nn.Sequential</c> layout loads into a model declared with <c>Name</c> overrides, a <c>DataParallel</c> one with
/// its <c>module.</c> prefix stripped, F16/BF16/F64 files convert as PyTorch's <c>tensor.float()</c>, and the F16 and
/// BF16 files StaticGrad writes are PyTorch's own rounding and load into PyTorch with the same logits.
/// </summary>
public sealed class StateDictFixtureTests(ITestOutputHelper output)
{
    private const int Samples = 8;
    private const float Tolerance = 1e-5f;

    private static string Golden => Path.Combine(AppContext.BaseDirectory, "Golden");

    private static string Fixture(string name) => Path.Combine(Golden, name);

    private static (float[] Values, IReadOnlyDictionary<string, string> Metadata) Expected(string name)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(Fixture("state_dict_expected.safetensors"));
        Assert.True(reader.TryGetTensor(name, out SafeTensorInfo info), $"no '{name}' in state_dict_expected.safetensors");
        float[] values = new float[info.ElementCount];
        reader.ReadSingles(info, values);
        return (values, reader.Metadata);
    }

    private static void AssertFixtureHash(string file)
    {
        (_, IReadOnlyDictionary<string, string> metadata) = Expected("inputs");
        Assert.Equal(metadata[$"{Path.GetFileNameWithoutExtension(file)}.sha256"], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Fixture(file)))));
    }

    private void CompareLogits(IInferenceModel model, string expectedName)
    {
        float[] inputs = Expected("inputs").Values;
        float[] expected = Expected(expectedName).Values;
        float[] logits = new float[Samples * model.OutputSize];
        model.Forward(inputs, logits, Samples);
        float worst = logits.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{expectedName}: max |logit difference| = {worst:E2}");
        Assert.True(worst <= Tolerance, $"{expectedName}: logits differ by up to {worst}");
    }

    /// <summary>Every float tensor and buffer of the model by name.</summary>
    private static Dictionary<string, float[]> FloatState(ParameterSet parameters)
        => StateEntry.Of(parameters).Where(e => !e.IsCounter).ToDictionary(e => e.Name, e => e.Floats(parameters).ToArray());

    [Fact]
    public void SequentialStateDict_LoadsIntoNameOverrides_AndGivesPyTorchsLogits()
    {
        AssertFixtureHash("torch_sequential.safetensors");
        var model = new SequentialMlp(seed: 1, maxBatch: Samples);

        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Fixture("torch_sequential.safetensors"));

        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias" }, result.Loaded);
        Assert.Empty(result.Converted);
        CompareLogits(model, "sequential.logits");
    }

    [Fact]
    public void SequentialStateDict_IntoMemberNames_NamesWhatIsMissingAndUnexpected_AndLoadsWithAKeyMap()
    {
        var model = new NamedMlp(seed: 1, maxBatch: Samples);
        float[] before = model.Parameters.Values.ToArray();

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, Fixture("torch_sequential.safetensors")));

        Assert.Contains("missing tensor(s) 'fc1.weight', 'fc1.bias', 'norm.weight', 'norm.bias', 'head.weight', 'head.bias'", e.Message);
        Assert.Contains("unexpected tensor(s) '0.weight', '0.bias', '2.weight', '2.bias', '3.weight', '3.bias'", e.Message);
        Assert.Equal(before, model.Parameters.Values.ToArray());

        var map = new Dictionary<string, string>
        {
            ["0.weight"] = "fc1.weight", ["0.bias"] = "fc1.bias", ["2.weight"] = "norm.weight", ["2.bias"] = "norm.bias", ["3.weight"] = "head.weight", ["3.bias"] = "head.bias",
        };
        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Fixture("torch_sequential.safetensors"), new WeightsLoadOptions { KeyMap = map });

        Assert.Equal(6, result.Loaded.Count);
        CompareLogits(model, "sequential.logits");
    }

    [Fact]
    public void DataParallelStateDict_IsRefusedWithAHint_AndLoadsWithTheModulePrefixStripped()
    {
        AssertFixtureHash("torch_dataparallel.safetensors");
        var model = new NamedMlp(seed: 1, maxBatch: Samples);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, Fixture("torch_dataparallel.safetensors")));
        Assert.Contains("unexpected tensor(s) 'module.fc1.weight'", e.Message);
        Assert.Contains("StripPrefix = \"module.\"", e.Message);

        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Fixture("torch_dataparallel.safetensors"), new WeightsLoadOptions { StripPrefix = "module." });

        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "head.weight", "head.bias" }, result.Loaded);
        CompareLogits(model, "dataparallel.logits");
    }

    [Fact]
    public void DataParallelStateDict_LoadsUnderAnotherModule_WithStripAndAddPrefix()
    {
        var model = new BackboneMlp(seed: 1, maxBatch: Samples);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, Fixture("torch_dataparallel.safetensors"), new WeightsLoadOptions { StripPrefix = "module." }));
        Assert.Contains("(after remapping: 'fc1.weight'", e.Message);
        Assert.Contains("AddPrefix = \"backbone.\"", e.Message);

        ModelWeights.Load(model.Parameters, Fixture("torch_dataparallel.safetensors"), new WeightsLoadOptions { StripPrefix = "module.", AddPrefix = "backbone." });

        CompareLogits(model, "dataparallel.logits");
    }

    [Fact]
    public void TwoKeysMappedToOneName_AreRefused()
    {
        var model = new NamedMlp(seed: 1, maxBatch: Samples);
        var map = new Dictionary<string, string> { ["module.norm.bias"] = "fc1.bias" };

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, Fixture("torch_dataparallel.safetensors"), new WeightsLoadOptions { StripPrefix = "module.", KeyMap = map }));

        Assert.Contains("tensors 'module.fc1.bias' and 'module.norm.bias' both map to 'fc1.bias'", e.Message);
    }

    [Theory]
    [InlineData("f16", "F16")]
    [InlineData("bf16", "BF16")]
    [InlineData("f64", "F64")]
    public void OtherFloatTypes_ConvertAsPyTorchsFloat_AndGivePyTorchsLogits(string tag, string dtype)
    {
        string file = $"torch_bnmlp_{tag}.safetensors";
        AssertFixtureHash(file);
        using (SafeTensorsReader reader = SafeTensorsReader.Open(Fixture(file)))
        {
            Assert.Equal(dtype, reader.Tensors.Single(t => t.Name == "fc1.weight").DType);
            Assert.Equal("I64", reader.Tensors.Single(t => t.Name == "bn.num_batches_tracked").DType);
        }

        var model = new BatchNormMlp(seed: 1, maxBatch: Samples);

        WeightsLoadResult result = ModelWeights.Load(model.Parameters, Fixture(file));

        string[] floats = ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "head.weight", "head.bias", "bn.running_mean", "bn.running_var"];
        Assert.Equal(floats, result.Converted);
        Dictionary<string, float[]> state = FloatState(model.Parameters);
        foreach (string name in floats)
        {
            Assert.Equal(Expected($"{tag}.{name}").Values, state[name]);
        }

        Assert.Equal(3, model.Parameters.CountersOf(model.Parameters.Buffers.Single(b => b.Name == "bn.num_batches_tracked"))[0]);
        CompareLogits(model, $"{tag}.logits");
    }

    [Fact]
    public void OtherFloatTypes_AreRefusedWithoutConversion_AndTheModelIsUnchanged()
    {
        var model = new BatchNormMlp(seed: 1, maxBatch: Samples);
        float[] before = model.Parameters.Values.ToArray();

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, Fixture("torch_bnmlp_bf16.safetensors"), new WeightsLoadOptions { ConvertFloatTypes = false }));

        Assert.Contains("tensor 'fc1.weight' has dtype BF16; the model's parameters are F32 (WeightsLoadOptions.ConvertFloatTypes converts F16, BF16 and F64)", e.Message);
        Assert.Equal(before, model.Parameters.Values.ToArray());
    }

    [Theory]
    [InlineData(FloatDType.F16, "edges.f16_bits")]
    [InlineData(FloatDType.BF16, "edges.bf16_bits")]
    public void HalfAndBFloat16Rounding_IsPyTorchsOnTheEdgeCases(FloatDType dtype, string expectedBits)
    {
        // Ties to even, the ends of each range, subnormals, infinities and NaN, as torch's .half() and .bfloat16() give them.
        float[] edges = Expected("edges").Values;
        float[] bits = Expected(expectedBits).Values;
        byte[] written = new byte[2 * edges.Length];

        FloatConversion.FromSingles(edges, dtype, written);

        for (int i = 0; i < edges.Length; i++)
        {
            ushort expected = (ushort)(short)bits[i];
            ushort actual = BitConverter.ToUInt16(written, 2 * i);
            if (float.IsNaN(edges[i]))
            {
                // Any NaN is right: torch 1.13's vectorized path writes 0xFFFF, its scalar c10::BFloat16 0x7FC0 (ours).
                Assert.True(dtype == FloatDType.F16 ? Half.IsNaN(BitConverter.UInt16BitsToHalf(actual)) : float.IsNaN(BitConverter.Int32BitsToSingle(actual << 16)));
                continue;
            }

            Assert.True(expected == actual, $"{edges[i]:R} ({BitConverter.SingleToUInt32Bits(edges[i]):X8}) became {actual:X4} as {dtype}; PyTorch gives {expected:X4}");
        }

        float[] readBack = new float[edges.Length];
        FloatConversion.ToSingles(dtype == FloatDType.F16 ? "F16" : "BF16", written, readBack);
        for (int i = 0; i < edges.Length; i++)
        {
            if (float.IsNaN(edges[i]))
            {
                Assert.True(float.IsNaN(readBack[i]));
                continue;
            }

            float exact = dtype == FloatDType.F16 ? (float)BitConverter.UInt16BitsToHalf((ushort)(short)bits[i]) : BitConverter.Int32BitsToSingle((ushort)(short)bits[i] << 16);
            Assert.Equal(BitConverter.SingleToUInt32Bits(exact), BitConverter.SingleToUInt32Bits(readBack[i]));
        }
    }

    /// <summary>BatchNormMlp(seed: 7) with running statistics away from their initial 0 and 1 and a batch count of 3.</summary>
    private static BatchNormMlp StaticGradModel()
    {
        var model = new BatchNormMlp(seed: 7, maxBatch: Samples);
        ParameterSet p = model.Parameters;
        Span<float> mean = p.ValuesOf(p.Buffers.Single(b => b.Name == "bn.running_mean"));
        Span<float> variance = p.ValuesOf(p.Buffers.Single(b => b.Name == "bn.running_var"));
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = 0.3f + (0.0137f * i);
            variance[i] = 0.21f + (0.0711f * i);
        }

        p.CountersOf(p.Buffers.Single(b => b.Name == "bn.num_batches_tracked"))[0] = 3;
        return model;
    }

    [Fact]
    public void AFileWithoutNumBatchesTracked_LoadsWithTheCounterAtZero_AsPyTorchsStrictLoad()
    {
        // PyTorch 1.13's load_state_dict(strict=True) fills a missing num_batches_tracked with 0 when the state_dict has
        // no version metadata, and a safetensors file has none.
        BatchNormMlp source = StaticGradModel();
        var writer = new SafeTensorsWriter();
        foreach (ParameterTensor tensor in source.Parameters.Tensors)
        {
            writer.Add(tensor.Name, source.Parameters.ValuesOf(tensor), tensor.Shape.ToArray());
        }

        foreach (BufferTensor buffer in source.Parameters.Buffers.Where(b => b.Name != "bn.num_batches_tracked"))
        {
            writer.Add(buffer.Name, source.Parameters.ValuesOf(buffer), buffer.Shape.ToArray());
        }

        var model = StaticGradModel();
        WeightsLoadResult result = ModelWeights.Load(model.Parameters, new MemoryStream(writer.ToArray()), "no counter");

        Assert.Empty(result.Missing);
        Assert.DoesNotContain("bn.num_batches_tracked", result.Loaded);
        Assert.Equal(0, model.Parameters.CountersOf(model.Parameters.Buffers.Single(b => b.Name == "bn.num_batches_tracked"))[0]);
        Assert.Equal(source.Parameters.BufferValues.ToArray(), model.Parameters.BufferValues.ToArray());

        // Any other missing tensor is still refused.
        var partial = new SafeTensorsWriter();
        partial.Add("bn.running_mean", source.Parameters.ValuesOf(source.Parameters.Buffers.Single(b => b.Name == "bn.running_mean")), [source.Parameters.Buffers.Single(b => b.Name == "bn.running_mean").Shape[0]]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(model.Parameters, new MemoryStream(partial.ToArray()), "partial"));
        Assert.DoesNotContain("num_batches_tracked", e.Message.Split("The model's tensors")[0]);
    }

    [Theory]
    [InlineData("f32", FloatDType.F32)]
    [InlineData("f16", FloatDType.F16)]
    [InlineData("bf16", FloatDType.BF16)]
    public void SavedFloatTypes_ArePyTorchsRounding_AndLoadIntoPyTorchWithTheSameLogits(string tag, FloatDType dtype)
    {
        BatchNormMlp model = StaticGradModel();
        using var stream = new MemoryStream();
        ModelWeights.Save(model.Parameters, stream, dtype: dtype);
        byte[] written = stream.ToArray();
        string committed = Fixture($"staticgrad_bnmlp_{tag}.safetensors");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(RepoPaths.Root, "Runtime.Tests", "Golden", $"staticgrad_bnmlp_{tag}.safetensors"), written);
            File.WriteAllBytes(committed, written);
        }

        // The bytes PyTorch checked against its own .half()/.bfloat16() and loaded are what Save writes today.
        Assert.Equal(File.ReadAllBytes(committed), written);
        AssertFixtureHash($"staticgrad_bnmlp_{tag}.safetensors");

        // Loading the file back gives the rounded values: float(half(x)) or float(bfloat16(x)); counters stay exact.
        var reloaded = new BatchNormMlp(seed: 1, maxBatch: Samples);
        WeightsLoadResult result = ModelWeights.Load(reloaded.Parameters, new MemoryStream(written), "written");
        Assert.Equal(dtype == FloatDType.F32 ? 0 : 8, result.Converted.Count);
        Dictionary<string, float[]> original = FloatState(model.Parameters);
        foreach ((string name, float[] values) in FloatState(reloaded.Parameters))
        {
            float[] rounded = original[name].Select(x => dtype switch
            {
                FloatDType.F16 => (float)(Half)x,
                FloatDType.BF16 => BitConverter.Int32BitsToSingle(FloatConversion.ToBFloat16(x) << 16),
                _ => x,
            }).ToArray();
            Assert.Equal(rounded, values);
        }

        Assert.Equal(3, reloaded.Parameters.CountersOf(reloaded.Parameters.Buffers.Single(b => b.Name == "bn.num_batches_tracked"))[0]);
        CompareLogits(reloaded, $"staticgrad_{tag}.logits");
    }

    /// <summary>Prints every tensor <c>scripts/pytorch_safetensors.py</c>'s <c>load_file</c> reads: its name, NumPy dtype and values (floats as float32 bits).</summary>
    private const string PrintWithTheNumPyReader = """
        import sys
        sys.path.insert(0, sys.argv[1])
        import numpy as np
        from pytorch_safetensors import load_file
        tensors, metadata = load_file(sys.argv[2])
        for name, array in tensors.items():
            flat = np.ascontiguousarray(array).reshape(-1)
            values = flat.astype(np.float32).view(np.uint32) if flat.dtype.kind == "f" else flat
            print(name, flat.dtype, " ".join(str(int(v)) for v in values))
        """;

    [NumPyTheory]
    [InlineData(FloatDType.F32, "float32")]
    [InlineData(FloatDType.F16, "float16")]
    [InlineData(FloatDType.BF16, "float32")]
    public void TheNumPyReaderInScripts_ReadsEveryFloatTypeStaticGradWrites(FloatDType dtype, string numPyType)
    {
        // docs/checkpoints.md offers scripts/pytorch_safetensors.py to read StaticGrad's files without the safetensors
        // package; NumPy has no bfloat16, so BF16 comes back widened to float32, exactly.
        BatchNormMlp model = StaticGradModel();
        string file = Path.Combine(Path.GetTempPath(), $"staticgrad-numpy-reader-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelWeights.Save(model.Parameters, file, dtype: dtype);
            (int exitCode, string printed, string error) = DebianPython.Run("-c", PrintWithTheNumPyReader, Path.Combine(RepoPaths.Root, "scripts"), file);
            Assert.True(exitCode == 0, error);

            var reloaded = new BatchNormMlp(seed: 1, maxBatch: Samples);
            ModelWeights.Load(reloaded.Parameters, file);
            Dictionary<string, float[]> expected = FloatState(reloaded.Parameters);
            var seen = new List<string>();
            foreach (string line in printed.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] fields = line.Split(' ');
                seen.Add(fields[0]);
                if (fields[0] == "bn.num_batches_tracked")
                {
                    Assert.Equal(["int64", "3"], fields[1..]);
                    continue;
                }

                Assert.Equal(numPyType, fields[1]);
                Assert.Equal(expected[fields[0]].Select(v => BitConverter.SingleToUInt32Bits(v)), fields[2..].Select(uint.Parse));
            }

            Assert.Equal(StateEntry.Of(model.Parameters).Select(e => e.Name).Order(), seen.Order());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [NumPyFact]
    public void TheNumPyReaderInScripts_RefusesAnUnknownDtypeNamingIt()
    {
        string file = Path.Combine(Path.GetTempPath(), $"staticgrad-numpy-reader-{Guid.NewGuid():N}.safetensors");
        try
        {
            byte[] header = System.Text.Encoding.UTF8.GetBytes("""{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""");
            File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, 1, 2]);

            (int exitCode, _, string error) = DebianPython.Run("-c", PrintWithTheNumPyReader, Path.Combine(RepoPaths.Root, "scripts"), file);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("ValueError: " + file + ": tensor 'w' has dtype 'F8_E4M3'; this reader knows F32, F64, F16, BF16, I64, I32, U8", error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
