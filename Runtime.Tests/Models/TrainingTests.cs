using StaticGrad.Data;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The main job, shortened: the seed model learns the shipped digits.</summary>
public sealed class TrainingTests
{
    [Fact]
    public void SeedModelPassesNinetyPercentAfterTwoEpochs()
    {
        (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);
        var model = new MnistClassifier128(seed: 1, maxBatch: 64);
        var trainer = new Trainer(model, new Adam(model.Parameters, learningRate: 1e-3f), train, test, batchSize: 64, shuffleSeed: 1);
        double initialAccuracy = trainer.Evaluate(test);

        EpochResult first = trainer.RunEpoch();
        EpochResult second = trainer.RunEpoch();

        Assert.InRange(initialAccuracy, 0.0, 0.3);
        Assert.True(second.MeanLoss < first.MeanLoss, $"loss did not fall: {first.MeanLoss} then {second.MeanLoss}");
        Assert.True(first.MeanLoss < 2.3, $"first epoch's mean loss {first.MeanLoss} is no better than chance (ln 10 = 2.303)");
        Assert.True(second.TestAccuracy > 0.90, $"test accuracy after two epochs: {second.TestAccuracy:P2}");
    }
}
