using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// Adamax (Kingma and Ba; Adam with the infinity norm) with (coupled) weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.Adamax</c>: at a tensor's step <c>t</c>, <c>g = ∇ + wd·θ</c>, <c>m = β₁m + (1-β₁)g</c>,
/// <c>u = max(β₂u, |g| + ε)</c>, <c>θ -= lr/(1-β₁ᵗ) · m/u</c>.
/// </summary>
/// <remarks>
/// The bias correction and step size are computed in double from the hyperparameters' decimal values (as PyTorch
/// computes them from Python floats), then cast to float. <see cref="OneCycleLR"/> cycles β₁ as PyTorch's does
/// (<see cref="FirstMomentOptimizer"/>).
/// </remarks>
public sealed class Adamax : FirstMomentOptimizer
{
    /// <summary>Creates the optimizer and allocates its state (<c>exp_avg</c> and <c>exp_inf</c>, zeros).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="beta1">β₁, the decay rate of the first moment; in [0, 1).</param>
    /// <param name="beta2">β₂, the decay of the infinity norm; in [0, 1).</param>
    /// <param name="epsilon">ε, added to <c>|g|</c> before the maximum; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public Adamax(ParameterSet parameters, float learningRate = 2e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0)
        : base(parameters, learningRate, beta1, weightDecay, OptimizerState.AdamaxAlgorithm, nameof(Adamax), ["exp_avg", "exp_inf"])
    {
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.ZeroToOneExclusive(beta2, nameof(beta2));
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₂, the decay of the infinity norm.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to <c>|g|</c> before the maximum.</summary>
    public float Epsilon { get; }

    /// <summary>The first moment estimates (PyTorch's <c>exp_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> FirstMoments => Buffer(0);

    /// <summary>The exponentially weighted infinity norm (PyTorch's <c>exp_inf</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> InfinityNorm => Buffer(1);

    /// <inheritdoc />
    private protected override void StepRun(int offset, int length, long step)
    {
        // clr = lr / (1 - beta1 ** step), in double as PyTorch's Python floats.
        double stepSize = LearningRateValue / (1 - Math.Pow(Beta1Value, step));
        Update<AdamaxKernel, AdamaxCoefficients>(offset, length, new AdamaxCoefficients(WeightDecay, Beta1, OneMinusBeta1, Beta2, Epsilon, (float)-stepSize));
    }

    /// <inheritdoc />
    /// <remarks>Algorithm <c>adamax</c>: <c>beta1</c>, <c>beta2</c>, <c>eps</c>, <c>weight_decay</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("beta1", Beta1SettingText),
        new("beta2", OptimizerState.Format(Beta2)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
    ];
}
