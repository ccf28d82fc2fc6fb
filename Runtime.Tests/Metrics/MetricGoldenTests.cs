using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The metrics against scikit-learn on the fixtures of <c>scripts/golden_metrics.py</c>
/// (<c>Golden/metrics.json</c>, which holds the inputs too), to 1e-12 relative.
/// </summary>
public sealed class MetricGoldenTests
{
    private static readonly Lazy<JsonElement> s_root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "metrics.json"))).RootElement);

    private static JsonElement Classification => s_root.Value.GetProperty("classification");

    private static JsonElement Expected => Classification.GetProperty("expected");

    private static int Classes => Classification.GetProperty("classes").GetInt32();

    private static int[] Labels => Ints(Classification.GetProperty("labels"));

    private static int[] Predictions => Ints(Classification.GetProperty("predictions"));

    private static JsonElement More => s_root.Value.GetProperty("classification_more").GetProperty("expected");

    public static TheoryData<string> RegressionCases() => CaseNames("regression");

    public static TheoryData<string> MoreRegressionCases() => CaseNames("regression_more");

    public static TheoryData<string> MultiOutputRegressionCases() => CaseNames("regression_multioutput");

    /// <summary>A multi-output metric averaged over the outputs.</summary>
    private delegate double Averaged(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs);

    /// <summary>A multi-output metric written one value per output.</summary>
    private delegate void PerOutput(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput);

    [Fact]
    public void ConfusionMatrixAndAccuracy_MatchScikitLearn()
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        JsonElement expected = Expected.GetProperty("confusion_matrix");
        for (int a = 0; a < Classes; a++)
        {
            for (int p = 0; p < Classes; p++)
            {
                Assert.Equal(expected[a][p].GetInt64(), matrix[a, p]);
            }
        }

        Close(Expected.GetProperty("accuracy").GetDouble(), matrix.Accuracy(), "confusion accuracy");
        Close(Expected.GetProperty("accuracy").GetDouble(), ClassificationMetrics.Accuracy(Labels, Predictions), "accuracy");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void PerClassPrecisionRecallF1_MatchScikitLearn_WithItsZeroDivision(int zeroDivision)
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        JsonElement expected = Expected.GetProperty($"per_class_zd{zeroDivision}");
        for (int c = 0; c < Classes; c++)
        {
            Close(expected.GetProperty("precision")[c].GetDouble(), matrix.Precision(c, zeroDivision), $"precision[{c}]");
            Close(expected.GetProperty("recall")[c].GetDouble(), matrix.Recall(c, zeroDivision), $"recall[{c}]");
            Close(expected.GetProperty("f1")[c].GetDouble(), matrix.F1(c, zeroDivision), $"f1[{c}]");
            Assert.Equal(expected.GetProperty("support")[c].GetInt64(), matrix.Support(c));
        }
    }

    [Theory]
    [InlineData(MetricAverage.Macro, false, 0)]
    [InlineData(MetricAverage.Macro, true, 0)]
    [InlineData(MetricAverage.Macro, false, 1)]
    [InlineData(MetricAverage.Macro, true, 1)]
    [InlineData(MetricAverage.Weighted, false, 0)]
    [InlineData(MetricAverage.Weighted, true, 1)]
    [InlineData(MetricAverage.Micro, false, 0)]
    [InlineData(MetricAverage.Micro, true, 1)]
    public void AveragedPrecisionRecallF1_MatchScikitLearn(MetricAverage average, bool allClasses, int zeroDivision)
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        string key = $"{average.ToString().ToLowerInvariant()}_{(allClasses ? "all" : "present")}_zd{zeroDivision}";
        JsonElement expected = Expected.GetProperty(key);
        Close(expected.GetProperty("precision").GetDouble(), matrix.Precision(average, zeroDivision, allClasses), $"{key} precision");
        Close(expected.GetProperty("recall").GetDouble(), matrix.Recall(average, zeroDivision, allClasses), $"{key} recall");
        Close(expected.GetProperty("f1").GetDouble(), matrix.F1(average, zeroDivision, allClasses), $"{key} f1");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TopKAccuracy_MatchesScikitLearn_IncludingTies(int k)
    {
        float[] scores = Floats(Classification.GetProperty("scores"));
        Close(Expected.GetProperty($"top_{k}").GetDouble(), ClassificationMetrics.TopKAccuracy(Labels, scores, k), $"top-{k}");
    }

    [Fact]
    public void LogLoss_MatchesScikitLearn_WithItsClipping()
    {
        float[] probabilities = Floats(Classification.GetProperty("probabilities"));
        Close(Expected.GetProperty("log_loss").GetDouble(), ClassificationMetrics.LogLoss(Labels, probabilities), "log_loss");
        Close(Expected.GetProperty("log_loss_eps_1e-3").GetDouble(), ClassificationMetrics.LogLoss(Labels, probabilities, 1e-3), "log_loss eps 1e-3");
    }

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void RegressionMetrics_MatchScikitLearn(string name)
    {
        JsonElement c = Case("regression", name);
        float[] targets = Floats(c.GetProperty("targets")), predictions = Floats(c.GetProperty("predictions"));
        Close(c.GetProperty("mse").GetDouble(), RegressionMetrics.MeanSquaredError(targets, predictions), $"{name} mse");
        Close(c.GetProperty("mae").GetDouble(), RegressionMetrics.MeanAbsoluteError(targets, predictions), $"{name} mae");
        Close(c.GetProperty("r2").GetDouble(), RegressionMetrics.R2(targets, predictions), $"{name} r2");
    }

    [Fact]
    public void BalancedAccuracy_MatchesScikitLearn()
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        Close(More.GetProperty("balanced_accuracy").GetDouble(), matrix.BalancedAccuracy(), "balanced accuracy");
        Close(More.GetProperty("balanced_accuracy_adjusted").GetDouble(), matrix.BalancedAccuracy(adjusted: true), "adjusted balanced accuracy");
    }

    [Theory]
    [InlineData(ConfusionNormalization.TrueClass, "true")]
    [InlineData(ConfusionNormalization.PredictedClass, "pred")]
    [InlineData(ConfusionNormalization.All, "all")]
    public void NormalizedConfusionMatrix_MatchesScikitLearn(ConfusionNormalization normalization, string key)
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        JsonElement expected = More.GetProperty($"confusion_matrix_{key}");
        for (int a = 0; a < Classes; a++)
        {
            for (int p = 0; p < Classes; p++)
            {
                Close(expected[a][p].GetDouble(), matrix.Normalized(a, p, normalization), $"{key} [{a}, {p}]");
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    [InlineData(double.PositiveInfinity)]
    public void FBeta_MatchesScikitLearn_PerClassAndAveraged(double beta)
    {
        ConfusionMatrix matrix = ConfusionMatrix.From(Labels, Predictions, Classes);
        string b = double.IsPositiveInfinity(beta) ? "inf" : beta.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        foreach (int zd in new[] { 0, 1 })
        {
            JsonElement perClass = More.GetProperty($"fbeta_{b}_per_class_zd{zd}");
            for (int c = 0; c < Classes; c++)
            {
                Close(perClass[c].GetDouble(), matrix.FBeta(c, beta, zd), $"fbeta {b} [{c}] zd {zd}");
            }

            foreach (MetricAverage average in new[] { MetricAverage.Macro, MetricAverage.Weighted, MetricAverage.Micro })
            {
                foreach (bool all in new[] { false, true })
                {
                    string key = $"fbeta_{b}_{average.ToString().ToLowerInvariant()}_{(all ? "all" : "present")}_zd{zd}";
                    Close(More.GetProperty(key).GetDouble(), matrix.FBeta(beta, average, zd, all), key);
                }
            }
        }
    }

    [Fact]
    public void BinaryAverageAndBalancedAccuracy_MatchScikitLearn_OnSmallCases()
    {
        foreach (JsonElement c in s_root.Value.GetProperty("classification_more").GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            ConfusionMatrix matrix = ConfusionMatrix.From(Ints(c.GetProperty("labels")), Ints(c.GetProperty("predictions")), c.GetProperty("classes").GetInt32());
            Close(c.GetProperty("balanced_accuracy").GetDouble(), matrix.BalancedAccuracy(), $"{name} balanced accuracy");
            Close(c.GetProperty("macro_recall").GetDouble(), matrix.Recall(MetricAverage.Macro), $"{name} macro recall");
            if (!c.TryGetProperty("positive_label", out JsonElement positive))
            {
                continue;
            }

            foreach (int zd in new[] { 0, 1 })
            {
                JsonElement expected = c.GetProperty($"binary_zd{zd}");
                int label = positive.GetInt32();
                Close(expected.GetProperty("precision").GetDouble(), matrix.Precision(MetricAverage.Binary, zd, positiveLabel: label), $"{name} precision zd {zd}");
                Close(expected.GetProperty("recall").GetDouble(), matrix.Recall(MetricAverage.Binary, zd, positiveLabel: label), $"{name} recall zd {zd}");
                Close(expected.GetProperty("f1").GetDouble(), matrix.F1(MetricAverage.Binary, zd, positiveLabel: label), $"{name} f1 zd {zd}");
                Close(expected.GetProperty("f2").GetDouble(), matrix.FBeta(2, MetricAverage.Binary, zd, positiveLabel: label), $"{name} f2 zd {zd}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(MoreRegressionCases))]
    public void MoreRegressionMetrics_MatchScikitLearn(string name)
    {
        JsonElement c = Case("regression_more", name);
        float[] targets = Floats(c.GetProperty("targets")), predictions = Floats(c.GetProperty("predictions"));
        Close(c.GetProperty("rmse").GetDouble(), RegressionMetrics.RootMeanSquaredError(targets, predictions), $"{name} rmse");
        Close(c.GetProperty("mape").GetDouble(), RegressionMetrics.MeanAbsolutePercentageError(targets, predictions), $"{name} mape");
        Close(c.GetProperty("explained_variance").GetDouble(), RegressionMetrics.ExplainedVariance(targets, predictions), $"{name} explained variance");
        Close(c.GetProperty("max_error").GetDouble(), RegressionMetrics.MaxError(targets, predictions), $"{name} max error");
    }

    [Theory]
    [MemberData(nameof(MultiOutputRegressionCases))]
    public void MultiOutputRegressionMetrics_MatchScikitLearn_InEveryMode(string name)
    {
        JsonElement c = Case("regression_multioutput", name);
        CheckMultiOutput(c, "mse", RegressionMetrics.MeanSquaredError, RegressionMetrics.MeanSquaredError);
        CheckMultiOutput(c, "rmse", RegressionMetrics.RootMeanSquaredError, RegressionMetrics.RootMeanSquaredError);
        CheckMultiOutput(c, "mae", RegressionMetrics.MeanAbsoluteError, RegressionMetrics.MeanAbsoluteError);
        CheckMultiOutput(c, "mape", RegressionMetrics.MeanAbsolutePercentageError, RegressionMetrics.MeanAbsolutePercentageError);
        CheckMultiOutput(c, "r2", (t, p, o) => RegressionMetrics.R2(t, p, o), RegressionMetrics.R2);
        CheckMultiOutput(c, "r2_variance_weighted", (t, p, o) => RegressionMetrics.R2(t, p, o, MultiOutputAverage.VarianceWeighted), null);
        CheckMultiOutput(c, "explained_variance", (t, p, o) => RegressionMetrics.ExplainedVariance(t, p, o), RegressionMetrics.ExplainedVariance);
        CheckMultiOutput(c, "explained_variance_variance_weighted", (t, p, o) => RegressionMetrics.ExplainedVariance(t, p, o, MultiOutputAverage.VarianceWeighted), null);
    }

    /// <summary>
    /// Compares <paramref name="averaged"/> with the case's <paramref name="key"/> and <paramref name="perOutput"/> with
    /// its <c>KEY_raw</c>. A null is a NaN from scikit-learn; a null in place of the raw list is its single NaN for R² of
    /// one sample, which here is NaN for every output.
    /// </summary>
    private static void CheckMultiOutput(JsonElement c, string key, Averaged averaged, PerOutput? perOutput)
    {
        string name = c.GetProperty("name").GetString()!;
        float[] targets = Floats(c.GetProperty("targets")), predictions = Floats(c.GetProperty("predictions"));
        int outputs = c.GetProperty("outputs").GetInt32();
        CloseOrNaN(c.GetProperty(key), averaged(targets, predictions, outputs), $"{name} {key}");
        if (perOutput is null)
        {
            return;
        }

        double[] actual = new double[outputs];
        perOutput(targets, predictions, outputs, actual);
        JsonElement expected = c.GetProperty($"{key}_raw");
        for (int o = 0; o < outputs; o++)
        {
            CloseOrNaN(expected.ValueKind == JsonValueKind.Null ? expected : expected[o], actual[o], $"{name} {key} raw [{o}]");
        }
    }

    private static void CloseOrNaN(JsonElement expected, double actual, string what)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual:R}.");
            return;
        }

        Close(expected.GetDouble(), actual, what);
    }

    private static TheoryData<string> CaseNames(string section) =>
        [.. s_root.Value.GetProperty(section).EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static JsonElement Case(string section, string name) =>
        s_root.Value.GetProperty(section).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private static void Close(double expected, double actual, string what) =>
        KernelReference.AssertClose(expected, actual, 1e-12 * Math.Max(1e-300, Math.Abs(expected)), what);

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];
}
