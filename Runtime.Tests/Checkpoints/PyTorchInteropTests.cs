using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>
/// Weights travel both ways with PyTorch (fixtures from scripts/pytorch_safetensors.py, PyTorch 1.13):
/// StaticGrad loads PyTorch's <c>state_dict</c> files and computes PyTorch's logits, and PyTorch loads
/// the files StaticGrad writes with <c>load_state_dict(strict=True)</c> and computes StaticGrad's logits.
/// </summary>
public sealed class PyTorchInteropTests(ITestOutputHelper output)
{
    private const int Samples = 32;
    private const float Tolerance = 1e-6f;

    private static string Golden => Path.Combine(AppContext.BaseDirectory, "Golden");

    private static IModel Create(string name, int seed) => name == "mlp128" ? new MnistClassifier128(seed, Samples) : new MnistClassifier256(seed, Samples);

    private static (float[] Inputs, float[] Logits, IReadOnlyDictionary<string, string> Metadata) Fixture(string logitsName)
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(Path.Combine(Golden, "interop_logits.safetensors"));
        Assert.True(reader.TryGetTensor("inputs", out SafeTensorInfo inputs));
        Assert.True(reader.TryGetTensor(logitsName, out SafeTensorInfo logits));
        Assert.Equal(new long[] { Samples, 784 }, inputs.Shape);
        Assert.Equal(new long[] { Samples, 10 }, logits.Shape);
        float[] x = new float[inputs.ElementCount];
        float[] y = new float[logits.ElementCount];
        reader.ReadSingles(inputs, x);
        reader.ReadSingles(logits, y);
        return (x, y, reader.Metadata);
    }

    private float CompareLogits(IModel model, float[] inputs, float[] expected, string what)
    {
        float[] logits = new float[Samples * 10];
        model.Forward(inputs, logits, Samples);
        float worst = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(logits[i] - expected[i]));
        }

        output.WriteLine($"{what}: max |logit difference| over {Samples} digits x 10 classes = {worst:E2}");
        Assert.True(worst <= Tolerance, $"{what}: logits differ by up to {worst}");
        return worst;
    }

    [Fact]
    public void Inputs_AreTheFirstTestDigits()
    {
        (float[] inputs, _, _) = Fixture("torch_mlp128.logits");
        (Data.MnistDataset _, Data.MnistDataset test) = Data.MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);

        Assert.Equal(test.Images[..(Samples * 784)].ToArray(), inputs);
    }

    [Theory]
    [InlineData("mlp128")]
    [InlineData("mlp256")]
    public void PyTorchWeights_LoadIntoStaticGrad_AndGiveThePyTorchLogits(string name)
    {
        string path = Path.Combine(Golden, $"torch_{name}.safetensors");
        (float[] inputs, float[] expected, IReadOnlyDictionary<string, string> metadata) = Fixture($"torch_{name}.logits");
        Assert.Equal(metadata[$"torch_{name}.sha256"], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        IModel model = Create(name, seed: 0);

        WeightsLoadResult result = ModelWeights.Load(model.Parameters, path);

        Assert.Equal(4, result.Loaded.Count);
        CompareLogits(model, inputs, expected, $"PyTorch-written {name} weights, StaticGrad logits vs PyTorch logits");
    }

    [Theory]
    [InlineData("mlp128")]
    [InlineData("mlp256")]
    public void StaticGradWeights_LoadIntoPyTorch_AndGiveTheStaticGradLogits(string name)
    {
        // The file PyTorch loaded is exactly what ModelWeights.Save writes today for this model.
        IModel model = Create(name, seed: 7);
        using var stream = new MemoryStream();
        ModelWeights.Save(model.Parameters, stream, new Dictionary<string, string> { ["model"] = name });
        byte[] written = stream.ToArray();
        string committed = Path.Combine(Golden, $"staticgrad_{name}.safetensors");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(RepoPaths.Root, "Runtime.Tests", "Golden", $"staticgrad_{name}.safetensors"), written);
            File.WriteAllBytes(committed, written);
        }

        Assert.Equal(File.ReadAllBytes(committed), written);
        (float[] inputs, float[] expected, IReadOnlyDictionary<string, string> metadata) = Fixture($"staticgrad_{name}.logits");
        Assert.Equal(metadata[$"staticgrad_{name}.sha256"], Convert.ToHexStringLower(SHA256.HashData(written)));

        CompareLogits(model, inputs, expected, $"StaticGrad-written {name} weights, PyTorch logits (load_state_dict strict) vs StaticGrad logits");
    }
}
