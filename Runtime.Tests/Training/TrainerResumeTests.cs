using System;
using System.IO;
using System.Linq;
using System.Threading;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// A <see cref="Trainer"/> run saved every N epochs and resumed in a new process-like setting (new model, optimizer,
/// schedules and loader, state read from the file) ends bit-identical to an uninterrupted run: with dropout, a warm-up
/// and cosine schedule or a per-step one-cycle schedule, a plateau schedule, clipping and early stopping.
/// </summary>
public sealed class TrainerResumeTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SaveEveryTwoEpochs_ResumeAtFour_EqualsSixStraight_BitForBit(bool perStepSchedule)
    {
        Setup straight = new(seed: 1, perStepSchedule, checkpoint: null);
        straight.Trainer.Fit(6);

        string path = _files.PathOf("run.safetensors");
        using var cancel = new CancellationTokenSource();
        Setup first = new(seed: 1, perStepSchedule, path, callback: new CancelAt((4 * 5) + 2, cancel));
        Assert.Throws<OperationCanceledException>(() => first.Trainer.Fit(6, cancel.Token));
        Assert.Equal(4, TrainingCheckpoint.Load(path).Progress.EpochsCompleted);

        TrainingCheckpoint atFour = TrainingCheckpoint.Load(path);
        Setup resumed = new(seed: 99, perStepSchedule, path);
        resumed.Trainer.Resume(atFour);
        Assert.Equal(4, resumed.Trainer.EpochsCompleted);
        resumed.Trainer.Fit(6);

        Assert.Equal(straight.Model.Parameters.Values.ToArray(), resumed.Model.Parameters.Values.ToArray());
        Assert.Equal(straight.Optimizer.ExportState().Buffers.Single().Value, resumed.Optimizer.ExportState().Buffers.Single().Value);
        Assert.Equal(straight.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
        Assert.Equal(straight.Schedule.LastLearningRate, resumed.Schedule.LastLearningRate);
        Assert.Equal(straight.Plateau.GetState().Best, resumed.Plateau.GetState().Best);
        Assert.Equal(straight.Model.DropoutGenerator.GetState(), resumed.Model.DropoutGenerator.GetState());
        Assert.Equal(straight.Trainer.StepsCompleted, resumed.Trainer.StepsCompleted);
        Assert.Equal(straight.Trainer.History.Skip(4).Select(Values), resumed.Trainer.History.Select(Values));

        // Resuming the straight run's trainer at epoch 4 drops its six epochs: its history is that of the resumed run.
        straight.Trainer.Resume(atFour);
        Assert.Empty(straight.Trainer.History);
        straight.Trainer.Fit(6);
        Assert.Equal(resumed.Trainer.History.Select(Values), straight.Trainer.History.Select(Values));
    }

    [Fact]
    public void BestWeights_AreSavedBeside_AndRestoredAfterResume()
    {
        string path = _files.PathOf("best.safetensors");
        var straight = new Setup(seed: 1, perStepSchedule: false, checkpoint: null, sabotage: true);
        Assert.Equal(StopReason.EarlyStopped, straight.Trainer.Fit(20));

        var first = new Setup(seed: 1, perStepSchedule: false, path, sabotage: true);
        first.Trainer.Fit(3);
        Assert.True(File.Exists(path + ".best.safetensors"));
        var resumed = new Setup(seed: 5, perStepSchedule: false, path, sabotage: true);
        resumed.Trainer.Resume(TrainingCheckpoint.Load(path));
        Assert.Equal(StopReason.EarlyStopped, resumed.Trainer.Fit(20));

        Assert.Equal(straight.Trainer.EpochsCompleted, resumed.Trainer.EpochsCompleted);
        Assert.Equal(straight.Model.Parameters.Values.ToArray(), resumed.Model.Parameters.Values.ToArray());
    }

    [Fact]
    public void Resume_RefusesACheckpointOfOtherSettings_AndChangesNothing()
    {
        string path = _files.PathOf("plain.safetensors");
        var model = new EveryOpModel(seed: 1, maxBatch: 8);
        var plain = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(37, features: 12), 8, seed: 1));
        plain.Fit(1);
        plain.SaveCheckpoint(path);

        var other = new Setup(seed: 3, perStepSchedule: false, checkpoint: null);
        float[] before = other.Model.Parameters.Values.ToArray();
        SchedulerState schedule = other.Schedule.GetState();
        var error = Assert.Throws<InvalidDataException>(() => other.Trainer.Resume(TrainingCheckpoint.Load(path)));

        Assert.True(error.Message.Contains("trainer.scheduler", StringComparison.Ordinal), error.Message);
        Assert.Equal(before, other.Model.Parameters.Values.ToArray());
        Assert.Equal(schedule.LastEpoch, other.Schedule.GetState().LastEpoch);
        Assert.Equal(0, other.Trainer.EpochsCompleted);

        var small = new EveryOpModel(seed: 1, maxBatch: 8);
        var smallerBatch = new Trainer(small, new Sgd(small.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(37, features: 12), 4, seed: 1));
        Assert.Contains("batch size 8", Assert.Throws<InvalidDataException>(() => smallerBatch.Resume(TrainingCheckpoint.Load(path))).Message, StringComparison.Ordinal);

        // 37 samples in batches of 8 end in a partial batch: dropping it would change the steps per epoch.
        var dropping = new EveryOpModel(seed: 1, maxBatch: 8);
        var dropLast = new Trainer(dropping, new Sgd(dropping.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(37, features: 12), 8, seed: 1, dropLast: true));
        Assert.Contains("dropLast is false; this trainer's is true", Assert.Throws<InvalidDataException>(() => dropLast.Resume(TrainingCheckpoint.Load(path))).Message, StringComparison.Ordinal);
        Assert.Equal(0, dropLast.EpochsCompleted);
    }

    /// <summary>A different dropLast is refused only where it changes the batches: 40 samples in batches of 8 have no partial one.</summary>
    [Fact]
    public void Resume_WithAnotherDropLast_IsAccepted_WhenTheEpochHasNoPartialBatch()
    {
        string path = _files.PathOf("whole.safetensors");
        var model = new EveryOpModel(seed: 1, maxBatch: 8);
        var keep = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(40, features: 12), 8, seed: 1));
        keep.Fit(1);
        keep.SaveCheckpoint(path);
        Assert.Contains("Shuffled,40,false", TrainingCheckpoint.Load(path).Metadata["trainer.loader"], StringComparison.Ordinal);

        var other = new EveryOpModel(seed: 2, maxBatch: 8);
        var drop = new Trainer(other, new Sgd(other.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(40, features: 12), 8, seed: 1, dropLast: true));
        drop.Resume(TrainingCheckpoint.Load(path));
        Assert.Equal(1, drop.EpochsCompleted);
    }

    [Fact]
    public void ACheckpointInTheTrainAppsOlderFormat_Resumes_BitForBit()
    {
        // What the train app wrote before the package had a Trainer: TrainingProgress with the shuffling generator's
        // state after the epoch, and the dropout generator as 'dropout.state', four hexadecimal words.
        InMemoryDataset data = SyntheticData.Classes(37, features: 12);
        var straightModel = new EveryOpModel(seed: 1, maxBatch: 8);
        new Trainer(straightModel, new Adam(straightModel.Parameters, 1e-2f), new DataLoader(data, 8, seed: 6)).Fit(2);

        var firstModel = new EveryOpModel(seed: 1, maxBatch: 8);
        var firstAdam = new Adam(firstModel.Parameters, 1e-2f);
        var firstLoader = new DataLoader(data, 8, seed: 6);
        new Trainer(firstModel, firstAdam, firstLoader).Fit(1);
        (uint a, uint b, uint c, uint d) = firstModel.DropoutGenerator.GetState();
        var progress = new TrainingProgress(1, firstLoader.BatchCount, firstLoader.GetState().Rng, 8, data.Count);
        string path = _files.PathOf("old.safetensors");
        TrainingCheckpoint.Capture(firstModel.Parameters, firstAdam, progress, [new("model", "every-op"), new("dropout.state", $"{a:x8},{b:x8},{c:x8},{d:x8}")]).Save(path);

        var resumedModel = new EveryOpModel(seed: 7, maxBatch: 8);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        var resumed = new Trainer(resumedModel, checkpoint.Optimizer.CreateOptimizer(resumedModel.Parameters), new DataLoader(data, 8, seed: 99));
        resumed.Resume(checkpoint);
        resumed.Fit(2);

        Assert.Equal(straightModel.Parameters.Values.ToArray(), resumedModel.Parameters.Values.ToArray());
    }

    private static (double, double, double, float) Values(EpochMetrics m) => (m.TrainingLoss, m.ValidationLoss, m.ValidationAccuracy, m.LearningRate);

    /// <summary>One run's objects: a dropout model, SGD with momentum, a schedule, a plateau schedule, clipping, early stopping.</summary>
    private sealed class Setup
    {
        public Setup(ulong seed, bool perStepSchedule, string? checkpoint, bool sabotage = false, ITrainingCallback? callback = null)
        {
            Model = new EveryOpModel(seed: (int)seed, maxBatch: 8);
            Optimizer = new Sgd(Model.Parameters, 0.05f, momentum: 0.9f);
            Schedule = perStepSchedule
                ? new OneCycleLR(Optimizer, 0.2, totalSteps: 6 * 5)
                : new SequentialLR(Optimizer, [new LinearLR(Optimizer, 0.25, 1, 2), new CosineAnnealingLR(Optimizer, 4, 0.001)], [2]);
            Plateau = new ReduceLROnPlateau(Optimizer, PlateauMode.Min, factor: 0.5, patience: 0);
            InMemoryDataset validation = SyntheticData.Classes(20, features: 12, seed: 8);
            Trainer = new Trainer(Model, Optimizer, new DataLoader(SyntheticData.Classes(37, features: 12), 8, seed: 2), new TrainerOptions
            {
                Validation = validation,
                Scheduler = Schedule,
                SchedulerInterval = perStepSchedule ? SchedulerInterval.Step : SchedulerInterval.Epoch,
                Plateau = Plateau,
                ClipGradNorm = 2f,
                EarlyStopping = new EarlyStopping(patience: sabotage ? 3 : 50, restoreBestWeights: true),
                CheckpointPath = checkpoint,
                CheckpointEvery = 2,
                Callbacks = sabotage ? [new Sabotage()] : callback is null ? [] : [callback],
            });
        }

        public EveryOpModel Model { get; }

        public Sgd Optimizer { get; }

        public ILearningRateScheduler Schedule { get; }

        public ReduceLROnPlateau Plateau { get; }

        public Trainer Trainer { get; }
    }

    /// <summary>From epoch 3 on, spoils the weights at the first step so epoch 2 stays the best.</summary>
    private sealed class Sabotage : ITrainingCallback
    {
        public void OnStep(Trainer trainer, in TrainingStep step)
        {
            if (step.Epoch >= 3 && step.Step == 1)
            {
                Span<float> values = trainer.Model.Parameters.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = -3 * values[i];
                }
            }
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
        }
    }
}
