using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Data;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="MinMaxScaler"/> against scikit-learn 1.2.1 (<c>scripts/golden_scalers.py</c>) and on its own: round trips,
/// clipping, in-place transforms, partial fits, saved ranges, errors and allocations.
/// </summary>
/// <remarks>
/// scikit-learn keeps a MinMaxScaler of float32 data in float32 throughout, and the scaler does the same float operations
/// in the same order, so every attribute and output must equal scikit-learn's bit for bit (0 ulps; NaN where scikit-learn
/// has NaN). Measured: 0 ulps in all 9 cases (<see cref="MaxDifferences_AgainstScikitLearn_AreZero"/> prints them).
/// </remarks>
public sealed class MinMaxScalerTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases() => ScalerGolden.CaseNames("minmax");

    [Theory]
    [MemberData(nameof(Cases))]
    public void GoldenCase_MatchesScikitLearn_BitForBit(string name)
    {
        JsonElement c = ScalerGolden.File.Case(name);
        (MinMaxScaler scaler, long attributes, long transformUlps, long inverseUlps) = Compare(c);
        Assert.True(attributes == 0, $"{name}: an attribute is {attributes} ulps from scikit-learn's");
        Assert.True(transformUlps == 0, $"{name}: Transform is {transformUlps} ulps from scikit-learn's");
        Assert.True(inverseUlps == 0, $"{name}: InverseTransform is {inverseUlps} ulps from scikit-learn's");
        int features = c.GetProperty("features").GetInt32();
        Assert.Equal(features, scaler.Features);
        Assert.Equal(c.GetProperty("n_samples_seen")[0].GetInt64(), scaler.SamplesSeen);
        Assert.Equal(c.GetProperty("clip").GetBoolean(), scaler.Clip);
    }

    [Fact]
    public void MaxDifferences_AgainstScikitLearn_AreZero()
    {
        long worst = 0;
        foreach (string name in ScalerGolden.Names("minmax"))
        {
            (_, long a, long t, long i) = Compare(ScalerGolden.File.Case(name));
            output.WriteLine($"{name}: attributes {a} ulps, Transform {t} ulps, InverseTransform {i} ulps");
            worst = Math.Max(worst, Math.Max(a, Math.Max(t, i)));
        }

        output.WriteLine($"max: {worst} ulps over {ScalerGolden.Names("minmax").Length} cases");
        Assert.Equal(0, worst);
    }

    [Fact]
    public void Transform_MapsTheFittedRangeOntoTheFeatureRange()
    {
        float[] values = [-2, 10, 0, 20, 2, 30];
        var scaler = new MinMaxScaler(-1, 1).Fit(values, 2);
        Assert.Equal([-2f, 10f], scaler.DataMin.ToArray());
        Assert.Equal([2f, 30f], scaler.DataMax.ToArray());
        Assert.Equal([4f, 20f], scaler.DataRange.ToArray());
        Assert.Equal([0.5f, 0.1f], scaler.Scale.ToArray());
        Assert.Equal([0f, -2f], scaler.Min.ToArray());
        float[] y = new float[values.Length];
        scaler.Transform(values, y);
        Assert.Equal([-1f, -1f, 0f, 0f, 1f, 1f], y);
    }

    [Fact]
    public void Clip_ClampsValuesBeyondTheFittedRange_AndKeepsNaN()
    {
        float[] values = [0, 10];
        float[] beyond = [-5, 20, float.NaN, 5], y = new float[4];
        new MinMaxScaler().Fit(values, 1).Transform(beyond, y);
        Assert.Equal([-0.5f, 2f, float.NaN, 0.5f], y);
        new MinMaxScaler(clip: true).Fit(values, 1).Transform(beyond, y);
        Assert.Equal([0f, 1f, float.NaN, 0.5f], y);
    }

    [Fact]
    public void ConstantAndNearConstantFeatures_KeepScaleOfTheFeatureRange()
    {
        // A range below 10 · 2⁻²³ is taken as 1 (scikit-learn's _handle_zeros_in_scale for float32).
        float near = MathF.BitIncrement(1f);
        var scaler = new MinMaxScaler().Fit([5, 1, 5, near], 2);
        Assert.Equal([0f, near - 1], scaler.DataRange.ToArray());
        Assert.Equal([1f, 1f], scaler.Scale.ToArray());
        float[] y = new float[4];
        scaler.Transform([5, 1, 6, near], y);
        Assert.Equal([0f, 0f, 1f, near - 1], y);
    }

    [Fact]
    public void TransformThenInverse_RoundTripsWithinAFewUlps()
    {
        var random = new Random(11);
        float[] values = Enumerable.Range(0, 600).Select(i => (float)((random.NextDouble() * 200) - 50 + (i % 3 * 1000))).ToArray();
        var scaler = new MinMaxScaler(-1, 1).Fit(values, 3);
        float[] transformed = new float[values.Length], back = new float[values.Length];
        scaler.Transform(values, transformed);
        scaler.InverseTransform(transformed, back);
        for (int i = 0; i < values.Length; i++)
        {
            // The rounding of x · scale + min, in the transform's units, is multiplied back by the data range / 2.
            float magnitude = Math.Max(Math.Abs(scaler.DataMin[i % 3]), Math.Abs(scaler.DataMax[i % 3]));
            Assert.True(Math.Abs(back[i] - values[i]) <= 4 * (MathF.BitIncrement(magnitude) - magnitude), $"[{i}]: {values[i]} came back as {back[i]}");
        }
    }

    [Fact]
    public void InPlace_EqualsOutOfPlace_BitForBit()
    {
        float[] values = Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i) * 7).ToArray();
        var scaler = new MinMaxScaler(0.1, 0.7, clip: true).Fit(values.AsSpan(0, 15), 3);
        float[] expected = new float[values.Length], inPlace = (float[])values.Clone();
        scaler.Transform(values, expected);
        scaler.Transform(inPlace, inPlace);
        Assert.Equal(expected, inPlace);
        float[] back = new float[values.Length];
        scaler.InverseTransform(expected, back);
        scaler.InverseTransform(inPlace, inPlace);
        Assert.Equal(back, inPlace);
        float[] both = (float[])values.Clone();
        new MinMaxScaler().FitTransform(both, 3, both);
        new MinMaxScaler().Fit(values, 3).Transform(values, expected);
        Assert.Equal(expected, both);
    }

    [Fact]
    public void PartialFit_OverChunks_EqualsOneFit_Exactly_EvenWithAChunkWithoutAFeaturesValues()
    {
        // scikit-learn 1.2 turns a feature NaN after a chunk without its values (np.minimum); the scaler skips the chunk.
        float[] values = [3, 1, -2, float.NaN, 7, float.NaN, 0.5f, 4, 9, -3];
        var whole = new MinMaxScaler().Fit(values, 2);
        var chunked = new MinMaxScaler().PartialFit(values.AsSpan(0, 2), 2).PartialFit(values.AsSpan(2, 4), 2).PartialFit(values.AsSpan(6), 2);
        Assert.Equal(whole.DataMin.ToArray(), chunked.DataMin.ToArray());
        Assert.Equal(whole.DataMax.ToArray(), chunked.DataMax.ToArray());
        Assert.Equal(whole.Scale.ToArray(), chunked.Scale.ToArray());
        Assert.Equal(whole.Min.ToArray(), chunked.Min.ToArray());
        Assert.Equal(5, chunked.SamplesSeen);
        Assert.Equal([-2f, -3f], chunked.DataMin.ToArray());
    }

    [Fact]
    public void AFeatureWithoutValues_HasNaNAttributes_AsScikitLearns()
    {
        var scaler = new MinMaxScaler().Fit([float.NaN, 1, float.NaN, 2], 2);
        Assert.True(float.IsNaN(scaler.DataMin[0]) && float.IsNaN(scaler.Scale[0]) && float.IsNaN(scaler.Min[0]));
        Assert.Equal(1f, scaler.DataMin[1]);
    }

    [Fact]
    public void FromDataRange_EqualsTheFit_AndPartialFitWidensIt()
    {
        float[] values = [3, -1, 8, 4, -2, 6, 0.25f, 5, 7];
        var fitted = new MinMaxScaler(-1, 1, clip: true).Fit(values, 3);
        var saved = MinMaxScaler.FromDataRange(fitted.DataMin, fitted.DataMax, -1, 1, clip: true);
        Assert.Equal(fitted.Scale.ToArray(), saved.Scale.ToArray());
        Assert.Equal(fitted.Min.ToArray(), saved.Min.ToArray());
        Assert.Equal(0, saved.SamplesSeen);
        float[] a = new float[9], b = new float[9];
        fitted.Transform(values, a);
        saved.Transform(values, b);
        Assert.Equal(a, b);
        saved.PartialFit([10, 10, 10], 3);
        Assert.Equal([0.25f, -2f, 6f], saved.DataMin.ToArray());
        Assert.Equal([10f, 10f, 10f], saved.DataMax.ToArray());
        Assert.Equal(1, saved.SamplesSeen);
    }

    [Fact]
    public void Errors_NameTheArgumentAndTheExpectedValue()
    {
        ScalerGolden.AssertArgument("featureMax", "featureMax is 1; expected a finite value above featureMin (1)", () => new MinMaxScaler(1, 1));
        ScalerGolden.AssertArgument("featureMax", "featureMax is 0; expected a finite value above featureMin (1)", () => new MinMaxScaler(1, 0));
        ScalerGolden.AssertArgument("featureMin", "featureMin is NaN; expected a finite value", () => new MinMaxScaler(double.NaN, 1));
        ScalerGolden.AssertArgument("featureMax", "featureMax is Infinity", () => new MinMaxScaler(0, double.PositiveInfinity));

        var scaler = new MinMaxScaler();
        float[] y = new float[4];
        var notFitted = Assert.Throws<InvalidOperationException>(() => scaler.Transform(new float[4], y));
        Assert.Equal("The MinMaxScaler is not fitted; call Fit or PartialFit (or build it with FromDataRange) before Transform.", notFitted.Message);
        Assert.Equal("features", Assert.Throws<ArgumentOutOfRangeException>(() => scaler.PartialFit(new float[4], -1)).ParamName);
        ScalerGolden.AssertArgument("values", "values has 5 values; expected a positive multiple of features (2)", () => scaler.Fit(new float[5], 2));
        ScalerGolden.AssertArgument("values", "values[1] (sample 0, column 1) is Infinity; expected a finite value or NaN", () => scaler.Fit([0, float.PositiveInfinity], 2));
        Assert.False(scaler.IsFitted);

        scaler.Fit([0, 1, 2, 3], 2);
        ScalerGolden.AssertArgument("features", "features is 4; expected 2", () => scaler.PartialFit(new float[4], 4));
        ScalerGolden.AssertArgument("input", "input has 3 values; expected a multiple of Features (2)", () => scaler.Transform(new float[3], new float[3]));
        ScalerGolden.AssertArgument("output", "output has 2 values; expected 4", () => scaler.InverseTransform(new float[4], new float[2]));
        float[] buffer = new float[6];
        ScalerGolden.AssertArgument("output", "output overlaps input 2 elements away", () => scaler.Transform(buffer.AsSpan(0, 4), buffer.AsSpan(2, 4)));
        float[] untouched = [9, 9];
        ScalerGolden.AssertArgument("input", "input[0] (sample 0, column 0) is -Infinity", () => scaler.Transform([float.NegativeInfinity, 0], untouched));
        Assert.Equal([9f, 9f], untouched);

        ScalerGolden.AssertArgument("dataMin", "dataMin is empty", () => MinMaxScaler.FromDataRange([], []));
        ScalerGolden.AssertArgument("dataMax", "dataMax has 1 values; expected 2", () => MinMaxScaler.FromDataRange([0, 0], [1]));
        ScalerGolden.AssertArgument("dataMin", "dataMin[0] is NaN", () => MinMaxScaler.FromDataRange([float.NaN], [1]));
        ScalerGolden.AssertArgument("dataMax", "dataMax[0] is -1; expected a finite value of at least dataMin[0] (0)", () => MinMaxScaler.FromDataRange([0], [-1]));
        ScalerGolden.AssertArgument("featureMax", "featureMax is -1", () => MinMaxScaler.FromDataRange([0], [1], 0, -1));
        ScalerGolden.AssertArgument("dataset", "holds class labels", () => scaler.TransformTargets(InMemoryDataset.FromLabels([1, 2], 2, [0])));
    }

    [Fact]
    public void Datasets_FeaturesAndTargetsScaleSeparately()
    {
        float[] features = [1, 10, 2, 30, 3, 20], targets = [100, 300, 200];
        var data = InMemoryDataset.FromTargets(features, 2, targets, 1);
        var featureScaler = new MinMaxScaler().Fit(data);
        var targetScaler = new MinMaxScaler(-1, 1).FitTargets(data);
        InMemoryDataset scaled = targetScaler.TransformTargets(featureScaler.Transform(data));
        Assert.Equal([0f, 0f, 0.5f, 1f, 1f, 0.5f], scaled.FeatureValues.ToArray());
        Assert.Equal([-1f, 1f, 0f], scaled.TargetValues.ToArray());
        float[] predictions = [0.5f];
        targetScaler.InverseTransform(predictions, predictions);
        Assert.Equal(250f, predictions[0]);
    }

    [Fact]
    public void TransformAndPartialFit_AllocateNothing_InSteadyState()
    {
        float[] values = Enumerable.Range(0, 640).Select(i => (float)Math.Cos(i)).ToArray();
        float[] y = new float[values.Length];
        var scaler = new MinMaxScaler(-1, 1, clip: true).Fit(values, 10);
        AllocationAssert.None("MinMaxScaler.Transform and InverseTransform", () =>
        {
            scaler.Transform(values, y);
            scaler.InverseTransform(y, y);
        });
        AllocationAssert.None("MinMaxScaler.PartialFit", () => scaler.PartialFit(values, 10));
    }

    private static (MinMaxScaler Scaler, long Attributes, long TransformUlps, long InverseUlps) Compare(JsonElement c)
    {
        int features = c.GetProperty("features").GetInt32();
        float[] fit = ScalerGolden.Floats(c, "fit");
        var scaler = new MinMaxScaler(c.GetProperty("feature_min").GetDouble(), c.GetProperty("feature_max").GetDouble(), c.GetProperty("clip").GetBoolean());
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

        long attributes = new[]
        {
            ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "data_min"), scaler.DataMin).Ulps,
            ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "data_max"), scaler.DataMax).Ulps,
            ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "data_range"), scaler.DataRange).Ulps,
            ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "scale"), scaler.Scale).Ulps,
            ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "min"), scaler.Min).Ulps,
        }.Max();
        float[] input = ScalerGolden.Floats(c, "transform_input"), expected = ScalerGolden.Floats(c, "transformed");
        float[] transformed = new float[input.Length];
        scaler.Transform(input, transformed);
        float[] inverse = new float[input.Length];
        scaler.InverseTransform(expected, inverse);
        return (scaler, attributes, ScalerGolden.MaxUlps(expected, transformed).Ulps, ScalerGolden.MaxUlps(ScalerGolden.Floats(c, "inverse"), inverse).Ulps);
    }
}
