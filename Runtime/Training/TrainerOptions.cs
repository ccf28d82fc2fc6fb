using System.Collections.Generic;
using StaticGrad.Data;

namespace StaticGrad.Training;

/// <summary>What a <see cref="Trainer"/> does around each step and epoch; every setting is optional.</summary>
public sealed class TrainerOptions
{
    /// <summary>Evaluated after every epoch (<see cref="EpochMetrics.ValidationLoss"/>, <see cref="EpochMetrics.ValidationAccuracy"/>); null for none.</summary>
    public InMemoryDataset? Validation { get; init; }

    /// <summary>A learning-rate schedule over the trainer's optimizer, stepped every <see cref="SchedulerInterval"/>; null for a constant rate.</summary>
    public ILearningRateScheduler? Scheduler { get; init; }

    /// <summary>When <see cref="Scheduler"/> steps: after every epoch (the default) or after every optimizer step.</summary>
    public SchedulerInterval SchedulerInterval { get; init; } = SchedulerInterval.Epoch;

    /// <summary>A plateau schedule stepped after every epoch with the value of <see cref="PlateauMonitor"/>; null for none.</summary>
    public ReduceLROnPlateau? Plateau { get; init; }

    /// <summary>The metric <see cref="Plateau"/> watches (its mode must agree: min for losses, max for accuracy).</summary>
    public MonitoredMetric PlateauMonitor { get; init; } = MonitoredMetric.ValidationLoss;

    /// <summary>Clips the gradients' total 2-norm to this value before every optimizer step (<see cref="GradientClipping.ClipGradNorm"/>); null for no clipping.</summary>
    public float? ClipGradNorm { get; init; }

    /// <summary>
    /// Loader batches per optimizer step (gradient accumulation; 1 by default): the model accumulates the gradients of
    /// that many consecutive batches, each weighted by its share of their samples under a mean loss (1 under a sum),
    /// then clipping and the optimizer step see them once, as for one batch that many times larger. The epoch's last
    /// group may be shorter.
    /// </summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Stops training when a metric stops improving; null to always train every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Where to save a training checkpoint (atomically, <see cref="Checkpoints.TrainingCheckpoint"/>); null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Save a checkpoint after every this many epochs, and after the last epoch of <see cref="Trainer.Fit"/>; at least 1.</summary>
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>Extra entries every checkpoint stores (e.g. the model's name); keys must not be reserved.</summary>
    public IReadOnlyDictionary<string, string>? CheckpointMetadata { get; init; }

    /// <summary>Code run after every step and epoch, in order.</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];

    /// <summary>Shows progress (a console bar); null for none.</summary>
    public IProgressReporter? Progress { get; init; }
}
