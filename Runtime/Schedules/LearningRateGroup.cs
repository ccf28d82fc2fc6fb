using System.Runtime.CompilerServices;

namespace StaticGrad;

/// <summary>
/// The learning-rate entries of an optimizer's (single) parameter group as PyTorch keeps them:
/// <c>group['lr']</c> and <c>group['initial_lr']</c> as float64, shared by every scheduler of that
/// optimizer, so chained schedulers see each other's changes in full precision. The optimizer itself
/// holds the float the step uses; a value set on it directly is picked up as its decimal value.
/// </summary>
internal sealed class LearningRateGroup
{
    private static readonly ConditionalWeakTable<IOptimizer, LearningRateGroup> s_groups = new();

    private readonly IOptimizer _optimizer;
    private double _learningRate;

    private LearningRateGroup(IOptimizer optimizer)
    {
        _optimizer = optimizer;
        _learningRate = HyperParameter.ToDouble(optimizer.LearningRate);
    }

    /// <summary>PyTorch's <c>group['initial_lr']</c>: set by the first scheduler (or by <see cref="OneCycleLR"/>); null before.</summary>
    public double? InitialLearningRate { get; set; }

    /// <summary>
    /// PyTorch's <c>group['lr']</c> in float64. Setting it also sets the optimizer's float
    /// <see cref="IOptimizer.LearningRate"/> (which rejects a negative or NaN value).
    /// </summary>
    public double LearningRate
    {
        get
        {
            float used = _optimizer.LearningRate;
            if ((float)_learningRate != used)
            {
                // Changed on the optimizer behind the schedulers' back: take its value.
                _learningRate = HyperParameter.ToDouble(used);
            }

            return _learningRate;
        }

        set
        {
            _optimizer.LearningRate = (float)value;
            _learningRate = value;
        }
    }

    /// <summary>
    /// The float64 learning rate of <paramref name="optimizer"/>'s step where a scheduler drives it: PyTorch's
    /// <c>group['lr']</c>, which Adam, AdamW, Adamax, NAdam and Adagrad use in float64 arithmetic (<c>lr / (1 - β₁ᵗ)</c>),
    /// so a scheduled rate must not go through the optimizer's float. False without a scheduler.
    /// </summary>
    public static bool TryGetLearningRate(IOptimizer optimizer, out double learningRate)
    {
        if (s_groups.TryGetValue(optimizer, out LearningRateGroup? group))
        {
            learningRate = group.LearningRate;
            return true;
        }

        learningRate = 0;
        return false;
    }

    /// <summary>The group of <paramref name="optimizer"/>, created on first use.</summary>
    public static LearningRateGroup Of(IOptimizer optimizer) =>
        s_groups.GetValue(optimizer, static o => new LearningRateGroup(o));
}
