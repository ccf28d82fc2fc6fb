using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Data;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="StandardScaler"/> against scikit-learn 1.2.1 (<c>scripts/golden_scalers.py</c>) and on its own: round trips,
/// in-place transforms, partial fits, saved statistics, errors and allocations.
/// </summary>
/// <remarks>
/// Tolerances against scikit-learn: the float64 statistics within <see cref="StatisticTolerance"/> relative (about two
/// float64 ulps), because numpy sums a single column's squared deviations pairwise where the scaler sums them in row
/// order; for several columns numpy sums in row order too, and the statistics must come out bit for bit. The float32
/// outputs must equal scikit-learn's bit for bit (<see cref="OutputUlps"/> = 0): with equal statistics the arithmetic is
/// the same IEEE operations, and the one case with a statistic an ulp away (single_feature's variance) still rounds to
/// the same floats. Measured (<see cref="MaxDifferences_AgainstScikitLearn_AreWithinTheTolerances"/> prints them): 12 of
/// 13 cases bit for bit, single_feature's variance 1.3e-16 relative, every output 0 ulps.
/// </remarks>
public sealed class StandardScalerTests(ITestOutputHelper output)
{
    private const double StatisticTolerance = 4e-16;
    private const long OutputUlps = 0;

    public static TheoryData<string> Cases() => ScalerGolden.CaseNames("standard");

    [Theory]
    [MemberData(nameof(Cases))]
    public void GoldenCase_MatchesScikitLearn(string name)
    {
        JsonElement c = ScalerGolden.File.Case(name);
        (StandardScaler scaler, double statistics, long transformUlps, long inverseUlps) = Compare(c);
        double tolerance = c.GetProperty("features").GetInt32() == 1 ? StatisticTolerance : 0;
        Assert.True(statistics <= tolerance, $"{name}: statistics differ by {statistics:E2} relative; expected at most {tolerance:E0}");
        Assert.True(transformUlps <= OutputUlps, $"{name}: Transform is {transformUlps} ulps from scikit-learn's; expected at most {OutputUlps}");
        Assert.True(inverseUlps <= OutputUlps, $"{name}: InverseTransform is {inverseUlps} ulps from scikit-learn's; expected at most {OutputUlps}");
        Assert.Equal(c.GetProperty("with_mean").GetBoolean(), scaler.WithMean);
        Assert.Equal(c.GetProperty("with_std").GetBoolean(), scaler.WithStd);
        int features = c.GetProperty("features").GetInt32();
        Assert.Equal(features, scaler.Features);
        Assert.Equal(ScalerGolden.Floats(c, "fit").Length / features, scaler.SamplesSeen);
        Assert.Equal(c.GetProperty("n_samples_seen").EnumerateArray().Select(v => v.GetInt64()), scaler.SamplesSeenPerFeature.ToArray());
    }

    [Fact]
    public void MaxDifferences_AgainstScikitLearn_AreWithinTheTolerances()
    {
        double statistics = 0;
        long transformUlps = 0, inverseUlps = 0, exactCases = 0;
        foreach (string name in ScalerGolden.Names("standard"))
        {
            (_, double s, long t, long i) = Compare(ScalerGolden.File.Case(name));
            output.WriteLine($"{name}: statistics {s:E2} relative, Transform {t} ulps, InverseTransform {i} ulps");
            statistics = Math.Max(statistics, s);
            transformUlps = Math.Max(transformUlps, t);
            inverseUlps = Math.Max(inverseUlps, i);
            exactCases += s == 0 && t == 0 && i == 0 ? 1 : 0;
        }

        output.WriteLine($"max: statistics {statistics:E2} relative, Transform {transformUlps} ulps, InverseTransform {inverseUlps} ulps; {exactCases} of {ScalerGolden.Names("standard").Length} cases bit for bit");
        Assert.True(statistics <= StatisticTolerance && transformUlps <= OutputUlps && inverseUlps <= OutputUlps);
    }

    [Fact]
    public void ConstantFeature_GetsScaleOne_AndTransformsToZero()
    {
        float[] values = [3.7f, 1, 3.7f, 2, 3.7f, 4];
        var scaler = new StandardScaler().Fit(values, 2);
        Assert.Equal(1.0, scaler.Scale[0]);
        Assert.True(scaler.Variance[0] < 1e-30, $"variance {scaler.Variance[0]}");
        float[] transformed = new float[values.Length];
        scaler.Transform(values, transformed);
        Assert.Equal([0f, 0f, 0f], [transformed[0], transformed[2], transformed[4]]);
    }

