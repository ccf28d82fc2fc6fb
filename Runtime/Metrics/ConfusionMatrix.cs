using System;

namespace StaticGrad;

/// <summary>
/// Counts of (true class, predicted class) pairs, scikit-learn's <c>confusion_matrix</c> (rows are the
/// true classes, columns the predictions), and the metrics derived from it: accuracy and per-class or
/// averaged precision, recall and F1 as <c>precision_recall_fscore_support</c> computes them, including
/// its <c>zero_division</c> rule. The counts are allocated once; adding and every metric allocate nothing.
/// </summary>
public sealed class ConfusionMatrix
{
    /// <summary>The most classes a matrix holds: the largest whose square of counts fits in an array.</summary>
    private const int MaxClasses = 46340;

    private readonly long[] _counts;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="classes">The number of classes; labels and predictions are in [0, classes). Positive, and at most 46,340 (the square of counts must fit in an array).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is not positive, or its square exceeds the largest array.</exception>
    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (classes > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(
                nameof(classes), classes, $"Expected at most {MaxClasses} classes: classes² = {(long)classes * classes} counts exceeds the largest array ({Array.MaxLength} elements).");
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
    public double F1(int c, double zeroDivision = 0)
    {
        double p = Precision(c, zeroDivision), r = Recall(c, zeroDivision);
        double denominator = p + r;
        return 2 * p * r / (denominator == 0 ? 1 : denominator);
    }

    /// <summary>Precision averaged over the classes.</summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> (scikit-learn's <c>labels=range(classes)</c>) instead of only the classes that occur as a label or a prediction (its default).</param>
    /// <exception cref="InvalidOperationException">No samples were added.</exception>
    public double Precision(MetricAverage average, double zeroDivision = 0, bool allClasses = false) =>
        Averaged(Metric.Precision, average, zeroDivision, allClasses);

    /// <summary>Recall averaged over the classes (macro recall is the balanced accuracy over the occurring classes).</summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> instead of only those that occur.</param>
    /// <exception cref="InvalidOperationException">No samples were added.</exception>
    public double Recall(MetricAverage average, double zeroDivision = 0, bool allClasses = false) =>
        Averaged(Metric.Recall, average, zeroDivision, allClasses);

    /// <summary>F1 averaged over the classes (macro and weighted average the per-class F1, as scikit-learn does).</summary>
    /// <param name="average">How to average.</param>
    /// <param name="zeroDivision">scikit-learn's <c>zero_division</c>: 0 or 1.</param>
    /// <param name="allClasses">Average over all <see cref="Classes"/> instead of only those that occur.</param>
    /// <exception cref="InvalidOperationException">No samples were added.</exception>
    public double F1(MetricAverage average, double zeroDivision = 0, bool allClasses = false) =>
        Averaged(Metric.F1, average, zeroDivision, allClasses);

    private double Averaged(Metric metric, MetricAverage average, double zeroDivision, bool allClasses)
    {
        RequireSamples();
        MetricArgument.ZeroDivision(zeroDivision);
        if (average == MetricAverage.Micro)
        {
            // Single-label: summed true positives over summed predictions (= summed supports = Total).
            return Accuracy();
        }

        if (average != MetricAverage.Macro && average != MetricAverage.Weighted)
        {
            throw new ArgumentOutOfRangeException(nameof(average), average, "Expected MetricAverage.Macro, Weighted or Micro.");
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
            double value = metric switch
            {
                Metric.Precision => Precision(c, zeroDivision),
                Metric.Recall => Recall(c, zeroDivision),
                _ => F1(c, zeroDivision),
            };
            sum += weight * value;
            weights += weight;
        }

        return sum / weights;
    }

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
        F1,
    }
}
