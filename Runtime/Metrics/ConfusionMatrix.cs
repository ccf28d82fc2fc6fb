using System;

namespace StaticGrad;

/// <summary>
/// Counts of (true class, predicted class) pairs, scikit-learn's <c>confusion_matrix</c> (rows are the
/// true classes, columns the predictions), and the metrics derived from it: accuracy and per-class or
/// averaged precision, recall, F1 and F-beta as <c>precision_recall_fscore_support</c> computes them, including
/// its <c>zero_division</c> rule, and <c>balanced_accuracy_score</c>. The counts are allocated once; adding and every
/// metric allocate nothing.
/// </summary>
public sealed class ConfusionMatrix
{
    /// <summary>
    /// The most classes a matrix holds: 8,192² counts of 8 bytes are 512 MiB, allocated up front; more is far likelier a
    /// wrong argument than a real class count, and would end in an <see cref="OutOfMemoryException"/>.
    /// </summary>
    public const int MaxClasses = 8192;

    private readonly long[] _counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="classes">The number of classes; labels and predictions are in [0, classes). Positive, and at most <see cref="MaxClasses"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, or exceeds <see cref="MaxClasses"/> (checked before allocating).</exception>
    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (classes > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(
                nameof(classes), classes, $"Expected at most {MaxClasses} classes ({(long)MaxClasses * MaxClasses * sizeof(long) >> 20} MiB of counts): classes² = {(long)classes * classes} counts would take {(long)classes * classes * sizeof(long) >> 20} MiB.");
        }

        Classes = classes;
        _counts = new long[classes * classes];
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The number of samples added.</summary>
    public long Total { get; private set; }

    /// <summary>The number of samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    /// <param name="actual">The true class.</param>
    /// <param name="predicted">The predicted class.</param>
    public long this[int actual, int predicted] => _counts[(Check(actual, nameof(actual)) * Classes) + Check(predicted, nameof(predicted))];

    /// <summary>Builds a matrix from paired labels and predictions.</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="predictions">The predicted classes, one per label.</param>
    /// <param name="classes">The number of classes.</param>
    /// <returns>The filled matrix.</returns>
    public static ConfusionMatrix From(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, int classes)
    {
        var matrix = new ConfusionMatrix(classes);
        matrix.Add(labels, predictions);
        return matrix;
    }

    /// <summary>Counts one sample.</summary>
    /// <param name="label">The true class, in [0, <see cref="Classes"/>).</param>
    /// <param name="prediction">The predicted class, in [0, <see cref="Classes"/>).</param>
    public void Add(int label, int prediction)
    {
        _counts[(Check(label, nameof(label)) * Classes) + Check(prediction, nameof(prediction))]++;
        Total++;
    }

    /// <summary>Counts paired samples (validated first: on failure nothing is counted).</summary>
    /// <param name="labels">The true classes.</param>
    /// <param name="predictions">The predicted classes, one per label.</param>
    /// <exception cref="ArgumentException">The lengths differ or a class is out of range (the message gives the index).</exception>
    public void Add(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions)
    {
        MetricArgument.SameLength(labels.Length, predictions.Length, nameof(predictions));
        MetricArgument.Classes(labels, Classes, nameof(labels));
        MetricArgument.Classes(predictions, Classes, nameof(predictions));
        for (int i = 0; i < labels.Length; i++)
        {
            _counts[(labels[i] * Classes) + predictions[i]]++;
        }

        Total += labels.Length;
    }

