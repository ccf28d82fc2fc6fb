using System;

namespace StaticGrad;

/// <summary>
/// Declares a residual connection: the previous member's output plus the output of an earlier member,
/// <c>y = x + source</c> (PyTorch's <c>x + block(x)</c>). Name the member with <c>nameof</c>, or pass
/// <see cref="ModelAttribute.Input"/> for the model input; both must have the same features. The member's type is
/// <see cref="Residual"/>.
/// </summary>
/// <example><code>
/// [Linear(128)]         partial Linear Stem { get; }
/// [Linear(128), ReLU]   partial Linear Block { get; }
/// [Add(nameof(Stem))]   partial Residual Skip { get; }   // Stem + Block(Stem)
/// </code></example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AddAttribute : Attribute
{
    /// <summary>Adds the output of <paramref name="source"/> to the previous member's output.</summary>
    /// <param name="source">An earlier member (<c>nameof(Stem)</c>) or <see cref="ModelAttribute.Input"/>.</param>
    public AddAttribute(string source) => Source = source;

    /// <summary>The member whose output is added.</summary>
    public string Source { get; }
}
