using System;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// <see cref="DataParallelTrainer"/> on a dataset with labels at PyTorch's <c>ignore_index</c>: the same weights as one
/// process on the same global batches (the loss's denominator counts the rows that are not ignored, on every rank), and a
/// dataset whose ignore index is not the loss's is refused when the trainer is built.
/// </summary>
public sealed class IgnoreIndexTrainerTests(ITestOutputHelper output)
{
    private const int Batch = 64;
    private const ulong ShuffleSeed = 77;

    /// <summary>500 spread digits with every fifth label at <paramref name="ignoreIndex"/>.</summary>
    private static InMemoryDataset Digits(int ignoreIndex = -100)
    {
        InMemoryDataset digits = RepoPaths.SpreadDigits(500);
        int[] labels = [.. digits.Labels.ToArray().Select((label, i) => i % 5 == 2 ? ignoreIndex : label)];
        return InMemoryDataset.FromLabels(digits.FeatureValues, digits.Features, labels, ignoreIndex);
    }

    [Fact]
    public void TwoRanksMatchOneProcess_WithIgnoredLabels()
    {
        InMemoryDataset train = Digits();
        var model = new MnistClassifier128(3, Batch);
        var sgd = new Sgd(model.Parameters, 0.05f, momentum: 0.9f);
        var loader = new DataLoader(train, Batch, ShuffleSeed);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            loader.BeginEpoch();
            while (loader.MoveNext())
            {
                model.TrainStep(loader.Features, loader.Labels, loader.CurrentBatchSize);
                sgd.Step();
            }
        }

        float[][] replicas = InProcessCommunicator.Run(2, c =>
        {
            var replica = new MnistClassifier128(c.Rank == 0 ? 3 : 1000, Batch);
            var trainer = new DataParallelTrainer(replica, new Sgd(replica.Parameters, 0.05f, momentum: 0.9f), c, GradientAveraging.For(replica.Loss), train, Batch, ShuffleSeed);
            trainer.RunEpoch();
            trainer.RunEpoch();
            return replica.Parameters.Values.ToArray();
        });

        output.WriteLine(Weights.AssertClose(replicas[0], model.Parameters.Values.ToArray(), false, "2 ranks vs one process, SGD, 2 epochs of 500 digits, every fifth label ignored"));
        Assert.True(Weights.BitIdentical(replicas[1], replicas[0]), "the replicas differ");
    }

    [Fact]
    public void AnotherIgnoreIndexThanTheLosss_IsRefused()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(1, c =>
        {
            var model = new MnistClassifier128(3, Batch);
            return new DataParallelTrainer(model, new Sgd(model.Parameters, 0.05f), c, GradientAveraging.For(model.Loss), Digits(ignoreIndex: -1), Batch, ShuffleSeed);
        }));

        ArgumentException e = Assert.IsType<ArgumentException>(Assert.Single(error.InnerExceptions));
        Assert.Equal("train", e.ParamName);
        Assert.Contains("The data has 100 samples labelled with its ignore index -1; the model's loss skips -100", e.Message, StringComparison.Ordinal);
    }
}
