using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>ChainedScheduler</c>: every <see cref="Step"/> steps each wrapped schedule in order,
/// each applying its chainable form to the learning rate the previous one left (e.g. a
/// <see cref="LinearLR"/> warm-up multiplied with an <see cref="ExponentialLR"/> decay).
/// </summary>
public sealed class ChainedScheduler : ILearningRateScheduler
{
    private readonly ILearningRateScheduler[] _schedulers;
    private readonly LearningRateGroup _group;

    /// <summary>Wraps <paramref name="schedulers"/>, which must all be built on the same optimizer.</summary>
    /// <param name="schedulers">The schedules, at least one.</param>
    /// <exception cref="ArgumentException">The list is empty or the schedulers belong to different optimizers.</exception>
    public ChainedScheduler(IReadOnlyList<ILearningRateScheduler> schedulers)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        if (schedulers.Count == 0 || schedulers[0] is null)
        {
            throw new ArgumentException("Expected at least one scheduler, the first not null.", nameof(schedulers));
        }

        for (int i = 1; i < schedulers.Count; i++)
        {
            if (schedulers[i] is null || !ReferenceEquals(schedulers[i].Optimizer, schedulers[0].Optimizer))
            {
                throw new ArgumentException($"Scheduler {i} is null or belongs to another optimizer than scheduler 0; expected one optimizer.", nameof(schedulers));
            }
        }

        _schedulers = [.. schedulers];
        Optimizer = schedulers[0].Optimizer;
        _group = LearningRateGroup.Of(Optimizer);
        LastLearningRate = _group.LearningRate;
    }

    /// <inheritdoc />
    public IOptimizer Optimizer { get; }

    /// <inheritdoc />
    public double LastLearningRate { get; private set; }

    /// <summary>The wrapped schedulers, in order.</summary>
    public IReadOnlyList<ILearningRateScheduler> Schedulers => _schedulers;

    /// <inheritdoc />
    public void Step()
    {
        foreach (ILearningRateScheduler scheduler in _schedulers)
        {
            scheduler.Step();
        }

        LastLearningRate = _group.LearningRate;
    }

    /// <inheritdoc />
    public SchedulerState GetState() =>
        new() { LastLearningRate = LastLearningRate, GroupLearningRate = _group.LearningRate, Children = SchedulerState.Capture(_schedulers) };

    /// <inheritdoc />
    public void SetState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ValidateCounters(nameof(state));
        state.ValidateChildren(_schedulers.Length, nameof(state));
        for (int i = 0; i < _schedulers.Length; i++)
        {
            _schedulers[i].SetState(state.Children[i]);
        }

        _group.LearningRate = state.GroupLearningRate;
        LastLearningRate = state.LastLearningRate;
    }
}
