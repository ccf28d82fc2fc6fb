using System;
using System.IO;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// A validation split, the plateau schedule and early stopping under data parallelism: rank 0 evaluates and broadcasts,
/// every rank decides the same. Against the one-process <see cref="Trainer"/> with the same options: one rank
/// bit-identical, 2 and 3 ranks stop after the same epoch with weights within <see cref="Weights.AssertClose"/>; a
/// checkpoint with the best weights beside it resumes across rank counts.
/// </summary>
public sealed class ValidationTests(ITestOutputHelper output)
{
    private const int Batch = 32;
    private const int Epochs = 15;
    private const ulong ShuffleSeed = 5;
    private static readonly Lazy<(InMemoryDataset Train, InMemoryDataset Validation)> s_data = new(() => DatasetSplit.TrainValidation(RepoPaths.SpreadDigits(400), 0.25f, 11, stratified: true));

    [Fact]
    public void EarlyStoppingAndPlateauDecideAsTheTrainerDoes()
    {
        (float[] expected, int stopped, float rate) = TrainOneProcess(Epochs, null);
        Assert.True(stopped < Epochs, $"early stopping never stopped ({stopped} epochs): the test measures nothing");
        foreach (int ranks in new[] { 1, 2, 3 })
        {
            int[] epochs = new int[ranks];
            float[] rates = new float[ranks];
            float[][] replicas = InProcessCommunicator.Run(ranks, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, c.Rank == 0 ? 7 : 70 + c.Rank);
                while (trainer.EpochsCompleted < Epochs && !trainer.ShouldStop)
                {
                    trainer.RunEpoch();
                }

                trainer.RestoreBestWeights();
                epochs[c.Rank] = trainer.EpochsCompleted;
                rates[c.Rank] = trainer.Parallel.Optimizer.LearningRate;
                return trainer.Parallel.Model.Parameters.Values.ToArray();
            });
            Assert.All(epochs, e => Assert.Equal(stopped, e));
            Assert.All(rates, r => Assert.Equal(rate, r));
            Assert.All(replicas, r => Assert.True(Weights.BitIdentical(r, replicas[0]), "the replicas differ"));
            if (ranks == 1)
            {
                Assert.True(Weights.BitIdentical(replicas[0], expected), $"one rank differs from the trainer: {Weights.RelativeError(replicas[0], expected):E2}");
            }
            else
            {
                output.WriteLine(Weights.AssertClose(replicas[0], expected, adam: false, $"{ranks} ranks vs Trainer: stopped after epoch {stopped}, lr {rate:G4}"));
            }
        }
    }

    [Fact]
    public void ACheckpointWithBestWeightsResumesAtAnotherRankCount()
    {
        (float[] expected, int stopped, _) = TrainOneProcess(Epochs, null);
        string path = Path.Combine(Path.GetTempPath(), $"sg-es-{Guid.NewGuid():N}.safetensors");
        try
        {
            // The one-process trainer saves mid-run (its checkpoint and best weights); 2 ranks continue; 3 finish.
            TrainOneProcess(stopped - 2, path);
            InProcessCommunicator.Run(2, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, 100 + c.Rank);
                trainer.Resume(path);
                trainer.RunEpoch();
                return trainer.SaveCheckpoint(path);
            });

            // Stopped after epoch `stopped` with patience 2: the best epoch is stopped - 2, before the 2 ranks' checkpoint, so
            // their rank 0 wrote the best weights beside it, and the 3 ranks' result is exactly those weights.
            Assert.True(File.Exists(path + ".best.safetensors"), "no best weights beside the 2 ranks' checkpoint");
            float[][] resumed = InProcessCommunicator.Run(3, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, 200 + c.Rank);
                trainer.Resume(path);
                while (trainer.EpochsCompleted < Epochs && !trainer.ShouldStop)
                {
                    trainer.RunEpoch();
                }

                Assert.Equal(stopped, trainer.EpochsCompleted);
                trainer.RestoreBestWeights();
                return trainer.Parallel.Model.Parameters.Values.ToArray();
            });
            output.WriteLine(Weights.AssertClose(resumed[0], expected, adam: false, $"trainer to epoch {stopped - 2}, 2 ranks one epoch, 3 ranks to the stop"));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".best.safetensors");
        }
    }

    private static IOptimizer Optimizer(IModel model) => new Sgd(model.Parameters, 0.1f, momentum: 0.9f);

    private static (ReduceLROnPlateau Plateau, EarlyStopping Rule) Decisions(IOptimizer optimizer) =>
        (new ReduceLROnPlateau(optimizer, PlateauMode.Min, factor: 0.5, patience: 0), new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 2));

    private static (float[] Weights, int Epochs, float Rate) TrainOneProcess(int epochs, string? checkpoint)
    {
        var model = new MnistClassifier128(7, Batch);
        IOptimizer optimizer = Optimizer(model);
        (ReduceLROnPlateau plateau, EarlyStopping rule) = Decisions(optimizer);
        var trainer = new Trainer(model, optimizer, new DataLoader(s_data.Value.Train, Batch, ShuffleSeed), new TrainerOptions
        {
            Validation = s_data.Value.Validation,
            Plateau = plateau,
            EarlyStopping = rule,
            CheckpointPath = checkpoint,
        });
        trainer.Fit(epochs);
        return (model.Parameters.Values.ToArray(), trainer.EpochsCompleted, optimizer.LearningRate);
    }

    private static DataParallelTrainer CreateTrainer(ICommunicator c, int seed)
    {
        var model = new MnistClassifier128(seed, Batch);
        IOptimizer optimizer = Optimizer(model);
        (ReduceLROnPlateau plateau, EarlyStopping rule) = Decisions(optimizer);
        return new DataParallelTrainer(model, optimizer, c, GradientAveraging.For(model.Loss), s_data.Value.Train, Batch, ShuffleSeed)
        {
            Validation = s_data.Value.Validation,
            Plateau = plateau,
            EarlyStopping = rule,
        };
    }
}
