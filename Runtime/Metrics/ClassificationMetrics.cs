using System;

namespace StaticGrad;

/// <summary>
/// Classification metrics over spans, as scikit-learn computes them: <c>accuracy_score</c>,
/// <c>top_k_accuracy_score</c> and <c>log_loss</c>. Scores and probabilities are row-major
/// [samples, classes]. Nothing allocates. For per-class precision, recall and F1 see <see cref="ConfusionMatrix"/>.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>scikit-learn's default <c>log_loss</c> clipping for float64 probabilities: the float64 machine epsilon, 2⁻⁵².</summary>
    public const double DefaultLogLossEpsilon = 2.220446049250313e-16;

    /// <summary>The fraction of <paramref name="predictions"/> equal to <paramref name="labels"/>.</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="predictions">The predicted classes, one per label.</param>
    /// <returns>A value in [0, 1].</returns>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double Accuracy(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions)
    {
        MetricArgument.NotEmpty(labels.Length, nameof(labels));
        MetricArgument.SameLength(labels.Length, predictions.Length, nameof(predictions));
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += labels[i] == predictions[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    /// <summary>
    /// The fraction of samples whose true class is among the <paramref name="k"/> highest scores, like
    /// <c>top_k_accuracy_score</c>: among equal scores the higher class index ranks first (scikit-learn's
    /// reversed stable sort).
    /// </summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="scores">Row-major [labels.Length, classes] scores (logits or probabilities); at least 2 classes.</param>
    /// <param name="k">How many top classes count as a hit; positive.</param>
    /// <returns>A value in [0, 1].</returns>
    /// <exception cref="ArgumentException">The shapes do not fit, there is one column, a label is out of range, or a score is NaN or infinite (the message gives the index).</exception>
    public static double TopKAccuracy(ReadOnlySpan<int> labels, ReadOnlySpan<float> scores, int k)
    {
        MetricArgument.NotEmpty(labels.Length, nameof(labels));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        int classes = MetricArgument.ClassColumns(scores.Length, labels.Length, nameof(scores));
        MetricArgument.Classes(labels, classes, nameof(labels));
        MetricArgument.Finite(scores, nameof(scores));
        int hits = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = scores.Slice(i * classes, classes);
            int label = labels[i];
            float own = row[label];
            int ahead = 0;
            for (int c = 0; c < classes; c++)
            {
                ahead += row[c] > own || (row[c] == own && c > label) ? 1 : 0;
            }

            hits += ahead < k ? 1 : 0;
        }

        return (double)hits / labels.Length;
    }

    /// <summary>
    /// The mean negative log-likelihood of the true classes, like scikit-learn's <c>log_loss</c>: each
    /// probability is clipped to [<paramref name="epsilon"/>, 1 − <paramref name="epsilon"/>], each row is
    /// renormalized by its clipped sum, and the loss is <c>−mean(log(p[label] / Σp))</c>, in float64. A finite value above 1
    /// is clipped like any other, as scikit-learn 1.2 clips it.
    /// </summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="probabilities">Row-major [labels.Length, classes] predicted probabilities; at least 2 classes (for a binary model's probability p of class 1, rows [1 − p, p]).</param>
    /// <param name="epsilon">The clipping bound; in (0, 0.5). The default is scikit-learn's for float64 input.</param>
    /// <returns>The mean log-loss, at least 0.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit, there is one column, a label is out of range, or a probability is NaN, infinite or negative (the message gives the index).</exception>
    public static double LogLoss(ReadOnlySpan<int> labels, ReadOnlySpan<float> probabilities, double epsilon = DefaultLogLossEpsilon)
    {
        MetricArgument.NotEmpty(labels.Length, nameof(labels));
        if (!(epsilon > 0 && epsilon < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"Invalid epsilon: {epsilon}; expected 0 < epsilon < 0.5.");
        }

        int classes = MetricArgument.ClassColumns(probabilities.Length, labels.Length, nameof(probabilities));
        MetricArgument.Classes(labels, classes, nameof(labels));
        double total = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * classes, classes);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                if (!(row[c] >= 0 && float.IsFinite(row[c])))
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(probabilities), row[c], $"probabilities[{(i * classes) + c}] (sample {i}, class {c}) is {row[c]}; expected a finite probability >= 0 (scikit-learn refuses NaN and infinity).");
                }

                sum += Math.Clamp(row[c], epsilon, 1 - epsilon);
            }

            total -= Math.Log(Math.Clamp(row[labels[i]], epsilon, 1 - epsilon) / sum);
        }

        return total / labels.Length;
    }
}
