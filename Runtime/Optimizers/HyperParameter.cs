using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace StaticGrad;

/// <summary>Validation and conversion of optimizer hyperparameters.</summary>
internal static class HyperParameter
{
    /// <summary>
    /// The double a float hyperparameter stands for: the value of its shortest round-trip decimal
    /// form, so <c>0.9f</c> becomes exactly <c>0.9</c>. PyTorch computes scalar coefficients such as
    /// <c>1 - beta1^t</c> from Python (double) floats; converting this way makes a C# <c>0.9f</c> give the
    /// same coefficients as a Python <c>0.9</c>. Formats into a stack buffer, so it allocates nothing.
    /// </summary>
    public static double ToDouble(float value)
    {
        if (!float.IsFinite(value))
        {
            return value;
        }

        Span<char> buffer = stackalloc char[32];
        if (!value.TryFormat(buffer, out int written, "R", CultureInfo.InvariantCulture))
        {
            return value;
        }

        return double.Parse(buffer.Slice(0, written), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Throws unless <paramref name="value"/> is at least 0 (NaN is rejected).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NonNegative(float value, string paramName)
    {
        if (!(value >= 0f))
        {
            ThrowOutOfRange(value, paramName, "0 <= value");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="value"/> is a usable learning rate: finite and at least 0 (an infinite rate, which
    /// PyTorch takes, turns every weight it updates into NaN or infinity in one step).
    /// </summary>
    public static void LearningRate(float value, string paramName)
    {
        if (!(value >= 0f && float.IsFinite(value)))
        {
            ThrowOutOfRange(value, paramName, "a finite learning rate >= 0");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is in <c>[0, 1)</c> (NaN is rejected).</summary>
    public static void ZeroToOneExclusive(float value, string paramName)
    {
        if (!(value >= 0f && value < 1f))
        {
            ThrowOutOfRange(value, paramName, "0 <= value < 1");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is in <c>[0, 1]</c> (NaN is rejected).</summary>
    public static void ZeroToOne(float value, string paramName)
    {
        if (!(value >= 0f && value <= 1f))
        {
            ThrowOutOfRange(value, paramName, "0 <= value <= 1");
        }
    }

    /// <summary>Throws if <paramref name="value"/> is NaN or infinite.</summary>
    public static void Finite(float value, string paramName)
    {
        if (!float.IsFinite(value))
        {
            ThrowOutOfRange(value, paramName, "a finite value");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(float value, string paramName, string expected) =>
        throw new ArgumentOutOfRangeException(
            paramName,
            value,
            string.Create(CultureInfo.InvariantCulture, $"Invalid {paramName}: {value}; expected {expected}."));
}
