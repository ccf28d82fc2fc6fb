using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>Weights computed from label counts, for losses trained on imbalanced data.</summary>
public static class ClassWeights
{
    /// <summary>Counts how often each class index occurs.</summary>
    /// <param name="labels">Class indices in <c>[0, classes)</c>.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <returns>One count per class.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range (the message names its index and value).</exception>
    public static int[] CountLabels(ReadOnlySpan<int> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        int[] counts = new int[classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), string.Create(CultureInfo.InvariantCulture, $"labels[{i}] = {labels[i]} is outside [0, {classes})."));
            }

            counts[labels[i]]++;
        }

        return counts;
    }

    /// <summary>Counts how often each class index occurs in byte labels (the MNIST label format).</summary>
    /// <param name="labels">Class indices in <c>[0, classes)</c>.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <returns>One count per class.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public static int[] CountLabels(ReadOnlySpan<byte> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        int[] counts = new int[classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), string.Create(CultureInfo.InvariantCulture, $"labels[{i}] = {labels[i]} is outside [0, {classes})."));
            }

            counts[labels[i]]++;
        }

        return counts;
    }

    /// <summary>
    /// Inverse-frequency ("balanced") weights: <c>w_c = N / (C · n_c)</c> for a class seen <c>n_c</c> times among
    /// <c>N</c> samples of <c>C</c> classes, so every class contributes equally to a weighted loss and a balanced
    /// dataset gets weights of 1 (scikit-learn's <c>class_weight='balanced'</c>). A class that never occurs
    /// gets weight 0.
    /// </summary>
    /// <param name="counts">Samples per class; non-negative, at least one positive.</param>
    /// <returns>One weight per class, for <see cref="ClassWeightedLoss.SetClassWeights"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="counts"/> is empty or all zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static float[] InverseFrequency(ReadOnlySpan<int> counts)
    {
        long total = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            if (counts[c] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(counts), string.Create(CultureInfo.InvariantCulture, $"counts[{c}] = {counts[c]} is negative."));
            }

            total += counts[c];
        }

        if (total == 0)
        {
            throw new ArgumentException("Expected at least one counted sample.", nameof(counts));
        }

        float[] weights = new float[counts.Length];
        for (int c = 0; c < counts.Length; c++)
        {
            weights[c] = counts[c] == 0 ? 0f : (float)((double)total / ((double)counts.Length * counts[c]));
        }

        return weights;
    }

    /// <summary>
    /// The positive-term weight PyTorch's documentation suggests for <c>BCEWithLogitsLoss(pos_weight)</c>:
    /// <c>negatives / positives</c>, so the rare positives weigh as much in total as the negatives.
    /// </summary>
    /// <param name="positives">Samples with target 1; positive.</param>
    /// <param name="negatives">Samples with target 0; non-negative.</param>
    /// <returns>The weight, for <see cref="BinaryCrossEntropyWithLogitsLoss.SetPosWeight"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public static float PositiveWeight(int positives, int negatives)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(positives);
        ArgumentOutOfRangeException.ThrowIfNegative(negatives);
        return (float)((double)negatives / positives);
    }
}
