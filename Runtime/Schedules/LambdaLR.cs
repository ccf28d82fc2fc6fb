using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>LambdaLR</c>: the base learning rate times <c>lambda(epoch)</c>, with the epoch index
/// PyTorch passes (0 at construction, then 1, 2, … per <see cref="LearningRateScheduler.Step"/>; 0 again at a
/// <see cref="SequentialLR"/> milestone that starts this schedule).
/// </summary>
/// <remarks>
/// The function is not part of the <see cref="SchedulerState"/> (PyTorch's <c>state_dict</c> leaves plain
/// lambdas out too): build the scheduler with the same function before restoring a state. It must return a
/// finite value such that the rate is at least 0, which the optimizer requires.
/// </remarks>
public sealed class LambdaLR : LearningRateScheduler
{
    private readonly Func<int, double> _lambda;

    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step (which calls <paramref name="lambda"/> with 0).</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="lambda">PyTorch's <c>lr_lambda</c>: the factor of the base learning rate at an epoch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lambda"/> is null.</exception>
    public LambdaLR(IOptimizer optimizer, Func<int, double> lambda)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        _lambda = lambda;
        InitialStep();
    }

    private protected override double ChainableLearningRate(double current) => BaseLearningRate * _lambda(checked((int)LastEpoch));
}
