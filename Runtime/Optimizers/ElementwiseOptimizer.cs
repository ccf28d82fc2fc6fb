using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad;

/// <summary>
/// The shared part of <see cref="Adagrad"/>, <see cref="Adadelta"/>, <see cref="Adamax"/>, <see cref="NAdam"/> and <see cref="RAdam"/> (the
/// last three through <see cref="FirstMomentOptimizer"/>): an
/// elementwise update with state buffers in the layout of <see cref="ParameterSet.Values"/> (PyTorch's buffer names)
/// and a step count per tensor (PyTorch's per-parameter <c>state['step']</c>), so a frozen tensor is skipped and its
/// state does not change, as PyTorch skips a parameter without a gradient.
/// </summary>
/// <remarks>
/// The buffers are allocated by the constructor (zeros, as PyTorch's, unless the optimizer fills one); <see cref="Step"/>
/// makes one fused pass per run of trainable tensors that have taken as many steps (a single pass when nothing is
/// frozen) and allocates nothing.
/// </remarks>
public abstract class ElementwiseOptimizer : IStatefulOptimizer
{
    private readonly string _algorithm;
    private int _stepRunning;
    private readonly string _displayName;
    private readonly string[] _bufferNames;
    private readonly float[][] _buffers;
    private readonly long[] _tensorSteps;
    private float _learningRate;
    private double _learningRateValue;

