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
    /// one buffer, <c>momentum_buffer</c>, when <see cref="Momentum"/> is nonzero (zeros until the first step).
    /// </remarks>
    public OptimizerState ExportState()
    {
        var buffers = new List<KeyValuePair<string, float[]>>(1);
        if (Momentum != 0f)
        {
            buffers.Add(new("momentum_buffer", (float[])_momentumBuffer.Clone()));
        }

        return new OptimizerState(OptimizerState.SgdAlgorithm, StepCount, _learningRate, Settings(), buffers);
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Validate(OptimizerState.SgdAlgorithm, "SGD", Settings(), Momentum != 0f ? s_momentumBuffers : [], _parameters.Count);
        if (Momentum != 0f)
        {
            state.Buffer("momentum_buffer")!.AsSpan().CopyTo(_momentumBuffer);
        }

        StepCount = state.StepCount;
        _learningRate = state.LearningRate;
    }

    private KeyValuePair<string, string>[] Settings() =>
    [
        new("momentum", OptimizerState.Format(Momentum)),
        new("dampening", OptimizerState.Format(Dampening)),
        new("nesterov", OptimizerState.Format(Nesterov)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
    ];
}
