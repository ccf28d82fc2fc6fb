using System;

namespace StaticGrad;

// The regression metrics of targets with several outputs, row-major [samples, outputs], as scikit-learn's for 2-D
// y: each metric per output column, then averaged over the outputs or written one per output (scikit-learn's
// multioutput='raw_values'). Flattening such targets into one output is not the same thing: R² and explained
// variance of the flattened data measure the spread across outputs too. With one output the results equal the
// single-output overloads bit for bit. Nothing allocates. scikit-learn's max_error refuses several outputs, so
// MaxError has no such overload.
public static partial class RegressionMetrics
{
    /// <summary>The uniform average over the outputs of each output's mean squared error.</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double MeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs) =>
        UniformAverage(targets, predictions, outputs, RegressionColumn.MeanSquaredError);

    /// <summary>Each output's mean squared error (scikit-learn's <c>multioutput='raw_values'</c>).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void MeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput) =>
        PerOutput(targets, predictions, outputs, perOutput, RegressionColumn.MeanSquaredError);

    /// <summary>
    /// The uniform average over the outputs of each output's root mean squared error: scikit-learn 1.2's
    /// <c>mean_squared_error(squared=False)</c> takes the root per output, so this is not the root of the averaged
    /// <see cref="MeanSquaredError(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>.
    /// </summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double RootMeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs) =>
        UniformAverage(targets, predictions, outputs, RegressionColumn.RootMeanSquaredError);

    /// <summary>Each output's root mean squared error (scikit-learn's <c>squared=False, multioutput='raw_values'</c>).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void RootMeanSquaredError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput) =>
        PerOutput(targets, predictions, outputs, perOutput, RegressionColumn.RootMeanSquaredError);

    /// <summary>The uniform average over the outputs of each output's mean absolute error.</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double MeanAbsoluteError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs) =>
        UniformAverage(targets, predictions, outputs, RegressionColumn.MeanAbsoluteError);

    /// <summary>Each output's mean absolute error (scikit-learn's <c>multioutput='raw_values'</c>).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void MeanAbsoluteError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput) =>
        PerOutput(targets, predictions, outputs, perOutput, RegressionColumn.MeanAbsoluteError);

    /// <summary>The uniform average over the outputs of each output's mean absolute percentage error (a fraction).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double MeanAbsolutePercentageError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs) =>
        UniformAverage(targets, predictions, outputs, RegressionColumn.MeanAbsolutePercentageError);

    /// <summary>Each output's mean absolute percentage error (scikit-learn's <c>multioutput='raw_values'</c>).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void MeanAbsolutePercentageError(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput) =>
        PerOutput(targets, predictions, outputs, perOutput, RegressionColumn.MeanAbsolutePercentageError);

    /// <summary>
    /// Each output's R² (constant targets: 1 if perfect, else 0, as for one output), averaged over the outputs as
    /// <paramref name="average"/> says. NaN for fewer than two samples, whatever the average, as scikit-learn.
    /// </summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="average">Uniform (scikit-learn's default) or weighted by each output's target variance.</param>
    /// <returns>At most 1; NaN for fewer than two samples.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, <paramref name="average"/> is not a <see cref="MultiOutputAverage"/>, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double R2(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, MultiOutputAverage average = MultiOutputAverage.Uniform)
    {
        int samples = ValidateRows(targets, predictions, outputs);
        // Checked before the one-sample NaN below, which would otherwise return for any value of average.
        ValidateAverage(average);
        return samples < 2 ? double.NaN : Average(targets, predictions, outputs, average, RegressionColumn.R2);
    }

    /// <summary>
    /// Each output's R² (scikit-learn's <c>multioutput='raw_values'</c>); all NaN for fewer than two samples (scikit-learn
    /// returns a single NaN then, not one per output).
    /// </summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void R2(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput)
    {
        int samples = ValidateRows(targets, predictions, outputs);
        ValidatePerOutput(perOutput, outputs);
        if (samples < 2)
        {
            perOutput.Fill(double.NaN);
            return;
        }

        Write(targets, predictions, outputs, perOutput, RegressionColumn.R2);
    }

    /// <summary>
    /// Each output's explained variance (1 if its residuals are constant, else 0 for constant targets, as for one
    /// output), averaged over the outputs as <paramref name="average"/> says.
    /// </summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="average">Uniform (scikit-learn's default) or weighted by each output's target variance.</param>
    /// <returns>At most 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, <paramref name="average"/> is not a <see cref="MultiOutputAverage"/>, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or their length is not a multiple of <paramref name="outputs"/>.</exception>
    public static double ExplainedVariance(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, MultiOutputAverage average = MultiOutputAverage.Uniform)
    {
        ValidateRows(targets, predictions, outputs);
        ValidateAverage(average);
        return Average(targets, predictions, outputs, average, RegressionColumn.ExplainedVariance);
    }

