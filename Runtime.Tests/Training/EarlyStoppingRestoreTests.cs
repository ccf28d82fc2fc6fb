using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>A batch-normalized MLP for the trainer's restore of the best epoch (its running statistics are part of it).</summary>
[Model(Inputs = 6)]
public sealed partial class NormalizedMlp
{
    [Linear(8)]
    public partial Linear Fc1 { get; }

    [BatchNorm1d, ReLU]
    public partial BatchNorm1d Bn1 { get; }

    [Linear(4)]
    public partial Linear Fc2 { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Early stopping's restore of the best epoch puts back the model's whole state, as PyTorch's <c>load_state_dict</c> of a
/// saved best <c>state_dict</c> and Keras' restore do: the parameters and the buffers (batch norm's running statistics and
/// its counter), in memory and in the best-weights file beside a checkpoint.
/// </summary>
public sealed class EarlyStoppingRestoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-best-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RestoredBestEpoch_HasThatEpochsParametersAndRunningStatistics_InMemoryAndInItsFile()
    {
        var model = new NormalizedMlp(seed: 3, maxBatch: 8);
        InMemoryDataset validation = SyntheticData.Classes(24, seed: 9);
        var snapshots = new Snapshots(model.Parameters);
        string checkpoint = Path.Combine(_directory, "run.safetensors");
        var rule = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 2, restoreBestWeights: true);
        var trainer = new Trainer(model, new Adam(model.Parameters, 0.3f), new DataLoader(SyntheticData.Classes(40), 8, seed: 2), new TrainerOptions
        {
            Validation = validation,
            EarlyStopping = rule,
            CheckpointPath = checkpoint,
            Callbacks = [snapshots],
        });

        trainer.Fit(30);
        int best = rule.BestEpoch;
        Assert.True(best < trainer.EpochsCompleted, $"the run must end after its best epoch ({best} of {trainer.EpochsCompleted}) to restore it");
        (float[] values, float[] buffers, long[] counters) = snapshots.Epochs[best - 1];
        Assert.Equal(values, model.Parameters.Values.ToArray());
        Assert.Equal(buffers, model.Parameters.BufferValues.ToArray());
        Assert.Equal(counters, model.Parameters.Counters.ToArray());
        Assert.Equal(trainer.History[best - 1].ValidationLoss, trainer.Evaluate(validation).Loss);

        // The file written beside the last checkpoint (then the best epoch differed from the last) holds the same state.
        var reloaded = new NormalizedMlp(seed: 4, maxBatch: 8);
        ModelWeights.Load(reloaded.Parameters, TrainerMetadata.BestWeightsPath(checkpoint));
        Assert.Equal(buffers, reloaded.Parameters.BufferValues.ToArray());
        Assert.Equal(counters, reloaded.Parameters.Counters.ToArray());
    }

    /// <summary>The model's parameters, buffers and counters at the end of every epoch.</summary>
    private sealed class Snapshots(ParameterSet parameters) : ITrainingCallback
    {
        public List<(float[] Values, float[] Buffers, long[] Counters)> Epochs { get; } = [];

        public void OnStep(Trainer trainer, in TrainingStep step)
        {
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
            => Epochs.Add((parameters.Values.ToArray(), parameters.BufferValues.ToArray(), parameters.Counters.ToArray()));
    }
}
