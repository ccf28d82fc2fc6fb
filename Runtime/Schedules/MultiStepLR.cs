using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// PyTorch's <c>MultiStepLR</c>: multiplies the learning rate by <see cref="Gamma"/> at each milestone
/// epoch (by γ^k at a milestone listed k times).
/// </summary>
public sealed class MultiStepLR : LearningRateScheduler
{
    private readonly int[] _milestones;

    /// <summary>Attaches to <paramref name="optimizer"/> and takes the initial step.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is scheduled.</param>
    /// <param name="milestones">The epochs at which to decay, in any order; repeats decay repeatedly; each at least 0.</param>
    /// <param name="gamma">The decay factor; finite and at least 0.</param>
    /// <exception cref="ArgumentException">An argument is null or out of range (the exception names it).</exception>
    public MultiStepLR(IOptimizer optimizer, IReadOnlyCollection<int> milestones, double gamma = 0.1)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        ScheduleArgument.NonNegative(gamma, nameof(gamma));
        _milestones = [.. milestones];
        foreach (int milestone in _milestones)
        {
            if (milestone < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(milestones), milestone, $"Invalid milestone {milestone}; expected epochs >= 0.");
            }
        }

        Array.Sort(_milestones);
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The milestones, sorted.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The decay factor.</summary>
    public double Gamma { get; }

    private protected override double ChainableLearningRate(double current)
    {
        int count = CountUpTo(LastEpoch) - CountUpTo(LastEpoch - 1);
        return count == 0 ? current : current * Math.Pow(Gamma, count);
    }

    private protected override double ClosedFormLearningRate(double current) =>
        BaseLearningRate * Math.Pow(Gamma, CountUpTo(LastEpoch));

    /// <summary>Python's <c>bisect_right(milestones, epoch)</c>: how many milestones are at most <paramref name="epoch"/>.</summary>
    private int CountUpTo(long epoch)
    {
        int low = 0, high = _milestones.Length;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (_milestones[mid] <= epoch)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
