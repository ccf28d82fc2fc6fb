using System;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>Validation and allocation behaviour of the metrics.</summary>
public sealed class MetricTests
{
    [Fact]
    public void BadInput_IsRejected_NamingTheArgumentAndIndex()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ConfusionMatrix.From([0, 1, 3], [0, 1, 1], 3));
        Assert.Equal("labels", error.ParamName);
        Assert.Contains("labels[2] is 3", error.Message, StringComparison.Ordinal);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([0, 1], [0])).ParamName);
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => ClassificationMetrics.TopKAccuracy([0, 1], new float[5], 1)).ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.LogLoss([0, 1], [0.5f, 0.5f, float.NaN, 1f]));
        Assert.Contains("sample 1, class 0", error.Message, StringComparison.Ordinal);
        Assert.Equal("zeroDivision", Assert.Throws<ArgumentOutOfRangeException>(() => ConfusionMatrix.From([0], [0], 2).Precision(0, 0.5)).ParamName);
        Assert.Throws<InvalidOperationException>(() => new ConfusionMatrix(2).Accuracy());
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => RegressionMetrics.R2([], [])).ParamName);
    }

    [Fact]
    public void ConfusionMatrix_OfMoreClassesThanAnArrayOfCountsHolds_NamesClasses()
    {
        // classes² overflowed int: a bare OverflowException naming nothing.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(1 << 20));
        Assert.Equal("classes", error.ParamName);
        Assert.Contains("Expected at most 46340 classes: classes² = 1099511627776 counts exceeds the largest array (2147483591 elements).", error.Message, StringComparison.Ordinal);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(46341)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(int.MaxValue)).ParamName);
    }

    [Fact]
    public void NaNAndInfinity_AreRejected_AsScikitLearnRejectsThem()
    {
        // scikit-learn: "Input contains NaN" / "Input contains infinity" (ValueError) from its input checks.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.MeanSquaredError([1f, 2f], [1f, float.NaN]));
        Assert.Equal("predictions", error.ParamName);
        Assert.Contains("predictions[1] is NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal("targets", Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.MeanAbsoluteError([float.NaN], [1f])).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.R2([1f, float.PositiveInfinity], [1f, 2f])).ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.TopKAccuracy([0], [float.NaN, 1f, 2f], 1));
        Assert.Equal("scores", error.ParamName);
        Assert.Contains("scores[0] is NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void R2_OfASingleSample_IsNaN_LikeScikitLearn()
    {
        // scikit-learn: "R^2 score is not well-defined with less than two samples" and returns nan, even for a perfect prediction.
        Assert.True(double.IsNaN(RegressionMetrics.R2([2f], [1f])));
        Assert.True(double.IsNaN(RegressionMetrics.R2([2f], [2f])));
        Assert.Equal(1.0, RegressionMetrics.R2([2f, 3f], [2f, 3f]));
        Assert.Equal(1 - (0.5 / 0.5), RegressionMetrics.R2([2f, 3f], [2.5f, 2.5f]));
    }

    [Fact]
    public void Add_ValidatesBeforeCounting()
    {
        var matrix = new ConfusionMatrix(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add([0, 1, 1], [0, 2, 1]));
        Assert.Equal(0, matrix.Total);
        matrix.Add([0, 1, 1], [0, 0, 1]);
        Assert.Equal(3, matrix.Total);
        Assert.Equal(1, matrix[1, 0]);
        matrix.Clear();
        Assert.Equal(0, matrix[1, 0]);
    }

    [Fact]
    public void Metrics_AllocateNothing()
    {
        int[] labels = [0, 1, 2, 2, 1, 0];
        int[] predictions = [0, 2, 2, 1, 1, 0];
        float[] scores = new float[labels.Length * 3];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = (i % 5) / 5f;
        }

        var matrix = new ConfusionMatrix(3);
        matrix.Add(labels, predictions);
        _ = matrix.F1(MetricAverage.Weighted);
        _ = ClassificationMetrics.LogLoss(labels, scores);
        long before = GC.GetAllocatedBytesForCurrentThread();
        double sink = 0;
        for (int i = 0; i < 5; i++)
        {
            matrix.Add(labels, predictions);
            sink += matrix.F1(MetricAverage.Macro) + matrix.Precision(MetricAverage.Weighted) + matrix.Recall(1);
            sink += ClassificationMetrics.Accuracy(labels, predictions) + ClassificationMetrics.TopKAccuracy(labels, scores, 2);
            sink += ClassificationMetrics.LogLoss(labels, scores) + RegressionMetrics.R2(scores, scores) + RegressionMetrics.MeanAbsoluteError(scores, scores);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }
}
