using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c>: <c>η = η_min + (η_base − η_min)(1 + cos(π·epoch/T_max))/2</c>,
/// computed with PyTorch 1.13's recursive form step by step (so past <see cref="TMax"/> it rises again,
/// with the same float64 rounding as PyTorch).
/// </summary>
public sealed class CosineAnnealingLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="tMax">PyTorch's <c>T_max</c>: epochs from the base to the minimum; positive.</param>
    /// <param name="etaMin">PyTorch's <c>eta_min</c>: the minimum learning rate; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public CosineAnnealingLR(IOptimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        ScheduleArgument.Positive(tMax, nameof(tMax));
        ScheduleArgument.LearningRate(etaMin, nameof(etaMin));
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    /// <summary>Epochs from the base learning rate to the minimum.</summary>
    public int TMax { get; }

    /// <summary>The minimum learning rate.</summary>
    public double EtaMin { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long epoch = LastEpoch;
        if (epoch == 0)
        {
            return current;
        }

        // Python's (epoch - 1 - T_max) % (2 T_max) == 0, with a floored modulo.
        long period = 2L * TMax;
        long phase = (((epoch - 1 - TMax) % period) + period) % period;
        if (phase == 0)
        {
            return current + ((BaseLearningRate - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2);
        }

        return ((1 + Math.Cos(Math.PI * epoch / TMax)) / (1 + Math.Cos(Math.PI * (epoch - 1) / TMax)) * (current - EtaMin)) + EtaMin;
    }

    private protected override double ClosedFormLearningRate(double current) =>
        EtaMin + ((BaseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2);
}
