using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>Validation of scheduler arguments; each failure names the argument and the expected range.</summary>
internal static class ScheduleArgument
{
    /// <summary>Throws unless <paramref name="value"/> is finite and in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static void InRange(double value, double min, double max, string paramName)
    {
        if (!(value >= min && value <= max))
        {
            Throw(value, paramName, string.Create(CultureInfo.InvariantCulture, $"{min} <= value <= {max}"));
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is in (0, <paramref name="max"/>].</summary>
    public static void AboveZeroAtMost(double value, double max, string paramName)
    {
        if (!(value > 0 && value <= max))
        {
            Throw(value, paramName, string.Create(CultureInfo.InvariantCulture, $"0 < value <= {max}"));
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and greater than 0.</summary>
    public static void Positive(double value, string paramName)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            Throw(value, paramName, "a finite value > 0");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and at least 0.</summary>
    public static void NonNegative(double value, string paramName)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            Throw(value, paramName, "a finite value >= 0");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="value"/> is a learning rate the optimizer can take: at least 0 and finite as the
    /// float it steps with (at most <see cref="float.MaxValue"/>).
    /// </summary>
    public static void LearningRate(double value, string paramName)
    {
        if (!(value >= 0 && float.IsFinite((float)value)))
        {
            Throw(value, paramName, string.Create(CultureInfo.InvariantCulture, $"a learning rate >= 0 that a float holds (at most {float.MaxValue})"));
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is greater than 0.</summary>
    public static void Positive(int value, string paramName)
    {
        if (value <= 0)
        {
            Throw(value, paramName, "a value > 0");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is at least <paramref name="min"/>.</summary>
    public static void AtLeast(int value, int min, string paramName)
    {
        if (value < min)
        {
            Throw(value, paramName, string.Create(CultureInfo.InvariantCulture, $"a value >= {min}"));
        }
    }

    private static void Throw(object value, string paramName, string expected) =>
        throw new ArgumentOutOfRangeException(
            paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid {paramName}: {value}; expected {expected}."));
}
