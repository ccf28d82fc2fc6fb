using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>CyclicLR</c>: the learning rate goes linearly from <see cref="LearningRateScheduler.BaseLearningRate"/>
/// up to <see cref="MaxLearningRate"/> over <see cref="StepSizeUp"/> steps and back down over <see cref="StepSizeDown"/>,
/// the height of each cycle scaled as <see cref="Mode"/> says. With <c>cycle_momentum</c> (the default, as in PyTorch)
/// SGD's momentum moves the other way, from <see cref="MaxMomentum"/> down to <see cref="BaseMomentum"/> while the rate
/// rises, and back. Step it once per batch.
/// </summary>
/// <remarks>
/// PyTorch 1.13 cycles only an optimizer with a <c>momentum</c> setting (SGD, RMSprop; Adam's β₁ only from PyTorch 2.0),
/// so <c>cycleMomentum</c> needs an <see cref="Sgd"/> or an <see cref="RMSprop"/> here too; with other optimizers pass
/// <c>cycleMomentum: false</c>.
/// A custom <c>scale_fn</c> is not supported. As in PyTorch, construction sets the optimizer's learning rate to the base
/// learning rate (and, with momentum cycling, its momentum to the base momentum) before the initial step.
/// </remarks>
public sealed class CyclicLR : LearningRateScheduler
{
    private readonly IMomentumOptimizer? _momentum;
    private readonly double _totalSize;
    private readonly double _stepRatio;

    /// <summary>Sets the optimizer's learning rate to <paramref name="baseLearningRate"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="baseLearningRate">PyTorch's <c>base_lr</c>: the lower end of the cycle; finite and at least 0.</param>
    /// <param name="maxLearningRate">PyTorch's <c>max_lr</c>: the upper end of the cycle; finite and at least 0.</param>
    /// <param name="stepSizeUp">PyTorch's <c>step_size_up</c>: steps from the lower to the upper end; positive.</param>
    /// <param name="stepSizeDown">PyTorch's <c>step_size_down</c>: steps back down; positive, or null for <paramref name="stepSizeUp"/>.</param>
    /// <param name="mode">PyTorch's <c>mode</c>.</param>
    /// <param name="gamma">PyTorch's <c>gamma</c>, the factor of <see cref="CyclicMode.ExpRange"/>; finite and at least 0.</param>
    /// <param name="cycleMomentum">PyTorch's <c>cycle_momentum</c>: cycle SGD's or RMSprop's momentum inversely to the rate; the optimizer must then be an <see cref="Sgd"/> or an <see cref="RMSprop"/>.</param>
    /// <param name="baseMomentum">PyTorch's <c>base_momentum</c>: the momentum at the upper end of the rate; in [0, 1].</param>
    /// <param name="maxMomentum">PyTorch's <c>max_momentum</c>: the momentum at the lower end of the rate; in [<paramref name="baseMomentum"/>, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    /// <exception cref="ArgumentException"><paramref name="cycleMomentum"/> with an optimizer other than <see cref="Sgd"/> or <see cref="RMSprop"/>.</exception>
    public CyclicLR(
        IOptimizer optimizer,
        double baseLearningRate,
        double maxLearningRate,
        int stepSizeUp = 2000,
        int? stepSizeDown = null,
        CyclicMode mode = CyclicMode.Triangular,
        double gamma = 1,
        bool cycleMomentum = true,
        double baseMomentum = 0.8,
        double maxMomentum = 0.9)
        : base(StartAt(optimizer, baseLearningRate, maxLearningRate, stepSizeUp, stepSizeDown, mode, gamma, cycleMomentum, baseMomentum, maxMomentum))
    {
        if (cycleMomentum)
        {
            _momentum = MomentumToCycle(optimizer)!;
            _momentum.Momentum = (float)baseMomentum;
        }

        MaxLearningRate = maxLearningRate;
        StepSizeUp = stepSizeUp;
        StepSizeDown = stepSizeDown ?? stepSizeUp;
        Mode = mode;
        Gamma = gamma;
        CycleMomentum = cycleMomentum;
        BaseMomentum = baseMomentum;
        MaxMomentum = maxMomentum;
        _totalSize = (double)StepSizeUp + StepSizeDown;
        _stepRatio = StepSizeUp / _totalSize;

        // As PyTorch: the initial step uses the base_lrs of _LRScheduler (initial_lr, which another scheduler of the
        // optimizer may have set before), and only then does CyclicLR set base_lrs to base_lr.
        InitialStep();
        BaseLearningRate = baseLearningRate;
    }