    /// <summary>Sets every count to zero.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Total = 0;
    }

    /// <summary>The number of true samples of class <paramref name="c"/> (its row sum).</summary>
    /// <param name="c">The class.</param>
    public long Support(int c)
    {
        Check(c, nameof(c));
        long sum = 0;
        for (int p = 0; p < Classes; p++)
        {
            sum += _counts[(c * Classes) + p];
        }

        return sum;
    }

    /// <summary>The number of samples predicted as class <paramref name="c"/> (its column sum).</summary>
    /// <param name="c">The class.</param>
    public long Predicted(int c)
    {
        Check(c, nameof(c));
        long sum = 0;
        for (int a = 0; a < Classes; a++)
        {
            sum += _counts[(a * Classes) + c];
        }

        return sum;
    }

    /// <summary>The fraction of samples predicted correctly (scikit-learn's <c>accuracy_score</c>).</summary>
    /// <exception cref="InvalidOperationException">No samples were added.</exception>
    public double Accuracy()
    {
        RequireSamples();
        long correct = 0;
        for (int c = 0; c < Classes; c++)
        {
            correct += _counts[(c * Classes) + c];
        }

        return (double)correct / Total;
    }

    /// <summary>Precision of class <paramref name="c"/>: true positives / predicted; <paramref name="zeroDivision"/> when nothing was predicted as it.</summary>
    /// <param name="c">The class.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    public double Precision(int c, double zeroDivision = 0) =>
        Divide(_counts[(Check(c, nameof(c)) * Classes) + c], Predicted(c), MetricArgument.ZeroDivision(zeroDivision));

    /// <summary>Recall of class <paramref name="c"/>: true positives / support; <paramref name="zeroDivision"/> when the class has no true samples.</summary>
    /// <param name="c">The class.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    public double Recall(int c, double zeroDivision = 0) =>
        Divide(_counts[(Check(c, nameof(c)) * Classes) + c], Support(c), MetricArgument.ZeroDivision(zeroDivision));

    /// <summary>F1 of class <paramref name="c"/>: <c>2PR / (P + R)</c> from the precision and recall above, 0 when both are 0.</summary>
    /// <param name="c">The class.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1 (it enters through P and R).</param>
    public double F1(int c, double zeroDivision = 0) => FBeta(c, 1, zeroDivision);

    /// <summary>
    /// F-beta of class <paramref name="c"/> (scikit-learn's <c>fbeta_score</c>): <c>(1 + β²)PR / (β²P + R)</c> from the
    /// precision and recall above, 0 when the denominator is 0; β = 0 gives the precision, β = +∞ the recall.
    /// </summary>
    /// <param name="c">The class.</param>
    /// <param name="beta">The weight of recall against precision; at least 0 (+∞ allowed).</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1 (it enters through P and R).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative or NaN, or <paramref name="zeroDivision"/> is not 0 or 1.</exception>
    public double FBeta(int c, double beta, double zeroDivision = 0)
    {
        double beta2 = Beta2(beta);
        double p = Precision(c, zeroDivision), r = Recall(c, zeroDivision);
        if (double.IsPositiveInfinity(beta))
        {
            return r;
        }

        double denominator = (beta2 * p) + r;
        return (1 + beta2) * p * r / (denominator == 0 ? 1 : denominator);
    }

    /// <summary>
    /// Precision averaged over the classes. An empty matrix gives <paramref name="zeroDivision"/>, as scikit-learn gives it
    /// for empty input.
    /// </summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> (scikit-learn's <c>labels=range(classes)</c>) instead of only the classes that occur as a label or a prediction (its default). Ignored by <see cref="MetricAverage.Binary"/>.</param>
    /// <param name="positiveLabel">The class <see cref="MetricAverage.Binary"/> reports (scikit-learn's <c>pos_label</c>); ignored by the other averages.</param>
    /// <exception cref="ArgumentException"><see cref="MetricAverage.Binary"/> with more than two classes occurring, or with two that do not include <paramref name="positiveLabel"/>.</exception>
    public double Precision(MetricAverage average, double zeroDivision = 0, bool allClasses = false, int positiveLabel = 1) =>
        Averaged(Metric.Precision, 1, average, zeroDivision, allClasses, positiveLabel);

    /// <summary>
    /// Recall averaged over the classes. Macro recall averages <paramref name="zeroDivision"/> in for a class that occurs only
    /// among the predictions, so it is not the balanced accuracy then: see <see cref="BalancedAccuracy"/>. An empty matrix
    /// gives <paramref name="zeroDivision"/>.
    /// </summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> instead of only those that occur. Ignored by <see cref="MetricAverage.Binary"/>.</param>
    /// <param name="positiveLabel">The class <see cref="MetricAverage.Binary"/> reports (scikit-learn's <c>pos_label</c>); ignored by the other averages.</param>
    /// <exception cref="ArgumentException"><see cref="MetricAverage.Binary"/> with more than two classes occurring, or with two that do not include <paramref name="positiveLabel"/>.</exception>
    public double Recall(MetricAverage average, double zeroDivision = 0, bool allClasses = false, int positiveLabel = 1) =>
        Averaged(Metric.Recall, 1, average, zeroDivision, allClasses, positiveLabel);

    /// <summary>
    /// F1 averaged over the classes (macro and weighted average the per-class F1, as scikit-learn does). An empty matrix gives
    /// <paramref name="zeroDivision"/>.
    /// </summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> instead of only those that occur. Ignored by <see cref="MetricAverage.Binary"/>.</param>
    /// <param name="positiveLabel">The class <see cref="MetricAverage.Binary"/> reports (scikit-learn's <c>pos_label</c>); ignored by the other averages.</param>
    /// <exception cref="ArgumentException"><see cref="MetricAverage.Binary"/> with more than two classes occurring, or with two that do not include <paramref name="positiveLabel"/>.</exception>
    public double F1(MetricAverage average, double zeroDivision = 0, bool allClasses = false, int positiveLabel = 1) =>
        Averaged(Metric.FBeta, 1, average, zeroDivision, allClasses, positiveLabel);

    /// <summary>
    /// F-beta averaged over the classes (scikit-learn's <c>fbeta_score</c>; macro and weighted average the per-class values).
    /// An empty matrix gives <paramref name="zeroDivision"/>.
    /// </summary>
    /// <param name="beta">The weight of recall against precision; at least 0 (+∞ allowed).</param>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> instead of only those that occur. Ignored by <see cref="MetricAverage.Binary"/>.</param>
    /// <param name="positiveLabel">The class <see cref="MetricAverage.Binary"/> reports (scikit-learn's <c>pos_label</c>); ignored by the other averages.</param>
    /// <exception cref="ArgumentException"><paramref name="beta"/> is negative or NaN; <see cref="MetricAverage.Binary"/> with more than two classes occurring, or with two that do not include <paramref name="positiveLabel"/>.</exception>
    public double FBeta(double beta, MetricAverage average, double zeroDivision = 0, bool allClasses = false, int positiveLabel = 1) =>
        Averaged(Metric.FBeta, beta, average, zeroDivision, allClasses, positiveLabel);

    /// <summary>
    /// scikit-learn's <c>balanced_accuracy_score</c>: the mean recall over the classes that have true samples (a class that
    /// occurs only among the predictions is left out, where macro recall counts it). With <paramref name="adjusted"/>, chance
    /// scores 0 and a perfect prediction 1: <c>(score − 1/k) / (1 − 1/k)</c> for k such classes (as in scikit-learn, one class
    /// divides by zero: NaN for a perfect score, −∞ otherwise).
    /// </summary>
    /// <param name="adjusted">Rescale so that chance is 0 (scikit-learn's <c>adjusted=True</c>).</param>
    /// <returns>A value in [0, 1]; adjusted, at most 1.</returns>
    /// <exception cref="InvalidOperationException">No samples were added.</exception>
    public double BalancedAccuracy(bool adjusted = false)
    {
        RequireSamples();
        double sum = 0;
        int present = 0;
        for (int c = 0; c < Classes; c++)
        {
            long support = Support(c);
            if (support > 0)
            {
                sum += (double)_counts[(c * Classes) + c] / support;
                present++;
            }
        }

        double score = sum / present;
        if (!adjusted)
        {
            return score;
        }

        double chance = 1.0 / present;
        return (score - chance) / (1 - chance);
    }

    /// <summary>
    /// The count of <c>[<paramref name="actual"/>, <paramref name="predicted"/>]</c> divided as scikit-learn's
    /// <c>confusion_matrix(normalize=...)</c> divides it: by its row sum, its column sum, or the total; 0 where that sum is 0.
    /// </summary>
    /// <param name="actual">The true class.</param>
    /// <param name="predicted">The predicted class.</param>
    /// <param name="normalization">What to divide by.</param>
    /// <exception cref="ArgumentOutOfRangeException">A class is out of range, or <paramref name="normalization"/> is not defined.</exception>
    public double Normalized(int actual, int predicted, ConfusionNormalization normalization)
    {
        long count = this[actual, predicted];
        long sum = normalization switch
        {
            ConfusionNormalization.TrueClass => Support(actual),
            ConfusionNormalization.PredictedClass => Predicted(predicted),
            ConfusionNormalization.All => Total,
            _ => throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "Expected ConfusionNormalization.TrueClass, PredictedClass or All."),
        };
        return Divide(count, sum, 0);
    }

    private double Averaged(Metric metric, double beta, MetricAverage average, double zeroDivision, bool allClasses, int positiveLabel)
    {
        MetricArgument.ZeroDivision(zeroDivision);
        Beta2(beta);
        if (average == MetricAverage.Binary)
        {
            return Binary(metric, beta, zeroDivision, positiveLabel);
        }

        if (average != MetricAverage.Macro && average != MetricAverage.Weighted && average != MetricAverage.Micro)
        {
            throw new ArgumentOutOfRangeException(nameof(average), average, "Expected MetricAverage.Macro, Weighted, Micro or Binary.");
        }

        if (Total == 0)
        {
            return zeroDivision;
        }

        if (average == MetricAverage.Micro)
        {
            // Single-label: summed true positives over summed predictions (= summed supports = Total), so precision,
            // recall and every F-beta equal the accuracy.
            return Accuracy();
        }

        double sum = 0, weights = 0;
        for (int c = 0; c < Classes; c++)
        {
            long support = Support(c);
            if (!allClasses && support == 0 && Predicted(c) == 0)
            {
                continue;
            }

            double weight = average == MetricAverage.Weighted ? support : 1;
            sum += weight * PerClass(metric, c, beta, zeroDivision);
            weights += weight;
        }

        return sum / weights;
    }

    /// <summary>scikit-learn's <c>average='binary'</c>: the positive class's metric, for data with at most two classes.</summary>
    private double Binary(Metric metric, double beta, double zeroDivision, int positiveLabel)
    {
        Check(positiveLabel, nameof(positiveLabel));
        int occurring = 0;
        for (int c = 0; c < Classes; c++)
        {
            occurring += Support(c) > 0 || Predicted(c) > 0 ? 1 : 0;
        }

        if (occurring > 2)
        {
            throw new ArgumentException(
                $"MetricAverage.Binary needs at most 2 classes among the labels and predictions; {occurring} occur: use Macro, Weighted or Micro.", "average");
        }

        if (occurring == 2 && Support(positiveLabel) == 0 && Predicted(positiveLabel) == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(positiveLabel), positiveLabel, $"positiveLabel {positiveLabel} is not one of the 2 classes that occur; expected one of them.");
        }

        return PerClass(metric, positiveLabel, beta, zeroDivision);
    }

    private double PerClass(Metric metric, int c, double beta, double zeroDivision) => metric switch
    {
        Metric.Precision => Precision(c, zeroDivision),
        Metric.Recall => Recall(c, zeroDivision),
        _ => FBeta(c, beta, zeroDivision),
    };

    private static double Beta2(double beta) =>
        beta >= 0 ? beta * beta : throw new ArgumentOutOfRangeException(nameof(beta), beta, $"Invalid beta: {beta}; expected beta >= 0 (as scikit-learn's fbeta_score).");

    private static double Divide(long numerator, long denominator, double zeroDivision) =>
        denominator == 0 ? zeroDivision : (double)numerator / denominator;

    private int Check(int c, string paramName)
    {
        if ((uint)c >= (uint)Classes)
        {
            throw new ArgumentOutOfRangeException(paramName, c, $"Invalid class {c}; expected a class in [0, {Classes}).");
        }

        return c;
    }

    private void RequireSamples()
    {
        if (Total == 0)
        {
            throw new InvalidOperationException("The confusion matrix is empty; add samples before computing a metric.");
        }
    }

    private enum Metric
    {
        Precision,
        Recall,
        FBeta,
    }
}
