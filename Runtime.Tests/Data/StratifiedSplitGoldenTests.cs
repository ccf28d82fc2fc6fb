using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Stratified <see cref="DatasetSplit"/> per-class validation counts against scikit-learn's <c>train_test_split</c>
/// (<c>scripts/golden_split.py</c>, <c>Golden/split.json</c>): each count vector must be one that scikit-learn gives.
/// </summary>
public sealed class StratifiedSplitGoldenTests
{
    private static readonly Lazy<JsonElement> s_cases = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "split.json"))).RootElement.GetProperty("cases"));

    [Fact]
    public void EqualRemainders_GiveTheValidationSamplesToTheLowerClasses_AsScikitLearn()
    {
        var dataset = InMemoryDataset.FromLabels(new float[9], 1, [0, 0, 1, 1, 2, 2, 2, 2, 2]);
        for (ulong seed = 0; seed < 4; seed++)
        {
            Assert.Equal([1, 1, 1], ValidationCounts(dataset, 1.0 / 3, seed, 3));
        }
    }

    [Fact]
    public void NearTie_IsBrokenAsScikitLearnsFloat64RoundingBreaksIt()
    {
        int[] labels = [.. Enumerable.Repeat(0, 21).Concat(Enumerable.Repeat(2, 17))];
        var dataset = InMemoryDataset.FromLabels(new float[labels.Length], 1, labels);
        Assert.Equal([10, 0, 9], ValidationCounts(dataset, 0.5, seed: 3, 3));
    }

    [Fact]
    public void PerClassCounts_AreAmongScikitLearnsOutcomes()
    {
        Assert.True(CheckGoldenCases(classZeroIgnored: false) > 200);
    }

    [Fact]
    public void SamplesAtTheIgnoreIndex_AreOneMoreStratum_AsScikitLearnStratifiesOnTheLabelValues()
    {
        // scikit-learn stratifies on the label values and sorts them, so -100 takes class 0's place: relabelling class 0
        // as the ignore index must give the same per-class outcomes, -100's counted where class 0's were.
        Assert.True(CheckGoldenCases(classZeroIgnored: true) > 150);
    }

    /// <summary>
    /// Splits every golden case (with class 0 relabelled -100, the dataset's ignore index, when
    /// <paramref name="classZeroIgnored"/>; such cases need class 0) and requires scikit-learn's counts; returns how many ran.
    /// </summary>
    private static int CheckGoldenCases(bool classZeroIgnored)
    {
        int checkedCases = 0;
        foreach (JsonElement c in s_cases.Value.EnumerateArray())
        {
            int[] counts = [.. c.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32())];
            if (classZeroIgnored && counts[0] == 0)
            {
                continue;
            }

            int[] labels = [.. counts.SelectMany((n, label) => Enumerable.Repeat(classZeroIgnored && label == 0 ? -100 : label, n))];
            var dataset = InMemoryDataset.FromLabels(new float[labels.Length], 1, labels, classZeroIgnored ? -100 : null);
            double fraction = c.GetProperty("fraction").GetDouble();
            int[] actual = ValidationCounts(dataset, fraction, seed: (ulong)checkedCases, counts.Length);
            string[] outcomes = [.. c.GetProperty("validation_counts").EnumerateArray().Select(o => string.Join(",", o.EnumerateArray().Select(e => e.GetInt32())))];
            Assert.True(
                outcomes.Contains(string.Join(",", actual)),
                $"counts [{string.Join(",", counts)}]{(classZeroIgnored ? " with class 0 at -100" : string.Empty)}, fraction {fraction}: StaticGrad [{string.Join(",", actual)}], scikit-learn {string.Join(" or ", outcomes.Select(o => $"[{o}]"))}");
            checkedCases++;
        }

        return checkedCases;
    }

    [Fact]
    public void AnIgnoreIndexWithASingleSample_IsNamedInTheRefusal()
    {
        var dataset = InMemoryDataset.FromLabels(new float[7], 1, [0, 0, 1, 1, -100, 1, 0], ignoreIndex: -100);

        ArgumentException e = Assert.Throws<ArgumentException>(() => DatasetSplit.TrainValidation(dataset, 0.5, 1, stratified: true));

        Assert.StartsWith("The ignore index -100 has a single sample; a stratified split needs at least 2 samples of every class.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Validation samples per class, for <paramref name="classes"/> classes (trailing ones may have no sample); samples at
    /// the ignore index count as class 0 (the tests relabel class 0).
    /// </summary>
    private static int[] ValidationCounts(InMemoryDataset dataset, double fraction, ulong seed, int classes)
    {
        var (train, validation) = DatasetSplit.TrainValidation(dataset, fraction, seed, stratified: true);
        Assert.Equal(dataset.IgnoreIndex, validation.IgnoreIndex);
        Assert.Equal(dataset.IgnoredCount, train.IgnoredCount + validation.IgnoredCount);
        int[] counts = new int[classes];
        foreach (int label in validation.Labels)
        {
            counts[label == validation.IgnoreIndex ? 0 : label]++;
        }

        return counts;
    }
}
