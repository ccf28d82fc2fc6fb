using System;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// The loss's reduction as the data-parallel trainer sees it: a summed loss's epoch loss is the one-process trainer's,
/// with and without accumulation, and an averaging that contradicts the model's reduction is refused.
/// </summary>
public sealed class LossReductionTests
{
    private const int Samples = 53; // 5 batches of 10 and a partial one of 3
    private const int Batch = 10;
    private const ulong ShuffleSeed = 7;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    [InlineData(2, 3)]
    public void ASummedLossesEpochLossIsTheOneProcessTrainers(int ranks, int accumulation)
    {
        InMemoryDataset train = Dataset();
        var model = new SummedClassifier(5, Batch);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.01f), new DataLoader(train, Batch, ShuffleSeed), new TrainerOptions { AccumulationSteps = accumulation });
        trainer.Fit(2);

        double[][] losses = InProcessCommunicator.Run(ranks, c =>
        {
            var replica = new SummedClassifier(5, Batch);
            var parallel = new DataParallelTrainer(replica, new Sgd(replica.Parameters, 0.01f), c, GradientAveraging.For(replica.Loss), train, Batch, ShuffleSeed)
            {
                AccumulationSteps = accumulation,
            };
            return new[] { parallel.RunEpoch().Loss, parallel.RunEpoch().Loss };
        });

        double[] expected = trainer.History.Select(m => m.TrainingLoss).ToArray();
        foreach (double[] rank in losses)
        {
            // The same sums in the same order at one rank; at two, each batch's loss is all-reduced in float.
            Assert.Equal(expected[0], rank[0], ranks == 1 ? 0.0 : 1e-5 * expected[0]);
            Assert.Equal(expected[1], rank[1], ranks == 1 ? 0.0 : 1e-5 * expected[1]);
        }
    }

    [Fact]
    public void AnAveragingThatContradictsTheModelsLossIsRefused()
    {
        ICommunicator world = InProcessCommunicator.CreateGroup(1)[0];
        var mean = new PlainClassifier(5, Batch);
        var error = Assert.Throws<ArgumentException>(() => new DataParallel(mean, new Sgd(mean.Parameters, 0.01f), world, GradientAveraging.Sum));
        Assert.Equal("averaging", error.ParamName);
        Assert.Contains("Mean", error.Message, StringComparison.Ordinal);

        var summed = new SummedClassifier(5, Batch);
        error = Assert.Throws<ArgumentException>(() => new DataParallel(summed, new Sgd(summed.Parameters, 0.01f), world, GradientAveraging.MeanOverRows));
        Assert.Equal("averaging", error.ParamName);
        Assert.Contains("Sum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StepGlobalNamesAShortSpan()
    {
        ICommunicator world = InProcessCommunicator.CreateGroup(1)[0];
        var model = new SummedClassifier(5, Batch);
        var step = new DataParallel(model, new Sgd(model.Parameters, 0.01f), world, GradientAveraging.For(model.Loss));
        var error = Assert.Throws<ArgumentException>(() => step.StepGlobal(new float[4 * 5], new int[8], 8));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("40", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => step.StepGlobal(new float[8 * 5], new int[4], 8));
        Assert.Equal("labels", error.ParamName);
    }

    private static InMemoryDataset Dataset()
    {
        var random = new Random(11);
        float[] features = Enumerable.Range(0, Samples * 5).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        int[] labels = Enumerable.Range(0, Samples).Select(i => i % 4).ToArray();
        return InMemoryDataset.FromLabels(features, 5, labels);
    }
}
