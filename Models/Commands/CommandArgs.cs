using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace StaticGrad.Models.Commands;

/// <summary>
/// Option parsing every command shares: each helper throws a <see cref="FormatException"/> whose
/// message names the option and the value it got.
/// </summary>
internal static class CommandArgs
{
    /// <summary>The value after option <c>args[i]</c>; advances <paramref name="i"/>.</summary>
    public static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new FormatException($"Option '{args[i]}' needs a value.");
        }

        return args[++i];
    }

    /// <summary>One of <paramref name="allowed"/>, case-insensitively.</summary>
    public static string OneOf(string option, string value, params string[] allowed)
    {
        foreach (string candidate in allowed)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        throw new FormatException($"Option '{option}' expects one of {string.Join(", ", allowed)}; got '{value}'.");
    }

    /// <summary>Any integer.</summary>
    public static int Int(string option, string value)
        => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new FormatException($"Option '{option}' expects an integer; got '{value}'.");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int IntInRange(string option, string value, int min, int max)
    {
        int result = Int(option, value);
        return result >= min && result <= max
            ? result
            : throw new FormatException($"Option '{option}' expects an integer from {min} to {max}; got {result}.");
    }

    /// <summary>A positive integer.</summary>
    public static int PositiveInt(string option, string value)
    {
        int result = Int(option, value);
        return result > 0 ? result : throw new FormatException($"Option '{option}' expects a positive integer; got {result}.");
    }

    /// <summary>A non-negative integer.</summary>
    public static int NonNegativeInt(string option, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new FormatException($"Option '{option}' expects an integer >= 0; got '{value}'.");

    /// <summary>A comma-separated list of integers in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int[] IntList(string option, string value, int min = int.MinValue, int max = int.MaxValue)
    {
        string[] parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException($"Option '{option}' expects a comma-separated list of integers; got '{value}'.");
        }

        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            values[i] = IntInRange(option, parts[i], min, max);
        }

        return values;
    }

    /// <summary>A finite number.</summary>
    public static float Float(string option, string value)
        => float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float result) && float.IsFinite(result)
            ? result
            : throw new FormatException($"Option '{option}' expects a number; got '{value}'.");

    /// <summary>A finite number greater than 0.</summary>
    public static float PositiveFloat(string option, string value)
    {
        float result = Float(option, value);
        return result > 0 ? result : throw new FormatException($"Option '{option}' expects a positive number; got {result.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>A finite number of at least 0.</summary>
    public static float NonNegativeFloat(string option, string value)
    {
        float result = Float(option, value);
        return result >= 0 ? result : throw new FormatException($"Option '{option}' expects a number >= 0; got {result.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>Prints a usage error (the message, then the usage text) and returns exit code 2.</summary>
    public static int UsageError(TextWriter error, string message, string usage)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine();
        error.WriteLine(usage);
        return 2;
    }
}
