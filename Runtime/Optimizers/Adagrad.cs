using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad;

/// <summary>
/// Adagrad (Duchi, Hazan and Singer) with learning-rate decay and (coupled) weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.Adagrad</c> on dense gradients: at a tensor's step <c>t</c>, <c>g = ∇ + wd·θ</c>, <c>s = s + g²</c>,
/// <c>θ -= clr · g / (√s + ε)</c> with <c>clr = lr / (1 + (t - 1)·lr_decay)</c>.
/// </summary>
/// <remarks>
/// <c>clr</c> is computed in double from the hyperparameters' decimal values (as PyTorch computes it from Python floats),
/// then cast to float. The accumulator <c>sum</c> is allocated by the constructor, filled with the initial accumulator
/// value; <see cref="Step"/> is one fused pass that allocates nothing.
/// </remarks>
public sealed partial class Adagrad : IStatefulOptimizer
{
    private readonly ParameterSet _parameters;
    private readonly float[] _sum;
    private readonly long[] _tensorSteps;
    private readonly double _learningRateDecay;
    private float _learningRate;
    private double _learningRateValue;

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
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.NonNegative(learningRate, nameof(learningRate));
        HyperParameter.NonNegative(lrDecay, nameof(lrDecay));
        HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        HyperParameter.NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        HyperParameter.NonNegative(epsilon, nameof(epsilon));

        _parameters = parameters;
        LearningRate = learningRate;
        LrDecay = lrDecay;
        WeightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        _learningRateDecay = HyperParameter.ToDouble(lrDecay);
        _sum = new float[parameters.Count];
        _sum.AsSpan().Fill(initialAccumulatorValue);
        _tensorSteps = new long[parameters.Tensors.Count];
    }

    /// <inheritdoc />
    public ParameterSet Parameters => _parameters;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            HyperParameter.NonNegative(value, nameof(value));
            _learningRate = value;
            _learningRateValue = HyperParameter.ToDouble(value);
        }
    }

    /// <summary>The learning-rate decay per step of a tensor (PyTorch's <c>lr_decay</c>).</summary>
    public float LrDecay { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>The starting value of the accumulator (PyTorch's <c>initial_accumulator_value</c>).</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>ε, added to the denominator after the square root.</summary>
    public float Epsilon { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>The accumulated squared gradients (PyTorch's <c>sum</c>), same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> Sum => _sum;

    /// <inheritdoc />
    /// <remarks>
    /// Each tensor's learning-rate decay uses its own step count, as PyTorch keeps <c>state['step']</c> per parameter: a
    /// tensor frozen for some steps decays less.
    /// </remarks>
    public void Step()
    {
        // One pass per run of trainable tensors that have taken as many steps (a single pass when no layer is frozen).
        var run = new Run(this);
        _parameters.ForEachTrainableRun(ref run, _tensorSteps, static (ref Run r, int offset, int length, long stepsTaken) => r.Step(offset, length, stepsTaken + 1));
        _parameters.CountTrainableStep(_tensorSteps);
        StepCount++;
    }

    /// <summary>The steps each tensor of <see cref="ParameterSet.Tensors"/> has taken (PyTorch's per-parameter <c>state['step']</c>).</summary>
    /// <param name="tensor">A tensor of the optimizer's parameters.</param>
    /// <returns>The count; below <see cref="StepCount"/> for a tensor that was frozen during some steps.</returns>
    /// <exception cref="ArgumentException">The tensor is not one of the optimizer's parameters.</exception>
    public long StepCountOf(ParameterTensor tensor) => _tensorSteps[OptimizerState.IndexOf(_parameters, tensor)];

    /// <summary>The update of one run of trainable parameters.</summary>
    private readonly struct Run(Adagrad optimizer)
    {
        public void Step(int offset, int length, long step)
        {
            // clr = lr / (1 + (step - 1) * lr_decay), in double as PyTorch's Python floats.
            double stepSize = optimizer._learningRateValue / (1 + ((step - 1) * optimizer._learningRateDecay));
            ref float sum = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(optimizer._sum), offset);
            OptimizerKernels.Update<AdagradKernel, AdagradCoefficients>(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Values), offset),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(optimizer._parameters.Gradients), offset),
                ref sum,
                ref sum,
                ref sum,
                length,
                new AdagradCoefficients(optimizer.WeightDecay, optimizer.Epsilon, (float)-stepSize));
        }
    }
}
