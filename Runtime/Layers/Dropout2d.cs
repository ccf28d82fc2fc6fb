using System;

namespace StaticGrad;

/// <summary>The member type of a <see cref="Dropout2dAttribute"/> layer: its probability.</summary>
public sealed class Dropout2d
{
    /// <summary>Describes a channel dropout layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout2d(float p)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected a dropout probability between 0 and 1.");
        }

        P = p;
    }

    /// <summary>The probability of zeroing a channel in training mode.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public override string ToString() => $"Dropout2d(p={PythonText.Float(P)}, inplace=False)";
}
