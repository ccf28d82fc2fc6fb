using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad;

/// <summary>
/// The Adam family (<see cref="Adam"/>, <see cref="AdamW"/>): moment estimates, bias correction and the
/// optional AMSGrad maximum, following PyTorch 1.13 exactly. At step <c>t</c>:
/// <c>m = β₁m + (1-β₁)g</c>, <c>v = β₂v + (1-β₂)g²</c>, <c>v̂ = amsgrad ? max(v̂, v) : v</c>,
/// <c>θ -= lr/(1-β₁ᵗ) · m / (√v̂/√(1-β₂ᵗ) + ε)</c>. The subclasses differ only in how weight decay is applied.
/// </summary>
/// <remarks>
/// The bias corrections and step size are computed in double from the hyperparameters' decimal values
/// (so <c>0.9f</c> acts as <c>0.9</c>, as a Python float would in PyTorch), then cast to float. The state
/// buffers are allocated by the constructor; <see cref="Step"/> is one fused pass that allocates nothing.
/// </remarks>
public abstract partial class AdamBase : IScheduledMomentum
{
    private readonly ParameterSet _parameters;
    private int _stepRunning;
    private readonly float[] _firstMoments;
    private readonly float[] _secondMoments;
    private readonly float[] _maxSecondMoments;
    private readonly long[] _tensorSteps;
    private readonly bool _decoupledWeightDecay;
    private Beta1 _beta1;
    private readonly double _beta2;
    private readonly double _weightDecay;
    private float _learningRate;
    private double _learningRateValue;

    /// <summary>Validates the hyperparameters like PyTorch and allocates the state.</summary>
    private protected AdamBase(
        ParameterSet parameters, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool amsgrad, bool decoupledWeightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.LearningRate(learningRate, nameof(learningRate));
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.ZeroToOneExclusive(beta1, nameof(beta1));
        HyperParameter.ZeroToOneExclusive(beta2, nameof(beta2));
        HyperParameter.NonNegative(weightDecay, nameof(weightDecay));

        _parameters = parameters;
        LearningRate = learningRate;
        _beta1 = StaticGrad.Beta1.FromFloat(beta1, nameof(beta1));
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Amsgrad = amsgrad;
        _decoupledWeightDecay = decoupledWeightDecay;
        _beta2 = HyperParameter.ToDouble(beta2);
        _weightDecay = HyperParameter.ToDouble(weightDecay);
        _firstMoments = new float[parameters.Count];
        _secondMoments = new float[parameters.Count];
        _maxSecondMoments = amsgrad ? new float[parameters.Count] : [];
        _tensorSteps = new long[parameters.Tensors.Count];
    }

    /// <inheritdoc />
    public ParameterSet Parameters => _parameters;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            HyperParameter.LearningRate(value, nameof(value));
            _learningRate = value;
            _learningRateValue = HyperParameter.ToDouble(value);
        }
    }

    /// <summary>β₁, the decay rate of the first moment (a one-cycle schedule changes it through <see cref="IMomentumOptimizer.Momentum"/>).</summary>
    public float Beta1 => _beta1.Value;

    /// <summary>β₁, which PyTorch's <c>OneCycleLR</c> cycles as the momentum of Adam.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    float IMomentumOptimizer.Momentum
    {
        get => Beta1;
        set => _beta1 = StaticGrad.Beta1.FromFloat(value, nameof(value));
    }

    /// <inheritdoc />
    void IScheduledMomentum.SetScheduledMomentum(double value) => _beta1 = StaticGrad.Beta1.FromDouble(value, nameof(value));

    /// <summary>β₂, the decay rate of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }

    /// <summary>The weight decay (coupled L2 penalty for <see cref="Adam"/>, decoupled decay for <see cref="AdamW"/>).</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant (the running maximum of the second moment) is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The first moment estimates <c>m</c> (PyTorch's <c>exp_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> FirstMoments => _firstMoments;

    /// <summary>The second moment estimates <c>v</c> (PyTorch's <c>exp_avg_sq</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> SecondMoments => _secondMoments;

    /// <summary>The running maximum of the uncorrected <c>v</c> (PyTorch's <c>max_exp_avg_sq</c>); empty unless <see cref="Amsgrad"/>.</summary>
    public ReadOnlySpan<float> MaxSecondMoments => _maxSecondMoments;

    /// <inheritdoc />
    /// <remarks>
    /// Each tensor's bias correction uses its own step count, as PyTorch keeps <c>state['step']</c> per parameter: a tensor
    /// frozen for the first steps and then unfrozen starts from step 1 (fine-tuning a pretrained body after its head).
    /// </remarks>
    public void Step()
    {
        OptimizerStepGuard.Enter(ref _stepRunning, this);
        try
        {
            // One pass per run of trainable tensors that have taken as many steps (a single pass when no layer is frozen).
            var run = new Run(this);
            _parameters.ForEachTrainableRun(ref run, _tensorSteps, static (ref Run r, int offset, int length, long stepsTaken) => r.Step(offset, length, stepsTaken + 1));
            _parameters.CountTrainableStep(_tensorSteps);
            StepCount++;
        }
        finally
        {
            OptimizerStepGuard.Exit(ref _stepRunning);
        }
    }

    /// <summary>The steps each tensor of <see cref="ParameterSet.Tensors"/> has taken (PyTorch's per-parameter <c>state['step']</c>).</summary>
    /// <param name="tensor">A tensor of the optimizer's parameters.</param>
    /// <returns>The count; below <see cref="StepCount"/> for a tensor that was frozen during some steps.</returns>
    /// <exception cref="ArgumentException">The tensor is not one of the optimizer's parameters.</exception>
    public long StepCountOf(ParameterTensor tensor) => _tensorSteps[OptimizerState.IndexOf(_parameters, tensor)];

    /// <summary>The coefficients of step <paramref name="step"/> (1 for the first): bias corrections and step size in double.</summary>
    private AdamCoefficients Coefficients(long step)
    {
        double biasCorrection1 = 1.0 - Math.Pow(_beta1.Exact, step);
        double biasCorrection2 = 1.0 - Math.Pow(_beta2, step);
        double learningRate = LearningRateGroup.TryGetLearningRate(this, out double scheduled) ? scheduled : _learningRateValue;
        double stepSize = learningRate / biasCorrection1;
        return new AdamCoefficients(
            GradientWeightDecay: _decoupledWeightDecay ? 0f : WeightDecay,
            Decoupled: _decoupledWeightDecay,
            ParameterScale: (float)(1.0 - (learningRate * _weightDecay)),
            Beta1: Beta1,
            OneMinusBeta1: _beta1.OneMinus,
            Beta2: Beta2,
            OneMinusBeta2: (float)(1.0 - _beta2),
            BiasCorrection2Sqrt: (float)Math.Sqrt(biasCorrection2),
            Epsilon: Epsilon,
            NegativeStepSize: (float)-stepSize,
            Amsgrad: Amsgrad);
    }

    /// <summary>The update of one run of trainable parameters.</summary>
    private readonly struct Run(AdamBase optimizer)
    {
        public void Step(int offset, int length, long step)
        {
            AdamCoefficients coefficients = optimizer.Coefficients(step);
            float[] maxSecond = optimizer.Amsgrad ? optimizer._maxSecondMoments : optimizer._secondMoments;
            OptimizerKernels.AdamStep(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Values), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Gradients), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._firstMoments), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._secondMoments), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(maxSecond), offset),
                length,
                coefficients);
        }
    }
}
