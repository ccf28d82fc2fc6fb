using System;

namespace StaticGrad;

/// <summary>
/// Declares a smooth L1 loss, PyTorch's <c>nn.SmoothL1Loss(reduction, beta)</c>, over every output of the last
/// layer. Targets are floats, <c>[batch, outputs]</c>. The property's type is <see cref="SmoothL1Loss"/>.
/// </summary>
/// <example>
/// <code>
/// [SmoothL1Loss(Beta = 0.5f)] public partial SmoothL1Loss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SmoothL1LossAttribute : Attribute
{
    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Where the quadratic part ends, PyTorch's <c>beta</c>: finite and at least 0 (0 is the L1 loss). Default 1.</summary>
    public float Beta { get; set; } = 1f;
}
