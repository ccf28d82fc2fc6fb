using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad;

/// <summary>
/// RMSprop (Hinton) with optional momentum, centering and (coupled) weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.RMSprop</c>: <c>g = ∇ + wd·θ</c>, <c>v = αv + (1-α)g²</c>; centered, <c>ḡ = αḡ + (1-α)g</c> and
/// <c>a = √(v - ḡ²) + ε</c>, else <c>a = √v + ε</c> (ε is added after the square root); with momentum
/// <c>b = m·b + g/a</c> and <c>θ -= lr·b</c>, else <c>θ -= lr·g/a</c>.
/// </summary>
/// <remarks>
/// The state buffers are allocated by the constructor (zeros, as PyTorch's); <see cref="Step"/> is one fused pass that
/// allocates nothing. A frozen tensor is skipped and its state does not change, as PyTorch skips a parameter without a
/// gradient.
/// </remarks>
public sealed partial class RMSprop : IMomentumOptimizer
{
    private readonly ParameterSet _parameters;
    private int _stepRunning;
    private readonly float[] _squareAverage;
    private float[] _momentumBuffer;
    private readonly float[] _gradientAverage;
    private readonly long[] _tensorSteps;
    private readonly float _oneMinusAlpha;
    private float _learningRate;
    private float _momentum;

    /// <summary>Creates the optimizer and allocates its state (<c>square_avg</c>; <c>momentum_buffer</c> with momentum; <c>grad_avg</c> when centered).</summary>
    /// <param name="parameters">The parameters to update from their gradients.</param>
    /// <param name="learningRate">The learning rate; at least 0.</param>
    /// <param name="alpha">The smoothing constant α of the averages; at least 0 (PyTorch accepts any non-negative value).</param>
    /// <param name="epsilon">ε, added to the denominator after the square root; at least 0.</param>
    /// <param name="weightDecay">The L2 penalty added to the gradient; at least 0.</param>
    /// <param name="momentum">The momentum factor; at least 0 (0 disables momentum and its buffer).</param>
    /// <param name="centered">Whether to normalize by an estimate of the gradient's variance (<c>v - ḡ²</c>) instead of <c>v</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the exception names it).</exception>
    public RMSprop(
        ParameterSet parameters, float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0, float momentum = 0, bool centered = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.LearningRate(learningRate, nameof(learningRate));
        HyperParameter.NonNegative(epsilon, nameof(epsilon));
        HyperParameter.NonNegative(momentum, nameof(momentum));
        HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        HyperParameter.NonNegative(alpha, nameof(alpha));

        _parameters = parameters;
        LearningRate = learningRate;
        Alpha = alpha;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Centered = centered;
        _momentum = momentum;
        _oneMinusAlpha = (float)(1.0 - HyperParameter.ToDouble(alpha));
        _squareAverage = new float[parameters.Count];
        _momentumBuffer = momentum > 0f ? new float[parameters.Count] : [];
        _gradientAverage = centered ? new float[parameters.Count] : [];
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
        }
    }

    /// <summary>The momentum factor (0: no momentum), which PyTorch's <c>OneCycleLR</c> cycles.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    /// <exception cref="InvalidOperationException">
    /// The value is positive, the optimizer was created without momentum and a step has been taken: PyTorch creates a
    /// parameter's <c>momentum_buffer</c> only if the momentum is positive at its first step (a later one fails with a
    /// <c>KeyError</c>). Set it before the first step (a one-cycle schedule does, when it is created).
    /// </exception>
    public float Momentum
    {
        get => _momentum;
        set
        {
            HyperParameter.NonNegative(value, nameof(value));
            if (value > 0f && _momentumBuffer.Length == 0)
            {
                if (Array.Exists(_tensorSteps, s => s > 0))
                {
                    throw new InvalidOperationException(
                        "RMSprop was created without momentum and has taken a step, so it has no momentum_buffer: PyTorch creates one only when the momentum is positive at a parameter's first step. Create it with a momentum, or set Momentum before the first step.");
                }

                _momentumBuffer = new float[_parameters.Count];
            }

            _momentum = value;
        }
    }

    /// <summary>The smoothing constant α.</summary>
    public float Alpha { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the denominator is centered (<c>v - ḡ²</c>).</summary>
    public bool Centered { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The running average of the squared gradient (PyTorch's <c>square_avg</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> SquareAverage => _squareAverage;

    /// <summary>The momentum buffer (PyTorch's <c>momentum_buffer</c>); empty unless the optimizer has had a positive momentum.</summary>
    public ReadOnlySpan<float> MomentumBuffer => _momentumBuffer;

    /// <summary>The running average of the gradient (PyTorch's <c>grad_avg</c>); empty unless <see cref="Centered"/>.</summary>
    public ReadOnlySpan<float> GradientAverage => _gradientAverage;

    /// <inheritdoc />
    public void Step()
    {
        OptimizerStepGuard.Enter(ref _stepRunning, this);
        try
        {
            var coefficients = new RMSpropCoefficients(Alpha, _oneMinusAlpha, Epsilon, WeightDecay, _momentum, Centered, -_learningRate);
            var run = new Run(this, coefficients);
            _parameters.ForEachTrainableRun(ref run, _tensorSteps, static (ref Run r, int offset, int length, long stepsTaken) => r.Step(offset, length));
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

    /// <summary>The update of one run of trainable parameters.</summary>
    private readonly struct Run(RMSprop optimizer, RMSpropCoefficients coefficients)
    {
        public void Step(int offset, int length)
        {
            // A buffer the step does not use is empty: its reference stands for the square average's, never read.
            ref float squareAverage = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._squareAverage), offset);
            OptimizerKernels.Update<RMSpropKernel, RMSpropCoefficients>(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Values), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Gradients), offset),
                ref squareAverage,
                ref optimizer._momentumBuffer.Length == 0 ? ref squareAverage : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._momentumBuffer), offset),
                ref optimizer._gradientAverage.Length == 0 ? ref squareAverage : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._gradientAverage), offset),
                length,
                coefficients);
        }
    }
}
