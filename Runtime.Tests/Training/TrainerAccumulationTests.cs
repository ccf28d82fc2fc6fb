using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>A small classifier without dropout, so that micro-batches and whole batches see the same network.</summary>
[Model(Inputs = 6)]
public sealed partial class AccumulationNet
{
    [Linear(8), ReLU]
    public partial Linear Hidden { get; }

    [Linear(4)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>A small classifier with a summed loss: accumulated micro-batches then add with weight 1.</summary>
[Model(Inputs = 6)]
public sealed partial class AccumulationSumNet
{
    [Linear(8), Tanh]
    public partial Linear Hidden { get; }

    [Linear(4)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// <see cref="TrainerOptions.AccumulationSteps"/>: batches of 16 accumulated 4 at a time train like batches of 64 (the
/// loader draws the same order whatever the batch size), the epoch's short last group included, for a mean and a sum loss.
/// </summary>
public sealed class TrainerAccumulationTests
{
    [Fact]
    public void FourBatchesOf16_TrainLikeBatchesOf64_WithAMeanLoss()
    {
        InMemoryDataset data = SyntheticData.Classes(200);
        var big = new AccumulationNet(seed: 2, maxBatch: 64);
        var small = new AccumulationNet(seed: 2, maxBatch: 16);
        var bigTrainer = new Trainer(big, new Sgd(big.Parameters, 0.2f, momentum: 0.9f), new DataLoader(data, 64, seed: 5));
        var smallTrainer = new Trainer(small, new Sgd(small.Parameters, 0.2f, momentum: 0.9f), new DataLoader(data, 16, seed: 5), new TrainerOptions { AccumulationSteps = 4 });

        bigTrainer.Fit(3);
        smallTrainer.Fit(3);

        Assert.Equal(3 * 4, bigTrainer.StepsCompleted);
        Assert.Equal(3 * 4, smallTrainer.StepsCompleted);
        AssertClose(big.Parameters.Values.ToArray(), small.Parameters.Values.ToArray());
        Assert.Equal(bigTrainer.History[^1].TrainingLoss, smallTrainer.History[^1].TrainingLoss, 1e-5);
    }

    [Fact]
    public void AccumulatedBatchesOfASumLoss_AddWithWeightOne()
    {
        InMemoryDataset data = SyntheticData.Classes(200);
        var big = new AccumulationSumNet(seed: 2, maxBatch: 64);
        var small = new AccumulationSumNet(seed: 2, maxBatch: 16);
        Assert.Equal(Reduction.Sum, small.LossReduction);
        var bigTrainer = new Trainer(big, new Sgd(big.Parameters, 0.01f), new DataLoader(data, 64, seed: 5));
        var smallTrainer = new Trainer(small, new Sgd(small.Parameters, 0.01f), new DataLoader(data, 16, seed: 5), new TrainerOptions { AccumulationSteps = 4 });

        bigTrainer.Fit(2);
        smallTrainer.Fit(2);

        AssertClose(big.Parameters.Values.ToArray(), small.Parameters.Values.ToArray());
    }

    [Fact]
    public void ASumLoss_ReportsTheMeanLossPerSample_WhateverTheBatchSize()
    {
        // Learning rate 0: the weights stay put, so every epoch's loss is the same per-sample mean Evaluate computes.
        InMemoryDataset data = SyntheticData.Classes(50);
        double[] losses = new[] { 16, 50 }.Select(batch =>
        {
            var model = new AccumulationSumNet(seed: 2, maxBatch: 50);
            var trainer = new Trainer(model, new Sgd(model.Parameters, 0f), new DataLoader(data, batch, seed: 5));
            trainer.Fit(1);
            Assert.Equal(trainer.Evaluate(data).Loss, trainer.History[^1].TrainingLoss, 1e-5);
            return trainer.History[^1].TrainingLoss;
        }).ToArray();

        Assert.Equal(losses[0], losses[1], 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnAccumulatedStep_ReportsTheLossAndRowsOfTheWholeStep_AsOneBatchOfThatSize(bool sumLoss)
    {
        // 200 samples: three steps of 4 × 16 rows, then a short group of one batch of 8, as batches of 64 (the last of 8).
        InMemoryDataset data = SyntheticData.Classes(200);
        IModel big = sumLoss ? new AccumulationSumNet(seed: 2, maxBatch: 64) : new AccumulationNet(seed: 2, maxBatch: 64);
        IModel small = sumLoss ? new AccumulationSumNet(seed: 2, maxBatch: 16) : new AccumulationNet(seed: 2, maxBatch: 16);
        var bigSteps = new StepRecorder();
        var smallSteps = new StepRecorder();
        var progress = new CountingProgress();
        new Trainer(big, new Sgd(big.Parameters, 0.01f), new DataLoader(data, 64, seed: 5), new TrainerOptions { Callbacks = [bigSteps] }).Fit(2);
        new Trainer(small, new Sgd(small.Parameters, 0.01f), new DataLoader(data, 16, seed: 5), new TrainerOptions { AccumulationSteps = 4, Callbacks = [smallSteps], Progress = progress }).Fit(2);

        Assert.Equal([(1, 2, 4), (2, 2, 4)], progress.Started);
        Assert.Equal([64, 64, 64, 8, 64, 64, 64, 8], bigSteps.Steps.Select(s => s.BatchSize));
        Assert.Equal(bigSteps.Steps.Select(s => s.BatchSize), smallSteps.Steps.Select(s => s.BatchSize));

        // Steps count optimizer steps, as for one batch of 64: 1-4 of 4 in each epoch, not micro-batches 4, 8, 12, 13 of 13.
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], smallSteps.Steps.Select(s => s.Step));
        Assert.All(smallSteps.Steps, s => Assert.Equal(4, s.StepsPerEpoch));
        Assert.Equal(bigSteps.Steps.Select(s => (s.Epoch, s.Step, s.StepsPerEpoch, s.GlobalStep)), smallSteps.Steps.Select(s => (s.Epoch, s.Step, s.StepsPerEpoch, s.GlobalStep)));
        for (int i = 0; i < bigSteps.Steps.Count; i++)
        {
            float expected = bigSteps.Steps[i].Loss, actual = smallSteps.Steps[i].Loss;
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"step {i + 1}: one batch's loss {expected}, the accumulated step's {actual}");
            Assert.Equal(bigSteps.Steps[i].MeanLoss, smallSteps.Steps[i].MeanLoss, 1e-5);
        }
    }

    [Fact]
    public void WithoutAccumulation_TheStepLoss_IsTheBatchsOwnLoss()
    {
        var model = new AccumulationNet(seed: 2, maxBatch: 16);
        var steps = new StepRecorder();
        var losses = new List<float>();
        var loader = new DataLoader(SyntheticData.Classes(40), 16, seed: 5);
        new Trainer(model, new Sgd(model.Parameters, 0f), loader, new TrainerOptions { Callbacks = [steps] }).Fit(1);

        // Learning rate 0: the same batches through TrainStep again give the losses the trainer saw.
        var again = new AccumulationNet(seed: 2, maxBatch: 16);
        var replay = new DataLoader(SyntheticData.Classes(40), 16, seed: 5);
        replay.BeginEpoch();
        while (replay.MoveNext())
        {
            losses.Add(again.TrainStep(replay.Features, replay.Labels, replay.CurrentBatchSize));
        }

        Assert.Equal(losses, steps.Steps.Select(s => s.Loss));
        Assert.Equal([16, 16, 8], steps.Steps.Select(s => s.BatchSize));
    }

    [Fact]
    public void AccumulationStepsBelowOne_AreRefused()
    {
        var model = new AccumulationNet(seed: 2, maxBatch: 16);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(32), 16, seed: 5), new TrainerOptions { AccumulationSteps = 0 }));
        Assert.Contains("AccumulationSteps is 0", e.Message);
    }

    /// <summary>Every step the trainer reports.</summary>
    private sealed class StepRecorder : ITrainingCallback
    {
        public List<TrainingStep> Steps { get; } = [];

        public void OnStep(Trainer trainer, in TrainingStep step) => Steps.Add(step);

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        double scale = expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - (double)actual[i]) <= 1e-5 * Math.Max(1, scale), $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }
}
