using System;

namespace StaticGrad.Kernels;

/// <summary>
/// The negative log-likelihood of log-probabilities, PyTorch's <c>nn.NLLLoss(weight, ignore_index, reduction)</c>
/// applied to the output of a <c>LogSoftmax</c>. Training never calls it: the generator fuses
/// <c>LogSoftmax</c> + NLL into <see cref="SoftmaxCrossEntropy"/> on the logits. It evaluates the loss of
/// log-probabilities a model's <c>Forward</c> returned.
/// </summary>
public static class NegativeLogLikelihood
{
    /// <summary>
    /// <c>l_n = -w[y_n]·logProbabilities[n, y_n]</c>, 0 for rows labelled <paramref name="ignoreIndex"/>;
    /// <see cref="Reduction.Mean"/> divides the sum by <c>Σ w[y_n]</c> over the other rows.
    /// </summary>
    /// <param name="logProbabilities">Row-major <c>[rows, classes]</c>.</param>
    /// <param name="labels">At least <paramref name="rows"/> labels in <c>[0, classes)</c> or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="ignoreIndex">The label of rows to skip.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss; NaN for <see cref="Reduction.Mean"/> when every row is ignored.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="weights"/> has the wrong length.</exception>
    public static float Loss(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<int> labels, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, int ignoreIndex, Reduction reduction)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(classes, nameof(classes));
        KernelGuard.Holds(logProbabilities.Length, rows, classes, nameof(logProbabilities), "rows*classes");
        KernelGuard.Holds(labels.Length, rows, nameof(labels), "rows");
        if (losses.Length != 0)
        {
            KernelGuard.Holds(losses.Length, rows, nameof(losses), "rows");
        }

        if (weights.Length != 0 && weights.Length != classes)
        {
            throw new ArgumentException($"Expected no weights or one per class ({classes}), got {weights.Length}.", nameof(weights));
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            SoftmaxCrossEntropy.ThrowUnknownReduction(reduction);
        }

        SoftmaxCrossEntropy.ValidateLabels(labels.Slice(0, rows), classes, ignoreIndex);
        double total = 0, weightSum = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            double loss = 0;
            if (label != ignoreIndex)
            {
                double weight = weights.IsEmpty ? 1.0 : weights[label];
                loss = -weight * logProbabilities[(r * classes) + label];
                weightSum += weight;
            }

            total += loss;
            if (!losses.IsEmpty)
            {
                losses[r] = (float)loss;
            }
        }

        return (float)(reduction == Reduction.Mean ? total / weightSum : total);
    }
}
