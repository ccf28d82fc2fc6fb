using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <content>Saving and restoring the state (<see cref="IStatefulOptimizer"/>).</content>
public sealed partial class Adagrad
{
    private static readonly string[] s_buffers = ["sum"];

    /// <inheritdoc />
    /// <remarks>
    /// Algorithm <c>adagrad</c>; settings <c>lr_decay</c>, <c>weight_decay</c>, <c>initial_accumulator_value</c>,
    /// <c>eps</c>; one buffer, <c>sum</c> (PyTorch's name); per-tensor step counts when a frozen tensor has taken fewer steps.
    /// </remarks>
    public OptimizerState ExportState() => new(
        OptimizerState.AdagradAlgorithm,
        StepCount,
        LearningRate,
        Settings(),
        [new("sum", (float[])_sum.Clone())],
        OptimizerState.TensorStepsOrNull(_tensorSteps, StepCount));

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Validate(OptimizerState.AdagradAlgorithm, "Adagrad", Settings(), s_buffers, _parameters.Count);
        state.CheckTensorSteps(_tensorSteps.Length, "Adagrad");
        state.Buffer("sum")!.AsSpan().CopyTo(_sum);
        StepCount = state.StepCount;
        state.RestoreTensorSteps(_tensorSteps, whenAbsent: state.StepCount);
        LearningRate = state.LearningRate;
    }

    private KeyValuePair<string, string>[] Settings() =>
    [
        new("lr_decay", OptimizerState.Format(LrDecay)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("initial_accumulator_value", OptimizerState.Format(InitialAccumulatorValue)),
        new("eps", OptimizerState.Format(Epsilon)),
    ];
}
