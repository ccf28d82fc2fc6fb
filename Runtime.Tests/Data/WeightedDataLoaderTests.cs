using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="DataLoader.Weighted"/>, PyTorch's <c>WeightedRandomSampler</c>: the draws' distribution (with and without
/// replacement), the batches, refused arguments, resumption, allocation and the trainer's epoch.
/// </summary>
public sealed class WeightedDataLoaderTests
{
    private static readonly double[] Weights = [1, 2, 0, 3, 4];

    private static readonly double[] ThreeWeights = Enumerable.Range(0, 40).Select(i => 1.0 + (i % 3)).ToArray();

    [Fact]
    public void WithReplacement_DrawsEachSampleInProportionToItsWeight_AndNeverAWeightOfZero()
    {
        var loader = DataLoader.Weighted(InMemoryDatasetTests.Numbered(5, 5), batchSize: 64, seed: 3, Weights, samplesPerEpoch: 20_000);
        Assert.Equal(DataSampling.WeightedWithReplacement, loader.Sampling);
        Assert.True(loader.Shuffle);
        Assert.Equal(20_000, loader.SamplesPerEpoch);
        Assert.Equal(313, loader.BatchCount);
        Assert.True(loader.Order.IsEmpty);
        var counts = new long[5];
        for (int epoch = 0; epoch < 5; epoch++)
        {
            loader.BeginEpoch();
            foreach (int sample in loader.Order)
            {
                counts[sample]++;
            }
        }

        Assert.Equal(0, counts[2]);
        AssertMatches(counts, Weights.Select(w => w / 10).ToArray());
    }

    [Fact]
    public void WithoutReplacement_DrawsDistinctSamples_OneAfterAnotherByTheWeightsOfThoseLeft()
    {
        var loader = DataLoader.Weighted(InMemoryDatasetTests.Numbered(5, 5), batchSize: 2, seed: 11, Weights, samplesPerEpoch: 4, replacement: false);
        Assert.Equal(DataSampling.WeightedWithoutReplacement, loader.Sampling);
        var first = new long[5];
        var second = new long[5];
        for (int epoch = 0; epoch < 40_000; epoch++)
        {
            loader.BeginEpoch();
            ReadOnlySpan<int> order = loader.Order;
            Assert.Equal([0, 1, 3, 4], order.ToArray().Order());
            first[order[0]]++;
            second[order[1]]++;
        }

        // The first draw by the weights; the second by the weights of the samples left after the first.
        double total = Weights.Sum();
        double[] expectedSecond = new double[5];
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 5; j++)
            {
                if (i != j && Weights[i] > 0)
                {
                    expectedSecond[j] += Weights[i] / total * (Weights[j] / (total - Weights[i]));
                }
            }
        }

        AssertMatches(first, Weights.Select(w => w / total).ToArray());
        AssertMatches(second, expectedSecond);
    }

    [Fact]
    public void Batches_GatherTheDrawnSamples_InOrder_WithAPartialLastBatch()
    {
        var loader = DataLoader.Weighted(InMemoryDatasetTests.Numbered(5, 3), batchSize: 4, seed: 5, Weights, samplesPerEpoch: 10);
        loader.BeginEpoch();
        int[] order = loader.Order.ToArray();
        var seen = new List<int>();
        var sizes = new List<int>();
        while (loader.MoveNext())
        {
            sizes.Add(loader.CurrentBatchSize);
            for (int i = 0; i < loader.CurrentBatchSize; i++)
            {
                int sample = (int)loader.Features[i];
                Assert.Equal(sample % 3, loader.Labels[i]);
                seen.Add(sample);
            }
        }

        Assert.Equal([4, 4, 2], sizes);
        Assert.Equal(order, seen);
        Assert.True(seen.Distinct().Count() < seen.Count, "10 draws from 4 samples repeat some");

        var dropLast = DataLoader.Weighted(InMemoryDatasetTests.Numbered(5, 3), batchSize: 4, seed: 5, Weights, samplesPerEpoch: 10, dropLast: true);
        Assert.Equal(2, dropLast.BatchCount);
    }

    [Fact]
    public void SameSeed_SameDraws_AndARestoredStateContinuesExactly()
    {
        InMemoryDataset dataset = InMemoryDatasetTests.Numbered(5, 5);
        foreach (bool replacement in new[] { true, false })
        {
            var a = DataLoader.Weighted(dataset, 2, seed: 9, Weights, samplesPerEpoch: 4, replacement);
            var b = DataLoader.Weighted(dataset, 2, seed: 9, Weights, samplesPerEpoch: 4, replacement);
            a.BeginEpoch();
            b.BeginEpoch();
            Assert.Equal(a.Order.ToArray(), b.Order.ToArray());
            a.MoveNext();
            DataLoaderState state = a.GetState();
            Assert.Equal((replacement ? DataSampling.WeightedWithReplacement : DataSampling.WeightedWithoutReplacement, 4), (state.Sampling, state.SamplesPerEpoch));

            var resumed = DataLoader.Weighted(dataset, 2, seed: 123, Weights, samplesPerEpoch: 4, replacement);
            resumed.SetState(state);
            for (int epoch = 0; epoch < 3; epoch++)
            {
                while (a.MoveNext())
                {
                    Assert.True(resumed.MoveNext());
                    Assert.Equal(a.Features.ToArray(), resumed.Features.ToArray());
                }

                Assert.False(resumed.MoveNext());
                a.BeginEpoch();
                resumed.BeginEpoch();
            }
        }
    }

    [Fact]
    public void SetState_FromAnotherSamplingOrEpochLength_IsRefused_NamingTheSetting()
    {
        InMemoryDataset dataset = InMemoryDatasetTests.Numbered(5, 5);
        var shuffled = new DataLoader(dataset, 2, seed: 1);
        shuffled.BeginEpoch();
        DataLoaderState shuffledState = shuffled.GetState();
        Assert.Equal((DataSampling.Shuffled, 5), (shuffledState.Sampling, shuffledState.SamplesPerEpoch));

        var weighted = DataLoader.Weighted(dataset, 2, seed: 1, Weights, samplesPerEpoch: 5);
        Assert.Contains(
            "Sampling Shuffled; this loader has Sampling WeightedWithReplacement",
            Assert.Throws<ArgumentException>(() => weighted.SetState(shuffledState)).Message,
            StringComparison.Ordinal);

        weighted.BeginEpoch();
        DataLoaderState weightedState = weighted.GetState();
        var longer = DataLoader.Weighted(dataset, 2, seed: 1, Weights, samplesPerEpoch: 6);
        Assert.Contains(
            "SamplesPerEpoch 5; this loader has SamplesPerEpoch 6",
            Assert.Throws<ArgumentException>(() => longer.SetState(weightedState)).Message,
            StringComparison.Ordinal);
        var withoutReplacement = DataLoader.Weighted(dataset, 2, seed: 1, Weights, samplesPerEpoch: 4, replacement: false);
        Assert.Contains(
            "this loader has Sampling WeightedWithoutReplacement",
            Assert.Throws<ArgumentException>(() => withoutReplacement.SetState(weightedState with { SamplesPerEpoch = 4 })).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void BadArguments_AreRefused_NamingTheArgumentAndTheExpectedValue()
    {
        InMemoryDataset dataset = InMemoryDatasetTests.Numbered(5, 5);
        ArgumentException Refused(double[] weights, int samples = 5, bool replacement = true)
            => Assert.ThrowsAny<ArgumentException>(() => DataLoader.Weighted(dataset, 2, 1, weights, samples, replacement));

        ArgumentException error = Refused([1, 2, 3]);
        Assert.Equal("sampleWeights", error.ParamName);
        Assert.Contains("has 3 values; expected one per sample of the dataset (5)", error.Message, StringComparison.Ordinal);

        error = Refused([1, 2, -0.5, 3, 4]);
        Assert.Equal("sampleWeights", error.ParamName);
        Assert.Contains("sampleWeights[2] is -0.5; expected a finite weight of at least 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("sampleWeights[4] is NaN", Refused([1, 2, 3, 4, double.NaN]).Message, StringComparison.Ordinal);
        Assert.Contains("sampleWeights[0] is Infinity", Refused([double.PositiveInfinity, 2, 3, 4, 5]).Message, StringComparison.Ordinal);
        Assert.Contains("Every sample weight is 0", Refused([0, 0, 0, 0, 0]).Message, StringComparison.Ordinal);
        Assert.Contains("expected a finite sum", Refused([double.MaxValue, double.MaxValue, 0, 0, 0]).Message, StringComparison.Ordinal);

        error = Refused([1, 0, 2, 0, 3], samples: 4, replacement: false);
        Assert.Equal("samplesPerEpoch", error.ParamName);
        Assert.Contains("expected at most 3, the samples whose weight is above 0", error.Message, StringComparison.Ordinal);
        Assert.Equal("samplesPerEpoch", Refused(Weights, samples: 0).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => DataLoader.Weighted(dataset, 0, 1, Weights, 5)).ParamName);
        Assert.Equal("dataset", Assert.Throws<ArgumentNullException>(() => DataLoader.Weighted(null!, 2, 1, Weights, 5)).ParamName);

        // A subnormal weight is a weight: without replacement its sample is drawn before any of weight 0.
        var tiny = DataLoader.Weighted(dataset, 2, 1, [0, 5e-324, 0, 1, 0], 2, replacement: false);
        tiny.BeginEpoch();
        Assert.Equal([1, 3], tiny.Order.ToArray().Order());

        // More samples than the dataset holds is fine with replacement (PyTorch's num_samples may exceed len(weights)).
        Assert.Equal(50, DataLoader.Weighted(dataset, 2, 1, Weights, 50).SamplesPerEpoch);
    }

    [Fact]
    public void BeginEpochAndMoveNext_AllocateNothing()
    {
        double[] weights = Enumerable.Range(0, 103).Select(i => 1.0 + (i % 7)).ToArray();
        foreach (bool replacement in new[] { true, false })
        {
            var loader = DataLoader.Weighted(InMemoryDatasetTests.Numbered(103, 10), 16, seed: 5, weights, samplesPerEpoch: 90, replacement);
            Assert.Equal(0, DataLoaderTests.AllocatedOverEpochs(loader));
        }
    }

    [Fact]
    public void Trainer_TakesTheEpochFromTheWeightedLoader()
    {
        double[] weights = Enumerable.Range(0, 20).Select(i => i < 10 ? 1.0 : 0.0).ToArray();
        var (_, trainer, loader) = WeightedRun(weights, samplesPerEpoch: 30, replacement: true);
        Assert.Equal(4, trainer.StepsPerEpoch);
        trainer.Fit(1);
        Assert.Equal(4, trainer.StepsCompleted);
        Assert.True(double.IsFinite(trainer.History[0].TrainingLoss));
        Assert.All(loader.Order.ToArray(), sample => Assert.InRange(sample, 0, 9));
    }

    [Fact]
    public void Trainer_Resume_ContinuesAWeightedRun_AndRefusesALoaderOfAnotherSamplingOrEpochLength()
    {
        var straight = WeightedRun(ThreeWeights, samplesPerEpoch: 30, replacement: true);
        straight.Trainer.Fit(4);
        var first = WeightedRun(ThreeWeights, samplesPerEpoch: 30, replacement: true);
        first.Trainer.Fit(2);
        string path = Path.Combine(Path.GetTempPath(), $"weighted-{Guid.NewGuid():N}.safetensors");
        try
        {
            first.Trainer.SaveCheckpoint(path);
            var resumed = WeightedRun(ThreeWeights, samplesPerEpoch: 30, replacement: true);
            resumed.Trainer.Resume(TrainingCheckpoint.Load(path));
            resumed.Trainer.Fit(4);
            Assert.Equal(straight.Model.Parameters.Values.ToArray(), resumed.Model.Parameters.Values.ToArray());
            Assert.Equal(straight.Trainer.StepsCompleted, resumed.Trainer.StepsCompleted);

            // Same dataset and batch size, so only the loader's own settings tell these runs apart: 8 steps per epoch
            // instead of 4 would leave StepsCompleted and a per-step schedule behind, silently.
            var longer = WeightedRun(ThreeWeights, samplesPerEpoch: 60, replacement: true);
            var error = Assert.Throws<InvalidDataException>(() => longer.Trainer.Resume(TrainingCheckpoint.Load(path)));
            Assert.Contains("WeightedWithReplacement loader of 30 samples per epoch", error.Message, StringComparison.Ordinal);
            Assert.Contains("WeightedWithReplacement with 60", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, longer.Trainer.EpochsCompleted);

            var distinct = WeightedRun(ThreeWeights, samplesPerEpoch: 30, replacement: false);
            error = Assert.Throws<InvalidDataException>(() => distinct.Trainer.Resume(TrainingCheckpoint.Load(path)));
            Assert.Contains("WeightedWithoutReplacement with 30", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A seed model, SGD and a weighted loader over one one-hot sample per weight (labels cycling through the digits).</summary>
    private static (MnistClassifier128 Model, Trainer Trainer, DataLoader Loader) WeightedRun(double[] weights, int samplesPerEpoch, bool replacement)
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 8);
        int count = weights.Length;
        var features = new float[count * MnistClassifier128.InputSize];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            features[(i * MnistClassifier128.InputSize) + i] = 1;
            labels[i] = i % 10;
        }

        var loader = DataLoader.Weighted(InMemoryDataset.FromLabels(features, MnistClassifier128.InputSize, labels), batchSize: 8, seed: 2, weights, samplesPerEpoch, replacement);
        return (model, new Trainer(model, new Sgd(model.Parameters, learningRate: 0.01f), loader), loader);
    }

    /// <summary>
    /// Asserts that <paramref name="counts"/> follow <paramref name="probabilities"/>: a chi-square statistic below the
    /// 1e-6 quantile's bound for the categories of positive probability (a wrong distribution at these counts exceeds it
    /// by orders of magnitude; a right one exceeds it about once in a million seeds).
    /// </summary>
    private static void AssertMatches(long[] counts, double[] probabilities)
    {
        long n = counts.Sum();
        double chiSquare = 0;
        int categories = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (probabilities[i] > 0)
            {
                double expected = n * probabilities[i];
                chiSquare += (counts[i] - expected) * (counts[i] - expected) / expected;
                categories++;
            }
        }

        // Chi-square 1e-6 upper quantiles for 1-4 degrees of freedom.
        double bound = new[] { 23.93, 27.63, 30.66, 33.38 }[categories - 2];
        Assert.True(chiSquare < bound, $"chi-square {chiSquare:F2} over {categories - 1} degrees of freedom (bound {bound}); counts {string.Join(", ", counts)}");
    }
}