    [Fact]
    public void TransformThenInverse_RoundTripsWithinAFewUlps()
    {
        float[] values = RandomValues(200, 6, seed: 3, offset: 1000, spread: 40);
        var scaler = new StandardScaler().Fit(values, 6);
        float[] transformed = new float[values.Length], back = new float[values.Length];
        scaler.Transform(values, transformed);
        scaler.InverseTransform(transformed, back);
        for (int i = 0; i < values.Length; i++)
        {
            // Four roundings, each within half an ulp of a value no larger than |x| + |mean|.
            float magnitude = Math.Abs(values[i]) + (float)Math.Abs(scaler.Mean[i % 6]);
            Assert.True(Math.Abs(back[i] - values[i]) <= 4 * (MathF.BitIncrement(magnitude) - magnitude), $"[{i}]: {values[i]} came back as {back[i]}");
        }

        Assert.NotEqual(values, transformed);
    }

    [Fact]
    public void InPlace_EqualsOutOfPlace_BitForBit()
    {
        float[] values = RandomValues(50, 3, seed: 4, offset: -7, spread: 3);
        var scaler = new StandardScaler().Fit(values, 3);
        float[] expected = new float[values.Length], inPlace = (float[])values.Clone();
        scaler.Transform(values, expected);
        scaler.Transform(inPlace, inPlace);
        Assert.Equal(expected, inPlace);
        float[] back = new float[values.Length];
        scaler.InverseTransform(expected, back);
        scaler.InverseTransform(inPlace, inPlace);
        Assert.Equal(back, inPlace);
        var fitted = new StandardScaler();
        float[] both = (float[])values.Clone();
        fitted.FitTransform(both, 3, both);
        Assert.Equal(expected, both);
    }

    [Fact]
    public void PartialFit_OverChunks_EqualsOneFit_ToFloat64Rounding()
    {
        float[] values = RandomValues(301, 4, seed: 5, offset: 1e5f, spread: 3);
        for (int i = 0; i < values.Length; i += 4)
        {
            values[i + 1] += i / 4 < 150 ? 10 : -10; // the chunks' means differ, so the combination term matters
        }

        var whole = new StandardScaler().Fit(values, 4);
        var chunked = new StandardScaler();
        foreach ((int start, int rows) in new[] { (0, 1), (1, 149), (150, 100), (250, 51) })
        {
            chunked.PartialFit(values.AsSpan(start * 4, rows * 4), 4);
        }

        Assert.Equal(301, chunked.SamplesSeen);
        Assert.True(ScalerGolden.MaxRelative(whole.Mean, chunked.Mean) < 1e-15);
        Assert.True(ScalerGolden.MaxRelative(whole.Variance, chunked.Variance) < 1e-12);
        float[] a = new float[values.Length], b = new float[values.Length];
        whole.Transform(values, a);
        chunked.Transform(values, b);
        Assert.True(ScalerGolden.MaxUlps(a, b).Ulps <= 1);
    }

    [Fact]
    public void NaN_IsIgnoredByTheFit_AndKeptByTransform()
    {
        float[] values = [1, float.NaN, 3, 10, float.NaN, 20];
        var scaler = new StandardScaler().Fit(values, 2);
        Assert.Equal([2L, 2L], scaler.SamplesSeenPerFeature.ToArray());
        Assert.Equal(3, scaler.SamplesSeen);
        Assert.Equal([2.0, 15.0], scaler.Mean.ToArray());
        Assert.Equal([1.0, 25.0], scaler.Variance.ToArray());
        float[] transformed = new float[values.Length];
        scaler.Transform(values, transformed);
        Assert.Equal([-1f, float.NaN, 1f, -1f, float.NaN, 1f], transformed);
    }

    [Fact]
    public void PartialFit_AChunkWithoutAFeaturesValues_LeavesThatFeatureAsItWas()
    {
        // scikit-learn 1.2 turns the feature's statistics NaN here; the scaler keeps the exact ones of the other chunks.
        float[] first = [1, 5, 3, 7], empty = [float.NaN, 6, float.NaN, 8], last = [5, 9];
        var chunked = new StandardScaler().PartialFit(first, 2).PartialFit(empty, 2).PartialFit(last, 2);
        var whole = new StandardScaler().Fit([.. first, .. empty, .. last], 2);
        Assert.Equal(whole.Mean.ToArray(), chunked.Mean.ToArray());
        Assert.Equal([3L, 5L], chunked.SamplesSeenPerFeature.ToArray());
        Assert.Equal(3.0, chunked.Mean[0]);
        Assert.Equal(8.0 / 3, chunked.Variance[0], 15);
    }

