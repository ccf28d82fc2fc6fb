using System;
using System.Globalization;

namespace StaticGrad.Data;

/// <summary>
/// Seeded train/validation splits of an <see cref="InMemoryDataset"/> (scikit-learn's
/// <c>train_test_split</c>, optionally with <c>stratify=y</c>).
/// </summary>
public static class DatasetSplit
{
    /// <summary>
    /// Splits off <c>ceil(validationFraction · Count)</c> samples for validation, as scikit-learn's
    /// <c>train_test_split</c> with a float <c>test_size</c>; a fraction that would leave no sample for training is refused,
    /// as scikit-learn refuses it.
    /// Without stratification the samples are a seeded permutation. With it, as scikit-learn's
    /// <c>StratifiedShuffleSplit</c>: every class needs two samples or more, each side at least as many samples as classes, and
    /// the training count is shared among the classes in proportion to their sizes, the validation side taking the rest of
    /// each class. The shares are scikit-learn's <c>_approximate_mode</c>: the floors of <c>count / n · trainCount</c>
    /// (computed in float64 as scikit-learn computes them, so its rounding decides the same near-ties), then one more for
    /// the classes with the largest remainders; among equal remainders the higher class gets the training sample (so the
    /// lower class gets the validation sample), where scikit-learn draws at random. Each class gives a seeded choice of its
    /// own samples. Both sides keep the original sample order.
    /// </summary>
    /// <param name="dataset">The samples; at least two.</param>
    /// <param name="validationFraction">The fraction for validation; in (0, 1).</param>
    /// <param name="seed">The seed of the <see cref="Rng"/> that picks the samples.</param>
    /// <param name="stratified">Split each class separately (requires a labelled dataset).</param>
    /// <returns>The training and validation datasets (copies).</returns>
    /// <exception cref="ArgumentException">
    /// An argument is out of range, the validation side would take every sample, stratification is asked of a dataset
    /// without labels, a class has a single sample, or a side would have fewer samples than there are classes.
    /// </exception>
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

        int take = (int)Math.Ceiling(validationFraction * dataset.Count);
        if (take >= dataset.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationFraction),
                validationFraction,
                string.Create(CultureInfo.InvariantCulture, $"With {dataset.Count} samples, validationFraction {validationFraction} puts ceil({validationFraction} · {dataset.Count}) = {take} in validation and leaves none for training; expected validationFraction · {dataset.Count} <= {dataset.Count - 1}."));
        }

        var rng = new Rng(seed);
        bool[] validation = new bool[dataset.Count];
        if (stratified)
        {
            (int[] strata, int[] counts, string[] names) = Strata(dataset);
            int[] perClass = ValidationCounts(counts, names, take, dataset.Count, validationFraction);
            for (int c = 0; c < perClass.Length; c++)
            {
                PickClass(strata, c, counts[c], perClass[c], rng, validation);
            }
        }
        else
        {
            int[] order = Identity(dataset.Count);
            rng.Shuffle(order.AsSpan());
            for (int i = 0; i < take; i++)
            {
                validation[order[i]] = true;
            }
        }

        int[] trainIndices = new int[dataset.Count - take];
        int[] validationIndices = new int[take];
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

    /// <summary>
    /// Each sample's stratum, each stratum's count and name. The strata are the classes; a dataset with samples at its
    /// <see cref="InMemoryDataset.IgnoreIndex"/> has those as one more stratum (scikit-learn stratifies on the label values,
    /// the ignore index among them), ahead of the classes when it is negative, as <c>np.unique</c> sorts it.
    /// </summary>
    private static (int[] Strata, int[] Counts, string[] Names) Strata(InMemoryDataset dataset)
    {
        ReadOnlySpan<int> labels = dataset.Labels;
        int[] strata = new int[labels.Length];
        bool extra = dataset.IgnoredCount > 0, first = extra && dataset.IgnoreIndex < 0;
        int ignoredStratum = first ? 0 : dataset.Classes, shift = first ? 1 : 0;
        int[] counts = new int[dataset.Classes + (extra ? 1 : 0)];
        for (int i = 0; i < labels.Length; i++)
        {
            strata[i] = dataset.IsIgnored(i) ? ignoredStratum : labels[i] + shift;
            counts[strata[i]]++;
        }

        string[] names = new string[counts.Length];
        for (int c = 0; c < names.Length; c++)
        {
            names[c] = extra && c == ignoredStratum
                ? $"The ignore index {dataset.IgnoreIndex}"
                : "Class " + (c - shift).ToString(CultureInfo.InvariantCulture);
        }

        return (strata, counts, names);
    }

    /// <summary>
    /// Each class's share of <paramref name="take"/> validation samples: the rest of the class after its training share,
    /// which is scikit-learn's <c>_approximate_mode(counts, total - take)</c> (its <c>StratifiedShuffleSplit</c> allocates
    /// the training side first), after scikit-learn's checks: two samples or more per present class, and at least as many
    /// samples as present classes on each side.
    /// </summary>
    private static int[] ValidationCounts(int[] counts, string[] names, int take, int total, double fraction)
    {
        int present = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            if (counts[c] == 1)
            {
                throw new ArgumentException(
                    $"{names[c]} has a single sample; a stratified split needs at least 2 samples of every class.", "dataset");
            }

            present += counts[c] > 0 ? 1 : 0;
        }

        if (take < present || total - take < present)
        {
            throw new ArgumentException(
                $"A stratified split of {total} samples with validationFraction {fraction} puts {take} in validation and {total - take} in training; "
                + $"expected at least as many samples as classes ({present}) on each side, as scikit-learn requires: use a fraction that leaves both sides {present} samples or more.",
                "validationFraction");
        }

        int train = total - take;
        int[] shares = new int[counts.Length];
        double[] remainders = new double[counts.Length];
        int given = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            // The same float64 operations as scikit-learn's `class_counts / class_counts.sum() * n_draws`: exact
            // arithmetic would break some of its near-ties the other way, which it never does.
            double exact = (double)counts[c] / total * train;
            shares[c] = (int)Math.Floor(exact);
            remainders[c] = exact - shares[c];
            given += shares[c];
        }

        for (; given < train; given++)
        {
            int best = -1;
            for (int c = counts.Length - 1; c >= 0; c--)
            {
                if (shares[c] < counts[c] && (best < 0 || remainders[c] > remainders[best]))
                {
                    best = c;
                }
            }

            shares[best]++;
            remainders[best] = -1;
        }

        for (int c = 0; c < counts.Length; c++)
        {
            shares[c] = counts[c] - shares[c];
        }

        return shares;
    }

    private static void PickClass(ReadOnlySpan<int> labels, int c, int count, int take, Rng rng, bool[] validation)
    {
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
