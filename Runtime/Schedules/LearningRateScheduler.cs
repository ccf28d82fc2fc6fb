using System;

namespace StaticGrad;

/// <summary>
/// The base of the epoch-indexed schedules (<see cref="StepLR"/>, <see cref="MultiStepLR"/>,
/// <see cref="ExponentialLR"/>, <see cref="CosineAnnealingLR"/>, <see cref="LinearLR"/>,
/// <see cref="OneCycleLR"/>, <see cref="CosineAnnealingWarmRestarts"/>, <see cref="ConstantLR"/>,
/// <see cref="PolynomialLR"/>, <see cref="MultiplicativeLR"/>, <see cref="LambdaLR"/>,
/// <see cref="CyclicLR"/>), PyTorch 1.13's <c>_LRScheduler</c>: construction records the base
/// learning rate (<c>initial_lr</c>, shared by all schedulers of the optimizer) and takes the initial
/// step (epoch 0); each <see cref="Step"/> increments <see cref="LastEpoch"/> and applies the
/// schedule's chainable (recursive) form to the group's current float64 learning rate, exactly as
/// <c>scheduler.step()</c> does, then hands the optimizer that value cast to float.
/// </summary>
public abstract class LearningRateScheduler : ILearningRateScheduler
{
    private readonly LearningRateGroup _group;

    /// <summary>Attaches to <paramref name="optimizer"/> and records the base learning rate; the subclass then calls <see cref="InitialStep"/>.</summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="initialLearningRate">A base learning rate that replaces <c>initial_lr</c> (<see cref="OneCycleLR"/>), or null to keep the first one recorded.</param>
    private protected LearningRateScheduler(IOptimizer optimizer, double? initialLearningRate = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        _group = LearningRateGroup.Of(optimizer);
        if (initialLearningRate is double replaced)
        {
            _group.InitialLearningRate = replaced;
        }
        else
        {
            _group.InitialLearningRate ??= _group.LearningRate;
        }

        BaseLearningRate = _group.InitialLearningRate.Value;
        LastEpoch = -1;
    }

    /// <inheritdoc />
    public IOptimizer Optimizer { get; }

    /// <summary>The learning rate the schedule starts from (PyTorch's <c>base_lrs[0]</c>).</summary>
    public double BaseLearningRate { get; private protected set; }

    /// <summary>PyTorch's <c>last_epoch</c>: 0 after construction, then one more per <see cref="Step"/>.</summary>
    public long LastEpoch { get; private set; }

    /// <summary>PyTorch's <c>_step_count</c>: 1 after construction, then one more per step.</summary>
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public double LastLearningRate { get; private set; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The schedule gives a learning rate that is not finite or is negative (e.g. a <see cref="LambdaLR"/> function returning NaN); the counters and the rate stay as they were.</exception>
    public void Step() => Advance(LastEpoch + 1, closedForm: false);

    /// <inheritdoc />
    public SchedulerState GetState() => new()
    {
        LastEpoch = LastEpoch,
        StepCount = StepCount,
        BaseLearningRate = BaseLearningRate,
        LastLearningRate = LastLearningRate,
        GroupLearningRate = _group.LearningRate,
    };

    /// <inheritdoc />
    public void SetState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ValidateCounters(nameof(state));
        state.ValidateChildren(0, nameof(state));
        _group.LearningRate = state.GroupLearningRate;
        LastEpoch = state.LastEpoch;
        StepCount = state.StepCount;
        BaseLearningRate = state.BaseLearningRate;
        LastLearningRate = state.LastLearningRate;
        Restored();
    }

    /// <summary>PyTorch's <c>_initial_step</c>: resets the step count and steps to epoch <c>LastEpoch + 1</c>.</summary>
    internal void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>PyTorch's <c>step(epoch)</c>, as <see cref="SequentialLR"/> calls it at a milestone: jumps to <paramref name="epoch"/> with the closed form.</summary>
    internal void StepTo(long epoch) => Advance(epoch, closedForm: true);

    /// <summary>Takes back one epoch, as <see cref="SequentialLR"/> does to "undo" the initial step of the schedulers it wraps.</summary>
    internal void UndoEpoch() => LastEpoch--;

    /// <summary>PyTorch's <c>get_lr()</c>: the learning rate for epoch <see cref="LastEpoch"/> from the group's current one.</summary>
    /// <param name="current">The group's learning rate before this step (float64).</param>
    private protected abstract double ChainableLearningRate(double current);

    /// <summary>PyTorch's <c>_get_closed_form_lr()</c>, or <c>get_lr()</c> for a schedule without one.</summary>
    /// <param name="current">The group's learning rate before this step (float64).</param>
    private protected virtual double ClosedFormLearningRate(double current) => ChainableLearningRate(current);

    /// <summary>Called at the end of <see cref="SetState"/>, for a schedule whose further counters follow from <see cref="LastEpoch"/>.</summary>
    private protected virtual void Restored()
    {
    }

    /// <summary>
    /// Moves to <paramref name="epoch"/> and sets its rate (chainable or closed form), counting the step; when computing
    /// the rate throws, or the rate is not finite or negative, <see cref="LastEpoch"/> goes back to where it was (a retry
    /// is not an epoch late) and nothing else changes.
    /// </summary>
    private void Advance(long epoch, bool closedForm)
    {
        long previousEpoch = LastEpoch;
        LastEpoch = epoch;
        double rate;
        try
        {
            rate = closedForm ? ClosedFormLearningRate(_group.LearningRate) : ChainableLearningRate(_group.LearningRate);
        }
        catch
        {
            LastEpoch = previousEpoch;
            throw;
        }

        // The optimizer steps with the float of the rate: a double beyond float's range would be an infinite step.
        if (!float.IsFinite((float)rate) || rate < 0)
        {
            LastEpoch = previousEpoch;
            throw new InvalidOperationException(
                $"{GetType().Name} gives the learning rate {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)} for epoch {epoch}; expected a finite rate >= 0 that a float holds (at most {float.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)}; does a factor function return NaN, infinity, a negative or a huge value?).");
        }

        StepCount++;
        Apply(rate);
    }

    private void Apply(double learningRate)
    {
        _group.LearningRate = learningRate;
        LastLearningRate = learningRate;
    }
}
