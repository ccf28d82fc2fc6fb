using System;

namespace StaticGrad;

/// <summary>
/// Declares channel dropout over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.Dropout2d(p)</c>: in training mode each
/// channel of each sample is zeroed as a whole with probability <see cref="P"/> and the rest scaled by <c>1/(1-p)</c>; in
/// eval mode it is the identity. The member's type is <see cref="Dropout2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Dropout2dAttribute : Attribute
{
    /// <summary>Declares channel dropout with probability <paramref name="p"/>.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1] (0.5 by default, as in PyTorch).</param>
    public Dropout2dAttribute(float p = 0.5f) => P = p;

    /// <summary>The probability of zeroing a channel.</summary>
    public float P { get; }
}