    /// <summary>Each output's explained variance (scikit-learn's <c>multioutput='raw_values'</c>).</summary>
    /// <param name="targets">The true values, row-major <c>[samples, outputs]</c>.</param>
    /// <param name="predictions">The predictions, one per target, in the same layout.</param>
    /// <param name="outputs">The number of outputs (columns); at least 1.</param>
    /// <param name="perOutput">Receives one value per output; its length must be <paramref name="outputs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputs"/> is below 1, or a value is NaN or infinite (the message gives the index).</exception>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, their length is not a multiple of <paramref name="outputs"/>, or <paramref name="perOutput"/> does not hold <paramref name="outputs"/> values.</exception>
    public static void ExplainedVariance(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput) =>
        PerOutput(targets, predictions, outputs, perOutput, RegressionColumn.ExplainedVariance);

    private static double Average(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, MultiOutputAverage average, RegressionColumn.Metric metric)
    {
        switch (average)
        {
            case MultiOutputAverage.Uniform:
                return Mean(targets, predictions, outputs, metric);
            case MultiOutputAverage.VarianceWeighted:
                double total = 0;
                for (int o = 0; o < outputs; o++)
                {
                    total += RegressionColumn.SquaredDeviations(targets, o, outputs);
                }

                // All targets constant: every weight is 0, and scikit-learn falls back to the uniform mean.
                if (total == 0)
                {
                    return Mean(targets, predictions, outputs, metric);
                }

                // Σ score·(weight / total) rather than numpy's Σ score·weight / total: the same mean to rounding, and
                // with one output the weight is exactly 1, so the score comes back unchanged.
                double sum = 0;
                for (int o = 0; o < outputs; o++)
                {
                    sum += metric(targets, predictions, o, outputs) * (RegressionColumn.SquaredDeviations(targets, o, outputs) / total);
                }

                return sum;
            default:
                throw AverageOutOfRange(average);
        }
    }

    private static void ValidateAverage(MultiOutputAverage average)
    {
        if (average is not (MultiOutputAverage.Uniform or MultiOutputAverage.VarianceWeighted))
        {
            throw AverageOutOfRange(average);
        }
    }

    private static ArgumentOutOfRangeException AverageOutOfRange(MultiOutputAverage average) =>
        new(nameof(average), average, $"average is {average}; expected MultiOutputAverage.Uniform or MultiOutputAverage.VarianceWeighted.");

    /// <summary>Validates the rows, then the unweighted mean of the per-output metric.</summary>
    private static double UniformAverage(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, RegressionColumn.Metric metric)
    {
        ValidateRows(targets, predictions, outputs);
        return Mean(targets, predictions, outputs, metric);
    }

    /// <summary>Validates the rows and the destination, then writes the per-output metric.</summary>
    private static void PerOutput(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput, RegressionColumn.Metric metric)
    {
        ValidateRows(targets, predictions, outputs);
        ValidatePerOutput(perOutput, outputs);
        Write(targets, predictions, outputs, perOutput, metric);
    }

    private static double Mean(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, RegressionColumn.Metric metric)
    {
        double sum = 0;
        for (int o = 0; o < outputs; o++)
        {
            sum += metric(targets, predictions, o, outputs);
        }

        return sum / outputs;
    }

    private static void Write(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs, Span<double> perOutput, RegressionColumn.Metric metric)
    {
        for (int o = 0; o < outputs; o++)
        {
            perOutput[o] = metric(targets, predictions, o, outputs);
        }
    }

    /// <summary>Validates row-major <c>[samples, outputs]</c> targets and predictions; returns the number of samples.</summary>
    private static int ValidateRows(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, int outputs)
    {
        if (outputs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(outputs), outputs, $"outputs is {outputs}; expected at least 1.");
        }

        if (targets.Length % outputs != 0)
        {
            throw new ArgumentException($"targets has {targets.Length} values; expected a multiple of outputs = {outputs} (row-major [samples, outputs]).", nameof(targets));
        }

        Validate(targets, predictions);
        return targets.Length / outputs;
    }

    private static void ValidatePerOutput(Span<double> perOutput, int outputs)
    {
        if (perOutput.Length != outputs)
        {
            throw new ArgumentException($"perOutput has {perOutput.Length} values; expected {outputs} (one per output).", nameof(perOutput));
        }
    }
}
