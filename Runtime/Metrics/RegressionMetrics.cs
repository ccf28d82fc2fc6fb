using System;

namespace StaticGrad;

/// <summary>
/// Regression metrics in float64, as scikit-learn's <c>mean_squared_error</c> (also with <c>squared=False</c>),
/// <c>mean_absolute_error</c>, <c>mean_absolute_percentage_error</c>, <c>r2_score</c>, <c>explained_variance_score</c>
/// and <c>max_error</c>. The overloads of two spans take one output; those with an <c>outputs</c> count take
/// row-major <c>[samples, outputs]</c> targets (scikit-learn's 2-D <c>y</c> and its <c>multioutput</c>). Nothing allocates.
/// </summary>
public static partial class RegressionMetrics
{
    /// <summary>The mean of (target − prediction)².</summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double MeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return RegressionColumn.MeanSquaredError(targets, predictions, 0, 1);
    }

    /// <summary>The square root of <see cref="MeanSquaredError(ReadOnlySpan{float}, ReadOnlySpan{float})"/> (scikit-learn's <c>mean_squared_error(squared=False)</c>).</summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double RootMeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return RegressionColumn.RootMeanSquaredError(targets, predictions, 0, 1);
    }

    /// <summary>
    /// The mean of |target − prediction| / max(|target|, ε) with ε the float64 machine epsilon, as scikit-learn's
    /// <c>mean_absolute_percentage_error</c>: a fraction, not a percentage, and huge (not infinite) where a target is 0.
    /// </summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double MeanAbsolutePercentageError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return RegressionColumn.MeanAbsolutePercentageError(targets, predictions, 0, 1);
    }

    /// <summary>
    /// The explained variance <c>1 − Var(y − ŷ) / Var(y)</c> (scikit-learn's <c>explained_variance_score</c>; unlike
    /// <see cref="R2(ReadOnlySpan{float}, ReadOnlySpan{float})"/> a constant bias is not penalized). As scikit-learn's default <c>force_finite=True</c>: 1 when
    /// Var(y − ŷ) is 0, else 0 when Var(y) is 0.
    /// </summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <returns>At most 1.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double ExplainedVariance(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return RegressionColumn.ExplainedVariance(targets, predictions, 0, 1);
    }

    /// <summary>The largest |target − prediction| (scikit-learn's <c>max_error</c>).</summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double MaxError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        double max = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)targets[i] - predictions[i]));
        }

        return max;
    }

    /// <summary>The mean of |target − prediction|.</summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double MeanAbsoluteError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return RegressionColumn.MeanAbsoluteError(targets, predictions, 0, 1);
    }

    /// <summary>
    /// The coefficient of determination <c>1 − Σ(y − ŷ)² / Σ(y − ȳ)²</c>. For constant targets (a zero
    /// denominator) it is 1 when the predictions are perfect and 0 otherwise, as scikit-learn's
    /// default <c>force_finite=True</c>. With a single target it is NaN, as in scikit-learn ("R^2 score is not
    /// well-defined with less than two samples").
    /// </summary>
    /// <param name="targets">The true values.</param>
    /// <param name="predictions">The predictions, one per target.</param>
    /// <returns>At most 1; negative when worse than predicting the mean; NaN for fewer than two targets.</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is NaN or infinite (the message gives the index).</exception>
    public static double R2(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        Validate(targets, predictions);
        return targets.Length < 2 ? double.NaN : RegressionColumn.R2(targets, predictions, 0, 1);
    }

    private static void Validate(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions)
    {
        MetricArgument.NotEmpty(targets.Length, nameof(targets));
        MetricArgument.SameLength(targets.Length, predictions.Length, nameof(predictions));
        MetricArgument.Finite(targets, nameof(targets));
        MetricArgument.Finite(predictions, nameof(predictions));
    }
}
