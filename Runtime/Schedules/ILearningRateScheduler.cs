namespace StaticGrad;

/// <summary>
/// A learning-rate schedule stepped once per epoch (or per batch) without a metric, like PyTorch's
/// <c>_LRScheduler</c>: <see cref="Step"/> sets the optimizer's <see cref="IOptimizer.LearningRate"/>
/// for the next optimizer steps. Call it after the optimizer's step, as in PyTorch.
/// </summary>
public interface ILearningRateScheduler
{
    /// <summary>The optimizer whose learning rate is scheduled.</summary>
    IOptimizer Optimizer { get; }

    /// <summary>The learning rate set by the last step, in float64 (PyTorch's <c>get_last_lr()[0]</c>).</summary>
    double LastLearningRate { get; }

    /// <summary>Advances the schedule by one and sets the optimizer's learning rate. Allocates nothing.</summary>
    void Step();

    /// <summary>Captures the scheduler's state (PyTorch's <c>state_dict()</c>).</summary>
    /// <returns>A snapshot that <see cref="SetState"/> restores.</returns>
    SchedulerState GetState();

    /// <summary>
    /// Restores a state captured by <see cref="GetState"/> from a scheduler built with the same settings,
    /// including the optimizer group's learning rate, so the schedule continues exactly.
    /// </summary>
    /// <param name="state">The snapshot.</param>
    /// <exception cref="System.ArgumentException">The state does not fit this scheduler (the message says why).</exception>
    void SetState(SchedulerState state);
}
