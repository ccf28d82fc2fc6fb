using System;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>OneCycleLR</c> (learning rate only, i.e. <c>cycle_momentum=False</c>): from
/// <c>max_lr / div_factor</c> up to <see cref="MaxLearningRate"/> over the first
/// <see cref="PercentStart"/> of <see cref="TotalSteps"/>, then down to
/// <c>initial / final_div_factor</c>; with <c>three_phase</c> it first comes back to the initial rate
/// symmetrically, then anneals to the minimum. Step it once per batch.
/// </summary>
public sealed class OneCycleLR : LearningRateScheduler
{
    private readonly Phase[] _phases;

    /// <summary>Sets the optimizer's <c>initial_lr</c> to <c>maxLearningRate / divFactor</c> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="maxLearningRate">PyTorch's <c>max_lr</c>; finite and positive.</param>
    /// <param name="totalSteps">PyTorch's <c>total_steps</c> (epochs × steps per epoch); positive.</param>
    /// <param name="percentStart">PyTorch's <c>pct_start</c>: the fraction of steps spent increasing; in [0, 1].</param>
    /// <param name="annealStrategy">PyTorch's <c>anneal_strategy</c>.</param>
    /// <param name="divFactor">PyTorch's <c>div_factor</c>: initial = max / this; finite and positive.</param>
    /// <param name="finalDivFactor">PyTorch's <c>final_div_factor</c>: minimum = initial / this; finite and positive.</param>
    /// <param name="threePhase">PyTorch's <c>three_phase</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range (the exception names it).</exception>
    public OneCycleLR(
        IOptimizer optimizer,
        double maxLearningRate,
        int totalSteps,
        double percentStart = 0.3,
        AnnealStrategy annealStrategy = AnnealStrategy.Cosine,
        double divFactor = 25,
        double finalDivFactor = 1e4,
        bool threePhase = false)
        : base(optimizer, InitialLearningRate(maxLearningRate, divFactor, finalDivFactor))
    {
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
                new(warmEnd, initial, maxLearningRate),
                new((2 * percentStart * totalSteps) - 2, maxLearningRate, initial),
                new(totalSteps - 1, initial, minimum),
            ]
            :
            [
                new(warmEnd, initial, maxLearningRate),
                new(totalSteps - 1, maxLearningRate, minimum),
            ];
        InitialStep();
    }

    /// <summary>The peak learning rate.</summary>
    public double MaxLearningRate { get; }

    /// <summary>The final learning rate, <c>initial / final_div_factor</c>.</summary>
    public double MinLearningRate { get; }

    /// <summary>The number of steps in the cycle; stepping past it throws, as in PyTorch.</summary>
    public int TotalSteps { get; }

    /// <summary>The fraction of steps spent increasing.</summary>
    public double PercentStart { get; }

    /// <summary>The annealing curve.</summary>
    public AnnealStrategy AnnealStrategy { get; }

    /// <summary>Whether the three-phase variant is used.</summary>
    public bool ThreePhase { get; }

    private protected override double ChainableLearningRate(double current)
    {
        long step = LastEpoch;
        if (step > TotalSteps)
        {
            throw new InvalidOperationException($"Tried to step {step + 1} times; the specified number of total steps is {TotalSteps}.");
        }

        double start = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            Phase phase = _phases[i];
            if (step <= phase.EndStep || i == _phases.Length - 1)
            {
                double pct = (step - start) / (phase.EndStep - start);
                return AnnealStrategy == AnnealStrategy.Cosine
                    ? phase.EndLearningRate + ((phase.StartLearningRate - phase.EndLearningRate) / 2.0 * (Math.Cos(Math.PI * pct) + 1))
                    : ((phase.EndLearningRate - phase.StartLearningRate) * pct) + phase.StartLearningRate;
            }

            start = phase.EndStep;
        }

        throw new InvalidOperationException("Unreachable: the last phase always matches.");
    }

    private static double InitialLearningRate(double maxLearningRate, double divFactor, double finalDivFactor)
    {
        ScheduleArgument.Positive(maxLearningRate, nameof(maxLearningRate));
        ScheduleArgument.Positive(divFactor, nameof(divFactor));
        ScheduleArgument.Positive(finalDivFactor, nameof(finalDivFactor));
        return maxLearningRate / divFactor;
    }

    private readonly record struct Phase(double EndStep, double StartLearningRate, double EndLearningRate);
}
