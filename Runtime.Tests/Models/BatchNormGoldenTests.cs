using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// BatchNorm1d against PyTorch 1.13 (scripts/golden_batchnorm.py): PyTorch's initial state_dict (running statistics and
/// the I64 batch counter included) loads with ModelWeights.Load; three training steps with SGD give PyTorch's losses,
/// gradients and running statistics; eval mode gives PyTorch's outputs; and the state StaticGrad saves after training
/// loads in PyTorch with <c>load_state_dict(strict=True)</c> to the same eval outputs.
/// </summary>
public sealed class BatchNormGoldenTests
{
    private static readonly GoldenFile Golden = new("batchnorm.json");

    public static TheoryData<string> Cases() => Golden.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThreeTrainingStepsAndEvalOutputsMatchPyTorch(string name)
    {
        JsonElement c = Golden.Case(name);
        IInferenceModel model = Train(name, c);
        Assert.True(c.GetProperty("steps").GetArrayLength() == 3);

        float[] inputs = Floats(c.GetProperty("eval_inputs"));
        float[] outputs = new float[4 * model.OutputSize];
        model.Forward(inputs, outputs, 4);
        AssertClose(Floats(c.GetProperty("eval_outputs")), outputs, $"{name} eval outputs");
    }

    [Fact]
    public void TheStateSavedAfterTraining_LoadsInPyTorchStrictly_ToTheSameEvalOutputs()
    {
        JsonElement c = Golden.Case(nameof(BatchNormNet));
        var model = (BatchNormNet)Train(nameof(BatchNormNet), c);
        using var stream = new MemoryStream();
        ModelWeights.Save(model.Parameters, stream);
        byte[] written = stream.ToArray();
        string committed = Path.Combine(AppContext.BaseDirectory, "Golden", "staticgrad_batchnorm.safetensors");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(RepoPaths.Root, "Runtime.Tests", "Golden", "staticgrad_batchnorm.safetensors"), written);
            File.WriteAllBytes(committed, written);
        }

        Assert.Equal(File.ReadAllBytes(committed), written);
        using (var reader = new SafeTensorsReader(new MemoryStream(written), "saved"))
        {
            Assert.True(reader.TryGetTensor("bn1.num_batches_tracked", out SafeTensorInfo counter));
            Assert.Equal("I64", counter.DType);
            Assert.Empty(counter.Shape);
            Assert.True(reader.TryGetTensor("bn2.running_var", out SafeTensorInfo variance));
            Assert.Equal("F32", variance.DType);
            Assert.False(reader.TryGetTensor("bn2.weight", out _));
        }

        Assert.Equal(5L, model.Bn1.NumBatchesTracked[0]);
        Assert.Equal(5L, c.GetProperty("staticgrad_num_batches_tracked").GetInt64());
        float[] outputs = new float[4 * BatchNormNet.OutputSize];
        model.Forward(Floats(c.GetProperty("eval_inputs")), outputs, 4);
        AssertClose(Floats(c.GetProperty("staticgrad_eval_outputs")), outputs, "PyTorch's eval outputs with StaticGrad's saved state");
    }

    [Fact]
    public void ABatchOfOneInTrainingMode_IsRefusedLikePyTorch_AndChangesNothing()
    {
        JsonElement c = Golden.Case(nameof(BatchNormNet));
        Assert.StartsWith("Expected more than 1 value per channel when training", c.GetProperty("batch_of_one").GetString());
        var model = new BatchNormNet(seed: 1, maxBatch: 8);
        float[] before = model.Parameters.BufferValues.ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new float[6], new[] { 0 }, 1));
        Assert.Equal("batch", e.ParamName);
        Assert.StartsWith("Expected more than 1 value per channel when training, got input size [1, 8]", e.Message);
        Assert.Contains("bn1 (BatchNorm1d)", e.Message);
        Assert.Equal(0L, model.Bn1.NumBatchesTracked[0]);
        Assert.Equal(before, model.Parameters.BufferValues.ToArray());

        model.Mode = ModelMode.Training;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[6], new float[3], 1));
        model.Mode = ModelMode.Evaluation;
        float[] outputs = new float[3];
        model.Forward(new float[6], outputs, 1);
        Assert.All(outputs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ABatchOfOneImageOfOnePixel_IsRefusedWithTheImagesInputSize_LikePyTorch()
    {
        // PyTorch's BatchNorm2d(2) on torch.zeros(1, 2, 1, 1) in training mode: "... got input size torch.Size([1, 2, 1, 1])".
        var model = new BatchNormPixelNet(seed: 1, maxBatch: 4);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new float[2], new[] { 0 }, 1));

        Assert.Equal("batch", e.ParamName);
        Assert.StartsWith("Expected more than 1 value per channel when training, got input size [1, 2, 1, 1]: bn (BatchNorm2d)", e.Message);
        Assert.Equal(0L, model.Bn.NumBatchesTracked[0]);
        model.TrainStep(new float[4], new[] { 0, 1 }, 2);
        Assert.Equal(1L, model.Bn.NumBatchesTracked[0]);
    }

    [Fact]
    public void WithoutRunningStatistics_EvalUsesTheBatchStatistics_AndRefusesABatchOfOneLikePyTorch()
    {
        var model = new BatchNormNoStatsNet(seed: 3, maxBatch: 8);
        Assert.Empty(model.Parameters.Buffers);
        Assert.False(model.Bn.TrackRunningStats);
        float[] inputs = Enumerable.Range(0, 24).Select(i => MathF.Sin(i)).ToArray();
        float[] first = new float[12];
        model.Forward(inputs, first, 4);

        // Batch statistics: changing another sample of the batch changes the first sample's output.
        float[] changed = (float[])inputs.Clone();
        changed[18] += 3f;
        float[] second = new float[12];
        model.Forward(changed, second, 4);
        Assert.NotEqual(first[0], second[0]);

        // PyTorch's eval-mode BatchNorm1d(track_running_stats=False) raises for a batch of one too.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(inputs, new float[3], 1));
        Assert.Equal("batch", e.ParamName);
        Assert.StartsWith("Expected more than 1 value per channel when training, got input size [1, 4]", e.Message);
    }

    /// <summary>Loads PyTorch's initial state and runs the three steps, checking each against the fixture.</summary>
    private static IInferenceModel Train(string name, JsonElement c)
    {
        Type type = typeof(BatchNormGoldenTests).Assembly.GetType($"{typeof(BatchNormGoldenTests).Namespace}.{name}", throwOnError: true)!;
        var model = (IInferenceModel)Activator.CreateInstance(type, 99, 8)!;
        ModelWeights.Load(model.Parameters, Path.Combine(AppContext.BaseDirectory, "Golden", $"batchnorm_{name}.safetensors"));
        var sgd = new Sgd(model.Parameters, 0.1f);
        int step = 0;
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            float[] inputs = Floats(s.GetProperty("inputs"));
            JsonElement targets = s.GetProperty("targets");
            float loss = model switch
            {
                IModel classifier => classifier.TrainStep(inputs, targets.EnumerateArray().Select(t => t.GetInt32()).ToArray(), 7),
                IProbabilityTargetModel regressor => regressor.TrainStep(inputs, Floats(targets), 7),
                _ => throw new InvalidOperationException($"{name} is not trainable."),
            };
            double expectedLoss = s.GetProperty("loss").GetDouble();
            Assert.True(Math.Abs(expectedLoss - loss) <= 1e-5 + (1e-5 * Math.Abs(expectedLoss)), $"{name} step {step} loss: expected {expectedLoss}, got {loss}");
            foreach (JsonProperty gradient in s.GetProperty("gradients").EnumerateObject())
            {
                AssertClose(Floats(gradient.Value), model.Parameters.GradientsOf(model.Parameters[gradient.Name]).ToArray(), $"{name} step {step} {gradient.Name} gradient");
            }

            Assert.Equal(s.GetProperty("gradients").EnumerateObject().Count(), model.Parameters.Tensors.Count);
            sgd.Step();
            var buffers = s.GetProperty("buffers").EnumerateObject().ToList();
            Assert.Equal(buffers.Count, model.Parameters.Buffers.Count);
            foreach (JsonProperty buffer in buffers)
            {
                Assert.True(model.Parameters.TryGetBuffer(buffer.Name, out BufferTensor? tensor), $"{name} has no buffer {buffer.Name}");
                if (tensor.ElementType == BufferElementType.Int64)
                {
                    Assert.Equal(buffer.Value.GetInt64(), model.Parameters.CountersOf(tensor)[0]);
                }
                else
                {
                    AssertClose(Floats(buffer.Value), model.Parameters.ValuesOf(tensor).ToArray(), $"{name} step {step} {buffer.Name}");
                }
            }

            step++;
        }

        return model;
    }

    /// <summary>Elementwise within 1e-5 plus 1e-5 of the tensor's largest magnitude.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= 1e-5 + (1e-5 * scale), $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3})");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
