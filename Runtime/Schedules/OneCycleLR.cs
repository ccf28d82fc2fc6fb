using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>OneCycleLR</c>: from <c>max_lr / div_factor</c> up to <see cref="MaxLearningRate"/> over the
/// first <see cref="PercentStart"/> of <see cref="TotalSteps"/>, then down to <c>initial / final_div_factor</c>;
/// with <c>three_phase</c> it first comes back to the initial rate symmetrically, then anneals to the minimum.
/// With <c>cycle_momentum</c> (the default, as in PyTorch) the optimizer's momentum (SGD's and RMSprop's momentum, the β₁ of Adam, AdamW, Adamax, NAdam and RAdam)
/// moves the other way, from <c>max_momentum</c> down to <c>base_momentum</c> while the rate rises, and back.
/// Step it once per batch.
/// </summary>
/// <remarks>
/// Every rate an optimizer step uses (steps 0 to <c>totalSteps − 1</c>) is PyTorch's. After the last scheduled step
/// (the <see cref="TotalSteps"/>-th call of <see cref="LearningRateScheduler.Step"/>), PyTorch extrapolates the last
/// phase one step beyond its end, a value no optimizer step uses. With <see cref="AnnealStrategy.Cosine"/> that value
/// stays between the phase's end points and is kept. With <see cref="AnnealStrategy.Linear"/> it falls below the
/// final target (PyTorch gives −0.142857 for <c>max_lr</c> 1 over 10 steps), which the optimizer refuses; this class
/// holds the last phase's end rate (<see cref="MinLearningRate"/>) and end momentum there instead.
/// </remarks>
public sealed class OneCycleLR : LearningRateScheduler
{
    private readonly Phase[] _phases;
    private readonly IMomentumOptimizer? _momentum;

    /// <summary>Sets the optimizer's <c>initial_lr</c> to <c>maxLearningRate / divFactor</c> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="maxLearningRate">PyTorch's <c>max_lr</c>; finite and positive.</param>
    /// <param name="totalSteps">PyTorch's <c>total_steps</c> (epochs × steps per epoch); positive.</param>
    /// <param name="percentStart">PyTorch's <c>pct_start</c>: the fraction of steps spent increasing; in [0, 1].</param>
    /// <param name="annealStrategy">PyTorch's <c>anneal_strategy</c>.</param>
    /// <param name="divFactor">PyTorch's <c>div_factor</c>: initial = max / this; finite and positive.</param>
    /// <param name="finalDivFactor">PyTorch's <c>final_div_factor</c>: minimum = initial / this; finite and positive.</param>
    /// <param name="threePhase">PyTorch's <c>three_phase</c>.</param>
    /// <param name="cycleMomentum">PyTorch's <c>cycle_momentum</c>: cycle the optimizer's momentum inversely to the rate; the optimizer must then be an <see cref="IMomentumOptimizer"/>.</param>
    /// <param name="baseMomentum">PyTorch's <c>base_momentum</c>: the momentum at the peak rate.</param>
    /// <param name="maxMomentum">PyTorch's <c>max_momentum</c>: the momentum at the start and the end; at least <paramref name="baseMomentum"/>, at most 1 (below 1 for an optimizer whose momentum is β₁: Adam, AdamW, Adamax, NAdam, RAdam).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    /// <exception cref="ArgumentException"><paramref name="cycleMomentum"/> with an optimizer that has no momentum.</exception>
    public OneCycleLR(
        IOptimizer optimizer,
        double maxLearningRate,
        int totalSteps,
        double percentStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cosine,
        double divFactor = 25,
        double finalDivFactor = 1e4,
        bool threePhase = false,
        bool cycleMomentum = true,
        double baseMomentum = 0.85,
        double maxMomentum = 0.95)
        : base(optimizer, InitialLearningRate(maxLearningRate, divFactor, finalDivFactor))
    {
        if (cycleMomentum)
        {
            _momentum = optimizer as IMomentumOptimizer
                ?? throw new ArgumentException(
                    $"{optimizer.GetType().Name} has no momentum to cycle (PyTorch: optimizer must support momentum or beta1 with `cycle_momentum` option enabled); pass cycleMomentum: false.",
                    nameof(optimizer));
            ScheduleArgument.InRange(baseMomentum, 0, 1, nameof(baseMomentum));
            ScheduleArgument.InRange(maxMomentum, baseMomentum, 1, nameof(maxMomentum));
            if (_momentum is IScheduledMomentum && maxMomentum >= 1)
            {
                // Adam's and its kin's momentum is β₁, whose bias correction 1 - β₁ᵗ is 0 at 1.
                throw new ArgumentOutOfRangeException(
                    nameof(maxMomentum),
                    maxMomentum,
                    $"Invalid maxMomentum: 1; expected a value < 1: the momentum {optimizer.GetType().Name} cycles is its beta1, which must be below 1.");
            }
        }

        CycleMomentum = cycleMomentum;
        BaseMomentum = baseMomentum;
        MaxMomentum = maxMomentum;
        ScheduleArgument.Positive(totalSteps, nameof(totalSteps));
        ScheduleArgument.InRange(percentStart, 0, 1, nameof(percentStart));
        if (annealStrategy is not (AnnealStrategy.Cosine or AnnealStrategy.Linear))
        {
            throw new ArgumentOutOfRangeException(nameof(annealStrategy), annealStrategy, "Expected AnnealStrategy.Cosine or AnnealStrategy.Linear.");
        }

        MaxLearningRate = maxLearningRate;
        TotalSteps = totalSteps;
        PercentStart = percentStart;
        AnnealStrategy = annealStrategy;
        ThreePhase = threePhase;
        double initial = BaseLearningRate;
        double minimum = initial / finalDivFactor;
        MinLearningRate = minimum;
        double warmEnd = (percentStart * totalSteps) - 1;
        _phases = threePhase
            ?
            [
                new(warmEnd, initial, maxLearningRate, maxMomentum, baseMomentum),
                new((2 * percentStart * totalSteps) - 2, maxLearningRate, initial, baseMomentum, maxMomentum),
                new(totalSteps - 1, initial, minimum, maxMomentum, maxMomentum),
            ]
            :
            [
                new(warmEnd, initial, maxLearningRate, maxMomentum, baseMomentum),
                new(totalSteps - 1, maxLearningRate, minimum, baseMomentum, maxMomentum),
            ];
        InitialStep();
    }

