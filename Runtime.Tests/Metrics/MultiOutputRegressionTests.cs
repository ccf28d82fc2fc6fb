using System;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The multi-output regression metrics beyond their scikit-learn goldens (<see cref="MetricGoldenTests"/>): that they
/// are the single-output metrics per column bit for bit, their validation and that they allocate nothing.
/// </summary>
public sealed class MultiOutputRegressionTests
{
    /// <summary>A single-output metric.</summary>
    private delegate double Single(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions);

    /// <summary>A multi-output metric written one value per output.</summary>
    private delegate void PerOutput(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput);

    /// <summary>Row-major [samples, outputs] data: random columns, a constant one, a perfect one and large values.</summary>
    private static (float[] Targets, float[] Predictions) Data(int samples, int outputs, int seed)
    {
        var random = new Random(seed);
        float[] targets = new float[samples * outputs], predictions = new float[samples * outputs];
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                int i = (s * outputs) + o;
                float scale = o == 3 ? 1e6f : 1 + o;
                targets[i] = o == 1 ? 2.5f : (float)((random.NextDouble() - 0.3) * scale);
                predictions[i] = o == 2 ? targets[i] : targets[i] + (float)((random.NextDouble() - 0.5) * scale * 0.4);
            }
        }

        return (targets, predictions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(40)]
    public void OneOutput_EqualsTheSingleOutputMetrics_BitForBit(int samples)
    {
        for (int seed = 0; seed < 5; seed++)
        {
            // Column 0 is random; a constant column (1) and a perfect one (2) as single outputs too.
            (float[] all, float[] allPredictions) = Data(samples, 3, seed);
            for (int column = 0; column < 3; column++)
            {
                float[] targets = Column(all, 3, column), predictions = Column(allPredictions, 3, column);
                foreach (MultiOutputAverage average in new[] { MultiOutputAverage.Uniform, MultiOutputAverage.VarianceWeighted })
                {
                    AssertBits(RegressionMetrics.R2(targets, predictions), RegressionMetrics.R2(targets, predictions, 1, average), $"R2 {average}");
                    AssertBits(RegressionMetrics.ExplainedVariance(targets, predictions), RegressionMetrics.ExplainedVariance(targets, predictions, 1, average), $"explained variance {average}");
                }

                AssertBits(RegressionMetrics.MeanSquaredError(targets, predictions), RegressionMetrics.MeanSquaredError(targets, predictions, 1), "MSE");
                AssertBits(RegressionMetrics.RootMeanSquaredError(targets, predictions), RegressionMetrics.RootMeanSquaredError(targets, predictions, 1), "RMSE");
                AssertBits(RegressionMetrics.MeanAbsoluteError(targets, predictions), RegressionMetrics.MeanAbsoluteError(targets, predictions, 1), "MAE");
                AssertBits(RegressionMetrics.MeanAbsolutePercentageError(targets, predictions), RegressionMetrics.MeanAbsolutePercentageError(targets, predictions, 1), "MAPE");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(33)]
    public void PerOutputValues_AreTheSingleOutputMetricsOfEachColumn_BitForBit(int samples)
    {
        const int Outputs = 5;
        (float[] targets, float[] predictions) = Data(samples, Outputs, 11);
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.MeanSquaredError, RegressionMetrics.MeanSquaredError, "MSE");
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.RootMeanSquaredError, RegressionMetrics.RootMeanSquaredError, "RMSE");
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.MeanAbsoluteError, RegressionMetrics.MeanAbsoluteError, "MAE");
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.MeanAbsolutePercentageError, RegressionMetrics.MeanAbsolutePercentageError, "MAPE");
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.R2, RegressionMetrics.R2, "R2");
        AssertColumns(targets, predictions, Outputs, RegressionMetrics.ExplainedVariance, RegressionMetrics.ExplainedVariance, "explained variance");
    }

    [Fact]
    public void R2OfFlattenedTargets_IsNotTheMultiOutputR2()
    {
        // Two outputs on different scales: the flattened data's variance is mostly the gap between the outputs, so
        // its R² looks near perfect; scikit-learn's r2_score of the 2-D targets averages the per-output scores.
        float[] targets = [0, 100, 1, 101, 2, 102, 3, 103];
        float[] predictions = [1, 101, 0, 100, 3, 103, 2, 102];
        Assert.Equal(1 - (8.0 / 20010), RegressionMetrics.R2(targets, predictions), 12);
        Assert.Equal(1 - (4.0 / 5), RegressionMetrics.R2(targets, predictions, 2), 12);
    }

    [Fact]
    public void BadInput_IsRejected_NamingTheArgumentAndTheExpectedValue()
    {
        float[] six = [1, 2, 3, 4, 5, 6];
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.R2(six, six, 0));
        Assert.Equal("outputs", range.ParamName);
        Assert.Contains("outputs is 0; expected at least 1.", range.Message, StringComparison.Ordinal);
        Assert.Equal("outputs", Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.MeanSquaredError(six, six, -2)).ParamName);

        var error = Assert.Throws<ArgumentException>(() => RegressionMetrics.MeanAbsoluteError(six, six, 4));
        Assert.Equal("targets", error.ParamName);
        Assert.Contains("targets has 6 values; expected a multiple of outputs = 4", error.Message, StringComparison.Ordinal);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => RegressionMetrics.ExplainedVariance(six, [1, 2, 3], 3)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => RegressionMetrics.R2([], [], 2)).ParamName);

        error = Assert.Throws<ArgumentException>(() => RegressionMetrics.R2(six, six, 3, new double[2]));
        Assert.Equal("perOutput", error.ParamName);
        Assert.Contains("perOutput has 2 values; expected 3 (one per output).", error.Message, StringComparison.Ordinal);
        Assert.Equal("perOutput", Assert.Throws<ArgumentException>(() => RegressionMetrics.R2([1f, 2f], [1f, 2f], 2, new double[1])).ParamName);
        Assert.Equal("perOutput", Assert.Throws<ArgumentException>(() => RegressionMetrics.MeanAbsolutePercentageError(six, six, 2, new double[3])).ParamName);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.RootMeanSquaredError(six, [1, 2, 3, float.NaN, 5, 6], 2));
        Assert.Equal("predictions", range.ParamName);
        Assert.Contains("predictions[3] is NaN", range.Message, StringComparison.Ordinal);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.R2([1, float.PositiveInfinity, 3, 4], [1, 2, 3, 4], 2, new double[2]));
        Assert.Equal("targets", range.ParamName);
        Assert.Contains($"targets[1] is {float.PositiveInfinity}", range.Message, StringComparison.Ordinal);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.ExplainedVariance(six, six, 2, (MultiOutputAverage)7));
        Assert.Equal("average", range.ParamName);
        Assert.Contains("expected MultiOutputAverage.Uniform or MultiOutputAverage.VarianceWeighted", range.Message, StringComparison.Ordinal);

        // One sample: R2 is NaN whatever the average, but an average that is no MultiOutputAverage is still refused.
        range = Assert.Throws<ArgumentOutOfRangeException>(() => RegressionMetrics.R2([1f, 2f], [1f, 2f], 2, (MultiOutputAverage)7));
        Assert.Equal("average", range.ParamName);
        Assert.Contains("average is 7; expected MultiOutputAverage.Uniform or MultiOutputAverage.VarianceWeighted", range.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void R2OfOneSample_IsNaN_ForEveryOutputAndAverage()
    {
        float[] targets = [2, 7], predictions = [1, 7];
        double[] perOutput = [0, 0];
        RegressionMetrics.R2(targets, predictions, 2, perOutput);
        Assert.True(double.IsNaN(perOutput[0]) && double.IsNaN(perOutput[1]));
        Assert.True(double.IsNaN(RegressionMetrics.R2(targets, predictions, 2)));
        Assert.True(double.IsNaN(RegressionMetrics.R2(targets, predictions, 2, MultiOutputAverage.VarianceWeighted)));
    }

    [Fact]
    public void MultiOutputMetrics_AllocateNothing()
    {
        (float[] targets, float[] predictions) = Data(6, 4, 3);
        double[] perOutput = new double[4];

        // Every overload once first: the first conversion of each column function to its delegate is cached, allocated once.
        double sink = Sum(targets, predictions, perOutput);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            sink += Sum(targets, predictions, perOutput);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(double.IsFinite(sink));
    }

    private static double Sum(float[] targets, float[] predictions, double[] perOutput)
    {
        double sink = RegressionMetrics.MeanSquaredError(targets, predictions, 4) + RegressionMetrics.RootMeanSquaredError(targets, predictions, 4);
        sink += RegressionMetrics.MeanAbsoluteError(targets, predictions, 4) + RegressionMetrics.MeanAbsolutePercentageError(targets, predictions, 4);
        sink += RegressionMetrics.R2(targets, predictions, 4) + RegressionMetrics.R2(targets, predictions, 4, MultiOutputAverage.VarianceWeighted);
        sink += RegressionMetrics.ExplainedVariance(targets, predictions, 4) + RegressionMetrics.ExplainedVariance(targets, predictions, 4, MultiOutputAverage.VarianceWeighted);
        RegressionMetrics.MeanSquaredError(targets, predictions, 4, perOutput);
        RegressionMetrics.RootMeanSquaredError(targets, predictions, 4, perOutput);
        RegressionMetrics.MeanAbsoluteError(targets, predictions, 4, perOutput);
        RegressionMetrics.MeanAbsolutePercentageError(targets, predictions, 4, perOutput);
        RegressionMetrics.R2(targets, predictions, 4, perOutput);
        RegressionMetrics.ExplainedVariance(targets, predictions, 4, perOutput);
        return sink + perOutput[0];
    }

    private static void AssertColumns(float[] targets, float[] predictions, int outputs, PerOutput perOutput, Single single, string what)
    {
        double[] actual = new double[outputs];
        perOutput(targets, predictions, outputs, actual);
        for (int o = 0; o < outputs; o++)
        {
            AssertBits(single(Column(targets, outputs, o), Column(predictions, outputs, o)), actual[o], $"{what} [{o}]");
        }
    }

    private static float[] Column(float[] values, int outputs, int column)
    {
        float[] result = new float[values.Length / outputs];
        for (int s = 0; s < result.Length; s++)
        {
            result[s] = values[(s * outputs) + column];
        }

        return result;
    }

    private static void AssertBits(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{what}: expected {expected:R}, got {actual:R}.");
}
