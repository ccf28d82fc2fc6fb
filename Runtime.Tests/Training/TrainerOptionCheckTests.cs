using System;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Settings the <see cref="Trainer"/> refuses (a loader without batches, an optimizer over another model, a plateau mode against its metric, a resume
/// with other accumulation steps) and a linear one-cycle schedule stepped per batch through the whole run.
/// </summary>
public sealed class TrainerOptionCheckTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void ALoaderWithoutBatches_IsRefused_NamingItsSizes()
    {
        var model = new NllModel(seed: 1, maxBatch: 16);
        var loader = new DataLoader(SyntheticData.Classes(5), 16, seed: 1, dropLast: true);
        Assert.Equal(0, loader.BatchCount);

        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, new Sgd(model.Parameters, 0.1f), loader));

        Assert.Equal("train", error.ParamName);
        Assert.Contains("yields no batch", error.Message, StringComparison.Ordinal);
        Assert.Contains("5 samples", error.Message, StringComparison.Ordinal);
        Assert.Contains("batch size is 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("dropLast is true", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(5), 16, seed: 1)).Loader.BatchCount);
    }

    [Fact]
    public void AnOptimizerOverAnotherModelsParameters_IsRefused()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var other = new NllModel(seed: 2, maxBatch: 8);
        var loader = new DataLoader(SyntheticData.Classes(20), 8, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, new Adam(other.Parameters), loader));

        Assert.Equal("optimizer", error.ParamName);
        Assert.Contains("another ParameterSet", error.Message, StringComparison.Ordinal);
        Assert.Contains("new Adam(model.Parameters)", error.Message, StringComparison.Ordinal);
        Assert.NotNull(new Trainer(model, new Adam(model.Parameters), loader));
    }

    [Fact]
    public void AnUndefinedSchedulerInterval_ANullCallback_AndACheckpointFolderThatDoesNotExist_AreRefused()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var sgd = new Sgd(model.Parameters, 0.1f);
        var loader = new DataLoader(SyntheticData.Classes(20), 8, seed: 1);
        string Refused(TrainerOptions options)
        {
            var error = Assert.Throws<ArgumentException>(() => new Trainer(model, sgd, loader, options));
            Assert.Equal("options", error.ParamName);
            return error.Message;
        }

        Assert.Contains("SchedulerInterval is 7", Refused(new() { Scheduler = new StepLR(sgd, 1, 0.1), SchedulerInterval = (SchedulerInterval)7 }), StringComparison.Ordinal);
        Assert.Contains("Callbacks[1] is null", Refused(new() { Callbacks = [new CancelAt(1, new System.Threading.CancellationTokenSource()), null!] }), StringComparison.Ordinal);
        string missing = Path.Combine(_files.Directory, "no-such-folder");
        Assert.Contains($"'{missing}' does not exist", Refused(new() { CheckpointPath = Path.Combine(missing, "run.safetensors") }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MonitoredMetric.ValidationAccuracy, PlateauMode.Min, PlateauMode.Max)]
    [InlineData(MonitoredMetric.ValidationLoss, PlateauMode.Max, PlateauMode.Min)]
    [InlineData(MonitoredMetric.TrainingLoss, PlateauMode.Max, PlateauMode.Min)]
    public void APlateauModeAgainstItsMetricsDirection_IsRefused(MonitoredMetric monitor, PlateauMode wrong, PlateauMode right)
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var sgd = new Sgd(model.Parameters, 0.1f);
        InMemoryDataset data = SyntheticData.Classes(20);
        TrainerOptions Options(PlateauMode mode) => new() { Validation = data, Plateau = new ReduceLROnPlateau(sgd, mode), PlateauMonitor = monitor };

        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, sgd, new DataLoader(data, 8, 1), Options(wrong)));

        Assert.Equal("options", error.ParamName);
        Assert.Contains($"Plateau's mode is {wrong}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"PlateauMonitor is {monitor}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"expected a ReduceLROnPlateau with PlateauMode.{right}", error.Message, StringComparison.Ordinal);
        Assert.NotNull(new Trainer(model, sgd, new DataLoader(data, 8, 1), Options(right)));
    }

    [Fact]
    public void Resume_WithOtherAccumulationSteps_IsRefused_LikeAnotherBatchSize()
    {
        InMemoryDataset data = SyntheticData.Classes(40);
        string path = _files.PathOf("accumulated.safetensors");
        var saved = new AccumulationNet(seed: 2, maxBatch: 8);
        new Trainer(saved, new Sgd(saved.Parameters, 0.1f), new DataLoader(data, 8, seed: 5), new TrainerOptions { AccumulationSteps = 2, CheckpointPath = path }).Fit(1);

        var model = new AccumulationNet(seed: 3, maxBatch: 8);
        float[] before = model.Parameters.Values.ToArray();
        var other = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 8, seed: 5), new TrainerOptions { AccumulationSteps = 4 });
        var error = Assert.Throws<InvalidDataException>(() => other.Resume(TrainingCheckpoint.Load(path)));

        Assert.Contains("AccumulationSteps 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("uses 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.Parameters.Values.ToArray());
        Assert.Equal(0, other.EpochsCompleted);
        Assert.Throws<InvalidDataException>(() => new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 8, seed: 5)).Resume(TrainingCheckpoint.Load(path)));

        var same = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(data, 8, seed: 5), new TrainerOptions { AccumulationSteps = 2 });
        same.Resume(TrainingCheckpoint.Load(path));
        Assert.Equal(1, same.EpochsCompleted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_WithALinearOneCycleSteppedPerBatch_RunsToTheEnd(bool threePhase)
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var optimizer = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
        var loader = new DataLoader(SyntheticData.Classes(40), 8, seed: 1);
        var cycle = new OneCycleLR(optimizer, 1.0, totalSteps: 3 * loader.BatchCount, annealStrategy: AnnealStrategy.Linear, threePhase: threePhase);
        var trainer = new Trainer(model, optimizer, loader, new TrainerOptions { Scheduler = cycle, SchedulerInterval = SchedulerInterval.Step });

        Assert.Equal(StopReason.Completed, trainer.Fit(3));

        Assert.Equal(3 * 5, trainer.StepsCompleted);
        Assert.Equal(cycle.MinLearningRate, cycle.LastLearningRate);
        Assert.Equal((float)cycle.MinLearningRate, optimizer.LearningRate);
    }
}
