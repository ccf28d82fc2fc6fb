using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Training;

namespace StaticGrad;

/// <summary>
/// A snapshot of a learning-rate scheduler, the counterpart of PyTorch's <c>scheduler.state_dict()</c>:
/// the counters, the base and current learning rates in float64, <see cref="ReduceLROnPlateau"/>'s
/// plateau tracking, and the states of the schedulers a <see cref="SequentialLR"/> or
/// <see cref="ChainedScheduler"/> wraps. Restoring it into a scheduler built with the same settings
/// (<c>SetState</c>) continues the schedule bit for bit.
/// </summary>
public sealed class SchedulerState
{
    /// <summary>PyTorch's <c>last_epoch</c>: the number of <c>Step</c> calls since the start (-1 before the first, internal, step).</summary>
    public long LastEpoch { get; init; }

    /// <summary>PyTorch's <c>_step_count</c>: steps taken including the initial one (0 for <see cref="ReduceLROnPlateau"/> and the wrappers).</summary>
    public long StepCount { get; init; }

    /// <summary>PyTorch's <c>base_lrs[0]</c>, the learning rate the schedule starts from (0 for <see cref="ReduceLROnPlateau"/> and <see cref="ChainedScheduler"/>).</summary>
    public double BaseLearningRate { get; init; }

    /// <summary>The learning rate this scheduler last set (PyTorch's <c>get_last_lr()[0]</c>).</summary>
    public double LastLearningRate { get; init; }

    /// <summary>The optimizer group's learning rate (<c>group['lr']</c>, float64) when the snapshot was taken.</summary>
    public double GroupLearningRate { get; init; }

    /// <summary><see cref="ReduceLROnPlateau"/>: the best metric so far (±∞ before the first step); 0 for other schedulers.</summary>
    public double Best { get; init; }

    /// <summary><see cref="ReduceLROnPlateau"/>: consecutive steps without improvement; 0 for other schedulers.</summary>
    public int BadEpochs { get; init; }

    /// <summary><see cref="ReduceLROnPlateau"/>: steps of cooldown left; 0 for other schedulers.</summary>
    public int CooldownCounter { get; init; }

    /// <summary>The wrapped schedulers' states, in order (empty unless the scheduler wraps others).</summary>
    public IReadOnlyList<SchedulerState> Children { get; init; } = [];

    /// <summary>
    /// This state as one line of text, exact to the bit (each float64 as the 16 hexadecimal digits of its bits, the wrapped
    /// schedulers' states in parentheses): what the <see cref="Trainer"/> stores in its checkpoints' metadata, for a
    /// hand-written loop to store the same way (<c>TrainingCheckpoint.Capture(..., metadata)</c>) and read back with
    /// <see cref="Parse"/>.
    /// </summary>
    /// <returns>The text, ASCII, without line breaks.</returns>
    public string ToText() => SchedulerStateText.Format(this);

    /// <summary>Reads the text <see cref="ToText"/> wrote: the same state, bit for bit.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The state; pass it to the scheduler's <c>SetState</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not what <see cref="ToText"/> writes (the message says where), or its wrapped schedulers' states nest more than 32 levels deep.</exception>
    public static SchedulerState Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return SchedulerStateText.Parse(text, "The scheduler state text");
        }
        catch (InvalidDataException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>The states of <paramref name="schedulers"/>, in order, for <see cref="Children"/>.</summary>
    internal static SchedulerState[] Capture(IReadOnlyList<ILearningRateScheduler> schedulers)
    {
        var states = new SchedulerState[schedulers.Count];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = schedulers[i].GetState();
        }

        return states;
    }

    /// <summary>Throws unless <see cref="Children"/> has <paramref name="expected"/> entries.</summary>
    internal void ValidateChildren(int expected, string paramName)
    {
        if (Children is null || Children.Count != expected)
        {
            throw new ArgumentException(
                $"The state has {Children?.Count ?? 0} child scheduler states; expected {expected} (one per wrapped scheduler).", paramName);
        }
    }

    /// <summary>Throws unless the learning rates are finite and non-negative and the counters are in range.</summary>
    internal void ValidateCounters(string paramName)
    {
        if (LastEpoch < -1 || StepCount < 0)
        {
            throw new ArgumentException($"The state has LastEpoch {LastEpoch} and StepCount {StepCount}; expected LastEpoch >= -1 and StepCount >= 0.", paramName);
        }

        if (!(double.IsFinite(GroupLearningRate) && GroupLearningRate >= 0) || !(double.IsFinite(LastLearningRate) && LastLearningRate >= 0)
            || !(double.IsFinite(BaseLearningRate) && BaseLearningRate >= 0))
        {
            throw new ArgumentException(
                $"The state has learning rates base {BaseLearningRate}, last {LastLearningRate}, group {GroupLearningRate}; expected finite values >= 0.", paramName);
        }
    }
}
