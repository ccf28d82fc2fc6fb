using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticGrad.Models.Commands;

/// <summary>Small helpers the <c>eval</c> and <c>predict</c> option parsers share.</summary>
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

    /// <summary>A non-negative integer.</summary>
    public static int NonNegativeInt(string option, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new FormatException($"Option '{option}' expects an integer >= 0; got '{value}'.");
}
