using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// What <see cref="DataParallelTrainer.RunEpoch"/> tells the progress reporter after each optimizer step under
/// accumulation: the whole step's rows and loss (the rows-weighted mean of its global batches' losses) and the rate the
/// step used, as the one-process <see cref="Trainer"/> reports them, bit for bit at one rank.
/// </summary>
public sealed class StepReportTests
{
    private const int Samples = 600; // 9 batches of 64 and a partial one of 24: groups of 3, 3, 3 and 1
    private const int Batch = 64;
    private const int Accumulate = 3;
    private const int ModelSeed = 5;
    private const ulong ShuffleSeed = 91;
    private static readonly Lazy<InMemoryDataset> s_train = new(() => RepoPaths.SpreadDigits(Samples));

    [Fact]
    public void AnAccumulatedStep_IsReportedAsTheTrainerReportsIt()
    {
        var expected = new StepRecorder();
        var model = new MnistClassifier128(ModelSeed, Batch);
        var adam = new Adam(model.Parameters, 3e-3f);
        new Trainer(model, adam, new DataLoader(s_train.Value, Batch, ShuffleSeed), new TrainerOptions
        {
            Scheduler = new OneCycleLR(adam, adam.LearningRate, 2 * 4),
            SchedulerInterval = SchedulerInterval.Step,
            AccumulationSteps = Accumulate,
            Progress = expected,
        }).Fit(2);
        Assert.Equal([192, 192, 192, 24, 192, 192, 192, 24], expected.Steps.Select(s => s.BatchSize));
        Assert.Equal([(1, 4), (2, 4), (3, 4), (4, 4), (1, 4), (2, 4), (3, 4), (4, 4)], expected.Steps.Select(s => (s.Step, s.StepsPerEpoch)));
        Assert.Equal([4, 4], expected.EpochSteps);

        (List<TrainingStep> one, List<int> oneEpochSteps) = Run(1)[0];
        Assert.Equal(expected.Steps, one);
        Assert.Equal(expected.EpochSteps, oneEpochSteps);

        List<TrainingStep> twoRanks = Run(2)[0].Steps;
        Assert.Equal(expected.Steps.Select(s => (s.Step, s.GlobalStep, s.BatchSize, s.LearningRate)), twoRanks.Select(s => (s.Step, s.GlobalStep, s.BatchSize, s.LearningRate)));
        for (int i = 0; i < one.Count; i++)
        {
            Assert.True(Math.Abs(one[i].Loss - twoRanks[i].Loss) <= 1e-5 * Math.Max(1, Math.Abs(one[i].Loss)), $"step {i + 1}: one rank {one[i].Loss}, two {twoRanks[i].Loss}");
        }
    }

    private static (List<TrainingStep> Steps, List<int> EpochSteps)[] Run(int ranks) => InProcessCommunicator.Run(ranks, c =>
    {
        var model = new MnistClassifier128(ModelSeed, Batch);
        var adam = new Adam(model.Parameters, 3e-3f);
        var trainer = new DataParallelTrainer(model, adam, c, GradientAveraging.For(model.Loss), s_train.Value, Batch, ShuffleSeed)
        {
            Scheduler = new OneCycleLR(adam, adam.LearningRate, 2 * 4),
            SchedulerInterval = SchedulerInterval.Step,
            AccumulationSteps = Accumulate,
        };
        var steps = new StepRecorder();
        trainer.RunEpoch(steps, 2);
        trainer.RunEpoch(steps, 2);
        return (steps.Steps, steps.EpochSteps);
    });

    /// <summary>Every step reported.</summary>
    private sealed class StepRecorder : IProgressReporter
    {
        public List<TrainingStep> Steps { get; } = [];

        public List<int> EpochSteps { get; } = [];

        public void EpochStarted(int epoch, int epochs, int steps) => EpochSteps.Add(steps);

        public void StepCompleted(in TrainingStep step) => Steps.Add(step);

        public void EpochCompleted(EpochMetrics metrics)
        {
        }
    }
}
