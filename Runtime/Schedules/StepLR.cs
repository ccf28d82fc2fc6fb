using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>StepLR</c>: multiplies the learning rate by <see cref="Gamma"/> every
/// <see cref="StepSize"/> epochs (<c>lr = base · γ^⌊epoch / step_size⌋</c>, applied step by step).
/// </summary>
public sealed class StepLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="stepSize">PyTorch's <c>step_size</c>: epochs between decays; positive.</param>
    /// <param name="gamma">The decay factor; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        ScheduleArgument.Positive(stepSize, nameof(stepSize));
        ScheduleArgument.NonNegative(gamma, nameof(gamma));
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    private protected override double ChainableLearningRate(double current) =>
        LastEpoch == 0 || LastEpoch % StepSize != 0 ? current : current * Gamma;

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * Math.Pow(Gamma, LastEpoch / StepSize);
}
