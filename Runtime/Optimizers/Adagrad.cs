using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// Adagrad (Duchi, Hazan and Singer) with learning-rate decay and (coupled) weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.Adagrad</c> on dense gradients: at a tensor's step <c>t</c>, <c>g = ∇ + wd·θ</c>, <c>s = s + g²</c>,
/// <c>θ -= clr · g / (√s + ε)</c> with <c>clr = lr / (1 + (t - 1)·lr_decay)</c>.
/// </summary>
/// <remarks>
/// <c>clr</c> is computed in double from the hyperparameters' decimal values (as PyTorch computes it from Python floats),
/// then cast to float. Each tensor's learning-rate decay uses its own step count, as PyTorch keeps <c>state['step']</c>
/// per parameter: a tensor frozen for some steps decays less. The accumulator <c>sum</c> is allocated by the
/// constructor, filled with the initial accumulator value.
/// </remarks>
public sealed class Adagrad : ElementwiseOptimizer
{
    private readonly double _learningRateDecay;

    /// <summary>Creates the optimizer and allocates its accumulator (PyTorch's <c>sum</c>).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="lrDecay">The learning-rate decay per step of a tensor; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <param name="initialAccumulatorValue">The starting value of every accumulator element; at least 0.</param>
    /// <param name="epsilon">ε, added to the denominator after the square root; at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public Adagrad(
        ParameterSet parameters, float learningRate = 0.01f, float lrDecay = 0, float weightDecay = 0, float initialAccumulatorValue = 0, float epsilon = 1e-10f)
        : base(parameters, learningRate, weightDecay, OptimizerState.AdagradAlgorithm, nameof(Adagrad), ["sum"])
    {
        HyperParameter.NonNegative(lrDecay, nameof(lrDecay));
        HyperParameter.NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        LrDecay = lrDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        _learningRateDecay = HyperParameter.ToDouble(lrDecay);
        FillBuffer(0, initialAccumulatorValue);
    }

    /// <summary>The learning-rate decay per step of a tensor (PyTorch's <c>lr_decay</c>).</summary>
    public float LrDecay { get; }

    /// <summary>The starting value of the accumulator (PyTorch's <c>initial_accumulator_value</c>).</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The accumulated squared gradients (PyTorch's <c>sum</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> Sum => Buffer(0);

    /// <inheritdoc />
    private protected override void StepRun(int offset, int length, long step)
    {
        // clr = lr / (1 + (step - 1) * lr_decay), in double as PyTorch's Python floats.
        double stepSize = LearningRateValue / (1 + ((step - 1) * _learningRateDecay));
        Update<AdagradKernel, AdagradCoefficients>(offset, length, new AdagradCoefficients(WeightDecay, Epsilon, (float)-stepSize));
    }

    /// <inheritdoc />
    /// <remarks>Algorithm <c>adagrad</c>: <c>lr_decay</c>, <c>weight_decay</c>, <c>initial_accumulator_value</c>, <c>eps</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("lr_decay", OptimizerState.Format(LrDecay)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("initial_accumulator_value", OptimizerState.Format(InitialAccumulatorValue)),
        new("eps", OptimizerState.Format(Epsilon)),
    ];
}
