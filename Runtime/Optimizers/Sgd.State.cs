using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <content>Saving and restoring the state (<see cref="IStatefulOptimizer"/>).</content>
public sealed partial class Sgd : IStatefulOptimizer
{
    private static readonly string[] s_momentumBuffers = ["momentum_buffer"];

    /// <inheritdoc />
    /// <remarks>
    /// Algorithm <c>sgd</c>; settings <c>momentum</c>, <c>dampening</c>, <c>nesterov</c>, <c>weight_decay</c>;
    /// one buffer, <c>momentum_buffer</c>, when <see cref="Momentum"/> is nonzero (zeros until the first step), with
    /// per-tensor counts of the steps taken with momentum when they differ from the step count.
    /// </remarks>
    public OptimizerState ExportState()
    {
        var buffers = new List<KeyValuePair<string, float[]>>(1);
        if (Momentum != 0f)
        {
            buffers.Add(new("momentum_buffer", (float[])_momentumBuffer.Clone()));
        }

        long[]? momentumSteps = Momentum != 0f ? OptimizerState.TensorStepsOrNull(_momentumSteps, StepCount) : null;
        return new OptimizerState(OptimizerState.SgdAlgorithm, StepCount, _learningRate, Settings(), buffers, momentumSteps);
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);

        // A non-zero momentum comes from the state, as PyTorch's load_state_dict takes the saved one: a one-cycle
        // schedule moves it. Whether there is momentum at all (and so a buffer) must match.
        float momentum = Momentum;
        if (Momentum != 0f && state.Setting("momentum") is { } text && OptimizerState.TryParseFloat(text) is float saved && saved > 0f && float.IsFinite(saved))
        {
            momentum = saved;
        }

        state.Validate(OptimizerState.SgdAlgorithm, "SGD", Settings(momentum), Momentum != 0f ? s_momentumBuffers : [], _parameters.Count);
        state.CheckTensorSteps(_momentumSteps.Length, "SGD");
        Momentum = momentum;
        if (Momentum != 0f)
        {
            state.Buffer("momentum_buffer")!.AsSpan().CopyTo(_momentumBuffer);
        }

        StepCount = state.StepCount;

        // Without momentum no buffer has started; with it and no counts, every buffer has taken every step.
        state.RestoreTensorSteps(_momentumSteps, whenAbsent: Momentum != 0f ? state.StepCount : 0);
        _learningRate = state.LearningRate;
    }

    private KeyValuePair<string, string>[] Settings() => Settings(Momentum);

    private KeyValuePair<string, string>[] Settings(float momentum) =>
    [
        new("momentum", OptimizerState.Format(momentum)),
        new("dampening", OptimizerState.Format(Dampening)),
        new("nesterov", OptimizerState.Format(Nesterov)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
    ];
}
