using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>LinearLR</c>, the usual warm-up: scales the base learning rate by a factor that moves
/// linearly from <see cref="StartFactor"/> to <see cref="EndFactor"/> over <see cref="TotalIters"/>
/// epochs, then stays there (PyTorch 1.13's recursive form, step by step).
/// </summary>
public sealed class LinearLR : LearningRateScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step (which applies <paramref name="startFactor"/>).</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="startFactor">The factor at epoch 0; in (0, 1] (0 would divide by zero in PyTorch's recursion).</param>
    /// <param name="endFactor">The factor from epoch <paramref name="totalIters"/> on; in [0, 1].</param>
    /// <param name="totalIters">Epochs of the linear change; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public LinearLR(IOptimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
        : base(optimizer)
    {
        ScheduleArgument.AboveZeroAtMost(startFactor, 1, nameof(startFactor));
        ScheduleArgument.InRange(endFactor, 0, 1, nameof(endFactor));
        ScheduleArgument.Positive(totalIters, nameof(totalIters));
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>The factor at epoch 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from epoch <see cref="TotalIters"/> on.</summary>
    public double EndFactor { get; }

    /// <summary>Epochs of the linear change.</summary>
    public int TotalIters { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long epoch = LastEpoch;
        if (epoch == 0)
        {
            return current * StartFactor;
        }

        if (epoch > TotalIters)
        {
            return current;
        }

        double delta = EndFactor - StartFactor;
        return current * (1.0 + (delta / ((TotalIters * StartFactor) + ((epoch - 1) * delta))));
    }

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * (StartFactor + ((EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters));
}
