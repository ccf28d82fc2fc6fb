using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// RAdam (Liu et al.; Adam with a rectified adaptive rate) with (coupled) weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.RAdam</c>: at a tensor's step <c>t</c>, <c>g = ∇ + wd·θ</c>, <c>m = β₁m + (1-β₁)g</c>,
/// <c>v = β₂v + (1-β₂)g²</c>, <c>m̂ = m/(1-β₁ᵗ)</c>, <c>ρ∞ = 2/(1-β₂) - 1</c>, <c>ρₜ = ρ∞ - 2tβ₂ᵗ/(1-β₂ᵗ)</c>; when
/// <c>ρₜ &gt; 5</c>, <c>θ -= m̂·lr·(√(1-β₂ᵗ)/(√v + ε))·r</c> with the rectification
/// <c>r = √((ρₜ-4)(ρₜ-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρₜ))</c>, else <c>θ -= m̂·lr</c> (plain momentum SGD).
/// </summary>
/// <remarks>
/// ρ, the rectification and the bias corrections are computed in double from the hyperparameters' decimal values (as
/// PyTorch computes them from Python floats), then cast to float; the threshold is 5, PyTorch 1.13's. With the default
/// β₂ = 0.999 the first 5 steps of a tensor are unrectified. <see cref="OneCycleLR"/> cycles β₁ as PyTorch's does
/// (<see cref="FirstMomentOptimizer"/>).
/// </remarks>
public sealed class RAdam : FirstMomentOptimizer
{
    private readonly double _beta2;
    private readonly double _rhoInfinity;
    private readonly float _oneMinusBeta2;

    /// <summary>Creates the optimizer and allocates its state (<c>exp_avg</c> and <c>exp_avg_sq</c>, zeros).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="beta1">β₁, the decay rate of the first moment; in [0, 1).</param>
    /// <param name="beta2">β₂, the decay rate of the second moment; in [0, 1).</param>
    /// <param name="epsilon">ε, added to the denominator after the square root; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public RAdam(ParameterSet parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0)
        : base(parameters, learningRate, beta1, weightDecay, OptimizerState.RAdamAlgorithm, nameof(RAdam), ["exp_avg", "exp_avg_sq"])
    {
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.ZeroToOneExclusive(beta2, nameof(beta2));
        Beta2 = beta2;
        Epsilon = epsilon;
        _beta2 = HyperParameter.ToDouble(beta2);
        _oneMinusBeta2 = (float)(1.0 - _beta2);
        _rhoInfinity = (2 / (1 - _beta2)) - 1;
    }

    /// <summary>β₂, the decay rate of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The first moment estimates (PyTorch's <c>exp_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> FirstMoments => Buffer(0);

    /// <summary>The second moment estimates (PyTorch's <c>exp_avg_sq</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> SecondMoments => Buffer(1);

    /// <summary>Whether a tensor's step <paramref name="step"/> (1 for the first) uses the rectified adaptive rate: PyTorch 1.13's <c>rho_t &gt; 5</c>.</summary>
    /// <param name="step">The tensor's step, at least 1.</param>
    /// <returns>True when <c>ρₜ &gt; 5</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1.</exception>
    public bool IsRectified(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        return Rho(step, 1 - Math.Pow(_beta2, step)) > 5.0;
    }

    /// <inheritdoc />
    private protected override void StepRun(int offset, int length, long step)
    {
        double biasCorrection1 = 1 - Math.Pow(Beta1Value, step);
        double biasCorrection2 = 1 - Math.Pow(_beta2, step);
        double rho = Rho(step, biasCorrection2);
        bool rectified = rho > 5.0;
        double rectification = rectified
            ? Math.Sqrt((rho - 4) * (rho - 2) * _rhoInfinity / ((_rhoInfinity - 4) * (_rhoInfinity - 2) * rho))
            : 0;
        var coefficients = new RAdamCoefficients(
            WeightDecay,
            Beta1,
            OneMinusBeta1,
            Beta2,
            _oneMinusBeta2,
            (float)biasCorrection1,
            LearningRate,
            rectified,
            (float)Math.Sqrt(biasCorrection2),
            Epsilon,
            (float)rectification);
        Update<RAdamKernel, RAdamCoefficients>(offset, length, coefficients);
    }

    /// <inheritdoc />
    /// <remarks>Algorithm <c>radam</c>: <c>beta1</c>, <c>beta2</c>, <c>eps</c>, <c>weight_decay</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("beta1", Beta1SettingText),
        new("beta2", OptimizerState.Format(Beta2)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
    ];

    /// <summary>ρₜ = ρ∞ - 2tβ₂ᵗ/(1-β₂ᵗ), in double as PyTorch's Python floats.</summary>
    private double Rho(long step, double biasCorrection2) => _rhoInfinity - (2 * step * Math.Pow(_beta2, step) / biasCorrection2);
}
