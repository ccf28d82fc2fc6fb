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
/// <para>
/// The momentum schedule, the bias correction and the two step sizes are computed in double from the hyperparameters'
/// decimal values (as PyTorch computes them from Python floats), then cast to float; <c>mu_product</c> is a float32 per
/// tensor, multiplied in float32 as PyTorch's 0-dim tensor. <c>μₜ</c> and <c>μₜ₊₁</c> use β₁ as it is at the step:
/// <see cref="OneCycleLR"/> cycles it as PyTorch's does (<see cref="FirstMomentOptimizer"/>, the schedule's float64), so
/// a tensor's <c>mu_product</c> depends on the β₁ of each of its steps.
/// </para>
/// <para>
/// The state holds <c>mu_product</c> (<see cref="OptimizerState.TensorScalars"/>, one per tensor, as PyTorch's
/// per-parameter state) and <see cref="IStatefulOptimizer.ImportState"/> restores it. A state saved before StaticGrad
/// stored it, when β₁ could not change, has none: the import then recomputes each tensor's from its step count and the
/// state's β₁, the same float32 products.
/// </para>
/// </remarks>
public sealed class NAdam : FirstMomentOptimizer
{
    private static readonly string[] s_tensorScalars = [OptimizerState.MuProductScalar];
    private readonly double _beta2;
    private readonly double _momentumDecay;
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
        : base(parameters, learningRate, beta1, weightDecay, OptimizerState.NAdamAlgorithm, nameof(NAdam), ["exp_avg", "exp_avg_sq"])
    {
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.ZeroToOneExclusive(beta2, nameof(beta2));
        HyperParameter.NonNegative(momentumDecay, nameof(momentumDecay));
        Beta2 = beta2;
        Epsilon = epsilon;
        MomentumDecay = momentumDecay;
        _beta2 = HyperParameter.ToDouble(beta2);
        _momentumDecay = HyperParameter.ToDouble(momentumDecay);
        _oneMinusBeta2 = (float)(1.0 - _beta2);
        _muProducts = new float[parameters.Tensors.Count];
        _muProducts.AsSpan().Fill(1f);
    }

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
        // mu_product *= mu: a float32 0-dim tensor times the Python float, in float32; mu from the group's current beta1.
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
    /// <remarks>
    /// The run's tensors have taken as many steps, but with β₁ cycled and a tensor frozen at other steps than its
    /// neighbour their <c>mu_product</c>s can differ: the run is updated in pieces of equal <c>mu_product</c> (one piece
    /// unless so).
    /// </remarks>
    private protected override void StepRun(int offset, int length, long step)
    {
        IReadOnlyList<ParameterTensor> tensors = Parameters.Tensors;
        int end = offset + length;
        int i = 0;
        while (tensors[i].Offset < offset)
        {
            i++;
        }

        while (i < tensors.Count && tensors[i].Offset < end)
        {
            float muProduct = _muProducts[i];
            int start = tensors[i].Offset;
            do
            {
                i++;
            }
            while (i < tensors.Count && tensors[i].Offset < end && _muProducts[i].Equals(muProduct));

            int stop = i < tensors.Count && tensors[i].Offset < end ? tensors[i].Offset : end;
            StepPiece(start, stop - start, step, muProduct);
        }
    }

    /// <inheritdoc />
    /// <remarks>Algorithm <c>nadam</c>: <c>beta1</c>, <c>beta2</c>, <c>eps</c>, <c>weight_decay</c>, <c>momentum_decay</c>.</remarks>
    private protected override KeyValuePair<string, string>[] Settings() =>
    [
        new("beta1", Beta1SettingText),
        new("beta2", OptimizerState.Format(Beta2)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("momentum_decay", OptimizerState.Format(MomentumDecay)),
    ];

    /// <inheritdoc />
    private protected override ReadOnlySpan<string> TensorScalarNames => s_tensorScalars;

    /// <inheritdoc />
    private protected override KeyValuePair<string, float[]>[] TensorScalars() => [new(OptimizerState.MuProductScalar, (float[])_muProducts.Clone())];

    /// <inheritdoc />
    /// <remarks>A saved <c>mu_product</c> is a product of factors in [0, 1): each value must be in [0, 1].</remarks>
    private protected override void CheckImport(OptimizerState state)
    {
        float[]? saved = state.TensorScalar(OptimizerState.MuProductScalar);
        for (int i = 0; saved is not null && i < saved.Length; i++)
        {
            if (!(saved[i] >= 0f && saved[i] <= 1f))
            {
                throw new ArgumentException($"The NAdam state's mu_product[{i}] is {saved[i]:R}; expected a value in [0, 1] (a product of momentum factors).", nameof(state));
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Takes the state's <c>mu_product</c>; a state without one (saved before StaticGrad stored it, with β₁ fixed) has
    /// it recomputed from each tensor's step count and the state's β₁.
    /// </remarks>
    private protected override void AfterImport(OptimizerState state)
    {
        base.AfterImport(state);
        if (state.TensorScalar(OptimizerState.MuProductScalar) is { } saved)
        {
            saved.AsSpan().CopyTo(_muProducts);
            return;
        }

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

    /// <summary>Updates <paramref name="length"/> elements from <paramref name="offset"/>, tensors at their step <paramref name="step"/> whose (already advanced) <c>mu_product</c> is <paramref name="muProduct"/>.</summary>
    private void StepPiece(int offset, int length, long step, float muProduct)
    {
        double mu = Mu(step);
        double muNext = Mu(step + 1);
        float muProductNext = muProduct * (float)mu * (float)muNext;              // mu_product * mu * mu_next, float32
        double biasCorrection2 = 1 - Math.Pow(_beta2, step);
        var coefficients = new NAdamCoefficients(
            WeightDecay,
            Beta1,
            OneMinusBeta1,
            Beta2,
            _oneMinusBeta2,
            (float)biasCorrection2,
            Epsilon,
            GradientStepSize: (float)(-LearningRateValue * (1.0 - mu) / (1.0 - muProduct)),
            MomentumStepSize: (float)(-LearningRateValue * muNext / (1.0 - muProductNext)));
        Update<NAdamKernel, NAdamCoefficients>(offset, length, coefficients);
    }

    /// <summary>μₜ = β₁(1 - ½·0.96^(t·ψ)), in double as PyTorch's Python floats, from β₁ as it is now (the group's float64).</summary>
    private double Mu(long step) => Beta1Value * (1.0 - (0.5 * Math.Pow(0.96, step * _momentumDecay)));
}
