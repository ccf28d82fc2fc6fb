using System;

namespace StaticGrad;

/// <summary>
/// Declares a mean squared error loss, PyTorch's <c>nn.MSELoss(reduction)</c>, over every output of the last layer.
/// Targets are floats, <c>[batch, outputs]</c>. The property's type is <see cref="MseLoss"/>.
/// </summary>
/// <example>
/// <code>
/// [MseLoss] public partial MseLoss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MseLossAttribute : Attribute
{
    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
}
