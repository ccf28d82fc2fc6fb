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
