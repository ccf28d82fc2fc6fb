using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The cases of <c>Golden/scalers.json</c> (<c>scripts/golden_scalers.py</c>, scikit-learn 1.2.1 on float32 data) and the
/// comparisons the scaler tests share.
/// </summary>
internal static class ScalerGolden
{
    public static readonly GoldenFile File = new("scalers.json");

    /// <summary>The names of the cases of one scaler (<c>"standard"</c> or <c>"minmax"</c>), in file order.</summary>
    public static string[] Names(string scaler) =>
        File.Root.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("scaler").GetString() == scaler)
            .Select(c => c.GetProperty("name").GetString()!)
            .ToArray();

    /// <summary><see cref="Names"/> as theory data.</summary>
    public static TheoryData<string> CaseNames(string scaler)
    {
        var data = new TheoryData<string>();
        foreach (string name in Names(scaler))
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>A float list of the file (float32 values written exactly; null is NaN).</summary>
    public static float[] Floats(JsonElement c, string key)
    {
        JsonElement array = c.GetProperty(key);
        float[] values = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            values[i++] = v.ValueKind == JsonValueKind.Null ? float.NaN : (float)v.GetDouble();
        }

        return values;
    }

    /// <summary>A float64 list of the file; a null list (scikit-learn's None) is empty, a null value NaN.</summary>
    public static double[] Doubles(JsonElement c, string key)
    {
        JsonElement array = c.GetProperty(key);
        if (array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        double[] values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            values[i++] = v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble();
        }

        return values;
    }

    /// <summary>The partial_fit chunks' row counts, or null for one fit.</summary>
    public static int[]? Chunks(JsonElement c)
    {
        JsonElement chunks = c.GetProperty("chunks");
        if (chunks.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        int[] rows = new int[chunks.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in chunks.EnumerateArray())
        {
            rows[i++] = v.GetInt32();
        }

        return rows;
    }

    /// <summary>
    /// The distance between two floats in units in the last place (0 for equal values, both NaN included; int.MaxValue
    /// when exactly one is NaN or the signs differ, except for zeros).
    /// </summary>
    public static long Ulps(float expected, float actual)
    {
        if (float.IsNaN(expected) || float.IsNaN(actual))
        {
            return float.IsNaN(expected) && float.IsNaN(actual) ? 0 : int.MaxValue;
        }

        if (expected == actual)
        {
            return 0;
        }

        if (Math.Sign(expected) != Math.Sign(actual) && expected != 0 && actual != 0)
        {
            return int.MaxValue;
        }

        return Math.Abs((long)BitConverter.SingleToInt32Bits(Math.Abs(expected)) - BitConverter.SingleToInt32Bits(Math.Abs(actual)));
    }

    /// <summary>The largest <see cref="Ulps"/> of two float lists of equal length, and its index.</summary>
    public static (long Ulps, int Index) MaxUlps(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        (long Ulps, int Index) worst = (0, -1);
        for (int i = 0; i < expected.Length; i++)
        {
            long ulps = Ulps(expected[i], actual[i]);
            if (ulps > worst.Ulps)
            {
                worst = (ulps, i);
            }
        }

        return worst;
    }

    /// <summary>The largest relative difference of two float64 lists (NaN must meet NaN; 0 where both are 0).</summary>
    public static double MaxRelative(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]) || double.IsNaN(actual[i]))
            {
                Assert.True(double.IsNaN(expected[i]) && double.IsNaN(actual[i]), $"[{i}]: expected {expected[i]}, got {actual[i]}");
                continue;
            }

            double difference = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, difference == 0 ? 0 : difference / Math.Max(Math.Abs(expected[i]), double.Epsilon));
        }

        return worst;
    }

    /// <summary>Asserts that <paramref name="action"/> throws an <see cref="ArgumentException"/> (or a subclass) naming <paramref name="paramName"/> with <paramref name="message"/> in its text.</summary>
    public static void AssertArgument(string paramName, string message, Action action)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(paramName, error.ParamName);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
