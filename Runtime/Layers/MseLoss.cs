using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's mean squared error, PyTorch's <c>nn.MSELoss(reduction)</c>: <c>(x - t)²</c> per output, gradient
/// <c>2(x - t)</c>. The generated model creates it from the <see cref="MseLossAttribute"/> arguments.
/// </summary>
public sealed class MseLoss : ElementwiseRegressionLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs); positive.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    public MseLoss(int outputs, Reduction reduction)
        : base(outputs, reduction, RegressionLossKind.Mse, 0f)
    {
    }

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>MSELoss()</c>.</summary>
    public override string ToString() => "MSELoss()";
}
