using System;

namespace StaticGrad;

/// <summary>
/// The member type of a skip connection declared with <see cref="AddAttribute"/> or <see cref="ConcatAttribute"/>:
/// it has no parameters and describes what it combines.
/// </summary>
public sealed class Residual
{
    /// <summary>Describes a skip connection.</summary>
    /// <param name="kind">Sum or concatenation.</param>
    /// <param name="source">The earlier member whose output is combined with the previous member's, or <see cref="ModelAttribute.Input"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is null or empty.</exception>
    public Residual(ResidualKind kind, string source)
    {
        if (kind is not (ResidualKind.Add or ResidualKind.Concat))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected ResidualKind.Add or ResidualKind.Concat.");
        }

        ArgumentException.ThrowIfNullOrEmpty(source);
        Kind = kind;
        Source = source;
    }

    /// <summary>Sum or concatenation.</summary>
    public ResidualKind Kind { get; }

    /// <summary>The earlier member whose output is combined, or <see cref="ModelAttribute.Input"/>.</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}({Source})";
}
