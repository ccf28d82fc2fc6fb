namespace StaticGrad.Training;

/// <summary>The value of an epoch that <see cref="EarlyStopping"/> and a plateau schedule watch (Keras' <c>monitor</c>).</summary>
public enum MonitoredMetric
{
    /// <summary><see cref="EpochMetrics.ValidationLoss"/>; lower is better.</summary>
    ValidationLoss = 0,

    /// <summary><see cref="EpochMetrics.ValidationAccuracy"/>; higher is better (class-index models only).</summary>
    ValidationAccuracy = 1,

    /// <summary><see cref="EpochMetrics.TrainingLoss"/>; lower is better (for runs without a validation set).</summary>
    TrainingLoss = 2,
}
