using System;

namespace StaticGrad.Training;

/// <summary>
/// Stops training when a monitored metric has not improved for <see cref="Patience"/> epochs, like Keras'
/// <c>EarlyStopping(monitor, min_delta, patience, restore_best_weights)</c>: an epoch improves when its value is below
/// the best so far by more than <see cref="MinDelta"/> (above it, for accuracy). With <see cref="RestoreBestWeights"/>
/// the <see cref="Trainer"/> puts the best epoch's parameters and buffers (batch norm's running statistics) back when
/// training ends, whether stopped early or not, and keeps the last epoch's for its checkpoints and a later
/// <see cref="Trainer.Fit"/>, which continue the run from them.
/// </summary>
/// <remarks>
/// An instance keeps its state (<see cref="Best"/>, <see cref="BestEpoch"/>, <see cref="Wait"/>); use one per run. One
/// difference from Keras: when no epoch improves (every value NaN), Keras 3 puts the first epoch's weights back, and this
/// rule has no best epoch, so the trainer keeps the last epoch's.
/// </remarks>
public sealed class EarlyStopping
{
    /// <summary>Creates the rule.</summary>
    /// <param name="monitor">The metric to watch.</param>
    /// <param name="patience">Epochs without improvement tolerated before stopping; at least 0 (0, as in Keras, stops at the first epoch that does not improve).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement; finite and at least 0.</param>
    /// <param name="restoreBestWeights">Put the best epoch's parameters and buffers (batch norm's running statistics) back when training ends.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public EarlyStopping(MonitoredMetric monitor = MonitoredMetric.ValidationLoss, int patience = 5, double minDelta = 0, bool restoreBestWeights = true)
    {
        if (!Enum.IsDefined(monitor))
        {
            throw new ArgumentOutOfRangeException(nameof(monitor), monitor, "Expected ValidationLoss, ValidationAccuracy or TrainingLoss.");
        }

        if (patience < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "Expected 0 or more epochs without improvement (0 stops at the first epoch that does not improve).");
        }

        if (!(double.IsFinite(minDelta) && minDelta >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "Expected a finite value >= 0.");
        }

        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
        Best = HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>The metric watched.</summary>
    public MonitoredMetric Monitor { get; }

    /// <summary>Epochs without improvement tolerated before stopping (0: stop at the first one).</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Whether the best epoch's parameters and buffers are put back when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Whether larger values of <see cref="Monitor"/> are better (accuracy).</summary>
    public bool HigherIsBetter => Monitor == MonitoredMetric.ValidationAccuracy;

    /// <summary>The best value so far (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>The epoch of <see cref="Best"/> (0 before the first improvement).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>
    /// Whether the patience has run out: at least one epoch, and at least <see cref="Patience"/>, without improvement, and
    /// never at the first epoch (as Keras: a first epoch whose value is NaN does not stop the run at once).
    /// </summary>
    /// <remarks>
    /// The epoch of the last <see cref="Update"/> is <see cref="BestEpoch"/> + <see cref="Wait"/> (epochs are 1-based and
    /// consecutive; <see cref="BestEpoch"/> is 0 before any improvement), so the rule holds after <see cref="SetState"/> too.
    /// </remarks>
    public bool ShouldStop => Wait > 0 && Wait >= Patience && BestEpoch + Wait >= 2;

    /// <summary>Records an epoch's value.</summary>
    /// <param name="epoch">The epoch, 1-based.</param>
    /// <param name="value">Its value of <see cref="Monitor"/>; NaN never improves.</param>
    /// <returns>True if the epoch improved on the best so far.</returns>
    public bool Update(int epoch, double value)
    {
        bool improved = HigherIsBetter ? value - MinDelta > Best : value + MinDelta < Best;
        if (improved)
        {
            Best = value;
            BestEpoch = epoch;
            Wait = 0;
        }
        else
        {
            Wait++;
        }

        return improved;
    }

    /// <summary>Restores the state of a run saved in a checkpoint.</summary>
    /// <param name="best">The best value.</param>
    /// <param name="bestEpoch">Its epoch; at least 0.</param>
    /// <param name="wait">Epochs since; at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A counter is negative or <paramref name="best"/> is NaN.</exception>
    public void SetState(double best, int bestEpoch, int wait)
    {
        if (double.IsNaN(best))
        {
            throw new ArgumentOutOfRangeException(nameof(best), best, "Expected a number or an infinity, not NaN.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(bestEpoch);
        ArgumentOutOfRangeException.ThrowIfNegative(wait);
        Best = best;
        BestEpoch = bestEpoch;
        Wait = wait;
    }
}
