using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>MultiplicativeLR</c>: from epoch 1 on, each <see cref="LearningRateScheduler.Step"/> multiplies the
/// learning rate by <c>lambda(epoch)</c> (the epoch index PyTorch passes: 1, 2, …; the initial step, and a
/// <see cref="SequentialLR"/> milestone that starts this schedule, leave the rate as it is).
/// </summary>
/// <remarks>
/// The function is not part of the <see cref="SchedulerState"/> (PyTorch's <c>state_dict</c> leaves plain
/// lambdas out too): build the scheduler with the same function before restoring a state. It must return a
/// finite value at least 0, which the optimizer requires of the rate.
/// </remarks>
public sealed class MultiplicativeLR : LearningRateScheduler
{
    private readonly Func<int, double> _lambda;

    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step (which does not call <paramref name="lambda"/>).</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="lambda">PyTorch's <c>lr_lambda</c>: the factor applied at an epoch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="lambda"/> is null.</exception>
    public MultiplicativeLR(IOptimizer optimizer, Func<int, double> lambda)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        _lambda = lambda;
        InitialStep();
    }

    private protected override double ChainableLearningRate(double current) =>
        LastEpoch > 0 ? current * _lambda(checked((int)LastEpoch)) : current;
}
