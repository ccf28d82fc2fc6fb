using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <content>Saving and restoring the state (<see cref="IStatefulOptimizer"/>).</content>
public abstract partial class AdamBase : IStatefulOptimizer
{
    private static readonly string[] s_buffers = ["exp_avg", "exp_avg_sq"];
    private static readonly string[] s_amsgradBuffers = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    /// <inheritdoc />
    /// <remarks>
    /// Algorithm <c>adam</c> or <c>adamw</c>; settings <c>beta1</c>, <c>beta2</c>, <c>eps</c>,
    /// <c>weight_decay</c>, <c>amsgrad</c>; buffers <c>exp_avg</c>, <c>exp_avg_sq</c> and, with
    /// AMSGrad, <c>max_exp_avg_sq</c> (PyTorch's names); per-tensor step counts when a frozen tensor has taken fewer steps.
    /// </remarks>
    public OptimizerState ExportState()
    {
        var buffers = new List<KeyValuePair<string, float[]>>(3)
        {
            new("exp_avg", (float[])_firstMoments.Clone()),
            new("exp_avg_sq", (float[])_secondMoments.Clone()),
        };
        if (Amsgrad)
        {
            buffers.Add(new("max_exp_avg_sq", (float[])_maxSecondMoments.Clone()));
        }

        return new OptimizerState(AlgorithmName, StepCount, LearningRate, Settings(), buffers, OptimizerState.TensorStepsOrNull(_tensorSteps, StepCount));
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);

        // β₁ comes from the state, as PyTorch's load_state_dict takes the saved betas: a one-cycle schedule moves it.
        // (A missing or malformed one is compared with this optimizer's and refused by Validate.)
        Beta1 beta1 = StaticGrad.Beta1.Parse(state.Setting("beta1")) ?? _beta1;
        state.Validate(AlgorithmName, _decoupledWeightDecay ? "AdamW" : "Adam", Settings(beta1), Amsgrad ? s_amsgradBuffers : s_buffers, _parameters.Count);
        state.CheckTensorSteps(_tensorSteps.Length, _decoupledWeightDecay ? "AdamW" : "Adam");
        _beta1 = beta1;
        state.Buffer("exp_avg")!.AsSpan().CopyTo(_firstMoments);
        state.Buffer("exp_avg_sq")!.AsSpan().CopyTo(_secondMoments);
        if (Amsgrad)
        {
            state.Buffer("max_exp_avg_sq")!.AsSpan().CopyTo(_maxSecondMoments);
        }

        StepCount = state.StepCount;
        state.RestoreTensorSteps(_tensorSteps, whenAbsent: state.StepCount);
        LearningRate = state.LearningRate;
    }

    private string AlgorithmName => _decoupledWeightDecay ? OptimizerState.AdamWAlgorithm : OptimizerState.AdamAlgorithm;

    private KeyValuePair<string, string>[] Settings() => Settings(_beta1);

    private KeyValuePair<string, string>[] Settings(Beta1 beta1) =>
    [
        new("beta1", beta1.Format()),
        new("beta2", OptimizerState.Format(Beta2)),
        new("eps", OptimizerState.Format(Epsilon)),
        new("weight_decay", OptimizerState.Format(WeightDecay)),
        new("amsgrad", OptimizerState.Format(Amsgrad)),
    ];
}
