using System;

namespace StaticGrad;

/// <summary>Applies <c>max(0, x)</c> to the output of the <see cref="LinearAttribute"/> layer it sits beside.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>
/// Applies the logistic sigmoid <c>1 / (1 + e^-x)</c> to the output of the layer it sits beside. On the
/// last layer of a model without a loss it is the output activation of an inference-only model.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>Applies <c>tanh(x)</c> to the output of the layer it sits beside.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}

/// <summary>
/// The row-wise softmax <c>e^x / Σ e^x</c> over the last layer's outputs (PyTorch's <c>nn.Softmax(dim=1)</c>):
/// the output activation of an inference-only model (a model with no loss). Only on the last layer.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftmaxAttribute : Attribute
{
}

/// <summary>
/// The row-wise log-softmax <c>x - log Σ e^x</c> over the last layer's outputs (PyTorch's
/// <c>nn.LogSoftmax(dim=1)</c>): the output activation paired with <see cref="NllLossAttribute"/>, or of an
/// inference-only model. Only on the last layer.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LogSoftmaxAttribute : Attribute
{
}

/// <summary>Applies <c>x &gt; 0 ? x : NegativeSlope·x</c> (PyTorch's <c>nn.LeakyReLU(negative_slope=0.01)</c>).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class LeakyReLUAttribute : Attribute
{
    /// <summary>Declares a leaky ReLU with the default slope 0.01.</summary>
    public LeakyReLUAttribute()
    {
    }

    /// <summary>Declares a leaky ReLU.</summary>
    /// <param name="negativeSlope">The slope below zero.</param>
    public LeakyReLUAttribute(float negativeSlope) => NegativeSlope = negativeSlope;

    /// <summary>The slope below zero (0.01 by default, as in PyTorch).</summary>
    public float NegativeSlope { get; set; } = 0.01f;
}

/// <summary>Applies <c>x &gt; 0 ? x : Alpha·(e^x - 1)</c> (PyTorch's <c>nn.ELU(alpha=1.0)</c>).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ELUAttribute : Attribute
{
    /// <summary>Declares an ELU with alpha 1.</summary>
    public ELUAttribute()
    {
    }

    /// <summary>Declares an ELU.</summary>
    /// <param name="alpha">The saturation value for negative inputs is <c>-alpha</c>.</param>
    public ELUAttribute(float alpha) => Alpha = alpha;

    /// <summary>The scale of the negative part (1 by default).</summary>
    public float Alpha { get; set; } = 1f;
}

/// <summary>
/// Applies the Gaussian error linear unit, <c>x·Φ(x)</c> (PyTorch's <c>nn.GELU()</c>), or its tanh approximation with
/// <c>Approximate = "tanh"</c> (<c>nn.GELU(approximate='tanh')</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class GELUAttribute : Attribute
{
    /// <summary><c>"none"</c> (the exact erf form, the default) or <c>"tanh"</c>.</summary>
    public string Approximate { get; set; } = "none";
}

/// <summary>Applies <c>x·sigmoid(x)</c> (PyTorch's <c>nn.SiLU()</c>, also called swish).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SiLUAttribute : Attribute
{
}

/// <summary>
/// Applies <c>log(1 + e^(Beta·x))/Beta</c>, and the identity where <c>Beta·x &gt; Threshold</c> (PyTorch's
/// <c>nn.Softplus(beta=1, threshold=20)</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftplusAttribute : Attribute
{
    /// <summary>The sharpness (1 by default); must be positive.</summary>
    public float Beta { get; set; } = 1f;

    /// <summary>Above <c>Beta·x &gt; Threshold</c> the output is <c>x</c> (20 by default).</summary>
    public float Threshold { get; set; } = 20f;
}

/// <summary>Applies <c>x·min(max(x + 3, 0), 6)/6</c> (PyTorch's <c>nn.Hardswish()</c>).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class HardswishAttribute : Attribute
{
}

/// <summary>Applies <c>min(max(x, 0), 6)</c> (PyTorch's <c>nn.ReLU6()</c>, the activation of MobileNetV2).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReLU6Attribute : Attribute
{
}

/// <summary>
/// Applies <c>min(max(x + 3, 0), 6)/6</c> (PyTorch's <c>nn.Hardsigmoid()</c>, the gate of MobileNetV3's
/// squeeze-and-excitation blocks).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class HardsigmoidAttribute : Attribute
{
}
