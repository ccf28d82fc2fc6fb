namespace StaticGrad.Training;

/// <summary>
/// Code a <see cref="Trainer"/> runs during <see cref="Trainer.Fit"/> (Keras' callbacks, PyTorch Lightning's hooks).
/// <see cref="OnStep"/> runs inside the step loop: keep it allocation-free to keep the loop so.
/// A callback may call <see cref="Trainer.RequestStop"/> to end training after the current epoch.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Called after every optimizer step.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="step">What the step did.</param>
    void OnStep(Trainer trainer, in TrainingStep step);

    /// <summary>Called after every epoch, after validation, the schedule, early stopping's bookkeeping and checkpointing.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="metrics">The epoch's metrics.</param>
    void OnEpochEnd(Trainer trainer, EpochMetrics metrics);
}
