using System;

namespace StaticGrad;

/// <summary>PyTorch's <c>ExponentialLR</c>: multiplies the learning rate by <see cref="Gamma"/> every epoch.</summary>
public sealed class ExponentialLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="gamma">The decay factor; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is out of range.</exception>
    public ExponentialLR(IOptimizer optimizer, double gamma)
        : base(optimizer)
    {
        ScheduleArgument.NonNegative(gamma, nameof(gamma));
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    private protected override double ChainableLearningRate(double current) =>
        LastEpoch == 0 ? current : current * Gamma;

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * Math.Pow(Gamma, LastEpoch);
}