    /// <summary>The upper end of the cycle.</summary>
    public double MaxLearningRate { get; }

    /// <summary>Steps from the lower to the upper end.</summary>
    public int StepSizeUp { get; }

    /// <summary>Steps from the upper back to the lower end.</summary>
    public int StepSizeDown { get; }

    /// <summary>How the height of the cycles is scaled.</summary>
    public CyclicMode Mode { get; }

    /// <summary>The factor of <see cref="CyclicMode.ExpRange"/>.</summary>
    public double Gamma { get; }

    /// <summary>Whether SGD's momentum is cycled inversely to the rate.</summary>
    public bool CycleMomentum { get; }

    /// <summary>The momentum at the upper end of the rate.</summary>
    public double BaseMomentum { get; }

    /// <summary>The momentum at the lower end of the rate.</summary>
    public double MaxMomentum { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long step = LastEpoch;
        double cycle = Math.Floor(1 + (step / _totalSize));
        double x = 1.0 + (step / _totalSize) - cycle;
        double scaleFactor = x <= _stepRatio ? x / _stepRatio : (x - 1) / (_stepRatio - 1);
        double scale = Mode switch
        {
            CyclicMode.Triangular => 1.0,
            CyclicMode.Triangular2 => 1 / Math.Pow(2.0, cycle - 1),
            _ => Math.Pow(Gamma, step),
        };

        if (_momentum is not null)
        {
            // As PyTorch's get_lr does: the momentum of this step is set with the rate.
            _momentum.Momentum = (float)(MaxMomentum - ((MaxMomentum - BaseMomentum) * scaleFactor * scale));
        }

        return BaseLearningRate + ((MaxLearningRate - BaseLearningRate) * scaleFactor * scale);
    }

    /// <summary>
    /// SetState has put back the group's rate for <see cref="LearningRateScheduler.LastEpoch"/>; the momentum set with
    /// that rate follows from the same epoch and is put back too, so the next optimizer step pairs them as an
    /// uninterrupted run does. A wrapped scheduler that has not started (epoch -1 inside a SequentialLR) sets nothing.
    /// </summary>
    private protected override void Restored()
    {
        if (_momentum is not null && LastEpoch >= 0)
        {
            _ = ChainableLearningRate(LastLearningRate);
        }
    }

    /// <summary>
    /// Checks every argument, then PyTorch's <c>group['lr'] = base_lr</c> before <c>_LRScheduler</c> records
    /// <c>initial_lr</c>: a refused schedule leaves the optimizer as it was.
    /// </summary>
    private static IOptimizer StartAt(
        IOptimizer optimizer, double baseLearningRate, double maxLearningRate, int stepSizeUp, int? stepSizeDown, CyclicMode mode, double gamma, bool cycleMomentum, double baseMomentum, double maxMomentum)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ScheduleArgument.LearningRate(baseLearningRate, nameof(baseLearningRate));
        ScheduleArgument.LearningRate(maxLearningRate, nameof(maxLearningRate));
        ScheduleArgument.Positive(stepSizeUp, nameof(stepSizeUp));
        ScheduleArgument.Positive(stepSizeDown ?? stepSizeUp, nameof(stepSizeDown));
        ScheduleArgument.NonNegative(gamma, nameof(gamma));
        if (mode is not (CyclicMode.Triangular or CyclicMode.Triangular2 or CyclicMode.ExpRange))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected CyclicMode.Triangular, Triangular2 or ExpRange.");
        }

        if (cycleMomentum)
        {
            _ = MomentumToCycle(optimizer)
                ?? throw new ArgumentException($"{optimizer.GetType().Name} has no momentum setting to cycle (PyTorch 1.13: optimizer must support momentum with `cycle_momentum` option enabled); pass cycleMomentum: false.", nameof(optimizer));
            ScheduleArgument.InRange(baseMomentum, 0, 1, nameof(baseMomentum));
            ScheduleArgument.InRange(maxMomentum, baseMomentum, 1, nameof(maxMomentum));
        }

        LearningRateGroup.Of(optimizer).LearningRate = baseLearningRate;
        return optimizer;
    }

    /// <summary>
    /// The momentum setting PyTorch 1.13 cycles, SGD's and RMSprop's, or null: not the β₁ of Adam, Adamax, NAdam or RAdam.
    /// </summary>
    private static IMomentumOptimizer? MomentumToCycle(IOptimizer optimizer)
        => optimizer is AdamBase or FirstMomentOptimizer ? null : optimizer as IMomentumOptimizer;
}
