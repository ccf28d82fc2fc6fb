using System.Linq;
using StaticGrad.Data;
using StaticGrad.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>The two loss demonstrations of the train app, shortened: class weights on imbalanced digits, and a binary head.</summary>
public sealed class LossTrainingTests
{
    private static readonly (MnistDataset Train, MnistDataset Test) s_data = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);
    private readonly ITestOutputHelper _output;

    public LossTrainingTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ClassWeightsFromLabelCounts_RaiseTheRecallOfRareDigits()
    {
        int[] rare = [.. ImbalancedDigits.DefaultRareClasses];
        MnistDataset train = ImbalancedDigits.MakeImbalanced(s_data.Train, rare, keepPerRareClass: 20);
        int[] counts = ClassWeights.CountLabels(train.Labels, 10);
        Assert.All(rare, c => Assert.Equal(20, counts[c]));
        Assert.All(Enumerable.Range(0, 10).Except(rare), c => Assert.True(counts[c] > 700));

        ImbalancedRun plain = ImbalancedDigits.Train(train, s_data.Test, weighted: false, epochs: 5, seed: 1);
        ImbalancedRun weighted = ImbalancedDigits.Train(train, s_data.Test, weighted: true, epochs: 5, seed: 1);

        _output.WriteLine($"rare recall {plain.MeanRecall(rare):P1} -> {weighted.MeanRecall(rare):P1}; balanced accuracy {plain.BalancedAccuracy:P1} -> {weighted.BalancedAccuracy:P1}");
        Assert.All(rare, c => Assert.True(weighted.Recall[c] > plain.Recall[c] + 0.1, $"digit {c}: recall {plain.Recall[c]:P1} unweighted, {weighted.Recall[c]:P1} weighted"));
        Assert.True(weighted.MeanRecall(rare) > plain.MeanRecall(rare) + 0.3);
        Assert.True(weighted.BalancedAccuracy > plain.BalancedAccuracy + 0.05);
        Assert.Equal(counts.Sum() / (10.0 * counts[2]), weighted.ClassWeights[2], 4);
    }

    [Fact]
    public void BinaryCrossEntropyHead_LearnsToDetectZeros()
    {
        BinaryRun run = ZeroDigits.Train(s_data.Train, s_data.Test, epochs: 3, seed: 1);

        _output.WriteLine($"accuracy {run.Accuracy:P2} (baseline {run.MajorityBaseline:P2}), precision {run.Precision:P1}, recall {run.Recall:P1}");
        Assert.Equal(0.9, run.MajorityBaseline, 2);
        Assert.True(run.Accuracy > 0.97, $"accuracy {run.Accuracy:P2}");
        Assert.True(run.Recall > 0.95 && run.Precision > 0.75, $"precision {run.Precision:P1}, recall {run.Recall:P1}");
        Assert.True(run.PosWeight > 8f && run.PosWeight < 10f);
    }
}
