using System.Linq;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The generated model summary (torchinfo's <c>summary</c>): rows, shapes, counts, totals and arena sizes.</summary>
public sealed class ModelSummaryTests
{
    [Fact]
    public void TheSeedModelsSummary_ListsBothLayers_And101770Parameters()
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 64);
        ModelSummary summary = model.Summary;
        Assert.Equal("MnistClassifier128", summary.ModelName);
        Assert.Equal(784, summary.InputFeatures);
        Assert.Equal(["fc1", "fc2"], summary.Layers.Select(l => l.Name));
        Assert.Equal([128, 10], summary.Layers.Select(l => l.OutputFeatures));
        Assert.Equal([100_480, 1_290], summary.Layers.Select(l => l.Parameters));
        Assert.Equal("Linear 784 -> 128, ReLU", summary.Layers[0].Description);
        Assert.Equal(101_770, summary.TotalParameters);
        Assert.Equal(model.Parameters.Count, summary.TotalParameters);
        Assert.Equal(0, summary.TotalBuffers);
        Assert.Equal(8L * 101_770, summary.ParameterBytes);
        Assert.True(summary.TrainingArenaBytes > 4L * 64 * (128 + 10), $"training arena {summary.TrainingArenaBytes} bytes");
        Assert.True(summary.InferenceArenaBytes >= 4L * 64 * 128, $"inference arena {summary.InferenceArenaBytes} bytes");

        string text = summary.ToString();
        Assert.Contains("Total params: 101,770", text);
        Assert.Contains("[64, 784]", text);
        Assert.Contains("fc1: Linear 784 -> 128, ReLU", text);
        Assert.Contains("100,480", text);
    }

    [Fact]
    public void TheDeclaredOutputSoftmaxOrLogSoftmax_IsInTheLastLayersRow()
    {
        // Not graph nodes, but layers a torchinfo summary lists (nn.Softmax, nn.LogSoftmax): they share the producer's row.
        Assert.Equal("Linear 5 -> 4, Softmax", new SoftmaxInferenceModel(seed: 1, maxBatch: 2).Summary.Layers[^1].Description);
        Assert.Equal("Linear 5 -> 4, LogSoftmax", new LogSoftmaxInferenceModel(seed: 1, maxBatch: 2).Summary.Layers[^1].Description);
        Assert.Equal("Linear 5 -> 4, LogSoftmax", new NllModel(seed: 1, maxBatch: 2).Summary.Layers[^1].Description);
    }

    [Fact]
    public void ABatchNormModelsSummary_CountsItsBuffers_AndTheArenaScalesWithMaxBatch()
    {
        var small = new BatchNormNet(seed: 1, maxBatch: 8);
        var large = new BatchNormNet(seed: 1, maxBatch: 16);
        Assert.Equal(2 * small.Summary.TrainingArenaBytes, large.Summary.TrainingArenaBytes);
        Assert.Equal(small.Parameters.BufferValues.Length + small.Parameters.Counters.Length, small.Summary.TotalBuffers);
        Assert.Equal(BatchNormNet.ParameterCount, small.Summary.TotalParameters);
        Assert.Contains("BatchNorm1d(8", small.Summary.Layers.Single(l => l.Name == "bn1").Description);
        Assert.Equal(8 + 8 + 1, small.Summary.Layers.Single(l => l.Name == "bn1").Buffers);
    }

    [Fact]
    public void AConvolutionalModelsSummary_PrintsImageShapes_AndPyTorchsNumbers()
    {
        var model = new NormalizedCnn(seed: 1, maxBatch: 32);
        ModelSummary summary = model.Summary;
        Assert.Equal([1, 28, 28], summary.InputShape);
        Assert.Equal(784, summary.InputFeatures);
        LayerSummary conv1 = summary.Layers.Single(l => l.Name == "conv1");
        Assert.Equal([6, 28, 28], conv1.OutputShape);
        Assert.Equal(6 * 28 * 28, conv1.OutputFeatures);
        Assert.Equal([400], summary.Layers.Single(l => l.Name == "flatten").OutputShape);

        string text = summary.ToString();
        Assert.Contains("[32, 1, 28, 28]", text);
        Assert.Contains("[32, 16, 5, 5]", text);
        Assert.Contains("BatchNorm2d(6, eps=1e-05, momentum=0.1), ReLU", text);
        Assert.Contains("Dropout(p=0.25), identity in eval mode", text);

        // The convolutions' scratch, allocated with the model whatever the batch, is part of its memory (it was left out).
        Assert.Equal(4L * (model.Conv1.Workspace.Length + model.Conv2.Workspace.Length), summary.WorkspaceBytes);
        Assert.True(summary.WorkspaceBytes > 0);
        Assert.Contains($"Kernel workspaces: {summary.WorkspaceBytes / 1e6:F2} MB ({summary.WorkspaceBytes:N0} bytes) (the convolutions' scratch; as much again per thread running Forward)", text, System.StringComparison.Ordinal);
        Assert.DoesNotContain("Kernel workspaces", new MnistClassifier128(seed: 1, maxBatch: 4).Summary.ToString(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void ABranchedModelsSummary_NamesWhatEachBranchAndJoinReads()
    {
        ModelSummary summary = new ResNetDownsampleCnn(seed: 1, maxBatch: 4).Summary;
        Assert.Equal("from stem_bn, Conv2d(4, 8, kernel_size=1, stride=2, bias=False)", summary.Layers.Single(l => l.Name == "shortcut").Description);
        Assert.Equal("Add (with bn2)", summary.Layers.First(l => l.Name == "block").Description);
        Assert.Equal("Conv2d(4, 8, kernel_size=3, stride=2, padding=1, bias=False)", summary.Layers.Single(l => l.Name == "conv1").Description);
    }

    [Fact]
    public void ShapesMustHavePositiveDimensions()
    {
        Assert.Equal("outputShape", Assert.Throws<System.ArgumentException>(() => new LayerSummary("fc1", "Linear", System.Array.Empty<int>(), 0, 0)).ParamName);
        Assert.Equal("outputShape", Assert.Throws<System.ArgumentException>(() => new LayerSummary("fc1", "Linear", new[] { 4, 0 }, 0, 0)).ParamName);
        Assert.Equal("inputShape", Assert.Throws<System.ArgumentException>(() => new ModelSummary("M", new[] { -1 }, [new LayerSummary("fc1", "Linear", 4, 0, 0)], 1, 0, 0)).ParamName);
        Assert.Equal([3, 2], new LayerSummary("c", "Conv2d", new[] { 3, 2 }, 0, 0).OutputShape);
    }

    [Fact]
    public void FrozenParameters_AreCountedInTheTotal_AndReportedAsNonTrainable_AsTorchinfoDoes()
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 4);
        model.Parameters.Freeze("fc2");
        string text = model.Summary.ToString(model.Parameters);
        Assert.Contains("Total params: 101,770\nTrainable params: 100,480\nNon-trainable params: 1,290\n", text, System.StringComparison.Ordinal);
        Assert.Equal(101_770, model.Summary.TotalParameters);
        Assert.DoesNotContain("Trainable params", model.Summary.ToString(), System.StringComparison.Ordinal);
        var other = new ParameterSet([new ParameterTensor("w", 0, [3], 3)]);
        Assert.Equal("parameters", Assert.Throws<System.ArgumentException>(() => model.Summary.ToString(other)).ParamName);
    }

    [Fact]
    public void BadConstructorArguments_AreArgumentErrors_NotOverflowOrNullReference()
    {
        // These were an OverflowException, a NullReferenceException later from TotalParameters, and TrainingArenaBytes == -4.
        var tooLarge = Assert.Throws<System.ArgumentException>(() => new LayerSummary("a", "b", new[] { 65536, 65536 }, 0, 0));
        Assert.Equal("outputShape", tooLarge.ParamName);
        Assert.Contains("[65536, 65536] has more than 2147483647 values per sample", tooLarge.Message, System.StringComparison.Ordinal);
        LayerSummary[] layers = [new LayerSummary("fc1", "Linear", 4, 0, 0)];
        Assert.Equal("inputShape", Assert.Throws<System.ArgumentException>(() => new ModelSummary("M", new[] { 65536, 65536 }, layers, 1, 0, 0)).ParamName);
        var missing = Assert.Throws<System.ArgumentException>(() => new ModelSummary("M", 3, [layers[0], null!], 1, 0, 0));
        Assert.Equal("layers", missing.ParamName);
        Assert.Contains("layers[1] is null", missing.Message, System.StringComparison.Ordinal);
        Assert.Equal("trainingArenaFloats", Assert.Throws<System.ArgumentOutOfRangeException>(() => new ModelSummary("M", 3, layers, 1, long.MaxValue / 2, 0)).ParamName);
        Assert.Equal("inferenceArenaFloats", Assert.Throws<System.ArgumentOutOfRangeException>(() => new ModelSummary("M", 3, layers, 1, 0, -1)).ParamName);
        Assert.Equal("workspaceFloats", Assert.Throws<System.ArgumentOutOfRangeException>(() => new ModelSummary("M", 3, layers, 1, 0, 0, -1)).ParamName);
        Assert.Equal(long.MaxValue / 4 * 4, new ModelSummary("M", 3, layers, 1, long.MaxValue / 4, 0).TrainingArenaBytes);
    }
}