    /// <summary>Validates the learning rate and the weight decay, and allocates one zero buffer per name.</summary>
    private protected ElementwiseOptimizer(ParameterSet parameters, float learningRate, float weightDecay, string algorithm, string displayName, string[] bufferNames)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.LearningRate(learningRate, nameof(learningRate));
        HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        Parameters = parameters;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        _algorithm = algorithm;
        _displayName = displayName;
        _bufferNames = bufferNames;
        _buffers = new float[bufferNames.Length][];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new float[parameters.Count];
        }

        _tensorSteps = new long[parameters.Tensors.Count];
    }

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

    /// <summary>The L2 penalty added to the gradient (PyTorch's coupled <c>weight_decay</c>: <c>g = ∇ + wd·θ</c>).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public ParameterSet Parameters { get; }

    /// <summary>
    /// The learning rate as PyTorch's group holds it, a Python float: a scheduler's float64 where one drives this
    /// optimizer, else the double of the float's decimal value.
    /// </summary>
    private protected double LearningRateValue => LearningRateGroup.TryGetLearningRate(this, out double scheduled) ? scheduled : _learningRateValue;

    /// <summary>The per-tensor step counts, in the order of <see cref="ParameterSet.Tensors"/>.</summary>
    private protected ReadOnlySpan<long> TensorSteps => _tensorSteps;

    /// <inheritdoc />
    public void Step()
    {
        OptimizerStepGuard.Enter(ref _stepRunning, this);
        try
        {
            BeforeStep();
            var run = new Run(this);
            Parameters.ForEachTrainableRun(ref run, _tensorSteps, static (ref Run r, int offset, int length, long stepsTaken) => r.Optimizer.StepRun(offset, length, stepsTaken + 1));
            Parameters.CountTrainableStep(_tensorSteps);
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
    public long StepCountOf(ParameterTensor tensor) => _tensorSteps[OptimizerState.IndexOf(Parameters, tensor)];

    /// <inheritdoc />
    /// <remarks>
    /// The algorithm, the settings and the buffers under PyTorch's names; per-tensor step counts when a frozen tensor has
    /// taken fewer steps; per-tensor scalars (NAdam's <c>mu_product</c>).
    /// </remarks>
    public OptimizerState ExportState()
    {
        var buffers = new KeyValuePair<string, float[]>[_buffers.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new(_bufferNames[i], (float[])_buffers[i].Clone());
        }

        return new OptimizerState(_algorithm, StepCount, LearningRate, Settings(), buffers, OptimizerState.TensorStepsOrNull(_tensorSteps, StepCount), TensorScalars());
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Validate(_algorithm, _displayName, SettingsToImport(state), _bufferNames, Parameters.Count, TensorScalarNames);
        state.CheckTensorSteps(_tensorSteps.Length, _displayName);
        CheckImport(state);
        for (int i = 0; i < _buffers.Length; i++)
        {
            state.Buffer(_bufferNames[i])!.AsSpan().CopyTo(_buffers[i]);
        }

        StepCount = state.StepCount;
        state.RestoreTensorSteps(_tensorSteps, whenAbsent: state.StepCount);
        LearningRate = state.LearningRate;
        AfterImport(state);
    }

    /// <summary>The state buffer <paramref name="index"/> (in the order of the constructor's names).</summary>
    private protected ReadOnlySpan<float> Buffer(int index) => _buffers[index];

    /// <summary>Fills the state buffer <paramref name="index"/> with <paramref name="value"/>, for a buffer PyTorch does not start at zero (Adagrad's <c>sum</c> starts at <c>initial_accumulator_value</c>).</summary>
    private protected void FillBuffer(int index, float value) => _buffers[index].AsSpan().Fill(value);

    /// <summary>The fixed hyperparameters under PyTorch's names, formatted by <see cref="OptimizerState.Format(float)"/>.</summary>
    private protected abstract KeyValuePair<string, string>[] Settings();

    /// <summary>
    /// The settings a state must hold to be imported: <see cref="Settings"/>, except those a schedule changes between
    /// steps, which take the state's values (and which <see cref="AfterImport"/> then adopts).
    /// </summary>
    private protected virtual KeyValuePair<string, string>[] SettingsToImport(OptimizerState state) => Settings();

    /// <summary>The per-tensor scalars the state may hold (PyTorch's names; NAdam's <c>mu_product</c>).</summary>
    private protected virtual ReadOnlySpan<string> TensorScalarNames => [];

    /// <summary>Copies of the per-tensor scalars for a snapshot, under <see cref="TensorScalarNames"/>; null for none.</summary>
    private protected virtual KeyValuePair<string, float[]>[]? TensorScalars() => null;

    /// <summary>Checks what the base's import does not (per-tensor scalars' values), before anything changes.</summary>
    /// <exception cref="ArgumentException">The state does not fit; the message says why.</exception>
    private protected virtual void CheckImport(OptimizerState state)
    {
    }

    /// <summary>Updates the run of <paramref name="length"/> elements from <paramref name="offset"/>, whose tensors take their step <paramref name="step"/> (1 for the first).</summary>
    private protected abstract void StepRun(int offset, int length, long step);

    /// <summary>Called at the start of <see cref="Step"/>, before <see cref="TensorSteps"/> advance (per-tensor scalars).</summary>
    private protected virtual void BeforeStep()
    {
    }

    /// <summary>Called at the end of <see cref="ImportState"/> with the imported state, after the step counts are restored (per-tensor scalars).</summary>
    private protected virtual void AfterImport(OptimizerState state)
    {
    }

    /// <summary>Runs <typeparamref name="TKernel"/> over elements <c>[offset, offset + length)</c> of the parameters, their gradients and the first two buffers (a missing one stands for the first).</summary>
    private protected void Update<TKernel, TCoefficients>(int offset, int length, in TCoefficients coefficients)
        where TKernel : IUpdateKernel<TCoefficients>
        where TCoefficients : unmanaged
    {
        ref float state0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffers[0]), offset);
        ref float state1 = ref _buffers.Length > 1 ? ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffers[1]), offset) : ref state0;
        OptimizerKernels.Update<TKernel, TCoefficients>(
            ref Unsafe.Add(ref MemoryMarshal.GetReference(Parameters.Values), offset),
            ref Unsafe.Add(ref MemoryMarshal.GetReference(Parameters.Gradients), offset),
            ref state0,
            ref state1,
            ref state0,
            length,
            coefficients);
    }

    /// <summary>The optimizer, passed by reference through <see cref="ParameterSet.ForEachTrainableRun{TState}"/>.</summary>
    private readonly struct Run(ElementwiseOptimizer optimizer)
    {
        public ElementwiseOptimizer Optimizer => optimizer;
    }
}
