using System;

namespace StaticGrad;

/// <summary>
/// Declares dropout, PyTorch's <c>nn.Dropout(p)</c>: in training mode each element is zeroed with probability
/// <see cref="P"/> and the rest scaled by <c>1/(1-p)</c>; in eval mode it is the identity. The member's type is
/// <see cref="Dropout"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares dropout with probability <paramref name="p"/>.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1] (0.5 by default, as in PyTorch).</param>
    public DropoutAttribute(float p = 0.5f) => P = p;

    /// <summary>The probability of zeroing an element.</summary>
    public float P { get; }
}
