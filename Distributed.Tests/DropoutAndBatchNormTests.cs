using System;
using System.IO;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// The CNN and dropout models under data parallelism. LeNet-5 (no dropout, no buffers) matches one process within the
/// usual tolerance. Dropout: each rank draws the masks of its own rows, rank 0 from the model's generator and rank r &gt; 0
/// from a stream seeded by rank 0's state, r and the epoch, so one rank is bit-identical to the one-process trainer and
/// N ranks repeat bit for bit and resume bit for bit, but do not reproduce one process's masks. Batch norm: PyTorch DDP's
/// default (<c>broadcast_buffers=True</c>, no SyncBatchNorm): every replica ends each step with rank 0's running
/// statistics, which rank 0's slices alone update.
/// </summary>
public sealed class DropoutAndBatchNormTests(ITestOutputHelper output)
{
    private const int Batch = 64;
    private const ulong ShuffleSeed = 23;
    private static readonly Lazy<InMemoryDataset> s_train = new(() => RepoPaths.SpreadDigits(320)); // 5 batches of 64
    private static readonly Lazy<InMemoryDataset> s_test = new(() =>
    {
        (_, MnistDataset test) = MnistDataset.LoadDirectory(RepoPaths.MnistData);
        return InMemoryDataset.FromMnist(test);
    });

    [Fact]
    public void LeNetAtTwoRanksMatchesOneProcess()
    {
        float[] expected = TrainOneProcess(new LeNet5(4, Batch), epochs: 2, out _);
        float[][] replicas = TrainDistributed(2, c => new LeNet5(c.Rank == 0 ? 4 : 9, Batch), 2);
        output.WriteLine(Weights.AssertClose(replicas[0], expected, adam: true, "LeNet-5, 2 ranks vs one process, 2 epochs"));
        Assert.True(Weights.BitIdentical(replicas[1], replicas[0]));
    }

    [Fact]
    public void DropoutAtOneRankIsBitIdenticalToTheTrainer()
    {
        float[] expected = TrainOneProcess(new ResidualMlp(6, Batch), epochs: 2, out _);
        float[] one = TrainDistributed(1, _ => new ResidualMlp(6, Batch), 2)[0];
        Assert.True(Weights.BitIdentical(one, expected), $"one rank differs from the trainer: {Weights.RelativeError(one, expected):E2}");
    }

