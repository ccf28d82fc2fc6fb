using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Checkpoints;

public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>An mlp128 with Adam (AMSGrad) after two steps on synthetic gradients.</summary>
    internal static (MnistClassifier128 Model, Adam Optimizer) TrainedPair(int seed = 1)
    {
        var model = new MnistClassifier128(seed);
        var adam = new Adam(model.Parameters, 2e-3f, amsgrad: true);
        for (int step = 0; step < 2; step++)
        {
            Span<float> g = model.Parameters.Gradients;
            for (int i = 0; i < g.Length; i++)
            {
                g[i] = MathF.Sin((i * 0.01f) + step);
            }

            adam.Step();
        }

        return (model, adam);
    }

    internal static TrainingCheckpoint Capture(MnistClassifier128 model, Adam adam)
        => TrainingCheckpoint.Capture(model.Parameters, adam, new TrainingProgress(3, 2, (0xdeadbeef, 1, 2, 3), 64, 8000), new Dictionary<string, string> { ["model"] = "mlp128", ["seed"] = "1" });

    internal static byte[] CheckpointFile(int seed = 1)
    {
        (MnistClassifier128 model, Adam adam) = TrainedPair(seed);
        using var stream = new MemoryStream();
        Capture(model, adam).WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public void SaveLoadRestore_RoundTripsEverything()
    {
        (MnistClassifier128 model, Adam adam) = TrainedPair();
        string path = _files.PathOf("ck.safetensors");
        Capture(model, adam).Save(path);

        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);

        Assert.Equal(path, loaded.Source);
        Assert.Equal((3, 2L, 64, 8000), (loaded.Progress.EpochsCompleted, loaded.Progress.StepsCompleted, loaded.Progress.BatchSize, loaded.Progress.SampleCount));
        Assert.Equal((0xdeadbeefu, 1u, 2u, 3u), loaded.Progress.ShuffleState);
        Assert.Equal(new Dictionary<string, string> { ["model"] = "mlp128", ["seed"] = "1" }, loaded.Metadata);
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, loaded.ParameterNames);
        Assert.Equal(new[] { 10, 128 }, loaded.ShapeOf("fc2.weight"));
        Assert.Equal("adam", loaded.Optimizer.Algorithm);
        Assert.Equal(2, loaded.Optimizer.StepCount);

        var fresh = new MnistClassifier128(seed: 99);
        IStatefulOptimizer optimizer = loaded.Optimizer.CreateOptimizer(fresh.Parameters);
        loaded.Restore(fresh.Parameters, optimizer);

        Assert.Equal(ModelWeightsTests.Bits(model.Parameters), ModelWeightsTests.Bits(fresh.Parameters));
        OptimizerState a = adam.ExportState();
        OptimizerState b = optimizer.ExportState();
        Assert.Equal(a.StepCount, b.StepCount);
        Assert.Equal(a.LearningRate, b.LearningRate);
        Assert.Equal(a.Settings, b.Settings);
        for (int i = 0; i < a.Buffers.Count; i++)
        {
            Assert.Equal(a.Buffers[i].Key, b.Buffers[i].Key);
            Assert.Equal(MemoryMarshal.AsBytes(a.Buffers[i].Value.AsSpan()).ToArray(), MemoryMarshal.AsBytes(b.Buffers[i].Value.AsSpan()).ToArray());
        }
    }

    [Fact]
    public void File_HoldsTheDocumentedTensorsAndMetadata()
    {
        using SafeTensorsReader reader = SafeTensorsFiles.Open(CheckpointFile());

        Assert.Equal(
            new[]
            {
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                "optimizer.fc1.weight.exp_avg", "optimizer.fc1.weight.exp_avg_sq", "optimizer.fc1.weight.max_exp_avg_sq",
                "optimizer.fc1.bias.exp_avg", "optimizer.fc1.bias.exp_avg_sq", "optimizer.fc1.bias.max_exp_avg_sq",
                "optimizer.fc2.weight.exp_avg", "optimizer.fc2.weight.exp_avg_sq", "optimizer.fc2.weight.max_exp_avg_sq",
                "optimizer.fc2.bias.exp_avg", "optimizer.fc2.bias.exp_avg_sq", "optimizer.fc2.bias.max_exp_avg_sq",
            },
            reader.Tensors.Select(t => t.Name));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["staticgrad.kind"] = "training-checkpoint",
                ["staticgrad.version"] = "1",
                ["training.epoch"] = "3",
                ["training.step"] = "2",
                ["training.batch_size"] = "64",
                ["training.samples"] = "8000",
                ["training.shuffle_state"] = "deadbeef,00000001,00000002,00000003",
                ["optimizer"] = "adam",
                ["optimizer.step"] = "2",
                ["optimizer.lr"] = "0.002",
                ["optimizer.beta1"] = "0.9",
                ["optimizer.beta2"] = "0.999",
                ["optimizer.eps"] = "1E-08",
                ["optimizer.weight_decay"] = "0",
                ["optimizer.amsgrad"] = "true",
                ["model"] = "mlp128",
                ["seed"] = "1",
            },
            reader.Metadata);
    }

    [Fact]
    public void Restore_IntoAnotherOptimizer_IsRefused_AndNothingChanges()
    {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(new MemoryStream(CheckpointFile()), "ck");
        var model = new MnistClassifier128(seed: 5);
        var sgd = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
        byte[] before = ModelWeightsTests.Bits(model.Parameters);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => checkpoint.Restore(model.Parameters, sgd));

        Assert.Contains("ck: the checkpoint does not fit the optimizer", e.Message);
        Assert.Contains("'adam' optimizer; this optimizer is SGD", e.Message);
        Assert.Equal(before, ModelWeightsTests.Bits(model.Parameters));
        Assert.Equal(0, sgd.StepCount);

        var otherAdam = new Adam(model.Parameters, 2e-3f); // no AMSGrad
        Assert.Contains("amsgrad", Assert.Throws<InvalidDataException>(() => checkpoint.Restore(model.Parameters, otherAdam)).Message);
        Assert.Equal(before, ModelWeightsTests.Bits(model.Parameters));
    }

    [Fact]
    public void Restore_IntoAnotherModel_IsRefused_AndNothingChanges()
    {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(new MemoryStream(CheckpointFile()), "ck");
        var model = new MnistClassifier256(seed: 5);
        var adam = new Adam(model.Parameters, 2e-3f, amsgrad: true);
        byte[] before = ModelWeightsTests.Bits(model.Parameters);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => checkpoint.Restore(model.Parameters, adam));

        Assert.Contains("missing tensor(s) 'layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias'; unexpected tensor(s) 'fc1.weight'", e.Message);
        Assert.Equal(before, ModelWeightsTests.Bits(model.Parameters));
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void WeightsFile_IsNotATrainingCheckpoint()
    {
        byte[] weights = ModelWeightsTests.WeightsFile(new MnistClassifier128(1));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(new MemoryStream(weights), "w"));

        Assert.Contains("not a training checkpoint: the file has no 'staticgrad.kind' metadata", e.Message);
    }

    [Theory]
    [InlineData("\"training.epoch\":\"3\"", "\"training.epoch\":\"-3\"", "metadata 'training.epoch' is '-3'; expected an integer in [0, 2147483647]")]
    [InlineData("\"training.epoch\":\"3\"", "\"training.epocx\":\"3\"", "has no 'training.epoch' metadata")]
    [InlineData("\"training.batch_size\":\"64\"", "\"training.batch_size\":\"0\"", "'training.batch_size' is '0'")]
    [InlineData("\"training.shuffle_state\":\"deadbeef,00000001,00000002,00000003\"", "\"training.shuffle_state\":\"00000000,00000000,00000000,00000000\"", "not all zero")]
    [InlineData("\"training.shuffle_state\":\"deadbeef,00000001,00000002,00000003\"", "\"training.shuffle_state\":\"deadbeef,00000001,00000002\"", "four 8-digit hexadecimal words")]
    [InlineData("\"staticgrad.version\":\"1\"", "\"staticgrad.version\":\"2\"", "version '2' is not supported")]
    [InlineData("\"optimizer.lr\":\"0.002\"", "\"optimizer.lr\":\"-1\"", "'optimizer.lr' is '-1'")]
    [InlineData("\"optimizer.fc2.bias.exp_avg\"", "\"optimizer.fc9.bias.exp_avg\"", "optimizer tensor 'optimizer.fc9.bias.exp_avg' does not name a parameter")]
    [InlineData("\"optimizer.lr\":\"0.002\"", "\"optimizer.lr\":\"0.002\",\"optimizer.tensor_steps\":\"1,x,1,1\"", "'optimizer.tensor_steps' is '1,x,1,1'; expected 4 comma-separated integers >= 0")]
    [InlineData("\"optimizer.lr\":\"0.002\"", "\"optimizer.lr\":\"0.002\",\"optimizer.tensor_steps\":\"1,1\"", "'optimizer.tensor_steps' holds 2 counts; the checkpoint has 4 parameter tensors")]
    [InlineData("\"optimizer.lr\":\"0.002\"", "\"optimizer.lr\":\"0.002\",\"optimizer.tensor_steps\":\"1,1,1,9\"", "tensorSteps[3] is 9; expected a count in [0, 2]")]
    [InlineData("\"optimizer.fc2.bias.exp_avg_sq\"", "\"optimizer.fc2.bias.exp_avg_sx\"", "optimizer buffer 'exp_avg_sq' has no tensor for parameter 'fc2.bias'")]
    [InlineData("\"optimizer.beta1\":\"0.9\"", "\"optimizer.beta1\":\"1\"", "ck: The adam optimizer state has an invalid hyperparameter")]
    [InlineData("\"optimizer.eps\":\"1E-08\"", "\"optimizer.eps\":\"-1\"", "ck: The adam optimizer state has an invalid hyperparameter")]
    [InlineData("\"optimizer.amsgrad\":\"true\"", "\"optimizer.amsgrad\":\"maybe\"", "ck: The adam optimizer state's 'amsgrad' setting is 'maybe'; expected true or false")]
    public void MalformedMetadataOrTensors_AreRefused(string from, string to, string expected)
    {
        byte[] file = CheckpointFile();
        string header = SafeTensorsFiles.HeaderOf(file);
        Assert.Contains(from, header);

        InvalidDataException e = Assert.Throws<InvalidDataException>(
            () => TrainingCheckpoint.Read(new MemoryStream(SafeTensorsFiles.WithHeader(file, header.Replace(from, to, StringComparison.Ordinal))), "ck"));

        Assert.Contains(expected, e.Message);
    }

    /// <summary>
    /// A second-moment buffer below zero (damage: a sum of squares) is refused when the checkpoint is read, naming the
    /// tensor; restored, its square root made every parameter NaN at the next step. A custom optimizer's buffers are not
    /// judged by the library's names.
    /// </summary>
    [Fact]
    public void ANegativeSecondMoment_IsRefusedOnLoad_ButACustomAlgorithmsBuffersAreItsOwn()
    {
        (MnistClassifier128 model, Adam adam) = TrainedPair();
        OptimizerState real = adam.ExportState();
        OptimizerState Forged(string algorithm) => new(
            algorithm,
            real.StepCount,
            real.LearningRate,
            real.Settings,
            real.Buffers.Select(b => new KeyValuePair<string, float[]>(b.Key, b.Key == "exp_avg_sq" ? b.Value.Select((v, i) => i == 5 ? -5f : v).ToArray() : b.Value)),
            real.TensorSteps?.ToArray(),
            real.TensorScalars);
        byte[] Written(OptimizerState state)
        {
            using var stream = new MemoryStream();
            TrainingCheckpoint.Capture(model.Parameters, new ExportingOptimizer(model.Parameters, state), new TrainingProgress(1, 1, (1, 2, 3, 4), 64, 64)).WriteTo(stream);
            return stream.ToArray();
        }

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(new MemoryStream(Written(Forged("adam"))), "ck"));
        Assert.Contains("ck: optimizer tensor 'optimizer.fc1.weight.exp_avg_sq' holds -5 at element 5; 'exp_avg_sq' is never negative", e.Message);

        TrainingCheckpoint custom = TrainingCheckpoint.Read(new MemoryStream(Written(Forged("my-adam"))), "ck");
        Assert.Equal(-5f, custom.Optimizer.Buffer("exp_avg_sq")![5]);
    }

    /// <summary>An optimizer that only exports a given state, for checkpoints a real run never writes.</summary>
    private sealed class ExportingOptimizer(ParameterSet parameters, OptimizerState state) : IStatefulOptimizer
    {
        public ParameterSet Parameters => parameters;

        public float LearningRate
        {
            get => state.LearningRate;
            set => throw new NotSupportedException();
        }

        public long StepCount => state.StepCount;

        public void Step() => throw new NotSupportedException();

        public OptimizerState ExportState() => state;

        public void ImportState(OptimizerState imported) => throw new NotSupportedException();
    }

    [Fact]
    public void Capture_RefusesReservedMetadataKeys()
    {
        (MnistClassifier128 model, Adam adam) = TrainedPair();
        var progress = new TrainingProgress(0, 0, (1, 0, 0, 0), 1, 1);
        foreach (string key in new[] { "format", "optimizer", "optimizer.lr", "training.epoch", "staticgrad.kind" })
        {
            Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Capture(model.Parameters, adam, progress, new Dictionary<string, string> { [key] = "x" }));
        }

        var other = new Adam(new MnistClassifier256(1).Parameters);
        Assert.Contains("another ParameterSet", Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Capture(model.Parameters, other, progress)).Message);
    }
}
