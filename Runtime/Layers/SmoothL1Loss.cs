using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's smooth L1 loss, PyTorch's <c>nn.SmoothL1Loss(reduction, beta)</c>: with <c>d = x - t</c>,
/// <c>0.5·d²/β</c> where <c>|d| &lt; β</c>, else <c>|d| - 0.5·β</c>; <c>β = 0</c> is <see cref="L1Loss"/>.
/// The generated model creates it from the <see cref="SmoothL1LossAttribute"/> arguments.
/// </summary>
public sealed class SmoothL1Loss : ElementwiseRegressionLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs); positive.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="beta">Where the quadratic part ends; finite and at least 0.</param>
    public SmoothL1Loss(int outputs, Reduction reduction, float beta)
        : base(outputs, reduction, RegressionLossKind.SmoothL1, CheckedParameter(beta, allowZero: true, nameof(beta)))
    {
        Beta = beta;
    }

    /// <summary>Where the quadratic part ends (PyTorch's <c>beta</c>).</summary>
    public float Beta { get; }

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>SmoothL1Loss()</c>.</summary>
    public override string ToString() => "SmoothL1Loss()";
}
