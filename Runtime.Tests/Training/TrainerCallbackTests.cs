using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="ITrainingCallback"/>, <see cref="IProgressReporter"/> and <see cref="Trainer.RequestStop"/>.</summary>
public sealed class TrainerCallbackTests
{
    [Fact]
    public void CallbacksAndProgress_SeeEveryStepAndEpoch_InOrder()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var optimizer = new Sgd(model.Parameters, 0.2f);
        var first = new Recorder("a");
        var second = new Recorder("b");
        var progress = new CountingProgress();
        var log = new List<string>();
        first.Log = second.Log = log;
        var options = new TrainerOptions
        {
            Validation = SyntheticData.Classes(10, seed: 3),
            Scheduler = new StepLR(optimizer, 1, gamma: 0.5),
            Callbacks = [first, second],
            Progress = progress,
        };
        var trainer = new Trainer(model, optimizer, new DataLoader(SyntheticData.Classes(20), 8, seed: 1), options);

        trainer.Fit(2);

        // 20 samples in batches of 8: 8, 8, 4.
        Assert.Equal(["a:1/1", "b:1/1", "a:1/2", "b:1/2", "a:1/3", "b:1/3", "a:end1", "b:end1", "a:2/1", "b:2/1", "a:2/2", "b:2/2", "a:2/3", "b:2/3", "a:end2", "b:end2"], log);
        Assert.Equal([1L, 2, 3, 4, 5, 6], first.Steps.Select(s => s.GlobalStep));
        Assert.Equal([8, 8, 4, 8, 8, 4], first.Steps.Select(s => s.BatchSize));
        Assert.All(first.Steps, s => Assert.Equal(3, s.StepsPerEpoch));
        Assert.Equal([0.2f, 0.2f, 0.2f, 0.1f, 0.1f, 0.1f], first.Steps.Select(s => s.LearningRate));
        TrainingStep third = first.Steps[2];
        Assert.Equal(((first.Steps[0].Loss * 8.0) + (first.Steps[1].Loss * 8.0) + (third.Loss * 4.0)) / 20, third.MeanLoss, 12);
        Assert.Equal(third.MeanLoss, trainer.History[0].TrainingLoss);
        Assert.Equal(trainer.History, first.Epochs);
        Assert.Equal(trainer.History, progress.Completed);
        Assert.Equal([(1, 2, 3), (2, 2, 3)], progress.Started);
        Assert.Equal(6, progress.Steps);
        Assert.Equal(0.1f, trainer.History[1].LearningRate);
    }

    [Fact]
    public void RequestStop_EndsFitAfterTheCurrentEpoch()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var stopper = new Recorder("s") { StopAfterEpoch = 2 };
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.2f), new DataLoader(SyntheticData.Classes(20), 8, seed: 1), new TrainerOptions { Callbacks = [stopper] });

        Assert.Equal(StopReason.Requested, trainer.Fit(10));
        Assert.Equal(2, trainer.EpochsCompleted);
        Assert.Equal(StopReason.Completed, trainer.Fit(3));
        Assert.Equal(3, trainer.EpochsCompleted);
    }

    private sealed class Recorder(string name) : ITrainingCallback
    {
        public List<string> Log { get; set; } = [];

        public List<TrainingStep> Steps { get; } = [];

        public List<EpochMetrics> Epochs { get; } = [];

        public int StopAfterEpoch { get; init; }

        public void OnStep(Trainer trainer, in TrainingStep step)
        {
            Steps.Add(step);
            Log.Add($"{name}:{step.Epoch}/{step.Step}");
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            Epochs.Add(metrics);
            Log.Add($"{name}:end{metrics.Epoch}");
            if (metrics.Epoch == StopAfterEpoch)
            {
                trainer.RequestStop();
            }
        }
    }
}
