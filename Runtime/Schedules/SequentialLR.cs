using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>SequentialLR</c>: runs one schedule until the first milestone, the next until the
/// second, and so on (typically a <see cref="LinearLR"/> warm-up, then a decay). At a milestone the
/// next schedule is restarted at its epoch 0 from its closed form, exactly as PyTorch 1.13 does.
/// </summary>
/// <remarks>
/// Build the wrapped schedulers on the optimizer first, in order, then this; construction resets the
/// learning rate to the base and re-takes the first schedule's initial step, as PyTorch does.
/// </remarks>
public sealed class SequentialLR : ILearningRateScheduler
{
    private readonly LearningRateScheduler[] _schedulers;
    private readonly int[] _milestones;
    private readonly LearningRateGroup _group;

    /// <summary>Wraps <paramref name="schedulers"/> switching at <paramref name="milestones"/>.</summary>
    /// <param name="optimizer">The optimizer all <paramref name="schedulers"/> were built on.</param>
    /// <param name="schedulers">The schedules, in order; at least one.</param>
    /// <param name="milestones">The epochs at which to switch to the next schedule: one fewer than <paramref name="schedulers"/>, increasing.</param>
    /// <exception cref="ArgumentException">The lists do not fit together or a scheduler belongs to another optimizer (the message says which).</exception>
    public SequentialLR(IOptimizer optimizer, IReadOnlyList<LearningRateScheduler> schedulers, IReadOnlyList<int> milestones)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0)
        {
            throw new ArgumentException("Expected at least one scheduler.", nameof(schedulers));
        }

        for (int i = 0; i < schedulers.Count; i++)
        {
            if (schedulers[i] is null || !ReferenceEquals(schedulers[i].Optimizer, optimizer))
            {
                throw new ArgumentException($"Scheduler {i} is null or belongs to another optimizer; expected every scheduler to be built on the optimizer passed in.", nameof(schedulers));
            }
        }

        if (milestones.Count != schedulers.Count - 1)
        {
            throw new ArgumentException(
                $"Got {schedulers.Count} schedulers and {milestones.Count} milestones; expected one milestone fewer than schedulers.", nameof(milestones));
        }

        for (int i = 1; i < milestones.Count; i++)
        {
            if (milestones[i] <= milestones[i - 1])
            {
                throw new ArgumentException($"Milestone {i} ({milestones[i]}) is not greater than the one before ({milestones[i - 1]}); expected increasing milestones.", nameof(milestones));
            }
        }

        Optimizer = optimizer;
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];
        _group = LearningRateGroup.Of(optimizer);
        LastEpoch = 0;
        _group.LearningRate = _group.InitialLearningRate!.Value;
        foreach (LearningRateScheduler scheduler in _schedulers)
        {
            scheduler.UndoEpoch();
        }

        _schedulers[0].InitialStep();
        LastLearningRate = _schedulers[0].LastLearningRate;
    }

    /// <inheritdoc />
    public IOptimizer Optimizer { get; }

    /// <summary>Epochs stepped so far (0 after construction).</summary>
    public long LastEpoch { get; private set; }

    /// <inheritdoc />
    public double LastLearningRate { get; private set; }

    /// <summary>The wrapped schedulers, in order.</summary>
    public IReadOnlyList<LearningRateScheduler> Schedulers => _schedulers;

    /// <inheritdoc />
    public void Step()
    {
        LastEpoch++;
        int index = BisectRight(LastEpoch);
        LearningRateScheduler scheduler = _schedulers[index];
        if (index > 0 && _milestones[index - 1] == LastEpoch)
        {
            scheduler.StepTo(0);
        }
        else
        {
            scheduler.Step();
        }

        LastLearningRate = scheduler.LastLearningRate;
    }

    /// <inheritdoc />
    public SchedulerState GetState() => new()
    {
        LastEpoch = LastEpoch,
        LastLearningRate = LastLearningRate,
        GroupLearningRate = _group.LearningRate,
        BaseLearningRate = _group.InitialLearningRate!.Value,
        Children = SchedulerState.Capture(_schedulers),
    };

    /// <inheritdoc />
    public void SetState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ValidateCounters(nameof(state));
        state.ValidateChildren(_schedulers.Length, nameof(state));
        foreach (SchedulerState child in state.Children)
        {
            ArgumentNullException.ThrowIfNull(child, nameof(state));
            child.ValidateCounters(nameof(state));
            child.ValidateChildren(0, nameof(state));
        }

        for (int i = 0; i < _schedulers.Length; i++)
        {
            _schedulers[i].SetState(state.Children[i]);
        }

        _group.LearningRate = state.GroupLearningRate;
        LastEpoch = state.LastEpoch;
        LastLearningRate = state.LastLearningRate;
    }

    private int BisectRight(long epoch)
    {
        int index = 0;
        while (index < _milestones.Length && _milestones[index] <= epoch)
        {
            index++;
        }

        return index;
    }
}