    [Fact]
    public void AFeatureWithoutValues_HasNaNStatistics_AsScikitLearns()
    {
        var scaler = new StandardScaler().Fit([float.NaN, 1, float.NaN, 2], 2);
        Assert.True(double.IsNaN(scaler.Mean[0]) && double.IsNaN(scaler.Variance[0]) && double.IsNaN(scaler.Scale[0]));
        Assert.Equal(0, scaler.SamplesSeenPerFeature[0]);
        var error = Assert.Throws<ArgumentException>(() => scaler.Transform(InMemoryDataset.FromTargets([0, 0], 2, [1], 1)));
        Assert.Equal("dataset", error.ParamName);
        Assert.Contains("sample 0, column 0 is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithMeanOrStdOff_SkipsThatStep_AndReportsWhatScikitLearnReports()
    {
        float[] values = [1, 2, 3, 6];
        var noMean = new StandardScaler(withMean: false).Fit(values, 1);
        Assert.Equal(3.0, noMean.Mean[0]);
        float[] y = new float[4];
        noMean.Transform(values, y);
        Assert.Equal(values.Select(v => (float)(v / Math.Sqrt(3.5))), y);
        var noStd = new StandardScaler(withStd: false).Fit(values, 1);
        Assert.True(noStd.Variance.IsEmpty && noStd.Scale.IsEmpty);
        noStd.Transform(values, y);
        Assert.Equal([-2f, -1f, 0f, 3f], y);
        var neither = new StandardScaler(withMean: false, withStd: false).Fit(values, 1);
        Assert.True(neither.Mean.IsEmpty && neither.Scale.IsEmpty);
        Assert.Equal(4, neither.SamplesSeenPerFeature[0]);
        neither.Transform(values, y);
        Assert.Equal(values, y);
    }

    [Fact]
    public void FromStatistics_TransformsAsTheFittedScaler_WithoutItsData()
    {
        float[] values = RandomValues(40, 3, seed: 6, offset: 12, spread: 5);
        var fitted = new StandardScaler().Fit(values, 3);
        var saved = StandardScaler.FromStatistics(fitted.Mean.ToArray(), fitted.Scale.ToArray(), fitted.WithMean, fitted.WithStd);
        Assert.True(saved.IsFitted && saved.WithMean && saved.WithStd);
        Assert.Equal(3, saved.Features);
        Assert.True(saved.Variance.IsEmpty && saved.SamplesSeenPerFeature.IsEmpty);
        float[] a = new float[values.Length], b = new float[values.Length];
        fitted.Transform(values, a);
        saved.Transform(values, b);
        Assert.Equal(a, b);
        fitted.InverseTransform(a, a);
        saved.InverseTransform(b, b);
        Assert.Equal(a, b);

        var scaleOnly = StandardScaler.FromStatistics([], [2.0, 4.0], withMean: false, withStd: true);
        Assert.False(scaleOnly.WithMean);
        float[] y = new float[2];
        scaleOnly.Transform([3, 3], y);
        Assert.Equal([1.5f, 0.75f], y);

        // A scaler fitted withMean: false has a Mean (scikit-learn's mean_ too); restored with its flags, it does not center.
        var uncentered = new StandardScaler(withMean: false).Fit(values, 3);
        Assert.False(uncentered.Mean.IsEmpty);
        var restored = StandardScaler.FromStatistics(uncentered.Mean, uncentered.Scale, uncentered.WithMean, uncentered.WithStd);
        float[] c = new float[values.Length], d = new float[values.Length];
        uncentered.Transform(values, c);
        restored.Transform(values, d);
        Assert.Equal(c, d);
        float[] centered = new float[values.Length];
        fitted.Transform(values, centered);
        Assert.NotEqual(centered, d);

        var error = Assert.Throws<InvalidOperationException>(() => saved.PartialFit(values, 3));
        Assert.Contains("saved statistics", error.Message, StringComparison.Ordinal);
        saved.Fit(values, 3);
        Assert.Equal(fitted.Variance.ToArray(), saved.Variance.ToArray());
        saved.PartialFit(values, 3);
        Assert.Equal(80, saved.SamplesSeen);
    }

    [Fact]
    public void FromStatistics_RefusesBadStatistics_NamingTheArgument()
    {
        ScalerGolden.AssertArgument("mean", "both empty", () => StandardScaler.FromStatistics([], [], withMean: false, withStd: false));
        ScalerGolden.AssertArgument("mean", "mean is empty; expected one mean per feature (withMean is true)", () => StandardScaler.FromStatistics([], [1], withMean: true, withStd: true));
        ScalerGolden.AssertArgument("scale", "scale is empty; expected one scale per feature (withStd is true)", () => StandardScaler.FromStatistics([1], [], withMean: true, withStd: true));
        ScalerGolden.AssertArgument("scale", "scale has 1 values; expected 2", () => StandardScaler.FromStatistics([1, 2], [1], withMean: true, withStd: true));
        ScalerGolden.AssertArgument("mean", "mean[1] is NaN; expected a finite value", () => StandardScaler.FromStatistics([1, double.NaN], [1, 1], withMean: true, withStd: true));
        ScalerGolden.AssertArgument("scale", "scale[0] is 0; expected a finite value > 0", () => StandardScaler.FromStatistics([1], [0], withMean: true, withStd: true));
        ScalerGolden.AssertArgument("scale", "scale[0] is -1", () => StandardScaler.FromStatistics([], [-1], withMean: false, withStd: true));
    }

    [Fact]
    public void Errors_NameTheArgumentAndTheExpectedValue()
    {
        var scaler = new StandardScaler();
        float[] y = new float[6];
        var notFitted = Assert.Throws<InvalidOperationException>(() => scaler.Transform(new float[6], y));
        Assert.Equal("The StandardScaler is not fitted; call Fit or PartialFit (or build it with FromStatistics) before Transform.", notFitted.Message);
        Assert.Contains("before InverseTransform", Assert.Throws<InvalidOperationException>(() => scaler.InverseTransform(new float[6], y)).Message, StringComparison.Ordinal);

        Assert.Equal("features", Assert.Throws<ArgumentOutOfRangeException>(() => scaler.Fit(new float[6], 0)).ParamName);
        ScalerGolden.AssertArgument("values", "values has 0 values; expected a positive multiple of features (3)", () => scaler.Fit([], 3));
        ScalerGolden.AssertArgument("values", "values has 7 values; expected a positive multiple of features (3)", () => scaler.Fit(new float[7], 3));
        ScalerGolden.AssertArgument("values", "values[3] (sample 1, column 0) is -Infinity; expected a finite value or NaN", () => scaler.Fit([1, 2, 3, float.NegativeInfinity, 5, 6], 3));
        Assert.False(scaler.IsFitted);

        scaler.Fit([1, 2, 3, 4, 5, 7], 3);
        ScalerGolden.AssertArgument("features", "features is 2; expected 3, the features of the data fitted so far", () => scaler.PartialFit(new float[6], 2));
        ScalerGolden.AssertArgument("input", "input has 7 values; expected a multiple of Features (3)", () => scaler.Transform(new float[7], new float[7]));
        ScalerGolden.AssertArgument("output", "output has 5 values; expected 6, as many as input", () => scaler.Transform(new float[6], new float[5]));
        float[] buffer = new float[9];
        ScalerGolden.AssertArgument("output", "output overlaps input 3 elements away", () => scaler.Transform(buffer.AsSpan(0, 6), buffer.AsSpan(3, 6)));
        ScalerGolden.AssertArgument("output", "overlaps input", () => scaler.InverseTransform(buffer.AsSpan(3, 6), buffer.AsSpan(0, 6)));

        float[] input = [1, 2, 3, 4, float.PositiveInfinity, 6];
        float[] untouched = [9, 9, 9, 9, 9, 9];
        ScalerGolden.AssertArgument("input", "input[4] (sample 1, column 1) is Infinity", () => scaler.Transform(input, untouched));
        Assert.All(untouched, v => Assert.Equal(9f, v));
        ScalerGolden.AssertArgument("values", "is Infinity", () => scaler.PartialFit(input, 3));
        Assert.Equal(2, scaler.SamplesSeen);

        var labelled = InMemoryDataset.FromLabels([1, 2, 3], 3, [0]);
        ScalerGolden.AssertArgument("dataset", "holds class labels", () => scaler.FitTargets(labelled));
        ScalerGolden.AssertArgument("dataset", "The dataset has 1 features per sample; expected 3", () => scaler.Transform(InMemoryDataset.FromLabels([1], 1, [0])));
    }

    [Fact]
    public void Datasets_FeaturesAndTargetsScaleSeparately_KeepingTheRest()
    {
        float[] features = RandomValues(30, 2, seed: 7, offset: 50, spread: 9);
        float[] targets = RandomValues(30, 1, seed: 8, offset: 150, spread: 70);
        var data = InMemoryDataset.FromTargets(features, 2, targets, 1);
        var featureScaler = new StandardScaler().Fit(data);
        var targetScaler = new StandardScaler().FitTargets(data);
        InMemoryDataset scaled = targetScaler.TransformTargets(featureScaler.Transform(data));
        float[] expectedFeatures = new float[features.Length], expectedTargets = new float[targets.Length];
        featureScaler.Transform(features, expectedFeatures);
        targetScaler.Transform(targets, expectedTargets);
        Assert.Equal(expectedFeatures, scaled.FeatureValues.ToArray());
        Assert.Equal(expectedTargets, scaled.TargetValues.ToArray());
        Assert.Equal(targets, featureScaler.Transform(data).TargetValues.ToArray());
        Assert.Equal(data.FeatureValues.ToArray(), features); // the source dataset is untouched

        var labelled = InMemoryDataset.FromLabels(features, 2, Enumerable.Range(0, 30).Select(i => i % 3 == 0 ? -100 : i % 4).ToArray(), ignoreIndex: -100);
        InMemoryDataset scaledLabels = new StandardScaler().Fit(labelled).Transform(labelled);
        Assert.Equal(labelled.Labels.ToArray(), scaledLabels.Labels.ToArray());
        Assert.Equal((labelled.Classes, labelled.IgnoreIndex, labelled.IgnoredCount), (scaledLabels.Classes, scaledLabels.IgnoreIndex, scaledLabels.IgnoredCount));
    }

    [Fact]
    public void TransformAndPartialFit_AllocateNothing_InSteadyState()
    {
        float[] values = RandomValues(64, 10, seed: 9, offset: 3, spread: 2);
        float[] y = new float[values.Length];
        var scaler = new StandardScaler().Fit(values, 10);
        AllocationAssert.None("StandardScaler.Transform and InverseTransform", () =>
        {
            scaler.Transform(values, y);
            scaler.InverseTransform(y, y);
        });
        AllocationAssert.None("StandardScaler.PartialFit", () => scaler.PartialFit(values, 10));
    }

    private static (StandardScaler Scaler, double Statistics, long TransformUlps, long InverseUlps) Compare(JsonElement c)
    {
        int features = c.GetProperty("features").GetInt32();
        float[] fit = ScalerGolden.Floats(c, "fit");
        var scaler = new StandardScaler(c.GetProperty("with_mean").GetBoolean(), c.GetProperty("with_std").GetBoolean());
        if (ScalerGolden.Chunks(c) is int[] chunks)
        {
            int start = 0;
            foreach (int rows in chunks)
            {
                scaler.PartialFit(fit.AsSpan(start * features, rows * features), features);
                start += rows;
            }
        }
        else
        {
            scaler.Fit(fit, features);
        }

        double statistics = Math.Max(
            ScalerGolden.MaxRelative(ScalerGolden.Doubles(c, "mean"), scaler.Mean),
            Math.Max(ScalerGolden.MaxRelative(ScalerGolden.Doubles(c, "var"), scaler.Variance), ScalerGolden.MaxRelative(ScalerGolden.Doubles(c, "scale"), scaler.Scale)));
        float[] input = ScalerGolden.Floats(c, "transform_input"), expected = ScalerGolden.Floats(c, "transformed");
        float[] transformed = new float[input.Length];
        scaler.Transform(input, transformed);
        float[] inverse = new float[input.Length];
        scaler.InverseTransform(expected, inverse);
        return (scaler, statistics, ScalerGolden.MaxUlps(expected, transformed).Ulps, ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "inverse"), inverse).Ulps);
    }

    /// <summary>Normal-ish float32 values from a fixed seed (a sum of uniforms), <c>offset + spread · z</c>.</summary>
    private static float[] RandomValues(int rows, int features, int seed, float offset, float spread)
    {
        var random = new Random(seed);
        float[] values = new float[rows * features];
        for (int i = 0; i < values.Length; i++)
        {
            double z = random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5;
            values[i] = offset + (spread * (float)z * 2);
        }

        return values;
    }
}
