using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// After <see cref="DataParallelTrainer.RestoreBestWeights"/> the model shows the best epoch while the run continues from
/// the last one: a checkpoint taken then, and more epochs on the same trainer, go on exactly as the uninterrupted run
/// does, where both used to continue from the best weights with the last epoch's momentum and plateau schedule.
/// </summary>
public sealed class BestWeightsContinuationTests
{
    private const int Batch = 32;
    private const int Epochs = 15;
    private const ulong ShuffleSeed = 5;
    private static readonly Lazy<(InMemoryDataset Train, InMemoryDataset Validation)> s_data = new(() => DatasetSplit.TrainValidation(RepoPaths.SpreadDigits(400), 0.25f, 11, stratified: true));

    [Fact]
    public void ACheckpointOrMoreEpochsAfterRestoringTheBestWeights_ContinueTheUninterruptedRun()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sg-best-{Guid.NewGuid():N}.safetensors");
        try
        {
            InProcessCommunicator.Run(1, c =>
            {
                DataParallelTrainer straight = CreateTrainer(c, 7);
                List<double> losses = RunToStop(straight, Epochs);
                float[] last = straight.Parallel.Model.Parameters.Values.ToArray();
                int stopped = straight.EpochsCompleted;
                Assert.True(stopped < Epochs, $"early stopping never stopped ({stopped} epochs): the test measures nothing");

                // Patience 2: after epoch stopped - 1 the best epoch is the one before, so the restore changes the weights.
                DataParallelTrainer interrupted = CreateTrainer(c, 7);
                RunToStop(interrupted, stopped - 1);
                float[] lastButOne = interrupted.Parallel.Model.Parameters.Values.ToArray();
                Assert.True(interrupted.RestoreBestWeights());
                Assert.NotEqual(lastButOne, interrupted.Parallel.Model.Parameters.Values.ToArray());
                interrupted.SaveCheckpoint(path);
                Assert.Equal(losses[^1], RunToStop(interrupted, Epochs)[^1]);
                Assert.Equal(last, interrupted.Parallel.Model.Parameters.Values.ToArray());

                DataParallelTrainer resumed = CreateTrainer(c, 100);
                resumed.Resume(path);
                Assert.Equal(lastButOne, resumed.Parallel.Model.Parameters.Values.ToArray());
                Assert.Equal(losses[^1], RunToStop(resumed, Epochs)[^1]);
                Assert.Equal(stopped, resumed.EpochsCompleted);
                Assert.Equal(last, resumed.Parallel.Model.Parameters.Values.ToArray());

                // A second restore leaves the best epoch in place.
                Assert.True(resumed.RestoreBestWeights());
                float[] best = resumed.Parallel.Model.Parameters.Values.ToArray();
                Assert.False(resumed.RestoreBestWeights());
                Assert.Equal(best, resumed.Parallel.Model.Parameters.Values.ToArray());
                return 0;
            });
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".best.safetensors");
        }
    }

    [Fact]
    public void RestoringTheBestEpoch_PutsBackItsBatchNormStatistics_AndTheBestFileHoldsThem()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sg-best-bn-{Guid.NewGuid():N}.safetensors");
        try
        {
            InProcessCommunicator.Run(1, c =>
            {
                var model = new NormalizedCnn(3, Batch);
                var optimizer = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
                var trainer = new DataParallelTrainer(model, optimizer, c, GradientAveraging.For(model.Loss), s_data.Value.Train, Batch, ShuffleSeed)
                {
                    Validation = s_data.Value.Validation,
                    EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 1),
                };
                var states = new List<(float[] Values, float[] Buffers, long[] Counters)>();
                while (trainer.EpochsCompleted < Epochs && !trainer.ShouldStop)
                {
                    trainer.RunEpoch();
                    states.Add((model.Parameters.Values.ToArray(), model.Parameters.BufferValues.ToArray(), model.Parameters.Counters.ToArray()));
                }

                int best = trainer.EarlyStopping!.BestEpoch;
                Assert.True(best < trainer.EpochsCompleted, $"the best epoch ({best}) is the last: the test measures nothing");
                Assert.NotEqual(states[best - 1].Buffers, states[^1].Buffers);

                Assert.True(trainer.RestoreBestWeights());
                Assert.Equal(states[best - 1].Values, model.Parameters.Values.ToArray());
                Assert.Equal(states[best - 1].Buffers, model.Parameters.BufferValues.ToArray());
                Assert.Equal(states[best - 1].Counters, model.Parameters.Counters.ToArray());

                trainer.SaveCheckpoint(path);
                var saved = new ParameterSet(model.Parameters.Tensors, model.Parameters.Buffers);
                ModelWeights.Load(saved, path + ".best.safetensors");
                Assert.Equal(states[best - 1].Values, saved.Values.ToArray());
                Assert.Equal(states[best - 1].Buffers, saved.BufferValues.ToArray());
                Assert.Equal(states[best - 1].Counters, saved.Counters.ToArray());
                return 0;
            });
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".best.safetensors");
        }
    }

    /// <summary>Epochs until <paramref name="epochs"/> or early stopping; their training losses.</summary>
    private static List<double> RunToStop(DataParallelTrainer trainer, int epochs)
    {
        var losses = new List<double>();
        while (trainer.EpochsCompleted < epochs && !trainer.ShouldStop)
        {
            losses.Add(trainer.RunEpoch().Loss);
        }

        return losses;
    }

    private static DataParallelTrainer CreateTrainer(ICommunicator c, int seed)
    {
        var model = new MnistClassifier128(seed, Batch);
        var optimizer = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
        return new DataParallelTrainer(model, optimizer, c, GradientAveraging.For(model.Loss), s_data.Value.Train, Batch, ShuffleSeed)
        {
            Validation = s_data.Value.Validation,
            Plateau = new ReduceLROnPlateau(optimizer, PlateauMode.Min, factor: 0.5, patience: 0),
            EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 2),
        };
    }
}
