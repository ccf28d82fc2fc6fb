using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Runtime.Tests.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>Training resumed from a checkpoint ends bit-identical to an uninterrupted run.</summary>
public sealed class ResumeTests : IDisposable
{
    private static readonly Lazy<(MnistDataset Train, MnistDataset Test)> s_subset = new(LoadSubset);
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>600 training digits (9 full batches of 64 and one of 24) and 200 test digits.</summary>
    private static (MnistDataset Train, MnistDataset Test) LoadSubset()
    {
        string dir = RepoPaths.MnistDataDirectory;
        (byte[] trainPixels, _, _, _) = IdxReader.ReadImages(Path.Combine(dir, "train-images-idx3-ubyte.gz"));
        byte[] trainLabels = IdxReader.ReadLabels(Path.Combine(dir, "train-labels-idx1-ubyte.gz"));
        (byte[] testPixels, _, _, _) = IdxReader.ReadImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        byte[] testLabels = IdxReader.ReadLabels(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        return (
            new MnistDataset(trainPixels.AsSpan(0, 600 * 784), trainLabels.AsSpan(0, 600), 28, 28),
            new MnistDataset(testPixels.AsSpan(0, 200 * 784), testLabels.AsSpan(0, 200), 28, 28));
    }

    public static TheoryData<string> Optimizers => new() { "adam", "adamw", "sgd-momentum", "sgd-nesterov", "sgd" };

    private static IStatefulOptimizer CreateOptimizer(string kind, ParameterSet p) => kind switch
    {
        "adam" => new Adam(p, 1e-3f),
        "adamw" => new AdamW(p, 1e-3f, weightDecay: 0.01f, amsgrad: true),
        "sgd-momentum" => new Sgd(p, 0.05f, momentum: 0.9f, dampening: 0.1f, weightDecay: 1e-4f),
        "sgd-nesterov" => new Sgd(p, 0.05f, momentum: 0.9f, nesterov: true),
        "sgd" => new Sgd(p, 0.1f),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void OneEpochSaveResumeTwo_EqualsThreeStraight_BitForBit(string kind)
    {
        (MnistDataset train, MnistDataset test) = s_subset.Value;

        var straightModel = new MnistClassifier128(seed: 1, maxBatch: 64);
        IStatefulOptimizer straightOptimizer = CreateOptimizer(kind, straightModel.Parameters);
        var straight = new Trainer(straightModel, straightOptimizer, train, test, batchSize: 64, shuffleSeed: 7);
        EpochResult[] straightEpochs = [straight.RunEpoch(), straight.RunEpoch(), straight.RunEpoch()];

        var firstModel = new MnistClassifier128(seed: 1, maxBatch: 64);
        var first = new Trainer(firstModel, CreateOptimizer(kind, firstModel.Parameters), train, test, batchSize: 64, shuffleSeed: 7);
        EpochResult firstEpoch = first.RunEpoch();
        string path = _files.PathOf("run.safetensors");
        first.SaveCheckpoint(path);

        // A new process: other initial weights, another shuffle seed; everything comes from the file.
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        var resumedModel = new MnistClassifier128(seed: 12345, maxBatch: 64);
        IStatefulOptimizer resumedOptimizer = checkpoint.Optimizer.CreateOptimizer(resumedModel.Parameters);
        var resumed = new Trainer(resumedModel, resumedOptimizer, train, test, batchSize: 64, shuffleSeed: 999);
        resumed.Resume(checkpoint);
        Assert.Equal((1, 10L), (resumed.EpochsCompleted, resumed.StepsCompleted));
        EpochResult[] resumedEpochs = [resumed.RunEpoch(), resumed.RunEpoch()];

        Assert.Equal(straightEpochs[0].MeanLoss, firstEpoch.MeanLoss);
        Assert.Equal(new[] { 2, 3 }, resumedEpochs.Select(e => e.Epoch));
        Assert.Equal(straightEpochs.Skip(1).Select(e => (e.MeanLoss, e.TestAccuracy)), resumedEpochs.Select(e => (e.MeanLoss, e.TestAccuracy)));
        Assert.Equal(ModelWeightsTests.Bits(straightModel.Parameters), ModelWeightsTests.Bits(resumedModel.Parameters));
        Assert.Equal(30, resumedOptimizer.StepCount);
        OptimizerState a = straightOptimizer.ExportState();
        OptimizerState b = resumedOptimizer.ExportState();
        Assert.Equal(a.Buffers.Count, b.Buffers.Count);
        for (int i = 0; i < a.Buffers.Count; i++)
        {
            Assert.True(MemoryMarshal.AsBytes(a.Buffers[i].Value.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.Buffers[i].Value.AsSpan())), $"buffer {a.Buffers[i].Key} differs");
        }
    }

    [Fact]
    public void AModelWithDropout_ResumesWithTheSameMasks_BitForBit()
    {
        (MnistDataset train, MnistDataset test) = s_subset.Value;
        var straightModel = new ResidualMlp(seed: 3, maxBatch: 64);
        var straight = new Trainer(straightModel, new Adam(straightModel.Parameters, 1e-3f), train, test, batchSize: 64, shuffleSeed: 7);
        EpochResult[] straightEpochs = [straight.RunEpoch(), straight.RunEpoch()];

        var firstModel = new ResidualMlp(seed: 3, maxBatch: 64);
        var first = new Trainer(firstModel, new Adam(firstModel.Parameters, 1e-3f), train, test, batchSize: 64, shuffleSeed: 7);
        first.RunEpoch();
        string path = _files.PathOf("dropout.safetensors");
        first.SaveCheckpoint(path);

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        Assert.True(checkpoint.Metadata.ContainsKey(Trainer.DropoutStateKey));
        var resumedModel = new ResidualMlp(seed: 99, maxBatch: 64);
        var resumed = new Trainer(resumedModel, checkpoint.Optimizer.CreateOptimizer(resumedModel.Parameters), train, test, batchSize: 64, shuffleSeed: 1);
        resumed.Resume(checkpoint);
        EpochResult second = resumed.RunEpoch();

        Assert.Equal(straightEpochs[1].MeanLoss, second.MeanLoss);
        Assert.Equal(ModelWeightsTests.Bits(straightModel.Parameters), ModelWeightsTests.Bits(resumedModel.Parameters));
        Assert.Equal(straightModel.DropoutGenerator.GetState(), resumedModel.DropoutGenerator.GetState());
    }

    [Fact]
    public void Resume_WithAnotherBatchSizeOrTrainingSet_IsRefused_AndNothingChanges()
    {
        (MnistDataset train, MnistDataset test) = s_subset.Value;
        var model = new MnistClassifier128(seed: 1, maxBatch: 64);
        var trainer = new Trainer(model, new Adam(model.Parameters), train, test, batchSize: 64, shuffleSeed: 7);
        trainer.RunEpoch();
        TrainingCheckpoint checkpoint = trainer.CreateCheckpoint();

        var other = new MnistClassifier128(seed: 2, maxBatch: 64);
        var otherAdam = new Adam(other.Parameters);
        byte[] before = ModelWeightsTests.Bits(other.Parameters);
        var smallerBatch = new Trainer(other, otherAdam, train, test, batchSize: 32, shuffleSeed: 7);
        Assert.Contains("batch size 64; this trainer uses 32", Assert.Throws<InvalidDataException>(() => smallerBatch.Resume(checkpoint)).Message);
        var lessData = new Trainer(other, otherAdam, test, test, batchSize: 64, shuffleSeed: 7);
        Assert.Contains("600 training samples; this trainer has 200", Assert.Throws<InvalidDataException>(() => lessData.Resume(checkpoint)).Message);
        var sgdTrainer = new Trainer(other, new Sgd(other.Parameters, 0.1f), train, test, batchSize: 64, shuffleSeed: 7);
        Assert.Throws<InvalidDataException>(() => sgdTrainer.Resume(checkpoint));

        Assert.Equal(before, ModelWeightsTests.Bits(other.Parameters));
        Assert.Equal(0, otherAdam.StepCount);
        Assert.Equal(0, smallerBatch.EpochsCompleted);
    }
}
