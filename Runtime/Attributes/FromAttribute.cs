using System;

namespace StaticGrad;

/// <summary>
/// Makes a member read the output of an earlier member instead of the previous member's: a branch, as a PyTorch
/// <c>forward</c> that passes one tensor to two paths. With <see cref="AddAttribute"/> or <see cref="ConcatAttribute"/>
/// on a later member the two paths join again, e.g. ResNet's downsampling block, whose shortcut is a strided 1 × 1
/// convolution of the block's input. Name the member with <c>nameof</c>, or pass <see cref="ModelAttribute.Input"/> for
/// the model input. The member's other attributes declare its layer as usual. The member just before a branch must be
/// read by a later member (its output would be lost: diagnostic SG0036).
/// </summary>
/// <example><code>
/// [Conv2d(32, 3, Stride = 2, Padding = 1)]                  partial Conv2d Conv1 { get; }
/// [BatchNorm2d, ReLU]                                       partial BatchNorm2d Bn1 { get; }
/// [Conv2d(32, 3, Padding = 1)]                              partial Conv2d Conv2 { get; }
/// [BatchNorm2d]                                             partial BatchNorm2d Bn2 { get; }
/// [From(nameof(Stem)), Conv2d(32, 1, Stride = 2, Bias = false)] partial Conv2d Shortcut { get; }   // reads Stem, not Bn2
/// [BatchNorm2d]                                             partial BatchNorm2d ShortcutBn { get; }
/// [Add(nameof(Bn2)), ReLU]                                  partial Residual Block { get; }     // ShortcutBn + Bn2
/// </code></example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FromAttribute : Attribute
{
    /// <summary>Makes the member read the output of <paramref name="source"/>.</summary>
    /// <param name="source">An earlier member (<c>nameof(Stem)</c>) or <see cref="ModelAttribute.Input"/>.</param>
    public FromAttribute(string source) => Source = source;

    /// <summary>The member whose output this member reads.</summary>
    public string Source { get; }
}
