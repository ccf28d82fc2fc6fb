using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>ConstantLR</c>: the base learning rate times <see cref="Factor"/> for the first
/// <see cref="TotalIters"/> epochs, then the base rate again (PyTorch 1.13's recursive form: at epoch
/// <see cref="TotalIters"/> the rate is multiplied by <c>1 / factor</c>).
/// </summary>
public sealed class ConstantLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step (which applies <paramref name="factor"/>).</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="factor">The factor until epoch <paramref name="totalIters"/>; in (0, 1] (PyTorch accepts 0, then divides by zero at <paramref name="totalIters"/>).</param>
    /// <param name="totalIters">Epochs with the factor; at least 0 (with 0, PyTorch's recursion keeps the factor for good).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public ConstantLR(IOptimizer optimizer, double factor = 1.0 / 3, int totalIters = 5)
        : base(optimizer)
    {
        ScheduleArgument.AboveZeroAtMost(factor, 1, nameof(factor));
        ScheduleArgument.AtLeast(totalIters, 0, nameof(totalIters));
        Factor = factor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>The factor until epoch <see cref="TotalIters"/>.</summary>
    public double Factor { get; }

    /// <summary>Epochs with the factor.</summary>
    public int TotalIters { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long epoch = LastEpoch;
        if (epoch == 0)
        {
            return current * Factor;
        }

        return epoch == TotalIters ? current * (1.0 / Factor) : current;
    }

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * (Factor + (LastEpoch >= TotalIters ? 1 - Factor : 0));
}
