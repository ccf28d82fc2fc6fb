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
        Assert.Contains("Expected at most 8192 classes (512 MiB of counts): classes² = 1099511627776 counts would take 8388608 MiB.", error.Message, StringComparison.Ordinal);

        // 46,340 classes fit an array, but as a 17 GB allocation that ends in an OutOfMemoryException.
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(46340)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(ConfusionMatrix.MaxClasses + 1)).ParamName);
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
    public void LogLoss_OfAnInfiniteProbability_IsRefused_AsScikitLearnRefusesIt()
    {
        // scikit-learn: "Input contains infinity or a value too large for dtype('float64')"; it was clipped to 1 − eps.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.LogLoss([0], [float.PositiveInfinity, 0.5f]));
        Assert.Equal("probabilities", error.ParamName);
        Assert.Contains($"probabilities[0] (sample 0, class 0) is {float.PositiveInfinity}; expected a finite probability >= 0", error.Message, StringComparison.Ordinal);

        // A finite value above 1 is clipped and renormalized, as scikit-learn 1.2 does: log_loss([0, 1], [[2, .5], [.3, .7]]).
        Assert.Equal(0.3810700260234484, ClassificationMetrics.LogLoss([0, 1], [2f, 0.5f, 0.3f, 0.7f]), 6);
    }

    [Fact]
    public void LogLossAndTopK_OfOneColumn_AreRefused_AsScikitLearnRefusesOneClass()
    {
        // scikit-learn reads one column as the positive class's probability (log_loss([0, 0], [[.3], [.8]], labels=[0, 1])
        // is a loss above 0) and refuses a single class; one column here was one class, so the loss was 0 and top-1 was 1.
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.LogLoss([0, 0], [0.3f, 0.8f]));
        Assert.Equal("probabilities", error.ParamName);
        Assert.Contains("1 column per sample; expected at least 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1 - p, p]", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.TopKAccuracy([0, 0], [0.3f, 0.8f], 1));
        Assert.Equal("scores", error.ParamName);
        Assert.Contains("1 column per sample; expected at least 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MacroRecall_IsNotBalancedAccuracy_WhenAClassOccursOnlyAmongThePredictions()
    {
        // scikit-learn: recall_score(average='macro') 0.5, balanced_accuracy_score 0.75.
        ConfusionMatrix matrix = ConfusionMatrix.From([0, 0, 1, 1], [0, 2, 1, 1], 3);
        Assert.Equal(0.5, matrix.Recall(MetricAverage.Macro));
        Assert.Equal(0.75, matrix.BalancedAccuracy());
        Assert.Equal(0.5, matrix.BalancedAccuracy(adjusted: true));

        // One class with true samples: chance is 1, so scikit-learn divides by zero.
        Assert.Equal(double.NegativeInfinity, ConfusionMatrix.From([0, 0, 0], [0, 1, 0], 2).BalancedAccuracy(adjusted: true));
        Assert.True(double.IsNaN(ConfusionMatrix.From([0, 0], [0, 0], 2).BalancedAccuracy(adjusted: true)));
        Assert.Throws<InvalidOperationException>(() => new ConfusionMatrix(2).BalancedAccuracy());
    }

    [Fact]
    public void EmptyMatrix_AveragesGiveZeroDivision_AsItsPerClassMetricsDo()
    {
        // scikit-learn: precision_recall_fscore_support([], [], labels=[0, 1], average=...) gives zero_division for every average.
        var matrix = new ConfusionMatrix(2);
        foreach (int zd in new[] { 0, 1 })
        {
            Assert.Equal(zd, matrix.Precision(0, zd));
            foreach (MetricAverage average in new[] { MetricAverage.Macro, MetricAverage.Weighted, MetricAverage.Micro, MetricAverage.Binary })
            {
                Assert.Equal(zd, matrix.Precision(average, zd));
                Assert.Equal(zd, matrix.Recall(average, zd, allClasses: true));
                Assert.Equal(zd, matrix.F1(average, zd));
                Assert.Equal(zd, matrix.FBeta(2, average, zd));
            }
        }

        Assert.Throws<InvalidOperationException>(() => matrix.Accuracy());
    }

    [Fact]
    public void BinaryAverage_And_Beta_RefuseWhatScikitLearnRefuses()
    {
        // scikit-learn: "Target is multiclass but average='binary'", "pos_label=1 is not a valid label", "beta should be >=0".
        ConfusionMatrix three = ConfusionMatrix.From([0, 1, 2], [0, 1, 1], 3);
        var error = Assert.Throws<ArgumentException>(() => three.Precision(MetricAverage.Binary));
        Assert.Equal("average", error.ParamName);
        Assert.Contains("3 occur", error.Message, StringComparison.Ordinal);
        ConfusionMatrix twoAndZero = ConfusionMatrix.From([0, 2, 2], [0, 2, 0], 3);
        Assert.Equal("positiveLabel", Assert.Throws<ArgumentOutOfRangeException>(() => twoAndZero.Recall(MetricAverage.Binary)).ParamName);
        Assert.Equal(0.5, twoAndZero.Recall(MetricAverage.Binary, positiveLabel: 2));
        Assert.Equal("positiveLabel", Assert.Throws<ArgumentOutOfRangeException>(() => twoAndZero.F1(MetricAverage.Binary, positiveLabel: 3)).ParamName);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => three.FBeta(-1, MetricAverage.Macro)).ParamName);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => three.FBeta(0, double.NaN)).ParamName);
        Assert.Equal("normalization", Assert.Throws<ArgumentOutOfRangeException>(() => three.Normalized(0, 0, (ConfusionNormalization)7)).ParamName);
        Assert.Equal("average", Assert.Throws<ArgumentOutOfRangeException>(() => three.F1((MetricAverage)9)).ParamName);
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
            sink += matrix.BalancedAccuracy(adjusted: true) + matrix.FBeta(2, MetricAverage.Weighted) + matrix.FBeta(1, 0.5) + matrix.Normalized(1, 2, ConfusionNormalization.TrueClass);
            sink += RegressionMetrics.RootMeanSquaredError(scores, scores) + RegressionMetrics.MeanAbsolutePercentageError(scores, scores);
            sink += RegressionMetrics.ExplainedVariance(scores, scores) + RegressionMetrics.MaxError(scores, scores);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }
}
