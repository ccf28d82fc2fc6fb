using System;

namespace StaticGrad.Training;

/// <summary>What one epoch of a <see cref="Trainer"/> achieved.</summary>
/// <param name="Epoch">The epoch, 1-based, counting the epochs of a resumed checkpoint.</param>
/// <param name="TrainingLoss">
/// The epoch's mean loss per sample: each step's loss weighted by its batch size, or for a loss that sums over the batch
/// (<see cref="Reduction.Sum"/>, <see cref="Reduction.None"/>) the steps' sums divided by the samples; independent of the batch size either way.
/// </param>
/// <param name="ValidationLoss">The validation set's loss after the epoch (see <see cref="Evaluation.Loss"/>); NaN without a validation set.</param>
/// <param name="ValidationAccuracy">The validation set's accuracy after the epoch; NaN without a validation set or for a model trained on float targets.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="SamplesPerSecond">Training samples per second (steps only, validation excluded).</param>
/// <param name="Elapsed">Wall time spent in <see cref="Trainer.Fit"/> on this trainer up to the end of the epoch, validation included.</param>
public sealed record EpochMetrics(int Epoch, double TrainingLoss, double ValidationLoss, double ValidationAccuracy, float LearningRate, double SamplesPerSecond, TimeSpan Elapsed)
{
    /// <summary>The value of <paramref name="metric"/> in this epoch.</summary>
    /// <param name="metric">The metric.</param>
    /// <returns>The value (NaN when the epoch has none).</returns>
    public double Value(MonitoredMetric metric) => metric switch
    {
        MonitoredMetric.ValidationLoss => ValidationLoss,
        MonitoredMetric.ValidationAccuracy => ValidationAccuracy,
        MonitoredMetric.TrainingLoss => TrainingLoss,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected ValidationLoss, ValidationAccuracy or TrainingLoss."),
    };
}
