using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// NAdam (Dozat; Adam with Nesterov momentum and a momentum schedule) with (coupled) weight decay, exactly as PyTorch
/// 1.13's <c>torch.optim.NAdam</c>: at a tensor's step <c>t</c>, <c>g = ∇ + wd·θ</c>,
/// <c>μₜ = β₁(1 - ½·0.96^(t·ψ))</c> (ψ the momentum decay), <c>Πₜ = Πₜ₋₁·μₜ</c> (PyTorch's <c>mu_product</c>),
/// <c>m = β₁m + (1-β₁)g</c>, <c>v = β₂v + (1-β₂)g²</c>, <c>d = √(v/(1-β₂ᵗ)) + ε</c>,
/// <c>θ -= lr(1-μₜ)/(1-Πₜ) · g/d + lr·μₜ₊₁/(1-Πₜμₜ₊₁) · m/d</c>.
/// </summary>
/// <remarks>
/// The momentum schedule, the bias correction and the two step sizes are computed in double from the hyperparameters'
/// decimal values (as PyTorch computes them from Python floats), then cast to float; <c>mu_product</c> is a float32 per
/// tensor, multiplied in float32 as PyTorch's 0-dim tensor. Since β₁ and the momentum decay are fixed, a tensor's
/// <c>mu_product</c> is a function of its step count: it is not saved in the state but recomputed by
/// <see cref="IStatefulOptimizer.ImportState"/>, the same float32 products.
/// </remarks>
public sealed class NAdam : ElementwiseOptimizer
{
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _momentumDecay;
    private readonly float _oneMinusBeta1;
    private readonly float _oneMinusBeta2;
    private readonly float[] _muProducts;

    /// <summary>Creates the optimizer and allocates its state (<c>exp_avg</c> and <c>exp_avg_sq</c>, zeros; <c>mu_product</c> 1 per tensor).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="beta1">β₁, the decay rate of the first moment; in [0, 1).</param>
    /// <param name="beta2">β₂, the decay rate of the second moment; in [0, 1).</param>
    /// <param name="epsilon">ε, added to the denominator after the square root; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <param name="momentumDecay">ψ, the momentum decay of the schedule <c>μₜ</c>; at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public NAdam(
        ParameterSet parameters, float learningRate = 2e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0, float momentumDecay = 4e-3f)
        : base(parameters, learningRate, weightDecay, OptimizerState.NAdamAlgorithm, nameof(NAdam), ["exp_avg", "exp_avg_sq"])
    {
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.ZeroToOneExclusive(beta1, nameof(beta1));
        HyperParameter.ZeroToOneExclusive(beta2, nameof(beta2));
        HyperParameter.NonNegative(momentumDecay, nameof(momentumDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        MomentumDecay = momentumDecay;
        _beta1 = HyperParameter.ToDouble(beta1);
        _beta2 = HyperParameter.ToDouble(beta2);
        _momentumDecay = HyperParameter.ToDouble(momentumDecay);
        _oneMinusBeta1 = (float)(1.0 - _beta1);
        _oneMinusBeta2 = (float)(1.0 - _beta2);
        _muProducts = new float[parameters.Tensors.Count];
        _muProducts.AsSpan().Fill(1f);
    }

    /// <summary>β₁, the decay rate of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the decay rate of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public float Epsilon { get; }

    /// <summary>ψ, the momentum decay (PyTorch's <c>momentum_decay</c>).</summary>
    public float MomentumDecay { get; }

    /// <summary>The first moment estimates (PyTorch's <c>exp_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> FirstMoments => Buffer(0);

    /// <summary>The second moment estimates (PyTorch's <c>exp_avg_sq</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> SecondMoments => Buffer(1);

    /// <summary>The product of the momentum schedule over a tensor's steps (PyTorch's per-parameter <c>mu_product</c>, a float32).</summary>
    /// <param name="tensor">A tensor of the optimizer's parameters.</param>
    /// <returns>The product; 1 before the tensor's first step.</returns>
    /// <exception cref="ArgumentException">The tensor is not one of the optimizer's parameters.</exception>
    public float MuProductOf(ParameterTensor tensor) => _muProducts[OptimizerState.IndexOf(Parameters, tensor)];

    /// <inheritdoc />
    private protected override void BeforeStep()
    {
        // mu_product *= mu: a float32 0-dim tensor times the Python float, in float32.
        ReadOnlySpan<long> steps = TensorSteps;
        for (int i = 0; i < _muProducts.Length; i++)
        {
            if (Parameters.Tensors[i].RequiresGrad)
            {
                _muProducts[i] *= (float)Mu(steps[i] + 1);
            }
        }
    }

    /// <inheritdoc />
    private protected override void StepRun(int offset, int length, long step)
    {
        double mu = Mu(step);
        double muNext = Mu(step + 1);
        float muProduct = MuProductAt(step - 1);
        float muProductNext = muProduct * (float)mu * (float)muNext;              // mu_product * mu * mu_next, float32
        double biasCorrection2 = 1 - Math.Pow(_beta2, step);
        var coefficients = new NAdamCoefficients(
            WeightDecay,
            Beta1,
            _oneMinusBeta1,
            Beta2,
            _oneMinusBeta2,
            (float)biasCorrection2,
            Epsilon,
            GradientStepSize: (float)(-LearningRateValue * (1.0 - mu) / (1.0 - muProduct)),
            MomentumStepSize: (float)(-LearningRateValue * muNext / (1.0 - muProductNext)));
        Update<NAdamKernel, NAdamCoefficients>(offset, length, coefficients);
    }

    /// <inheritdoc />
    /// <remarks>Algorithm <c>nadam</c>: <c>beta1</c>, <c>beta2</c>, <c>eps</c>, <c>weight_decay</c>, <c>momentum_decay</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("beta1", OptimizerState.Format(Beta1)),
        new("beta2", OptimizerState.Format(Beta2)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("momentum_decay", OptimizerState.Format(MomentumDecay)),
    ];

    /// <inheritdoc />
    private protected override void AfterImport(OptimizerState state)
    {
        ReadOnlySpan<long> steps = TensorSteps;
        for (int i = 0; i < _muProducts.Length; i++)
        {
            int same = steps[..i].IndexOf(steps[i]);
            if (same >= 0)
            {
                _muProducts[i] = _muProducts[same];
                continue;
            }

            float product = 1f;
            for (long t = 1; t <= steps[i]; t++)
            {
                product *= (float)Mu(t);
            }

            _muProducts[i] = product;
        }
    }

    /// <summary>μₜ = β₁(1 - ½·0.96^(t·ψ)), in double as PyTorch's Python floats.</summary>
    private double Mu(long step) => _beta1 * (1.0 - (0.5 * Math.Pow(0.96, step * _momentumDecay)));

    /// <summary>The (already advanced) <c>mu_product</c> of the trainable tensors that had taken <paramref name="stepsTaken"/> steps: equal for all of them.</summary>
    private float MuProductAt(long stepsTaken)
    {
        ReadOnlySpan<long> steps = TensorSteps;
        for (int i = 0; i < steps.Length; i++)
        {
            if (steps[i] == stepsTaken && Parameters.Tensors[i].RequiresGrad)
            {
                return _muProducts[i];
            }
        }

        throw new InvalidOperationException($"No trainable tensor has taken {stepsTaken} steps.");
    }
}
