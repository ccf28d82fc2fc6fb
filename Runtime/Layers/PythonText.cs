using System.Globalization;

namespace StaticGrad;

/// <summary>
/// Values as PyTorch's <c>repr</c> of a module prints them, whatever the machine's culture: a float as Python's shortest
/// round-trip text (<c>0.25</c>, <c>1e-05</c>, <c>1.0</c>), a bool as <c>True</c> or <c>False</c>.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>repr</c> of <paramref name="value"/>: a lower-case exponent, and <c>.0</c> on a whole number.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value))
        {
            return "nan";
        }

        if (float.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return text.Contains('.') || text.Contains('e') ? text : text + ".0";
    }

    /// <summary><c>True</c> or <c>False</c>.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
