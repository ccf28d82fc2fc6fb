using System;

namespace StaticGrad;

/// <summary>
/// Declares a product: the previous member's output times the output of an earlier member, <c>y = x * source</c>
/// (PyTorch's <c>*</c>). Both have the same shape (a gate), or one is an image <c>[C, H, W]</c> and the other holds
/// one value per channel, <c>[C, 1, 1]</c> or flat <c>[C]</c>, which scales each channel's plane (a
/// squeeze-and-excitation block's <c>x * se(x)</c>), or is a one-channel map <c>[1, H, W]</c>, which scales every channel
/// pixel by pixel (a spatial attention gate). Name the member with <c>nameof</c>, or pass
/// <see cref="ModelAttribute.Input"/> for the model input. The member's type is <see cref="Residual"/>.
/// </summary>
/// <example><code>
/// [Conv2d(32, 3, Padding = 1), ReLU]        partial Conv2d Body { get; }
/// [AdaptiveAvgPool2d(1)]                    partial AdaptiveAvgPool2d Squeeze { get; }
/// [Conv2d(8, 1), ReLU]                      partial Conv2d Reduce { get; }
/// [Conv2d(32, 1), Sigmoid]                  partial Conv2d Expand { get; }
/// [Multiply(nameof(Body))]                  partial Residual Excite { get; }   // Body * Expand(...), per channel
/// </code></example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MultiplyAttribute : Attribute
{
    /// <summary>Multiplies the previous member's output by the output of <paramref name="source"/>.</summary>
    /// <param name="source">An earlier member (<c>nameof(Body)</c>) or <see cref="ModelAttribute.Input"/>.</param>
    public MultiplyAttribute(string source) => Source = source;

    /// <summary>The member whose output is the other factor.</summary>
    public string Source { get; }
}