    /// <summary>
    /// At 2 ranks: the ranks draw different masks, replicas agree, a repeat gives the same bits, a checkpoint after one
    /// epoch resumes at 2 ranks bit for bit, and the model learns as well as one process (test accuracy).
    /// </summary>
    [Fact]
    public void DropoutAtTwoRanksRepeatsAndResumesBitForBitAndLearnsAsOneProcessDoes()
    {
        float[][] first = TrainDistributed(2, c => new ResidualMlp(c.Rank == 0 ? 6 : 8, Batch), 3);
        float[][] again = TrainDistributed(2, c => new ResidualMlp(c.Rank == 0 ? 6 : 8, Batch), 3);
        Assert.True(Weights.BitIdentical(first[1], first[0]), "the replicas differ");
        Assert.True(Weights.BitIdentical(again[0], first[0]), "a repeated run differs");

        var root = (0x12345678u, 0x9abcdef0u, 0x0fedcba9u, 0x87654321u);
        Assert.NotEqual(DataParallelTrainer.RankDropoutState(root, 1, 1), DataParallelTrainer.RankDropoutState(root, 2, 1));
        Assert.NotEqual(DataParallelTrainer.RankDropoutState(root, 1, 1), DataParallelTrainer.RankDropoutState(root, 1, 2));

        string path = Path.Combine(Path.GetTempPath(), $"sg-dropout-{Guid.NewGuid():N}.safetensors");
        try
        {
            InProcessCommunicator.Run(2, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, new ResidualMlp(c.Rank == 0 ? 6 : 8, Batch));
                trainer.RunEpoch();
                return trainer.SaveCheckpoint(path);
            });
            float[][] resumed = InProcessCommunicator.Run(2, c =>
            {
                DataParallelTrainer trainer = CreateTrainer(c, new ResidualMlp(30 + c.Rank, Batch));
                trainer.Resume(path);
                trainer.RunEpoch();
                trainer.RunEpoch();
                return trainer.Parallel.Model.Parameters.Values.ToArray();
            });
            Assert.True(Weights.BitIdentical(resumed[0], first[0]), "resumed at 2 ranks differs from the run without a break");
        }
        finally
        {
            File.Delete(path);
        }

        float[] one = TrainOneProcess(new ResidualMlp(6, Batch), epochs: 3, out _);
        double oneAccuracy = Accuracy(new ResidualMlp(1, Batch), one), parallelAccuracy = Accuracy(new ResidualMlp(1, Batch), first[0]);
        output.WriteLine($"resmlp, 3 epochs of 320 digits: test accuracy one process {oneAccuracy:P2}, 2 ranks {parallelAccuracy:P2}; weights max |diff| / max |w| {Weights.RelativeError(first[0], one):E2}");
        Assert.True(Math.Abs(parallelAccuracy - oneAccuracy) < 0.05, $"2 ranks {parallelAccuracy:P2} vs one process {oneAccuracy:P2}");
    }

    /// <summary>
    /// With the weights frozen (SGD, lr 0) the running statistics depend only on the forwards: at 2 ranks every replica
    /// holds, bit for bit, those of one model that forwarded rank 0's slices (the first 32 rows of each global batch) alone.
    /// </summary>
    [Fact]
    public void BatchNormBuffersAreRankZerosOnEveryReplica()
    {
        float[][] buffers = InProcessCommunicator.Run(2, c =>
        {
            var model = new NormalizedCnn(c.Rank == 0 ? 2 : 3, Batch);
            var trainer = new DataParallelTrainer(model, new Sgd(model.Parameters, 0f), c, GradientAveraging.For(model.Loss), s_train.Value, Batch, ShuffleSeed);
            trainer.RunEpoch();
            return model.Parameters.BufferValues.ToArray();
        });
        Assert.True(Weights.BitIdentical(buffers[1], buffers[0]), "the replicas' running statistics differ");

        var alone = new NormalizedCnn(2, Batch);
        var loader = new DataLoader(s_train.Value, Batch, ShuffleSeed);
        loader.BeginEpoch();
        int half = Batch / 2, features = NormalizedCnn.InputSize;
        while (loader.MoveNext())
        {
            alone.TrainStep(loader.Features[..(half * features)], loader.Labels[..half], half);
        }

        Assert.True(Weights.BitIdentical(buffers[0], alone.Parameters.BufferValues), "rank 0's running statistics are not those of its own slices");
        Assert.Equal(alone.Parameters.Counters.ToArray(), InProcessCommunicator.Run(2, c =>
        {
            var model = new NormalizedCnn(2, Batch);
            var trainer = new DataParallelTrainer(model, new Sgd(model.Parameters, 0f), c, GradientAveraging.For(model.Loss), s_train.Value, Batch, ShuffleSeed);
            trainer.RunEpoch();
            return model.Parameters.Counters.ToArray();
        })[1]);
        output.WriteLine($"running statistics after one epoch at 2 ranks: {buffers[0].Length} floats, rank 0's on both ranks");
    }

    /// <summary>cnn-bn at 2 ranks learns as one process does (test accuracy in eval mode, with rank 0's running statistics).</summary>
    [Fact]
    public void CnnBnAtTwoRanksLearnsAsOneProcessDoes()
    {
        const int epochs = 4;
        float[][] replicas = TrainDistributed(2, c => new NormalizedCnn(c.Rank == 0 ? 2 : 3, Batch), epochs, out float[][] buffers);
        Assert.True(Weights.BitIdentical(replicas[1], replicas[0]));
        Assert.True(Weights.BitIdentical(buffers[1], buffers[0]));
        var parallel = new NormalizedCnn(1, Batch);
        buffers[0].CopyTo(parallel.Parameters.BufferValues);
        double accuracy = Accuracy(parallel, replicas[0]);
        var one = new NormalizedCnn(2, Batch);
        TrainOneProcess(one, epochs, out _);
        double oneAccuracy = Inference.ConfusionMatrix(one, s_test.Value).Accuracy();
        output.WriteLine($"cnn-bn, {epochs} epochs of 320 digits: test accuracy one process {oneAccuracy:P2}, 2 ranks {accuracy:P2}");
        Assert.True(Math.Abs(accuracy - oneAccuracy) < 0.05, $"2 ranks {accuracy:P2} vs one process {oneAccuracy:P2}");
    }

    [Fact]
    public void TheDeterministicModeRefusesDropoutAndBuffers()
    {
        var dropout = new ResidualMlp(1, Batch);
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(1, c =>
            new DataParallel(dropout, new Adam(dropout.Parameters), c, GradientAveraging.For(dropout.Loss), deterministicBlockSize: 8)));
        Assert.Contains("dropout", error.InnerExceptions[0].Message, StringComparison.Ordinal);
    }

    private static double Accuracy(IModel model, float[] weights)
    {
        weights.CopyTo(model.Parameters.Values);
        return Inference.ConfusionMatrix(model, s_test.Value).Accuracy();
    }

    private static float[] TrainOneProcess(IModel model, int epochs, out Trainer trainer)
    {
        trainer = new Trainer(model, new Adam(model.Parameters), new DataLoader(s_train.Value, Batch, ShuffleSeed));
        trainer.Fit(epochs);
        return model.Parameters.Values.ToArray();
    }

    private static float[][] TrainDistributed(int ranks, Func<ICommunicator, IModel> create, int epochs) => TrainDistributed(ranks, create, epochs, out _);

    private static float[][] TrainDistributed(int ranks, Func<ICommunicator, IModel> create, int epochs, out float[][] buffers)
    {
        float[][] states = new float[ranks][];
        float[][] weights = InProcessCommunicator.Run(ranks, c =>
        {
            DataParallelTrainer trainer = CreateTrainer(c, create(c));
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                trainer.RunEpoch();
            }

            states[c.Rank] = trainer.Parallel.Model.Parameters.BufferValues.ToArray();
            return trainer.Parallel.Model.Parameters.Values.ToArray();
        });
        buffers = states;
        return weights;
    }

    private static DataParallelTrainer CreateTrainer(ICommunicator c, IModel model) => model switch
    {
        LeNet5 m => new DataParallelTrainer(m, new Adam(m.Parameters), c, GradientAveraging.For(m.Loss), s_train.Value, Batch, ShuffleSeed),
        ResidualMlp m => new DataParallelTrainer(m, new Adam(m.Parameters), c, GradientAveraging.For(m.Loss), s_train.Value, Batch, ShuffleSeed),
        NormalizedCnn m => new DataParallelTrainer(m, new Adam(m.Parameters), c, GradientAveraging.For(m.Loss), s_train.Value, Batch, ShuffleSeed),
        _ => throw new ArgumentException(model.GetType().Name, nameof(model)),
    };
}
