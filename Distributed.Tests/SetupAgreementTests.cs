using System;
using System.Linq;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// <see cref="DataParallelTrainer"/> refuses ranks set up differently, on every rank, when it is built: another training
/// set size (which used to leave the ranks in collectives that never complete), another global batch or shuffle seed
/// (which used to train on other batchings without a word), another model.
/// </summary>
public sealed class SetupAgreementTests
{
    [Theory]
    [InlineData("size", "the training set's size is 32 on rank 1 and 40 on rank 0")]
    [InlineData("batch", "the global batch size is 10 on rank 1 and 8 on rank 0")]
    [InlineData("seed", "the shuffle seed is 8 on rank 1 and 7 on rank 0")]
    [InlineData("dropLast", "dropLast is true on rank 1 and false on rank 0")]
    public void RanksSetUpDifferently_AllThrowTheSameKindOfError(string mismatch, string rankOneSays)
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(2, c =>
        {
            bool other = c.Rank == 1;
            var model = new LinearClassifier(5, 16);
            InMemoryDataset train = Data(other && mismatch == "size" ? 32 : 40);
            return new DataParallelTrainer(
                model, new Sgd(model.Parameters, 0.1f), c, GradientAveraging.For(model.Loss), train,
                other && mismatch == "batch" ? 10 : 8, other && mismatch == "seed" ? 8UL : 7UL, dropLast: other && mismatch == "dropLast");
        }));

        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.All(error.InnerExceptions, e => Assert.Equal("train", Assert.IsType<ArgumentException>(e).ParamName));
        Assert.All(error.InnerExceptions, e => Assert.Contains("The ranks were set up differently: 1 of 2 ranks differ from rank 0", e.Message, StringComparison.Ordinal));
        Assert.Single(error.InnerExceptions, e => e.Message.Contains(rankOneSays + ");", StringComparison.Ordinal));
        Assert.Single(error.InnerExceptions, e => e.Message.Contains("(rank 0's settings are the ones the others are compared with);", StringComparison.Ordinal));
    }

    [Fact]
    public void AnOptimizerOverAnotherModelsParameters_IsRefused()
    {
        var model = new LinearClassifier(5, 16);
        var other = new LinearClassifier(6, 16);
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(1, c =>
            new DataParallelTrainer(model, new Sgd(other.Parameters, 0.1f), c, GradientAveraging.For(model.Loss), Data(40), 8, 7UL)));
        Assert.Equal("optimizer", Assert.IsType<ArgumentException>(Assert.Single(error.InnerExceptions)).ParamName);
    }

    [Fact]
    public void RanksSetUpAlike_Train()
    {
        float[][] weights = InProcessCommunicator.Run(2, c =>
        {
            var model = new LinearClassifier(5, 16);
            var trainer = new DataParallelTrainer(model, new Sgd(model.Parameters, 0.1f), c, GradientAveraging.For(model.Loss), Data(40), 8, 7UL);
            trainer.RunEpoch();
            return model.Parameters.Values.ToArray();
        });

        Assert.True(Weights.BitIdentical(weights[1], weights[0]));
    }

    private static InMemoryDataset Data(int rows)
    {
        var rng = new Rng(3);
        float[] features = [.. Enumerable.Range(0, rows * 5).Select(_ => rng.NextSingle(-1, 1))];
        int[] labels = [.. Enumerable.Range(0, rows).Select(i => i % 4)];
        return InMemoryDataset.FromLabels(features, 5, labels);
    }
}
