using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and (coupled) weight
/// decay, exactly as PyTorch 1.13's <c>torch.optim.SGD</c>:
/// <c>g = ∇ + wd·θ</c>; with momentum, <c>b = g</c> on the first step and <c>b = m·b + (1-d)·g</c> after,
/// then <c>g = g + m·b</c> (Nesterov) or <c>g = b</c>; finally <c>θ -= lr·g</c>.
/// </summary>
public sealed partial class Sgd : IMomentumOptimizer
{
    private readonly ParameterSet _parameters;
    private int _stepRunning;
    private float[] _momentumBuffer;
    private readonly long[] _momentumSteps;
    private float _momentum;
    private readonly float _oneMinusDampening;
    private float _learningRate;

    /// <summary>Creates the optimizer; the momentum buffer (when <paramref name="momentum"/> is nonzero) is allocated here.</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="momentum">The momentum factor; at least 0 (0 disables momentum and its buffer).</param>
    /// <param name="dampening">The dampening of the momentum; finite.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0 and <paramref name="dampening"/> = 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentException">A hyperparameter is out of range (the exception names it).</exception>
    public Sgd(ParameterSet parameters, float learningRate, float momentum = 0, float dampening = 0, bool nesterov = false, float weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.LearningRate(learningRate, nameof(learningRate));
        HyperParameter.NonNegative(momentum, nameof(momentum));
        HyperParameter.Finite(dampening, nameof(dampening));
        HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0f || dampening != 0f))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening.", nameof(nesterov));
        }

        _parameters = parameters;
        _learningRate = learningRate;
        _momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        _oneMinusDampening = (float)(1.0 - HyperParameter.ToDouble(dampening));
        _momentumBuffer = momentum != 0f ? new float[parameters.Count] : [];
        _momentumSteps = new long[parameters.Tensors.Count];
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
        }
    }

    /// <summary>The momentum factor (0: no momentum).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite, or 0 with Nesterov momentum.</exception>
    /// <remarks>Set by a one-cycle schedule between steps; a momentum set from 0 allocates the momentum buffer once.</remarks>
    public float Momentum
    {
        get => _momentum;
        set
        {
            HyperParameter.NonNegative(value, nameof(value));
            if (Nesterov && value <= 0f)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Nesterov momentum requires a momentum > 0.");
            }

            if (value != 0f && _momentumBuffer.Length == 0)
            {
                _momentumBuffer = new float[_parameters.Count];
            }

            _momentum = value;
        }
    }

    /// <summary>The dampening of the momentum.</summary>
    public float Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The momentum buffer, same layout as <see cref="ParameterSet.Values"/> (empty without momentum); meaningful once a step has been taken.</summary>
    public ReadOnlySpan<float> MomentumBuffer => _momentumBuffer;

    /// <inheritdoc />
    /// <remarks>
    /// A tensor's momentum buffer starts as its first gradient the first time the tensor steps with momentum, as PyTorch
    /// creates <c>momentum_buffer</c> per parameter: after steps without momentum (a one-cycle schedule from 0) or while
    /// frozen, dampening does not scale that first gradient.
    /// </remarks>
    public void Step()
    {
        OptimizerStepGuard.Enter(ref _stepRunning, this);
        try
        {
            // One pass per run of trainable tensors whose momentum buffers have started alike (a single pass when no layer is frozen).
            var run = new Run(this, new SgdCoefficients(_learningRate, Momentum, _oneMinusDampening, WeightDecay, Nesterov, FirstStep: false));
            _parameters.ForEachTrainableRun(ref run, _momentumSteps, static (ref Run r, int offset, int length, long stepsTaken) => r.Step(offset, length, stepsTaken));
            if (Momentum != 0f)
            {
                _parameters.CountTrainableStep(_momentumSteps);
            }

            StepCount++;
        }
        finally
        {
            OptimizerStepGuard.Exit(ref _stepRunning);
        }
    }

    /// <summary>
    /// The steps each tensor of <see cref="ParameterSet.Tensors"/> has taken with momentum: 0 while its momentum buffer has
    /// not started (PyTorch's <c>momentum_buffer</c> is None).
    /// </summary>
    /// <param name="tensor">A tensor of the optimizer's parameters.</param>
    /// <returns>The count.</returns>
    /// <exception cref="ArgumentException">The tensor is not one of the optimizer's parameters.</exception>
    public long MomentumStepCountOf(ParameterTensor tensor) => _momentumSteps[OptimizerState.IndexOf(_parameters, tensor)];

    /// <summary>The update of one run of trainable parameters.</summary>
    private readonly struct Run(Sgd optimizer, SgdCoefficients coefficients)
    {
        public void Step(int offset, int length, long momentumSteps)
        {
            // Without momentum the buffer is empty: its reference is only read when momentum is on.
            ref float buffer = ref MemoryMarshal.GetArrayDataReference(optimizer._momentumBuffer);
            OptimizerKernels.SgdStep(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Values), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Gradients), offset),
                ref optimizer._momentumBuffer.Length == 0 ? ref buffer : ref Unsafe.Add(ref buffer, offset),
                length,
                coefficients with { FirstStep = momentumSteps == 0 });
        }
    }
}
