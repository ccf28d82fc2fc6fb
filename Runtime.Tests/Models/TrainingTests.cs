using StaticGrad.Data;
using StaticGrad.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The main job, shortened: the seed model learns the shipped digits.</summary>
public sealed class TrainingTests
{
    [Fact]
    public void SeedModelPassesNinetyPercentAfterTwoEpochs()
    {
        (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);
        InMemoryDataset testSet = InMemoryDataset.FromMnist(test);
        var model = new MnistClassifier128(seed: 1, maxBatch: 64);
        var loader = new DataLoader(InMemoryDataset.FromMnist(train), 64, seed: 1);
        var trainer = new Trainer(model, new Adam(model.Parameters, learningRate: 1e-3f), loader, new TrainerOptions { Validation = testSet });
        double initialAccuracy = trainer.Evaluate(testSet).Accuracy;

        trainer.Fit(2);
        (EpochMetrics first, EpochMetrics second) = (trainer.History[0], trainer.History[1]);

        Assert.InRange(initialAccuracy, 0.0, 0.3);
        Assert.True(second.TrainingLoss < first.TrainingLoss, $"loss did not fall: {first.TrainingLoss} then {second.TrainingLoss}");
        Assert.True(first.TrainingLoss < 2.3, $"first epoch's mean loss {first.TrainingLoss} is no better than chance (ln 10 = 2.303)");
        Assert.True(second.ValidationAccuracy > 0.90, $"test accuracy after two epochs: {second.ValidationAccuracy:P2}");
    }
}
