using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>PolynomialLR</c>: decays the base learning rate to 0 over <see cref="TotalIters"/> epochs,
/// <c>η = η_base · (1 − min(epoch, total_iters)/total_iters)^power</c>, computed with PyTorch 1.13's recursive
/// form step by step (0 from epoch <see cref="TotalIters"/> on).
/// </summary>
public sealed class PolynomialLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="totalIters">Epochs of the decay; positive (0 would divide by zero in PyTorch's closed form).</param>
    /// <param name="power">The polynomial's power; finite and at least 0 (PyTorch raises 0 to a negative power at <paramref name="totalIters"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public PolynomialLR(IOptimizer optimizer, int totalIters = 5, double power = 1)
        : base(optimizer)
    {
        ScheduleArgument.Positive(totalIters, nameof(totalIters));
        ScheduleArgument.NonNegative(power, nameof(power));
        TotalIters = totalIters;
        Power = power;
        InitialStep();
    }

    /// <summary>Epochs of the decay.</summary>
    public int TotalIters { get; }

    /// <summary>The polynomial's power.</summary>
    public double Power { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long epoch = LastEpoch;
        if (epoch == 0 || epoch > TotalIters)
        {
            return current;
        }

        double decay = Math.Pow((1.0 - ((double)epoch / TotalIters)) / (1.0 - ((double)(epoch - 1) / TotalIters)), Power);
        return current * decay;
    }

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * Math.Pow(1.0 - ((double)Math.Min(TotalIters, LastEpoch) / TotalIters), Power);
}
