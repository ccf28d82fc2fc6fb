using System;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="EarlyStopping"/>'s rule (Keras' semantics) and the <see cref="Trainer"/> stopping and restoring the best weights.</summary>
public sealed class EarlyStoppingTests
{
    [Fact]
    public void Update_LowerIsBetter_NeedsMoreThanMinDelta()
    {
        var rule = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 2, minDelta: 0.1);
        Assert.True(rule.Update(1, 1.0));
        Assert.False(rule.Update(2, 0.95));
        Assert.False(rule.ShouldStop);
        Assert.True(rule.Update(3, 0.85));
        Assert.Equal((0.85, 3, 0), (rule.Best, rule.BestEpoch, rule.Wait));
        Assert.False(rule.Update(4, double.NaN));
        Assert.False(rule.Update(5, 0.8));
        Assert.True(rule.ShouldStop);
    }

    [Fact]
    public void Update_Accuracy_HigherIsBetter()
    {
        var rule = new EarlyStopping(MonitoredMetric.ValidationAccuracy, patience: 1);
        Assert.True(rule.HigherIsBetter);
        Assert.True(rule.Update(1, 0.5));
        Assert.True(rule.Update(2, 0.6));
        Assert.False(rule.Update(3, 0.6));
        Assert.True(rule.ShouldStop);
        Assert.Equal(2, rule.BestEpoch);
    }

    [Fact]
    public void Update_PatienceZero_StopsAtTheFirstEpochWithoutImprovement_LikeKeras()
    {
        var rule = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 0);
        Assert.False(rule.ShouldStop);
        Assert.True(rule.Update(1, 1.0));
        Assert.False(rule.ShouldStop);
        Assert.True(rule.Update(2, 0.9));
        Assert.False(rule.ShouldStop);
        Assert.False(rule.Update(3, 0.9));
        Assert.True(rule.ShouldStop);
        Assert.Equal(2, rule.BestEpoch);
    }

    /// <summary>
    /// Keras checks the patience only after the first epoch: a first epoch whose value is NaN stopped the run at once with
    /// patience 0 or 1 (cases from Keras 3's on_epoch_end, ported line by line).
    /// </summary>
    [Theory]
    [InlineData(1, new[] { double.NaN, 1.0, 0.9, 0.95 }, 4, 3)]
    [InlineData(0, new[] { double.NaN, 1.0 }, 0, 2)]
    [InlineData(0, new[] { double.NaN, double.NaN, 1.0 }, 2, 0)]
    [InlineData(2, new[] { 1.0, 1.1, 1.2 }, 3, 1)]
    public void ANaNFirstEpoch_DoesNotStopTheRun_LikeKeras(int patience, double[] losses, int stoppedAt, int bestEpoch)
    {
        var rule = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: patience);
        int stopped = 0;
        for (int epoch = 1; epoch <= losses.Length && stopped == 0; epoch++)
        {
            rule.Update(epoch, losses[epoch - 1]);
            if (rule.ShouldStop)
            {
                stopped = epoch;
            }
        }

        Assert.Equal((stoppedAt, bestEpoch), (stopped, rule.BestEpoch));
        var restored = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 0);
        restored.SetState(double.PositiveInfinity, 0, 1);
        Assert.False(restored.ShouldStop); // one epoch recorded, not improved: still the first epoch
        restored.SetState(double.PositiveInfinity, 0, 2);
        Assert.True(restored.ShouldStop);
    }

    [Fact]
    public void Fit_PatienceZero_TrainsUntilTheFirstEpochWithoutImprovement()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var options = new TrainerOptions { Validation = SyntheticData.Classes(16, seed: 5), EarlyStopping = new EarlyStopping(patience: 0) };
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0f), new DataLoader(SyntheticData.Classes(24), 8, seed: 1), options);

        Assert.Equal(StopReason.EarlyStopped, trainer.Fit(20));

        // Epoch 1 improves on +inf; epoch 2 repeats its validation loss exactly (the rate is 0).
        Assert.Equal(2, trainer.EpochsCompleted);
    }

    [Fact]
    public void Constructor_RejectsBadArguments()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(patience: -1));
        Assert.Equal("patience", negative.ParamName);
        Assert.Contains("Expected 0 or more", negative.Message, StringComparison.Ordinal);
        Assert.Equal("minDelta", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(minDelta: -1)).ParamName);
        Assert.Equal("monitor", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping((MonitoredMetric)7)).ParamName);
        Assert.Equal("best", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping().SetState(double.NaN, 0, 0)).ParamName);
    }

    [Fact]
    public void Fit_WithoutLearning_StopsAfterPatience()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var options = new TrainerOptions { Validation = SyntheticData.Classes(16, seed: 5), EarlyStopping = new EarlyStopping(patience: 2) };
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0f), new DataLoader(SyntheticData.Classes(24), 8, seed: 1), options);

        Assert.Equal(StopReason.EarlyStopped, trainer.Fit(20));

        // Epoch 1 improves on +inf; epochs 2 and 3 repeat its validation loss exactly.
        Assert.Equal(3, trainer.EpochsCompleted);
        Assert.Equal(trainer.History[0].ValidationLoss, trainer.History[2].ValidationLoss);
        Assert.Equal(StopReason.EarlyStopped, trainer.Fit(20));
        Assert.Equal(3, trainer.EpochsCompleted);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fit_RestoresTheBestEpochsWeights_WhenAsked(bool restore)
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        InMemoryDataset validation = SyntheticData.Classes(16, seed: 5);
        var saboteur = new Saboteur();
        var options = new TrainerOptions { Validation = validation, EarlyStopping = new EarlyStopping(patience: 2, restoreBestWeights: restore), Callbacks = [saboteur] };
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.05f), new DataLoader(SyntheticData.Classes(24), 8, seed: 1), options);

        Assert.Equal(StopReason.EarlyStopped, trainer.Fit(20));

        Assert.Equal(3, trainer.EpochsCompleted);
        Assert.Equal(1, options.EarlyStopping.BestEpoch);
        float[] expected = restore ? saboteur.AfterFirstEpoch! : saboteur.Last!;
        Assert.Equal(expected, model.Parameters.Values.ToArray());
        Assert.Equal(restore, trainer.Evaluate(validation).Loss == trainer.History[0].ValidationLoss);
    }

    /// <summary>Makes every epoch after the first worse: scales the weights by 40 at its first step.</summary>
    private sealed class Saboteur : ITrainingCallback
    {
        public float[]? AfterFirstEpoch { get; private set; }

        public float[]? Last { get; private set; }

        public void OnStep(Trainer trainer, in TrainingStep step)
        {
            if (step.Epoch > 1 && step.Step == 1)
            {
                Span<float> values = trainer.Model.Parameters.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] *= 40;
                }
            }
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            Last = trainer.Model.Parameters.Values.ToArray();
            AfterFirstEpoch ??= Last;
        }
    }
}
