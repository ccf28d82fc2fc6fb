using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The seed models trained by the package's <see cref="Trainer"/>, resumed from a checkpoint file, end bit-identical to an uninterrupted run.</summary>
public sealed class ResumeTests : IDisposable
{
    private static readonly Lazy<(InMemoryDataset Train, InMemoryDataset Test)> s_subset = new(LoadSubset);
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>600 training digits (9 full batches of 64 and one of 24) and 200 test digits.</summary>
    private static (InMemoryDataset Train, InMemoryDataset Test) LoadSubset()
    {
        string dir = RepoPaths.MnistDataDirectory;
        (byte[] trainPixels, _, _, _) = IdxReader.ReadImages(Path.Combine(dir, "train-images-idx3-ubyte.gz"));
        byte[] trainLabels = IdxReader.ReadLabels(Path.Combine(dir, "train-labels-idx1-ubyte.gz"));
        (byte[] testPixels, _, _, _) = IdxReader.ReadImages(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        byte[] testLabels = IdxReader.ReadLabels(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        return (
            InMemoryDataset.FromMnist(new MnistDataset(trainPixels.AsSpan(0, 600 * 784), trainLabels.AsSpan(0, 600), 28, 28)),
            InMemoryDataset.FromMnist(new MnistDataset(testPixels.AsSpan(0, 200 * 784), testLabels.AsSpan(0, 200), 28, 28)));
    }

    public static TheoryData<string> Optimizers => new() { "adam", "adamw", "sgd-momentum", "sgd-nesterov", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam" };

    private static IStatefulOptimizer CreateOptimizer(string kind, ParameterSet p) => kind switch
    {
        "adam" => new Adam(p, 1e-3f),
        "adamw" => new AdamW(p, 1e-3f, weightDecay: 0.01f, amsgrad: true),
        "sgd-momentum" => new Sgd(p, 0.05f, momentum: 0.9f, dampening: 0.1f, weightDecay: 1e-4f),
        "sgd-nesterov" => new Sgd(p, 0.05f, momentum: 0.9f, nesterov: true),
        "sgd" => new Sgd(p, 0.1f),
        "rmsprop" => new RMSprop(p, 1e-3f, momentum: 0.9f, centered: true, weightDecay: 1e-4f),
        "adagrad" => new Adagrad(p, 0.05f, lrDecay: 0.01f, initialAccumulatorValue: 0.1f),
        "adadelta" => new Adadelta(p, 1f, rho: 0.95f, weightDecay: 1e-4f),
        "adamax" => new Adamax(p, 2e-3f, beta1: 0.8f, weightDecay: 1e-4f),
        "nadam" => new NAdam(p, 2e-3f, momentumDecay: 0.01f, weightDecay: 1e-4f),
        "radam" => new RAdam(p, 1e-3f, beta2: 0.99f, weightDecay: 1e-4f),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void OneEpochSaveResumeTwo_EqualsThreeStraight_BitForBit(string kind)
    {
        (InMemoryDataset train, InMemoryDataset test) = s_subset.Value;

        var straightModel = new MnistClassifier128(seed: 1, maxBatch: 64);
        IStatefulOptimizer straightOptimizer = CreateOptimizer(kind, straightModel.Parameters);
        var straight = Create(straightModel, straightOptimizer, train, test, 64, 7);
        EpochMetrics[] straightEpochs = [Epoch(straight), Epoch(straight), Epoch(straight)];

        var firstModel = new MnistClassifier128(seed: 1, maxBatch: 64);
        var first = Create(firstModel, CreateOptimizer(kind, firstModel.Parameters), train, test, 64, 7);
        EpochMetrics firstEpoch = Epoch(first);
        string path = _files.PathOf("run.safetensors");
        first.SaveCheckpoint(path);

        // A new process: other initial weights, another shuffle seed; everything comes from the file.
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        var resumedModel = new MnistClassifier128(seed: 12345, maxBatch: 64);
        IStatefulOptimizer resumedOptimizer = checkpoint.Optimizer.CreateOptimizer(resumedModel.Parameters);
        var resumed = Create(resumedModel, resumedOptimizer, train, test, 64, 999);
        resumed.Resume(checkpoint);
        Assert.Equal((1, 10L), (resumed.EpochsCompleted, resumed.StepsCompleted));
        EpochMetrics[] resumedEpochs = [Epoch(resumed), Epoch(resumed)];

        Assert.Equal(straightEpochs[0].TrainingLoss, firstEpoch.TrainingLoss);
        Assert.Equal(new[] { 2, 3 }, resumedEpochs.Select(e => e.Epoch));
        Assert.Equal(straightEpochs.Skip(1).Select(e => (e.TrainingLoss, e.ValidationAccuracy)), resumedEpochs.Select(e => (e.TrainingLoss, e.ValidationAccuracy)));
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
        (InMemoryDataset train, InMemoryDataset test) = s_subset.Value;
        var straightModel = new ResidualMlp(seed: 3, maxBatch: 64);
        var straight = Create(straightModel, new Adam(straightModel.Parameters, 1e-3f), train, test, 64, 7);
        EpochMetrics[] straightEpochs = [Epoch(straight), Epoch(straight)];

        var firstModel = new ResidualMlp(seed: 3, maxBatch: 64);
        var first = Create(firstModel, new Adam(firstModel.Parameters, 1e-3f), train, test, 64, 7);
        Epoch(first);
        string path = _files.PathOf("dropout.safetensors");
        first.SaveCheckpoint(path);

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        Assert.True(checkpoint.Metadata.ContainsKey("dropout.state"));
        var resumedModel = new ResidualMlp(seed: 99, maxBatch: 64);
        var resumed = Create(resumedModel, checkpoint.Optimizer.CreateOptimizer(resumedModel.Parameters), train, test, 64, 1);
        resumed.Resume(checkpoint);
        EpochMetrics second = Epoch(resumed);

        Assert.Equal(straightEpochs[1].TrainingLoss, second.TrainingLoss);
        Assert.Equal(ModelWeightsTests.Bits(straightModel.Parameters), ModelWeightsTests.Bits(resumedModel.Parameters));
        Assert.Equal(straightModel.DropoutGenerator.GetState(), resumedModel.DropoutGenerator.GetState());
    }

    [Fact]
    public void Resume_WithAnotherBatchSizeOrTrainingSet_IsRefused_AndNothingChanges()
    {
        (InMemoryDataset train, InMemoryDataset test) = s_subset.Value;
        var model = new MnistClassifier128(seed: 1, maxBatch: 64);
        var trainer = Create(model, new Adam(model.Parameters), train, test, 64, 7);
        Epoch(trainer);
        TrainingCheckpoint checkpoint = trainer.CreateCheckpoint();

        var other = new MnistClassifier128(seed: 2, maxBatch: 64);
        var otherAdam = new Adam(other.Parameters);
        byte[] before = ModelWeightsTests.Bits(other.Parameters);
        var smallerBatch = Create(other, otherAdam, train, test, 32, 7);
        Assert.Contains("batch size 64; this trainer uses 32", Assert.Throws<InvalidDataException>(() => smallerBatch.Resume(checkpoint)).Message);
        var lessData = Create(other, otherAdam, test, test, 64, 7);
        Assert.Contains("600 training samples; this trainer has 200", Assert.Throws<InvalidDataException>(() => lessData.Resume(checkpoint)).Message);
        var sgdTrainer = Create(other, new Sgd(other.Parameters, 0.1f), train, test, 64, 7);
        Assert.Throws<InvalidDataException>(() => sgdTrainer.Resume(checkpoint));

        Assert.Equal(before, ModelWeightsTests.Bits(other.Parameters));
        Assert.Equal(0, otherAdam.StepCount);
        Assert.Equal(0, smallerBatch.EpochsCompleted);
    }

    /// <summary>The train app's setup: the loader shuffles with <paramref name="shuffleSeed"/>, the test set is evaluated after every epoch.</summary>
    private static Trainer Create(IModel model, IOptimizer optimizer, InMemoryDataset train, InMemoryDataset test, int batchSize, ulong shuffleSeed)
        => new(model, optimizer, new DataLoader(train, batchSize, shuffleSeed), new TrainerOptions { Validation = test });

    private static EpochMetrics Epoch(Trainer trainer)
    {
        trainer.Fit(trainer.EpochsCompleted + 1);
        return trainer.History[^1];
    }
}
