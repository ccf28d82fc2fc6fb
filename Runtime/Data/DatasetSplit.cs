using System;

namespace StaticGrad.Data;

/// <summary>
/// Seeded train/validation splits of an <see cref="InMemoryDataset"/> (scikit-learn's
/// <c>train_test_split</c>, optionally with <c>stratify=y</c>).
/// </summary>
public static class DatasetSplit
{
    /// <summary>
    /// Splits off <c>round(validationFraction · Count)</c> samples for validation (at least one and
    /// leaving at least one for training). Without stratification the samples are a seeded permutation;
    /// with it each class contributes <c>round(validationFraction · classCount)</c> of its own samples,
    /// so both sides keep the class proportions. Both sides keep the original sample order.
    /// </summary>
    /// <param name="dataset">The samples; at least two.</param>
    /// <param name="validationFraction">The fraction for validation; in (0, 1).</param>
    /// <param name="seed">The seed of the <see cref="Rng"/> that picks the samples.</param>
    /// <param name="stratified">Split each class separately (requires a labelled dataset).</param>
    /// <returns>The training and validation datasets (copies).</returns>
    /// <exception cref="ArgumentException">An argument is out of range, or stratification is asked of a dataset without labels.</exception>
    public static (InMemoryDataset Train, InMemoryDataset Validation) TrainValidation(
        InMemoryDataset dataset, double validationFraction, ulong seed, bool stratified = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, $"Invalid validationFraction: {validationFraction}; expected 0 < value < 1.");
        }

        if (dataset.Count < 2)
        {
            throw new ArgumentException($"The dataset has {dataset.Count} sample; expected at least 2 to split.", nameof(dataset));
        }

        if (stratified && !dataset.HasLabels)
        {
            throw new ArgumentException("Stratification needs class labels; the dataset holds float targets.", nameof(stratified));
        }

        var rng = new Rng(seed);
        bool[] validation = new bool[dataset.Count];
        if (stratified)
        {
            for (int c = 0; c < dataset.Classes; c++)
            {
                PickClass(dataset.Labels, c, validationFraction, rng, validation);
            }
        }
        else
        {
            int[] order = Identity(dataset.Count);
            rng.Shuffle(order.AsSpan());
            int take = Math.Clamp((int)Math.Round(validationFraction * dataset.Count, MidpointRounding.AwayFromZero), 1, dataset.Count - 1);
            for (int i = 0; i < take; i++)
            {
                validation[order[i]] = true;
            }
        }

        int validationCount = 0;
        foreach (bool v in validation)
        {
            validationCount += v ? 1 : 0;
        }

        if (validationCount == 0 || validationCount == dataset.Count)
        {
            throw new ArgumentException(
                $"The stratified split puts {validationCount} of {dataset.Count} samples in validation; expected both sides non-empty (use a larger fraction or more samples per class).", nameof(validationFraction));
        }

        int[] trainIndices = new int[dataset.Count - validationCount];
        int[] validationIndices = new int[validationCount];
        for (int i = 0, t = 0, v = 0; i < validation.Length; i++)
        {
            if (validation[i])
            {
                validationIndices[v++] = i;
            }
            else
            {
                trainIndices[t++] = i;
            }
        }

        return (dataset.Subset(trainIndices), dataset.Subset(validationIndices));
    }

    private static void PickClass(ReadOnlySpan<int> labels, int c, double fraction, Rng rng, bool[] validation)
    {
        int count = 0;
        foreach (int label in labels)
        {
            count += label == c ? 1 : 0;
        }

        if (count == 0)
        {
            return;
        }

        int[] members = new int[count];
        for (int i = 0, m = 0; i < labels.Length; i++)
        {
            if (labels[i] == c)
            {
                members[m++] = i;
            }
        }

        rng.Shuffle(members.AsSpan());
        int take = (int)Math.Round(fraction * count, MidpointRounding.AwayFromZero);
        for (int i = 0; i < take; i++)
        {
            validation[members[i]] = true;
        }
    }

    private static int[] Identity(int count)
    {
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        return order;
    }
}
