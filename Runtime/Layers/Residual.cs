using System;

namespace StaticGrad;

/// <summary>
/// The member type of a join declared with <see cref="AddAttribute"/>, <see cref="ConcatAttribute"/> or
/// <see cref="MultiplyAttribute"/>: it has no parameters and describes what it combines.
/// </summary>
public sealed class Residual
{
    /// <summary>Describes a skip connection.</summary>
    /// <param name="kind">Sum, concatenation or product.</param>
    /// <param name="source">The earlier member whose output is combined with the previous member's, or <see cref="ModelAttribute.Input"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is null or empty.</exception>
    public Residual(ResidualKind kind, string source)
    {
        if (kind is not (ResidualKind.Add or ResidualKind.Concat or ResidualKind.Multiply))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected ResidualKind.Add, ResidualKind.Concat or ResidualKind.Multiply.");
        }

        ArgumentException.ThrowIfNullOrEmpty(source);
        Kind = kind;
        Source = source;
    }

    /// <summary>Sum, concatenation or product.</summary>
    public ResidualKind Kind { get; }

    /// <summary>The earlier member whose output is combined, or <see cref="ModelAttribute.Input"/>.</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}({Source})";
}
