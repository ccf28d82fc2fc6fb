using System;

namespace StaticGrad;

/// <summary>Applies <c>max(0, x)</c> to the output of the <see cref="LinearAttribute"/> layer it sits beside.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>Applies the logistic sigmoid <c>1 / (1 + e^-x)</c> to the output of the layer it sits beside.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>Applies <c>tanh(x)</c> to the output of the layer it sits beside.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}