    /// <summary>The peak learning rate.</summary>
    public double MaxLearningRate { get; }

    /// <summary>The final learning rate, <c>initial / final_div_factor</c>.</summary>
    public double MinLearningRate { get; }

    /// <summary>The number of steps in the cycle; stepping more than this many times throws, as in PyTorch.</summary>
    public int TotalSteps { get; }

    /// <summary>The fraction of steps spent increasing.</summary>
    public double PercentStart { get; }

    /// <summary>The annealing curve.</summary>
    public AnnealStrategy AnnealStrategy { get; }

    /// <summary>Whether the three-phase variant is used.</summary>
    public bool ThreePhase { get; }

    /// <summary>Whether the optimizer's momentum is cycled inversely to the rate.</summary>
    public bool CycleMomentum { get; }

    /// <summary>The momentum at the peak rate.</summary>
    public double BaseMomentum { get; }

    /// <summary>The momentum at the start and the end of the cycle.</summary>
    public double MaxMomentum { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long step = LastEpoch;
        if (step > TotalSteps)
        {
            throw new InvalidOperationException($"Tried to step {step + 1} times; the specified number of total steps is {TotalSteps}.");
        }

        if (step == TotalSteps && AnnealStrategy == AnnealStrategy.Linear)
        {
            // PyTorch extrapolates the last phase one step past its end here: a rate below the final target (often
            // negative) that no optimizer step uses. Hold the last phase's end values instead.
            Phase last = _phases[^1];
            SetMomentum(last.EndMomentum);

            return last.EndLearningRate;
        }

        double start = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            Phase phase = _phases[i];
            if (step <= phase.EndStep || i == _phases.Length - 1)
            {
                double pct = (step - start) / (phase.EndStep - start);
                // As PyTorch's get_lr does: the momentum of this step is set with the rate.
                SetMomentum(Anneal(phase.StartMomentum, phase.EndMomentum, pct));

                return Anneal(phase.StartLearningRate, phase.EndLearningRate, pct);
            }

            start = phase.EndStep;
        }

        throw new InvalidOperationException("Unreachable: the last phase always matches.");
    }

    /// <summary>
    /// SetState has put back the group's rate for <see cref="LearningRateScheduler.LastEpoch"/>; the momentum (or β₁) set
    /// with that rate follows from the same epoch and is put back too, else the next optimizer step would pair the
    /// restored rate with whatever momentum the optimizer has (the constructor's <see cref="MaxMomentum"/> when the
    /// scheduler was rebuilt). A wrapped scheduler that has not started (epoch -1 inside a SequentialLR) sets nothing.
    /// </summary>
    private protected override void Restored()
    {
        if (_momentum is not null && LastEpoch >= 0 && LastEpoch <= TotalSteps)
        {
            _ = ChainableLearningRate(LastLearningRate);
        }
    }

    /// <summary>The optimizer's momentum, as the float64 PyTorch's group would hold where the optimizer reads it so (Adam's β₁).</summary>
    private void SetMomentum(double value)
    {
        if (_momentum is IScheduledMomentum scheduled)
        {
            scheduled.SetScheduledMomentum(value);
        }
        else if (_momentum is not null)
        {
            _momentum.Momentum = (float)value;
        }
    }

    private double Anneal(double from, double to, double pct) => AnnealStrategy == AnnealStrategy.Cosine
        ? to + ((from - to) / 2.0 * (Math.Cos(Math.PI * pct) + 1))
        : ((to - from) * pct) + from;

    private static double InitialLearningRate(double maxLearningRate, double divFactor, double finalDivFactor)
    {
        ScheduleArgument.Positive(maxLearningRate, nameof(maxLearningRate));
        ScheduleArgument.LearningRate(maxLearningRate, nameof(maxLearningRate));
        ScheduleArgument.Positive(divFactor, nameof(divFactor));
        ScheduleArgument.Positive(finalDivFactor, nameof(finalDivFactor));
        return maxLearningRate / divFactor;
    }

    private readonly record struct Phase(double EndStep, double StartLearningRate, double EndLearningRate, double StartMomentum, double EndMomentum);
}
