using System;

namespace StaticGrad;

/// <summary>
/// Declares a concatenation along the features: the previous member's output followed by the output of an earlier
/// member, like <c>torch.cat([x, source], dim=1)</c>. Name the member with <c>nameof</c>, or pass
/// <see cref="ModelAttribute.Input"/> for the model input. The member's type is <see cref="Residual"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ConcatAttribute : Attribute
{
    /// <summary>Appends the output of <paramref name="source"/> to the previous member's output.</summary>
    /// <param name="source">An earlier member (<c>nameof(Stem)</c>) or <see cref="ModelAttribute.Input"/>.</param>
    public ConcatAttribute(string source) => Source = source;

    /// <summary>The member whose output is appended.</summary>
    public string Source { get; }
}
