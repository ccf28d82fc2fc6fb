using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Softmax followed by cross-entropy against class-index labels, fused: PyTorch's
/// <c>nn.CrossEntropyLoss(label_smoothing=e, reduction='mean'|'sum')</c>.
/// </summary>
/// <remarks>
/// Per row, with <c>log p_c = x_c - max - log Σ e^(x - max)</c>, the loss is
/// <c>(1-e)·(-log p_y) + (e/C)·Σ_c(-log p_c)</c> and its gradient is <c>p - ((1-e)·onehot(y) + e/C)</c>,
/// divided by the number of rows under <see cref="Reduction.Mean"/>. The row's max is subtracted before
/// exponentiating, the loss is assembled in double, and rows are accumulated in double, so logits of
/// magnitude 1e4 and <c>-∞</c> logits of non-target classes are fine (with <c>e &gt; 0</c> a <c>-∞</c>
/// logit makes the loss <c>+∞</c>, as in PyTorch).
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>Checks that every label is a class index in <c>[0, classes)</c>.</summary>
    /// <param name="labels">The labels to check.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range (the message names its index and value), or <paramref name="classes"/> is not positive.</exception>
    public static void ValidateLabels(ReadOnlySpan<int> labels, int classes)
    {
        KernelGuard.Positive(classes, nameof(classes));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                ThrowLabelOutOfRange(i, labels[i], classes);
            }
        }
    }

    /// <summary>
    /// Computes the reduced loss of <paramref name="rows"/> rows of logits and overwrites the logits with
    /// the gradient of that loss. Each row is handled in one sweep (max, sum of exponentials, loss, then
    /// the gradient written in place); no probabilities buffer is used.
    /// </summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>; on return, dLoss/dlogits.</param>
    /// <param name="labels">The class index of each row; at least <paramref name="rows"/> elements, each in <c>[0, classes)</c>.</param>
    /// <param name="rows">Rows (the batch); zero or more. Zero rows give NaN under <see cref="Reduction.Mean"/> and 0 under <see cref="Reduction.Sum"/>, as in PyTorch.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean or sum over the rows; also scales the gradient.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float labelSmoothing, Reduction reduction)
    {
        Validate(logits, labels, rows, classes, labelSmoothing, reduction);
        double gradientScale = reduction == Reduction.Mean ? 1.0 / rows : 1.0;
        double uniformTarget = (double)labelSmoothing / classes;
        float shift = (float)(-uniformTarget * gradientScale);

        ref float x0 = ref MemoryMarshal.GetReference(logits);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x0, (nint)r * classes);
            int label = labels[r];
            total += RowLoss(ref row, label, classes, labelSmoothing, out float max, out double sumExp);

            // p_c·scale - (e/C)·scale for every class, then the target's exact value on top.
            float target = Unsafe.Add(ref row, label);
            SoftmaxRow.WriteExpAffine(ref row, max, (float)(gradientScale / sumExp), shift, classes);
            double targetProbability = Math.Exp((double)target - max) / sumExp;
            Unsafe.Add(ref row, label) = (float)((targetProbability - uniformTarget - (1.0 - labelSmoothing)) * gradientScale);
        }

        return Reduce(total, rows, reduction);
    }

    /// <summary>Computes the reduced loss only, leaving the logits untouched (for evaluation).</summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>.</param>
    /// <param name="labels">The class index of each row; at least <paramref name="rows"/> elements, each in <c>[0, classes)</c>.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean or sum over the rows.</param>
    /// <returns>The reduced loss, equal to what <see cref="ForwardBackward"/> returns for the same arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float labelSmoothing, Reduction reduction)
    {
        Validate(logits, labels, rows, classes, labelSmoothing, reduction);
        ref float x0 = ref MemoryMarshal.GetReference(logits);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            total += RowLoss(ref Unsafe.Add(ref x0, (nint)r * classes), labels[r], classes, labelSmoothing, out _, out _);
        }

        return Reduce(total, rows, reduction);
    }

    /// <summary>
    /// The loss of one row, reading it without modifying it; also returns the row's max and
    /// <c>Σ e^(x - max)</c>, from which the gradient follows.
    /// </summary>
    private static double RowLoss(ref float row, int label, int classes, float labelSmoothing, out float max, out double sumExp)
    {
        max = SoftmaxRow.Max(ref row, classes);
        sumExp = SoftmaxRow.SumExp(ref row, max, classes);

        // -log p_c = logNormalizer - x_c, where logNormalizer = log Σ e^x.
        double logNormalizer = max + Math.Log(sumExp);
        double targetLoss = logNormalizer - Unsafe.Add(ref row, label);
        if (labelSmoothing == 0f)
        {
            return targetLoss;
        }

        double uniformLoss = (classes * logNormalizer) - SoftmaxRow.SumAsDouble(ref row, classes);
        return ((1.0 - labelSmoothing) * targetLoss) + ((double)labelSmoothing / classes * uniformLoss);
    }

    private static float Reduce(double total, int rows, Reduction reduction) =>
        (float)(reduction == Reduction.Mean ? total / rows : total);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Validate(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float labelSmoothing, Reduction reduction)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(classes, nameof(classes));
        KernelGuard.Holds(logits.Length, rows, classes, nameof(logits), "rows*classes");
        KernelGuard.Holds(labels.Length, rows, nameof(labels), "rows");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            ThrowLabelSmoothingOutOfRange(labelSmoothing);
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum))
        {
            KernelGuard.ThrowUnknownReduction(reduction);
        }

        ValidateLabels(labels.Slice(0, rows), classes);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLabelOutOfRange(int index, int value, int classes) =>
        throw new ArgumentOutOfRangeException(
            "labels",
            string.Create(CultureInfo.InvariantCulture, $"labels[{index}] = {value} is outside [0, {classes})."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLabelSmoothingOutOfRange(float labelSmoothing) =>
        throw new ArgumentOutOfRangeException(
            "labelSmoothing",
            labelSmoothing,
            string.Create(CultureInfo.InvariantCulture, $"Expected labelSmoothing in [0, 1], got {labelSmoothing}."));
}
