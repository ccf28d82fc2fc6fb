using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's mean absolute error, PyTorch's <c>nn.L1Loss(reduction)</c>: <c>|x - t|</c> per output, gradient
/// <c>sign(x - t)</c> (0 where they are equal). The generated model creates it from the <see cref="L1LossAttribute"/> arguments.
/// </summary>
public sealed class L1Loss : ElementwiseRegressionLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs); positive.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    public L1Loss(int outputs, Reduction reduction)
        : base(outputs, reduction, RegressionLossKind.L1, 0f)
    {
    }

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>L1Loss()</c>.</summary>
    public override string ToString() => "L1Loss()";
}
