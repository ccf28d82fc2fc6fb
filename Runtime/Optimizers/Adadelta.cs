using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// Adadelta (Zeiler) with (coupled) weight decay, exactly as PyTorch 1.13's <c>torch.optim.Adadelta</c>:
/// <c>g = ∇ + wd·θ</c>, <c>v = ρv + (1-ρ)g²</c>, <c>Δ = √(u + ε) / √(v + ε) · g</c>, <c>u = ρu + (1-ρ)Δ²</c>,
/// <c>θ -= lr·Δ</c> (ε is added before the square roots).
/// </summary>
/// <remarks>
/// pytorch/examples' MNIST script trains with <c>Adadelta(lr=1.0)</c> and <c>StepLR(step_size=1, gamma=0.7)</c>:
/// <c>new Adadelta(parameters)</c> and <c>new StepLR(optimizer, 1, 0.7)</c> stepped per epoch. The step count does not
/// enter the update; it is kept per tensor as PyTorch keeps it.
/// </remarks>
public sealed class Adadelta : ElementwiseOptimizer
{
    private readonly float _oneMinusRho;

    /// <summary>Creates the optimizer and allocates its state (<c>square_avg</c> and <c>acc_delta</c>, zeros).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The coefficient that scales Δ before it is applied; at least 0.</param>
    /// <param name="rho">ρ, the decay rate of both running averages; in [0, 1].</param>
    /// <param name="epsilon">ε, added inside both square roots; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public Adadelta(ParameterSet parameters, float learningRate = 1f, float rho = 0.9f, float epsilon = 1e-6f, float weightDecay = 0)
        : base(parameters, learningRate, weightDecay, OptimizerState.AdadeltaAlgorithm, nameof(Adadelta), ["square_avg", "acc_delta"])
    {
        HyperParameter.ZeroToOne(rho, nameof(rho));
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        Rho = rho;
        Epsilon = epsilon;
        _oneMinusRho = (float)(1.0 - HyperParameter.ToDouble(rho));
    }

    /// <summary>ρ, the decay rate of the running averages.</summary>
    public float Rho { get; }

    /// <summary>ε, added inside both square roots.</summary>
    public float Epsilon { get; }

    /// <summary>The running average of the squared gradient (PyTorch's <c>square_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public System.ReadOnlySpan<float> SquareAverage => Buffer(0);

    /// <summary>The running average of the squared update (PyTorch's <c>acc_delta</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public System.ReadOnlySpan<float> AccumulatedDelta => Buffer(1);

    /// <inheritdoc />
    private protected override void StepRun(int offset, int length, long step) =>
        Update<AdadeltaKernel, AdadeltaCoefficients>(offset, length, new AdadeltaCoefficients(Rho, _oneMinusRho, Epsilon, WeightDecay, (float)-LearningRateValue));

    /// <inheritdoc />
    /// <remarks>Algorithm <c>adadelta</c>: <c>rho</c>, <c>eps</c>, <c>weight_decay</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("rho", OptimizerState.Format(Rho)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
    ];
}
