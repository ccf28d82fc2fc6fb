using System;
using System.IO;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// Learning-rate schedules and gradient clipping under data parallelism against the one-process <see cref="Trainer"/>
/// with the same options: bit-identical at one rank, within the tolerance of <see cref="Weights.AssertClose"/> at 2 and 3
/// ranks, and checkpoints that carry the schedule across rank counts (and from the one-process trainer).
/// </summary>
public sealed class ScheduleAndClippingTests(ITestOutputHelper output)
{
    private const int Samples = 600; // 9 batches of 64 and a partial one of 24
    private const int Batch = 64;
    private const int Epochs = 3;
    private const int ModelSeed = 5;
    private const ulong ShuffleSeed = 91;
    private static readonly Lazy<InMemoryDataset> s_train = new(() => RepoPaths.SpreadDigits(Samples)); // every class: the shipped digits are grouped by class

    /// <summary>Warm-up then cosine (per epoch), one-cycle (per step), and SGD with a clipping norm that binds on every step.</summary>
    public static TheoryData<string, float?> Runs => new()
    {
        { "warmup-cosine", null },
        { "onecycle", null },
        { "sgd-step", 0.5f },
        { "warmup-cosine", 1f },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void OneRankIsBitIdenticalAndTwoAndThreeRanksMatchTheTrainer(string schedule, float? clip)
    {
        float[] expected = TrainOneProcess(schedule, clip, Epochs, out double rate);
        float[] one = TrainDistributed(1, schedule, clip, Epochs, out double oneRate)[0];
        Assert.True(Weights.BitIdentical(one, expected), $"one rank differs from the trainer: {Weights.RelativeError(one, expected):E2}");
        Assert.Equal(rate, oneRate);
        foreach (int ranks in new[] { 2, 3 })
        {
            float[][] replicas = TrainDistributed(ranks, schedule, clip, Epochs, out double parallelRate);
            Assert.Equal(rate, parallelRate);
            output.WriteLine(Weights.AssertClose(replicas[0], expected, adam: schedule != "sgd-step", $"{schedule}, clip {clip?.ToString() ?? "none"}: {ranks} ranks vs Trainer (final lr {rate:G6})"));
            Assert.All(replicas, r => Assert.True(Weights.BitIdentical(r, replicas[0]), "the replicas differ"));
        }
    }

    /// <summary>
    /// Accumulation of 3 global batches per step (groups of 3, 3, 3 and 1 batches, the last one partial), with one-cycle
    /// per step and clipping: one rank is the trainer's run bit for bit, 2 and 3 ranks agree with it to rounding.
    /// </summary>
    [Theory]
    [InlineData("onecycle", 1f)]
    [InlineData("sgd-step", 0.5f)]
    public void AccumulationMatchesTheTrainer(string schedule, float clip)
    {
        float[] expected = TrainOneProcess(schedule, clip, Epochs, out double rate, accumulate: 3);
        Assert.True(Weights.RelativeError(expected, TrainOneProcess(schedule, clip, Epochs, out _)) > 1e-3, "accumulation changes nothing");
        float[] one = TrainDistributed(1, schedule, clip, Epochs, out double oneRate, accumulate: 3)[0];
        Assert.True(Weights.BitIdentical(one, expected), $"one rank differs from the trainer: {Weights.RelativeError(one, expected):E2}");
        Assert.Equal(rate, oneRate);
        foreach (int ranks in new[] { 2, 3 })
        {
            float[][] replicas = TrainDistributed(ranks, schedule, clip, Epochs, out double parallelRate, accumulate: 3);
            Assert.Equal(rate, parallelRate);
            output.WriteLine(Weights.AssertClose(replicas[0], expected, adam: schedule != "sgd-step", $"accumulate 3, {schedule}, clip {clip}: {ranks} ranks vs Trainer"));
            Assert.All(replicas, r => Assert.True(Weights.BitIdentical(r, replicas[0]), "the replicas differ"));
        }
    }

    /// <summary>
    /// dropLast: the partial last batch (24 of 600 samples) is skipped as by a one-process loader with dropLast, and the
    /// last group of accumulation (9 batches in groups of 4, 4 and 1) weighs its full batches as the trainer does.
    /// </summary>
    [Fact]
    public void DropLastWithAccumulationMatchesTheTrainer()
    {
        float[] expected = TrainOneProcess("sgd-step", null, Epochs, out _, accumulate: 4, dropLast: true);
        Assert.True(Weights.RelativeError(expected, TrainOneProcess("sgd-step", null, Epochs, out _, accumulate: 4)) > 1e-3, "dropLast changes nothing");
        float[] one = TrainDistributed(1, "sgd-step", null, Epochs, out _, accumulate: 4, dropLast: true)[0];
        Assert.True(Weights.BitIdentical(one, expected), $"one rank differs from the trainer: {Weights.RelativeError(one, expected):E2}");
        float[][] replicas = TrainDistributed(2, "sgd-step", null, Epochs, out _, accumulate: 4, dropLast: true);
        output.WriteLine(Weights.AssertClose(replicas[0], expected, adam: false, "dropLast, accumulate 4, no clipping: 2 ranks vs Trainer"));
    }

    [Fact]
    public void DropLastThatLeavesNoBatchIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new DistributedSampler(s_train.Value, Samples + 1, ShuffleSeed, 0, 2, dropLast: true));
        Assert.Equal("dropLast", error.ParamName);
        Assert.Contains("600 samples", error.Message, StringComparison.Ordinal);
        var sampler = new DistributedSampler(s_train.Value, Batch, ShuffleSeed, 1, 2, dropLast: true);
        Assert.Equal(Samples / Batch, sampler.BatchCount);
        sampler.BeginEpoch();
        Assert.Equal(Batch / 2, sampler.Gather(sampler.BatchCount - 1));
        Assert.Equal(Batch, sampler.CurrentGlobalBatchSize);
    }

    /// <summary>The deterministic mode with accumulation and clipping still gives the same bits at 1, 2 and 3 ranks.</summary>
    [Fact]
    public void DeterministicModeWithAccumulationGivesTheSameBitsAtEveryRankCount()
    {
        float[] Run(int ranks) => InProcessCommunicator.Run(ranks, c =>
        {
            var model = new MnistClassifier128(ModelSeed, Batch);
            var trainer = new DataParallelTrainer(model, CreateOptimizer(model, "none"), c, GradientAveraging.For(model.Loss), s_train.Value, Batch, ShuffleSeed, deterministicBlockSize: 16)
            {
                AccumulationSteps = 3,
                ClipGradNorm = 1f,
            };
            trainer.RunEpoch();
            trainer.RunEpoch();
            return model.Parameters.Values.ToArray();
        })[0];

        float[] one = Run(1);
        output.WriteLine(Weights.AssertClose(one, TrainOneProcess("none", 1f, 2, out _, accumulate: 3), adam: true, "deterministic blocks of 16, accumulate 3, clip 1, one rank vs Trainer"));
        Assert.True(Weights.BitIdentical(Run(2), one));
        Assert.True(Weights.BitIdentical(Run(3), one));
    }

    [Fact]
    public void TheOptionsChangeTheResultSoTheComparisonsCanFail()
    {
        float[] plain = TrainOneProcess("none", null, Epochs, out _);
        float[] clipped = TrainOneProcess("sgd-step", 0.5f, Epochs, out _);
        float[] unclipped = TrainOneProcess("sgd-step", null, Epochs, out _);
        Assert.True(Weights.RelativeError(TrainOneProcess("warmup-cosine", null, Epochs, out _), plain) > 1e-3);
        Assert.True(Weights.RelativeError(clipped, unclipped) > 1e-3, "the clipping norm never binds");
        float[] parallelClipped = TrainDistributed(2, "sgd-step", 0.5f, Epochs, out _)[0];
        Assert.True(Weights.RelativeError(parallelClipped, unclipped) > 1e-3);
    }

    /// <summary>A checkpoint of the one-process trainer after one epoch resumes at 2 ranks; one saved at 2 ranks resumes at 3.</summary>
    [Fact]
    public void CheckpointsCarryTheScheduleAcrossRankCountsAndFromTheTrainer()
    {
        string trainerPath = Path.Combine(Path.GetTempPath(), $"sg-sched-{Guid.NewGuid():N}.safetensors");
        string parallelPath = Path.Combine(Path.GetTempPath(), $"sg-sched-{Guid.NewGuid():N}.safetensors");
        try
        {
            float[] expected = TrainOneProcess("warmup-cosine", 1f, Epochs, out double rate);
            TrainOneProcess("warmup-cosine", 1f, 1, out _, trainerPath);
            float[][] fromTrainer = InProcessCommunicator.Run(2, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, 40 + c.Rank, "warmup-cosine", 1f);
                trainer.Resume(trainerPath);
                trainer.RunEpoch();
                trainer.SaveCheckpoint(parallelPath);
                return trainer.Parallel.Model.Parameters.Values.ToArray();
            });
            Assert.True(TrainingCheckpoint.Load(parallelPath).Metadata.ContainsKey("trainer.scheduler"));
            double[] rates = new double[3];
            float[][] resumed = InProcessCommunicator.Run(3, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, 60 + c.Rank, "warmup-cosine", 1f);
                trainer.Resume(parallelPath);
                Assert.Equal(2, trainer.EpochsCompleted);
                trainer.RunEpoch();
                rates[c.Rank] = trainer.Parallel.Optimizer.LearningRate;
                return trainer.Parallel.Model.Parameters.Values.ToArray();
            });
            Assert.All(rates, r => Assert.Equal(rate, r));
            output.WriteLine(Weights.AssertClose(resumed[0], expected, adam: true, "trainer 1 epoch, 2 ranks 1 epoch, 3 ranks 1 epoch vs the trainer's 3 epochs"));

            // Without the schedule the checkpoint is refused, naming it.
            var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(2, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, 1, "none", null);
                return trainer.Resume(parallelPath);
            }));
            Assert.Contains("a learning-rate schedule", error.InnerExceptions[0].Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(trainerPath);
            File.Delete(parallelPath);
        }
    }

    private static IOptimizer CreateOptimizer(IModel model, string schedule) =>
        schedule.StartsWith("sgd", StringComparison.Ordinal) ? new Sgd(model.Parameters, 0.1f, momentum: 0.9f) : new Adam(model.Parameters, 3e-3f);

    /// <summary>The train command's schedules (TrainSchedule): warm-up 1 epoch then cosine; one-cycle per step; StepLR.</summary>
    private static (ILearningRateScheduler? Scheduler, SchedulerInterval Interval) CreateSchedule(string name, IOptimizer optimizer, int stepsPerEpoch) => name switch
    {
        "none" => (null, SchedulerInterval.Epoch),
        "warmup-cosine" => (new SequentialLR(optimizer, [new LinearLR(optimizer, 0.1, 1, 1), new CosineAnnealingLR(optimizer, Epochs - 1)], [1]), SchedulerInterval.Epoch),
        "onecycle" => (new OneCycleLR(optimizer, optimizer.LearningRate, Epochs * stepsPerEpoch), SchedulerInterval.Step),
        "sgd-step" => (new StepLR(optimizer, 1, 0.5), SchedulerInterval.Epoch),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    private static int StepsPerEpoch => (Samples + Batch - 1) / Batch;

    private static int GroupsPerEpoch(int accumulate) => (StepsPerEpoch + accumulate - 1) / accumulate;

    private static float[] TrainOneProcess(string schedule, float? clip, int epochs, out double rate, string? checkpoint = null, int accumulate = 1, bool dropLast = false)
    {
        var model = new MnistClassifier128(ModelSeed, Batch);
        IOptimizer optimizer = CreateOptimizer(model, schedule);
        (ILearningRateScheduler? scheduler, SchedulerInterval interval) = CreateSchedule(schedule, optimizer, GroupsPerEpoch(accumulate));
        var trainer = new Trainer(model, optimizer, new DataLoader(s_train.Value, Batch, ShuffleSeed, dropLast: dropLast), new TrainerOptions
        {
            Scheduler = scheduler,
            SchedulerInterval = interval,
            ClipGradNorm = clip,
            AccumulationSteps = accumulate,
            CheckpointPath = checkpoint,
        });
        trainer.Fit(epochs);
        rate = optimizer.LearningRate;
        return model.Parameters.Values.ToArray();
    }

    private static float[][] TrainDistributed(int ranks, string schedule, float? clip, int epochs, out double rate, int accumulate = 1, bool dropLast = false)
    {
        double[] rates = new double[ranks];
        float[][] replicas = InProcessCommunicator.Run(ranks, c =>
        {
            DataParallelTrainer trainer = CreateTrainer(c, c.Rank == 0 ? ModelSeed : 500 + c.Rank, schedule, clip, accumulate, dropLast);
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                trainer.RunEpoch();
            }

            rates[c.Rank] = trainer.Parallel.Optimizer.LearningRate;
            return trainer.Parallel.Model.Parameters.Values.ToArray();
        });
        Assert.All(rates, r => Assert.Equal(rates[0], r));
        rate = rates[0];
        return replicas;
    }

    private static DataParallelTrainer CreateTrainer(ICommunicator c, int modelSeed, string schedule, float? clip, int accumulate = 1, bool dropLast = false)
    {
        var model = new MnistClassifier128(modelSeed, Batch);
        IOptimizer optimizer = CreateOptimizer(model, schedule);
        (ILearningRateScheduler? scheduler, SchedulerInterval interval) = CreateSchedule(schedule, optimizer, GroupsPerEpoch(accumulate));
        return new DataParallelTrainer(model, optimizer, c, GradientAveraging.For(model.Loss), s_train.Value, Batch, ShuffleSeed, dropLast: dropLast)
        {
            Scheduler = scheduler,
            SchedulerInterval = interval,
            ClipGradNorm = clip,
            AccumulationSteps = accumulate,
        };
    }
}
