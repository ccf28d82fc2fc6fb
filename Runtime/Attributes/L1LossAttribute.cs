using System;

namespace StaticGrad;

/// <summary>
/// Declares a mean absolute error loss, PyTorch's <c>nn.L1Loss(reduction)</c>, over every output of the last layer.
/// Targets are floats, <c>[batch, outputs]</c>. The property's type is <see cref="L1Loss"/>.
/// </summary>
/// <example>
/// <code>
/// [L1Loss] public partial L1Loss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class L1LossAttribute : Attribute
{
    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
}
