using System;

namespace StaticGrad;

/// <summary>
/// The regression metrics of one output column of row-major <c>[samples, outputs]</c> spans, in float64: the single
/// work of <see cref="RegressionMetrics"/>. A single-output metric is column 0 of one output, so it and the multi-output
/// overloads with one output run the same loops in the same order and agree bit for bit. The inputs are validated by the
/// caller.
/// </summary>
internal static class RegressionColumn
{
    /// <summary>The float64 machine epsilon, 2⁻⁵², scikit-learn's floor for the denominators of the percentage error.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>The signature of a per-column metric, so the multi-output overloads can loop over any of them.</summary>
    public delegate double Metric(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs);

    /// <summary>The mean of (target − prediction)² over the column.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs) =>
        SquaredError(targets, predictions, column, outputs) / (targets.Length / outputs);

    /// <summary>
    /// The square root of the column's mean squared error: scikit-learn 1.2's <c>mean_squared_error(squared=False)</c>
    /// takes the root per output before it averages the outputs.
    /// </summary>
    public static double RootMeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs) =>
        Math.Sqrt(MeanSquaredError(targets, predictions, column, outputs));

    /// <summary>The mean of |target − prediction| over the column.</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs)
    {
        double sum = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            sum += Math.Abs((double)targets[i] - predictions[i]);
        }

        return sum / (targets.Length / outputs);
    }

    /// <summary>The mean of |target − prediction| / max(|target|, ε) over the column.</summary>
    public static double MeanAbsolutePercentageError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs)
    {
        double sum = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            sum += Math.Abs((double)predictions[i] - targets[i]) / Math.Max(Math.Abs((double)targets[i]), MachineEpsilon);
        }

        return sum / (targets.Length / outputs);
    }

    /// <summary>The column's R²: <c>1 − Σ(y − ŷ)² / Σ(y − ȳ)²</c>, with scikit-learn's <c>force_finite=True</c> (see <see cref="Score"/>).</summary>
    public static double R2(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs) =>
        Score(SquaredError(targets, predictions, column, outputs), SquaredDeviations(targets, column, outputs));

    /// <summary>The column's explained variance <c>1 − Var(y − ŷ) / Var(y)</c>, with scikit-learn's <c>force_finite=True</c>.</summary>
    public static double ExplainedVariance(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs)
    {
        int samples = targets.Length / outputs;
        double meanDifference = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            meanDifference += (double)targets[i] - predictions[i];
        }

        meanDifference /= samples;
        double numerator = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            double d = (double)targets[i] - predictions[i] - meanDifference;
            numerator += d * d;
        }

        return Score(numerator / samples, SquaredDeviations(targets, column, outputs) / samples);
    }

    /// <summary>
    /// Σ(y − ȳ)² over the column: R²'s denominator, samples × explained variance's, and the weight of the column under
    /// <see cref="MultiOutputAverage.VarianceWeighted"/>.
    /// </summary>
    public static double SquaredDeviations(ReadOnlySpan<float> targets, int column, int outputs)
    {
        double mean = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            mean += targets[i];
        }

        mean /= targets.Length / outputs;
        double sum = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            sum += (targets[i] - mean) * (targets[i] - mean);
        }

        return sum;
    }

    /// <summary>
    /// <c>1 − numerator / denominator</c> as scikit-learn's default <c>force_finite=True</c> assembles R² and explained
    /// variance: 1 when the numerator is 0 (perfect, even for constant targets), else 0 when the denominator is 0 (it
    /// would be −∞).
    /// </summary>
    private static double Score(double numerator, double denominator)
    {
        if (numerator == 0)
        {
            return 1;
        }

        return denominator == 0 ? 0 : 1 - (numerator / denominator);
    }

    private static double SquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int column, int outputs)
    {
        double sum = 0;
        for (int i = column; i < targets.Length; i += outputs)
        {
            double d = (double)targets[i] - predictions[i];
            sum += d * d;
        }

        return sum;
    }
}
