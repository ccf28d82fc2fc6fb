using System;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using StaticGrad.Models.Commands;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Runtime.Tests.Onnx;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary><c>train export --weights W --onnx FILE</c>, run in-process: the file ONNX Runtime loads gives the model's logits.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void ExportsSavedCnnWeights_ThatOnnxRuntimeRunsToTheModelsLogits()
    {
        var model = new NormalizedCnn(seed: 4, maxBatch: 3);
        var rng = new Rng(2);
        ModelExportTests.RandomizeRunningStatistics(model.Parameters, rng);

        string weights = _files.PathOf("cnn.safetensors");
        ModelWeights.Save(model.Parameters, weights);
        string onnx = _files.PathOf("cnn.onnx");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = ExportCommand.Run(["--weights", weights, "--onnx", onnx], output, error);

        Assert.True(code == 0, error.ToString());
        Assert.Contains("cnn-bn from", output.ToString());
        float[] images = new float[3 * 784];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = rng.NextSingle(0f, 1f);
        }

        float[] expected = new float[3 * 10];
        model.Forward(images, expected, 3);
        float[] actual = OnnxRunner.RunBatch(File.ReadAllBytes(onnx), images, 3);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"logit {i}: {expected[i]:R} vs {actual[i]:R}");
        }
    }

    [Fact]
    public void MissingWeightsFailWithTheReason_AndWriteNothing()
    {
        string onnx = _files.PathOf("none.onnx");
        var error = new StringWriter();

        int code = ExportCommand.Run(["--weights", _files.PathOf("missing.safetensors"), "--onnx", onnx], new StringWriter(), error);

        Assert.Equal(1, code);
        Assert.Contains("cannot load weights", error.ToString());
        Assert.False(File.Exists(onnx));
    }
}
