using System;

namespace StaticGrad;

/// <summary>The member type of a <see cref="DropoutAttribute"/> layer: its probability.</summary>
public sealed class Dropout
{
    /// <summary>Describes a dropout layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(float p)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected a dropout probability between 0 and 1.");
        }

        P = p;
    }

    /// <summary>The probability of zeroing an element in training mode.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public override string ToString() => $"Dropout(p={PythonText.Float(P)}, inplace=False)";
}
