using System;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models;

/// <summary>One run of the regression example: its test error in the target's units and its R².</summary>
/// <param name="Seed">The seed of initialization and shuffling.</param>
/// <param name="TestMse">Mean squared error on the test rows, in the original target units.</param>
/// <param name="TestR2">The coefficient of determination on the test rows.</param>
/// <param name="FinalTrainLoss">The mean training loss (standardized target) of the last epoch.</param>
internal sealed record RegressionRun(int Seed, double TestMse, double TestR2, double FinalTrainLoss)
{
    /// <summary>Whether training diverged: a test prediction was NaN or infinite, and the test MSE and R² are NaN.</summary>
    public bool Diverged => double.IsNaN(TestMse);
}

/// <summary>
/// Trains <see cref="DiabetesRegressor"/> as <c>scripts/pytorch_regression.py</c> does: the CSV's first
/// <see cref="TrainRows"/> rows train and the rest test (the file is shuffled once, with a fixed seed, when it is
/// made); the target is standardized with the training rows' mean and standard deviation; Adam, batch 32.
/// </summary>
internal static class DiabetesRegression
{
    /// <summary>Training rows: 80% of 442.</summary>
    public const int TrainRows = 354;

    /// <summary>The minibatch size.</summary>
    public const int BatchSize = 32;

    /// <summary>Trains one seed and scores it on the test rows.</summary>
    /// <param name="data">The diabetes rows: more than <see cref="TrainRows"/>, 10 features and 1 target.</param>
    /// <param name="seed">The seed of initialization and shuffling.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <returns>The run; <see cref="RegressionRun.Diverged"/> (NaN MSE and R²) if a test prediction is not finite.</returns>
    public static RegressionRun Train(InMemoryDataset data, int seed, int epochs, float learningRate)
    {
        if (data.Count <= TrainRows || data.Features != 10 || data.Targets != 1)
        {
            throw new ArgumentException($"Expected more than {TrainRows} rows of 10 features and 1 target, got {data.Count} rows of {data.Features} features and {data.Targets} targets.", nameof(data));
        }

        (InMemoryDataset train, InMemoryDataset test) = Split(data);
        StandardScaler target = new StandardScaler().FitTargets(train);
        InMemoryDataset standardized = target.TransformTargets(train);

        var model = new DiabetesRegressor(seed, maxBatch: Math.Max(BatchSize, test.Count));
        var adam = new Adam(model.Parameters, learningRate);
        var trainer = new Trainer(model, adam, new DataLoader(standardized, BatchSize, unchecked((ulong)seed)));
        trainer.Fit(epochs);
        double epochLoss = trainer.History[^1].TrainingLoss;

        float[] predictions = new float[test.Count];
        model.Predict(test.FeatureValues, predictions, test.Count);
        if (Array.Exists(predictions, p => !float.IsFinite(p)))
        {
            // The metrics refuse NaN and infinity, as scikit-learn does (and the scaler infinity); a diverged run is the
            // command's to report.
            return new RegressionRun(seed, double.NaN, double.NaN, epochLoss);
        }

        target.InverseTransform(predictions, predictions);

        return new RegressionRun(seed, RegressionMetrics.MeanSquaredError(test.TargetValues, predictions), RegressionMetrics.R2(test.TargetValues, predictions), epochLoss);
    }

    private static (InMemoryDataset Train, InMemoryDataset Test) Split(InMemoryDataset data)
    {
        int[] train = new int[TrainRows];
        int[] test = new int[data.Count - TrainRows];
        for (int i = 0; i < data.Count; i++)
        {
            if (i < TrainRows)
            {
                train[i] = i;
            }
            else
            {
                test[i - TrainRows] = i;
            }
        }

        return (data.Subset(train), data.Subset(test));
    }
}
