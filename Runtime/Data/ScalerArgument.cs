using System;
using System.Globalization;

namespace StaticGrad.Data;

/// <summary>
/// Validation shared by <see cref="StandardScaler"/> and <see cref="MinMaxScaler"/>; failures name the argument and the
/// expected value, and happen before the scaler or the output is touched.
/// </summary>
internal static class ScalerArgument
{
    /// <summary>Throws unless <paramref name="values"/> holds at least one whole row of <paramref name="features"/>; returns the rows.</summary>
    public static int Rows(ReadOnlySpan<float> values, int features, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (values.Length == 0 || values.Length % features != 0)
        {
            throw new ArgumentException(
                $"{paramName} has {values.Length} values; expected a positive multiple of features ({features}), row-major [samples, features].",
                paramName);
        }

        return values.Length / features;
    }

    /// <summary>
    /// Throws unless <paramref name="features"/> is the fitted count (a scaler's statistics are per feature, so a chunk of
    /// another width cannot extend them).
    /// </summary>
    public static void SameFeatures(int features, int fitted)
    {
        if (features != fitted)
        {
            throw new ArgumentException(
                $"features is {features}; expected {fitted}, the features of the data fitted so far (Fit starts afresh with another count).",
                nameof(features));
        }
    }

    /// <summary>
    /// Throws unless a transform of <paramref name="input"/> into <paramref name="output"/> fits a scaler of
    /// <paramref name="features"/> features: whole rows, equal lengths, and the output either the input itself or disjoint
    /// from it (a shifted overlap would overwrite values before they are read).
    /// </summary>
    public static void Batch(ReadOnlySpan<float> input, Span<float> output, int features)
    {
        if (input.Length % features != 0)
        {
            throw new ArgumentException(
                $"input has {input.Length} values; expected a multiple of Features ({features}), row-major [samples, features].",
                nameof(input));
        }

        if (output.Length != input.Length)
        {
            throw new ArgumentException($"output has {output.Length} values; expected {input.Length}, as many as input.", nameof(output));
        }

        if (input.Overlaps(output, out int offset) && offset != 0)
        {
            throw new ArgumentException(
                $"output overlaps input {offset} elements away; expected the same span (in place) or separate memory.",
                nameof(output));
        }
    }

    /// <summary>
    /// Throws unless a scaler may transform <paramref name="input"/> into <paramref name="output"/>: it is fitted (else an
    /// <see cref="InvalidOperationException"/> naming <paramref name="scaler"/>, the way to fit it and
    /// <paramref name="operation"/>), the spans fit (<see cref="Batch"/>) and no input is infinite.
    /// </summary>
    public static void Transformable(bool fitted, string scaler, string restore, string operation, ReadOnlySpan<float> input, Span<float> output, int features)
    {
        if (!fitted)
        {
            throw new InvalidOperationException($"The {scaler} is not fitted; call Fit or PartialFit (or build it with {restore}) before {operation}.");
        }

        Batch(input, output, features);
        NoInfinity(input, features, nameof(input));
    }

    /// <summary>
    /// Throws at the first infinite value, as scikit-learn's input check (<c>force_all_finite="allow-nan"</c>) refuses
    /// infinity; NaN passes, as a missing value.
    /// </summary>
    public static void NoInfinity(ReadOnlySpan<float> values, int features, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsInfinity(values[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{paramName}[{i}] (sample {i / features}, column {i % features}) is {values[i]}; expected a finite value or NaN (a missing value)."),
                    paramName);
            }
        }
    }

    /// <summary>Throws unless a dataset has float targets (the scalers' target overloads).</summary>
    public static void HasTargets(InMemoryDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.HasLabels)
        {
            throw new ArgumentException("The dataset holds class labels; expected a dataset of float targets (InMemoryDataset.FromTargets) to scale its targets.", nameof(dataset));
        }
    }

    /// <summary>
    /// Throws at the first value of a transformed dataset copy that is not finite (a dataset holds finite values only):
    /// a feature whose statistics are NaN because it had no value in the fit, or a value scaled beyond float's range.
    /// </summary>
    public static void TransformedFinite(float[] values, int width, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The scaled {what} of sample {i / width}, column {i % width} is {values[i]}; expected a finite value, as a dataset holds (scale the spans instead to keep it)."),
                    "dataset");
            }
        }
    }
}
