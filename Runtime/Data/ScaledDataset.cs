using System;

namespace StaticGrad.Data;

/// <summary>A scaler's transform of row-major values into a span of the same length.</summary>
internal delegate void ValuesTransform(ReadOnlySpan<float> input, Span<float> output);

/// <summary>
/// The dataset overloads <see cref="StandardScaler"/> and <see cref="MinMaxScaler"/> share: a copy of a dataset with its
/// features (or float targets) transformed and everything else kept, checked as a dataset requires.
/// </summary>
internal static class ScaledDataset
{
    /// <summary>A copy of <paramref name="dataset"/> with its features transformed; labels or targets shared.</summary>
    public static InMemoryDataset Features(InMemoryDataset dataset, bool fitted, int scalerWidth, ValuesTransform transform)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        CheckWidth(dataset.Features, "features", fitted, scalerWidth);
        float[] features = new float[dataset.FeatureValues.Length];
        transform(dataset.FeatureValues, features);
        ScalerArgument.TransformedFinite(features, dataset.Features, "feature");
        return dataset.WithValues(features, null);
    }

    /// <summary>A copy of <paramref name="dataset"/> with its float targets transformed; features shared.</summary>
    public static InMemoryDataset Targets(InMemoryDataset dataset, bool fitted, int scalerWidth, ValuesTransform transform)
    {
        ScalerArgument.HasTargets(dataset);
        CheckWidth(dataset.Targets, "targets", fitted, scalerWidth);
        float[] targets = new float[dataset.TargetValues.Length];
        transform(dataset.TargetValues, targets);
        ScalerArgument.TransformedFinite(targets, dataset.Targets, "target");
        return dataset.WithValues(null, targets);
    }

    /// <summary>Throws when a fitted scaler's width differs from the dataset's (an unfitted one throws in its transform).</summary>
    private static void CheckWidth(int width, string what, bool fitted, int scalerWidth)
    {
        if (fitted && width != scalerWidth)
        {
            throw new ArgumentException($"The dataset has {width} {what} per sample; expected {scalerWidth}, the scaler's Features.", "dataset");
        }
    }
}
