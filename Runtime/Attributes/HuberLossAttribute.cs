using System;

namespace StaticGrad;

/// <summary>
/// Declares a Huber loss, PyTorch's <c>nn.HuberLoss(reduction, delta)</c>, over every output of the last layer.
/// Targets are floats, <c>[batch, outputs]</c>. The property's type is <see cref="HuberLoss"/>.
/// </summary>
/// <example>
/// <code>
/// [HuberLoss(Delta = 2f)] public partial HuberLoss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class HuberLossAttribute : Attribute
{
    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Where the quadratic part ends, PyTorch's <c>delta</c>: finite and positive. Default 1.</summary>
    public float Delta { get; set; } = 1f;
}
