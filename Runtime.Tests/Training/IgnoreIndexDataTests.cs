using System;
using System.IO;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Labels at PyTorch's <c>ignore_index</c> (-100 by default) through the data pipeline: datasets, CSV files and splits
/// keep them, the <see cref="Trainer"/> trains with them (the loss skips them) and evaluation leaves them out, as
/// PyTorch's <c>CrossEntropyLoss(ignore_index=...)</c> does; a dataset whose ignore index is not the loss's is refused.
/// </summary>
public sealed class IgnoreIndexDataTests
{
    /// <summary>Synthetic 4-class data with every third label replaced by <paramref name="ignoreIndex"/>.</summary>
    private static InMemoryDataset WithIgnored(int samples, ulong seed, int ignoreIndex = -100)
    {
        InMemoryDataset data = SyntheticData.Classes(samples, seed: seed);
        int[] labels = [.. data.Labels.ToArray().Select((label, i) => i % 3 == 1 ? ignoreIndex : label)];
        return InMemoryDataset.FromLabels(data.FeatureValues, data.Features, labels, ignoreIndex);
    }

    /// <summary>The same samples without those at the ignore index.</summary>
    private static InMemoryDataset WithoutIgnored(InMemoryDataset data) =>
        data.Subset([.. Enumerable.Range(0, data.Count).Where(i => data.Labels[i] != data.IgnoreIndex)]);

    [Fact]
    public void FromLabels_KeepsTheIgnoredSamplesOutOfTheClasses_AndSubsetsKeepTheIndex()
    {
        var data = InMemoryDataset.FromLabels(new float[5], 1, [0, 2, -100, 1, -100], ignoreIndex: -100);

        Assert.Equal((3, -100, 2), (data.Classes, data.IgnoreIndex!.Value, data.IgnoredCount));
        InMemoryDataset subset = data.Subset([4, 0]);
        Assert.Equal((3, -100, 1), (subset.Classes, subset.IgnoreIndex!.Value, subset.IgnoredCount));
    }

    [Fact]
    public void ANegativeLabel_WithoutTheIgnoreIndex_IsRefusedSayingHowToKeepIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => InMemoryDataset.FromLabels(new float[2], 1, [1, -100]));
        Assert.Contains("labels[1] is -100; expected a class index in [0, 16777216) (a label the loss skips, PyTorch's ignore_index, needs FromLabels' ignoreIndex)", e.Message, StringComparison.Ordinal);

        var other = Assert.Throws<ArgumentOutOfRangeException>(() => InMemoryDataset.FromLabels(new float[2], 1, [1, -5], ignoreIndex: -100));
        Assert.Contains("labels[1] is -5; expected a class index in [0, 16777216) or the ignore index -100", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvLoad_KeepsRowsAtTheIgnoreIndex()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sg-ignore-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "x,label\n0.5,1\n0.25,-100\n1.5,0\n");
            InMemoryDataset data = CsvDataset.Load(path, "label", ignoreIndex: -100);
            Assert.Equal([1, -100, 0], data.Labels.ToArray());
            Assert.Equal((2, 1), (data.Classes, data.IgnoredCount));

            var refused = Assert.Throws<InvalidDataException>(() => CsvDataset.Load(path, "label"));
            Assert.Contains(":3:2: label '-100' in column 'label' is not an integer >= 0 (a label the loss skips, PyTorch's ignore_index, needs Load's ignoreIndex).", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Trainer_TrainsOnIgnoredLabels_AndEvaluatesTheOthersOnly()
    {
        var model = new ModalClassifier(seed: 2, maxBatch: 16);
        InMemoryDataset train = WithIgnored(96, seed: 3), validation = WithIgnored(45, seed: 4);
        var trainer = new Trainer(model, new Adam(model.Parameters, 1e-2f), new DataLoader(train, 16, seed: 5), new TrainerOptions { Validation = validation });

        trainer.Fit(2);

        Evaluation evaluation = trainer.Evaluate(validation);
        Assert.Equal(trainer.Evaluate(WithoutIgnored(validation)), evaluation);
        Assert.Equal(30, evaluation.Count);
        Assert.True(double.IsFinite(evaluation.Loss) && double.IsFinite(trainer.History[^1].TrainingLoss));
        Assert.Equal(evaluation.Loss, trainer.History[^1].ValidationLoss);

        ConfusionMatrix matrix = Inference.ConfusionMatrix(model, validation);
        Assert.Equal(30, matrix.Total);
        Assert.Equal(evaluation.Accuracy, matrix.Accuracy());
    }

    [Fact]
    public void AnotherIgnoreIndexThanTheLosss_IsRefusedWhenTheTrainerIsBuilt()
    {
        var model = new ModalClassifier(seed: 2, maxBatch: 16);
        InMemoryDataset train = WithIgnored(48, seed: 3, ignoreIndex: -1);

        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new Adam(model.Parameters, 1e-2f), new DataLoader(train, 16, seed: 5)));

        Assert.Equal("train", e.ParamName);
        Assert.Contains("The data has 16 samples labelled with its ignore index -1; the model's loss skips -100", e.Message, StringComparison.Ordinal);
    }
}
