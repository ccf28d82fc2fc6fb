using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's Huber loss, PyTorch's <c>nn.HuberLoss(reduction, delta)</c>: with <c>d = x - t</c>,
/// <c>0.5·d²</c> where <c>|d| &lt; δ</c>, else <c>δ·(|d| - 0.5·δ)</c>; gradient <c>clamp(d, -δ, δ)</c>.
/// The generated model creates it from the <see cref="HuberLossAttribute"/> arguments.
/// </summary>
public sealed class HuberLoss : ElementwiseRegressionLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs); positive.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="delta">Where the quadratic part ends; finite and positive.</param>
    public HuberLoss(int outputs, Reduction reduction, float delta)
        : base(outputs, reduction, RegressionLossKind.Huber, CheckedParameter(delta, allowZero: false, nameof(delta)))
    {
        Delta = delta;
    }

    /// <summary>Where the quadratic part ends (PyTorch's <c>delta</c>).</summary>
    public float Delta { get; }

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>HuberLoss()</c>.</summary>
    public override string ToString() => "HuberLoss()";
}
