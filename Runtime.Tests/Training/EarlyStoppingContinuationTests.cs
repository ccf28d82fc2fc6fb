using System;
using System.Collections.Generic;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// After a <see cref="Trainer.Fit"/> whose early stopping put the best epoch back, the model shows the best epoch while
/// the run continues from the last one: a checkpoint taken then, and a second <c>Fit</c> on the same trainer, go on
/// exactly as the uninterrupted run does (batch norm's running statistics included), where both used to continue from
/// the best weights with the last epoch's momentum and schedule.
/// </summary>
public sealed class EarlyStoppingContinuationTests : IDisposable
{
    private const int MaxEpochs = 30;

    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void ACheckpointAfterTheBestEpochWasPutBack_ResumesAsTheUninterruptedRunContinues()
    {
        Run straight = Run.Straight(out int stop);
        string path = _files.PathOf("stopped.safetensors");

        var first = new Run(seed: 3);
        first.Trainer.Fit(stop);
        AssertHolds(straight.Epochs[first.Rule.BestEpoch - 1], first.Model.Parameters);
        first.Trainer.SaveCheckpoint(path);
        AssertHolds(straight.Epochs[first.Rule.BestEpoch - 1], first.Model.Parameters);

        var resumed = new Run(seed: 11);
        resumed.Trainer.Resume(TrainingCheckpoint.Load(path));
        AssertHolds(straight.Epochs[stop - 1], resumed.Model.Parameters);
        resumed.Trainer.Fit(MaxEpochs);

        Assert.Equal(straight.Trainer.History.Skip(stop).Select(Values), resumed.Trainer.History.Select(Values));
        AssertSameEnd(straight, resumed);
    }

    [Fact]
    public void ASecondFit_AfterTheBestEpochWasPutBack_ContinuesAsOneLongerFit()
    {
        Run straight = Run.Straight(out int stop);

        var twice = new Run(seed: 3);
        twice.Trainer.Fit(stop);
        AssertHolds(straight.Epochs[twice.Rule.BestEpoch - 1], twice.Model.Parameters);
        twice.Trainer.Fit(MaxEpochs);

        Assert.Equal(straight.Trainer.History.Select(Values), twice.Trainer.History.Select(Values));
        AssertSameEnd(straight, twice);
    }

    private static void AssertSameEnd(Run expected, Run actual)
    {
        Assert.Equal(expected.Trainer.EpochsCompleted, actual.Trainer.EpochsCompleted);
        Assert.Equal(expected.Rule.BestEpoch, actual.Rule.BestEpoch);
        Assert.Equal(expected.Model.Parameters.Values.ToArray(), actual.Model.Parameters.Values.ToArray());
        Assert.Equal(expected.Model.Parameters.BufferValues.ToArray(), actual.Model.Parameters.BufferValues.ToArray());
        Assert.Equal(expected.Model.Parameters.Counters.ToArray(), actual.Model.Parameters.Counters.ToArray());
        Assert.Equal(expected.Optimizer.ExportState().Buffers.Single().Value, actual.Optimizer.ExportState().Buffers.Single().Value);
        Assert.Equal(expected.Optimizer.LearningRate, actual.Optimizer.LearningRate);
    }

    private static void AssertHolds((float[] Values, float[] Buffers, long[] Counters) state, ParameterSet parameters)
    {
        Assert.Equal(state.Values, parameters.Values.ToArray());
        Assert.Equal(state.Buffers, parameters.BufferValues.ToArray());
        Assert.Equal(state.Counters, parameters.Counters.ToArray());
    }

    private static (double, double, double, float) Values(EpochMetrics m) => (m.TrainingLoss, m.ValidationLoss, m.ValidationAccuracy, m.LearningRate);

    /// <summary>
    /// A batch-normalized model, SGD with momentum, a per-step one-cycle schedule, clipping and early stopping that
    /// restores the best epoch; the model's seed does not matter after a resume.
    /// </summary>
    private sealed class Run : ITrainingCallback
    {
        public Run(int seed)
        {
            Model = new NormalizedMlp(seed: seed, maxBatch: 8);
            Optimizer = new Sgd(Model.Parameters, 0.05f, momentum: 0.9f);
            Rule = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 3, restoreBestWeights: true);
            Trainer = new Trainer(Model, Optimizer, new DataLoader(SyntheticData.Classes(40), 8, seed: 2), new TrainerOptions
            {
                Validation = SyntheticData.Classes(24, seed: 9),
                Scheduler = new OneCycleLR(Optimizer, 0.8, totalSteps: MaxEpochs * 5),
                SchedulerInterval = SchedulerInterval.Step,
                ClipGradNorm = 1f,
                EarlyStopping = Rule,
                Callbacks = [this],
            });
        }

        public NormalizedMlp Model { get; }

        public Sgd Optimizer { get; }

        public EarlyStopping Rule { get; }

        public Trainer Trainer { get; }

        /// <summary>The model's state and early stopping's best epoch at the end of every epoch.</summary>
        public List<(float[] Values, float[] Buffers, long[] Counters)> Epochs { get; } = [];

        public List<int> BestEpochs { get; } = [];

        /// <summary>
        /// The uninterrupted run, and the first epoch after which it went on although its best epoch was an earlier one:
        /// a <c>Fit</c> up to there ends by putting the best epoch back.
        /// </summary>
        public static Run Straight(out int stop)
        {
            var run = new Run(seed: 3);
            run.Trainer.Fit(MaxEpochs);
            stop = Enumerable.Range(1, run.Trainer.EpochsCompleted - 1).FirstOrDefault(e => run.BestEpochs[e - 1] < e);
            Assert.True(stop > 0, "the run must go on after an epoch that did not improve");
            return run;
        }

        public void OnStep(Trainer trainer, in TrainingStep step)
        {
        }

        public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            Epochs.Add((Model.Parameters.Values.ToArray(), Model.Parameters.BufferValues.ToArray(), Model.Parameters.Counters.ToArray()));
            BestEpochs.Add(Rule.BestEpoch);
        }
    }
}
