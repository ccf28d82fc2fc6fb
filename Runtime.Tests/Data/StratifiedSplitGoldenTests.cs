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
        int checkedCases = 0;
        foreach (JsonElement c in s_cases.Value.EnumerateArray())
        {
            int[] counts = [.. c.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32())];
            int[] labels = [.. counts.SelectMany((n, label) => Enumerable.Repeat(label, n))];
            var dataset = InMemoryDataset.FromLabels(new float[labels.Length], 1, labels);
            double fraction = c.GetProperty("fraction").GetDouble();
            int[] actual = ValidationCounts(dataset, fraction, seed: (ulong)checkedCases, counts.Length);
            string[] outcomes = [.. c.GetProperty("validation_counts").EnumerateArray().Select(o => string.Join(",", o.EnumerateArray().Select(e => e.GetInt32())))];
            Assert.True(
                outcomes.Contains(string.Join(",", actual)),
                $"counts [{string.Join(",", counts)}], fraction {fraction}: StaticGrad [{string.Join(",", actual)}], scikit-learn {string.Join(" or ", outcomes.Select(o => $"[{o}]"))}");
            checkedCases++;
        }

        Assert.True(checkedCases > 200, $"{checkedCases} cases");
    }

    /// <summary>Validation samples per class, for <paramref name="classes"/> classes (trailing ones may have no sample).</summary>
    private static int[] ValidationCounts(InMemoryDataset dataset, double fraction, ulong seed, int classes)
    {
        var (_, validation) = DatasetSplit.TrainValidation(dataset, fraction, seed, stratified: true);
        int[] counts = new int[classes];
        foreach (int label in validation.Labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
