using System;

namespace StaticGrad;

/// <summary>Validation of metric inputs; failures name the argument, the index and the expected value.</summary>
internal static class MetricArgument
{
    /// <summary>Throws unless the two lengths are equal.</summary>
    public static void SameLength(int expected, int actual, string paramName)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"{paramName} has {actual} values; expected {expected} (one per sample).", paramName);
        }
    }

    /// <summary>Throws unless there is at least one sample.</summary>
    public static void NotEmpty(int length, string paramName)
    {
        if (length == 0)
        {
            throw new ArgumentException("Expected at least one sample.", paramName);
        }
    }

    /// <summary>Throws unless every value is a class in [0, <paramref name="classes"/>).</summary>
    public static void Classes(ReadOnlySpan<int> values, int classes, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((uint)values[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(paramName, values[i], $"{paramName}[{i}] is {values[i]}; expected a class in [0, {classes}).");
            }
        }
    }

    /// <summary>Throws unless every value is finite, as scikit-learn's input checks refuse NaN and infinity.</summary>
    public static void Finite(ReadOnlySpan<float> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentOutOfRangeException(paramName, values[i], $"{paramName}[{i}] is {values[i]}; expected a finite value.");
            }
        }
    }

    /// <summary>Throws unless <paramref name="scores"/> holds <paramref name="rows"/> rows; returns the number of classes (columns).</summary>
    public static int Columns(int scores, int rows, string paramName)
    {
        if (rows == 0 || scores % rows != 0 || scores == 0)
        {
            throw new ArgumentException($"{paramName} has {scores} values; expected a positive multiple of the {rows} labels (one row of class scores per label).", paramName);
        }

        return scores / rows;
    }

    /// <summary>
    /// Throws unless <paramref name="scores"/> holds <paramref name="rows"/> rows of at least two classes; returns the number
    /// of classes. scikit-learn refuses a single class, and reads a single column as a binary model's probability of the
    /// positive class, which one column of one class would silently score as perfect.
    /// </summary>
    public static int ClassColumns(int scores, int rows, string paramName)
    {
        int classes = Columns(scores, rows, paramName);
        if (classes < 2)
        {
            throw new ArgumentException(
                $"{paramName} has 1 column per sample; expected at least 2 (one per class). For a binary model's single probability p of class 1, pass rows [1 - p, p] (scikit-learn reads one column that way and refuses a single class).",
                paramName);
        }

        return classes;
    }

    /// <summary>Throws unless <paramref name="value"/> is scikit-learn's <c>zero_division</c> 0 or 1; returns it.</summary>
    public static double ZeroDivision(double value) =>
        value is 0 or 1 ? value : throw new ArgumentOutOfRangeException("zeroDivision", value, $"Invalid zeroDivision: {value}; expected 0 or 1.");
}
