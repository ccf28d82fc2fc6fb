using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <content>Saving and restoring the state (<see cref="IStatefulOptimizer"/>).</content>
public sealed partial class RMSprop : IStatefulOptimizer
{
    /// <inheritdoc />
    /// <remarks>
    /// Algorithm <c>rmsprop</c>; settings <c>alpha</c>, <c>eps</c>, <c>weight_decay</c>, <c>momentum</c>, <c>centered</c>;
    /// buffers <c>square_avg</c>, <c>momentum_buffer</c> (when the optimizer has had a positive momentum) and
    /// <c>grad_avg</c> (centered), PyTorch's names; per-tensor step counts when a frozen tensor has taken fewer steps.
    /// </remarks>
    public OptimizerState ExportState()
    {
        var buffers = new List<KeyValuePair<string, float[]>>(3) { new("square_avg", (float[])_squareAverage.Clone()) };
        if (_momentumBuffer.Length != 0)
        {
            buffers.Add(new("momentum_buffer", (float[])_momentumBuffer.Clone()));
        }

        if (Centered)
        {
            buffers.Add(new("grad_avg", (float[])_gradientAverage.Clone()));
        }

        return new OptimizerState(OptimizerState.RMSpropAlgorithm, StepCount, LearningRate, Settings(_momentum), buffers, OptimizerState.TensorStepsOrNull(_tensorSteps, StepCount));
    }

    /// <inheritdoc />
    /// <remarks>
    /// The momentum comes from the state, as PyTorch's <c>load_state_dict</c> takes the saved one (a one-cycle schedule
    /// moves it), and so does whether there is a <c>momentum_buffer</c>: a state with a positive momentum must have one.
    /// </remarks>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);

        // A missing or malformed momentum is compared with this optimizer's and refused by Validate.
        float momentum = state.Setting("momentum") is { } text && OptimizerState.TryParseFloat(text) is float saved && saved >= 0f ? saved : _momentum;
        bool hasMomentumBuffer = momentum > 0f || state.Buffer("momentum_buffer") is not null;
        string[] names = (hasMomentumBuffer, Centered) switch
        {
            (false, false) => ["square_avg"],
            (true, false) => ["square_avg", "momentum_buffer"],
            (false, true) => ["square_avg", "grad_avg"],
            (true, true) => ["square_avg", "momentum_buffer", "grad_avg"],
        };
        state.Validate(OptimizerState.RMSpropAlgorithm, "RMSprop", Settings(momentum), names, _parameters.Count);
        state.CheckTensorSteps(_tensorSteps.Length, "RMSprop");
        state.Buffer("square_avg")!.AsSpan().CopyTo(_squareAverage);
        _momentumBuffer = hasMomentumBuffer ? (float[])state.Buffer("momentum_buffer")!.Clone() : [];
        if (Centered)
        {
            state.Buffer("grad_avg")!.AsSpan().CopyTo(_gradientAverage);
        }

        _momentum = momentum;
        StepCount = state.StepCount;
        state.RestoreTensorSteps(_tensorSteps, whenAbsent: state.StepCount);
        LearningRate = state.LearningRate;
    }

    private KeyValuePair<string, string>[] Settings(float momentum) =>
    [
        new("alpha", OptimizerState.Format(Alpha)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("momentum", OptimizerState.Format(momentum)),
        new("centered", OptimizerState.Format(Centered)),
    ];
}
