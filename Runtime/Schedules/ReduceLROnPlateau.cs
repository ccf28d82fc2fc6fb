using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c>: after more than <see cref="Patience"/> steps without the metric
/// improving by the threshold, multiplies the learning rate by <see cref="Factor"/> (not below
/// <see cref="MinLearningRate"/>, and only if that changes it by more than <see cref="Epsilon"/>),
/// then ignores <see cref="Cooldown"/> steps. Step it with the validation metric, usually once per epoch.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly LearningRateGroup _group;

    /// <summary>Attaches to <paramref name="optimizer"/>; unlike the epoch schedules it does not change the learning rate until a plateau.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is reduced.</param>
    /// <param name="mode">Whether lower or higher metrics are better.</param>
    /// <param name="factor">The reduction factor; in [0, 1).</param>
    /// <param name="patience">Steps without improvement tolerated before a reduction; at least 0.</param>
    /// <param name="threshold">The minimum improvement that counts; finite and at least 0.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative or absolute.</param>
    /// <param name="cooldown">Steps after a reduction during which bad steps are not counted; at least 0.</param>
    /// <param name="minLearningRate">PyTorch's <c>min_lr</c>: the floor; finite and at least 0.</param>
    /// <param name="epsilon">PyTorch's <c>eps</c>: a reduction smaller than this is skipped; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public ReduceLROnPlateau(
        IOptimizer optimizer,
        PlateauMode mode = PlateauMode.Min,
        double factor = 0.1,
        int patience = 10,
        double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Relative,
        int cooldown = 0,
        double minLearningRate = 0,
        double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (mode is not (PlateauMode.Min or PlateauMode.Max))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected PlateauMode.Min or PlateauMode.Max.");
        }

        if (thresholdMode is not (ThresholdMode.Relative or ThresholdMode.Absolute))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, "Expected ThresholdMode.Relative or ThresholdMode.Absolute.");
        }

        if (!(factor >= 0 && factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"Invalid factor: {factor}; expected 0 <= factor < 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        ScheduleArgument.NonNegative(threshold, nameof(threshold));
        ScheduleArgument.LearningRate(minLearningRate, nameof(minLearningRate));
        ScheduleArgument.NonNegative(epsilon, nameof(epsilon));
        Optimizer = optimizer;
        _group = LearningRateGroup.Of(optimizer);
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Epsilon = epsilon;
        Best = WorstValue;
        LastLearningRate = _group.LearningRate;
    }

    /// <summary>The optimizer whose learning rate is reduced.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>Whether lower or higher metrics are better.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The reduction factor.</summary>
    public double Factor { get; }

    /// <summary>Steps without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The minimum improvement that counts.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Steps after a reduction during which bad steps are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>The learning-rate floor.</summary>
    public double MinLearningRate { get; }

    /// <summary>A reduction smaller than this is skipped.</summary>
    public double Epsilon { get; }

    /// <summary>The best metric so far (+∞ in min mode, −∞ in max mode, before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive steps without improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Steps of cooldown left (PyTorch's <c>cooldown_counter</c>).</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>PyTorch's <c>last_epoch</c>: the number of steps taken.</summary>
    public long LastEpoch { get; private set; }

    /// <summary>The learning rate after the last step, in float64.</summary>
    public double LastLearningRate { get; private set; }

    private double WorstValue => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records <paramref name="metric"/> and reduces the learning rate on a plateau. Allocates nothing.</summary>
    /// <param name="metric">This epoch's value of the monitored metric (e.g. the validation loss).</param>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }

        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }

        if (BadEpochs > Patience)
        {
            double old = _group.LearningRate;
            double reduced = Math.Max(old * Factor, MinLearningRate);
            if (old - reduced > Epsilon)
            {
                _group.LearningRate = reduced;
            }

            CooldownCounter = Cooldown;
            BadEpochs = 0;
        }

        LastLearningRate = _group.LearningRate;
    }

    /// <summary>Captures the plateau tracking and the learning rate (PyTorch's <c>state_dict()</c>).</summary>
    /// <returns>A snapshot that <see cref="SetState"/> restores.</returns>
    public SchedulerState GetState() => new()
    {
        LastEpoch = LastEpoch,
        LastLearningRate = LastLearningRate,
        GroupLearningRate = _group.LearningRate,
        Best = Best,
        BadEpochs = BadEpochs,
        CooldownCounter = CooldownCounter,
    };

    /// <summary>Restores a state captured by <see cref="GetState"/>, including the optimizer's learning rate.</summary>
    /// <param name="state">The snapshot.</param>
    /// <exception cref="ArgumentException">The state's counters or learning rates are out of range, or its best metric is NaN.</exception>
    public void SetState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.ValidateCounters(nameof(state));
        state.ValidateChildren(0, nameof(state));
        if (double.IsNaN(state.Best) || state.BadEpochs < 0 || state.CooldownCounter < 0)
        {
            throw new ArgumentException(
                $"The state has Best {state.Best}, BadEpochs {state.BadEpochs}, CooldownCounter {state.CooldownCounter}; expected a non-NaN best and counters >= 0.", nameof(state));
        }

        _group.LearningRate = state.GroupLearningRate;
        LastEpoch = state.LastEpoch;
        LastLearningRate = state.LastLearningRate;
        Best = state.Best;
        BadEpochs = state.BadEpochs;
        CooldownCounter = state.CooldownCounter;
    }

    private bool IsBetter(double value, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => value < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Absolute) => value < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Relative) => value > best * (Threshold + 1.0),
        _ => value > best + Threshold,
    };
}
