namespace StaticGrad.Training;

/// <summary>
/// Shows a <see cref="Trainer"/>'s progress (a console progress bar, a log). <see cref="StepCompleted"/> runs inside the
/// step loop and should allocate nothing and return quickly (redraw at most a few times a second).
/// </summary>
public interface IProgressReporter
{
    /// <summary>Called before the first step of an epoch.</summary>
    /// <param name="epoch">The epoch, 1-based.</param>
    /// <param name="epochs">The epoch <see cref="Trainer.Fit"/> trains up to.</param>
    /// <param name="steps">Optimizer steps in the epoch (under accumulation, groups of micro-batches).</param>
    void EpochStarted(int epoch, int epochs, int steps);

    /// <summary>Called after every optimizer step.</summary>
    /// <param name="step">What the step did.</param>
    void StepCompleted(in TrainingStep step);

    /// <summary>Called after every epoch, once its metrics are known.</summary>
    /// <param name="metrics">The epoch's metrics.</param>
    void EpochCompleted(EpochMetrics metrics);
}
