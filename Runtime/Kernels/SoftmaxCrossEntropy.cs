using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Softmax followed by cross-entropy, fused: PyTorch's <c>nn.CrossEntropyLoss(weight, ignore_index,
/// reduction, label_smoothing)</c> with class-index targets or class-probability targets. The same
/// computation is the fused <c>LogSoftmax</c> + <c>NLLLoss</c> pair (without label smoothing).
/// </summary>
/// <remarks>
/// <para>
/// Class-index targets, per row <c>n</c> with target <c>y</c>, weights <c>w</c> (all 1 when none are given),
/// smoothing <c>e</c> and <c>C</c> classes: <c>l_n = (1-e)·w_y·(-log p_y) + (e/C)·Σ_c w_c·(-log p_c)</c>, and 0
/// for a row whose label is the ignore index. <see cref="Reduction.Mean"/> divides the sum by
/// <c>W = Σ w_y</c> over the rows that are not ignored (the count when unweighted), so all rows ignored
/// give NaN; the gradient is <c>(p·((1-e)·w_y + (e/C)·Σw) - (1-e)·w_y·onehot(y) - (e/C)·w) / W</c>.
/// </para>
/// <para>
/// Probability targets <c>t</c>: <c>k_c = w_c·((1-e)·t_c + e/C)</c>, <c>l_n = Σ_c k_c·(-log p_c)</c>, gradient
/// <c>p·Σk - k</c>; <see cref="Reduction.Mean"/> divides by the number of rows (not by weights).
/// </para>
/// <para>
/// Each row is handled in one sweep — max, sum of exponentials, loss, then the gradient written over the
/// logits in place — and no probabilities buffer exists. The max is subtracted before exponentiating and
/// the loss is assembled in double from terms that cannot cancel (<c>max - x_c ≥ 0</c>), so logits of
/// magnitude 1e4 and 50,000 classes are accurate. A <c>-∞</c> logit (a masked class) gives probability 0;
/// a term whose coefficient is 0 counts as 0 (where PyTorch would form <c>0·∞ = NaN</c> for a masked class
/// with a zero target or weight), so masked classes give finite losses unless label smoothing puts mass on
/// them (then the loss is <c>+∞</c>, as in PyTorch).
/// </para>
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const int DefaultIgnoreIndex = -100;

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

    /// <summary>Checks that every label is a class index in <c>[0, classes)</c> or equals <paramref name="ignoreIndex"/>.</summary>
    /// <param name="labels">The labels to check.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="ignoreIndex">The label value of rows to skip.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range and not the ignore index (the message names its index and value).</exception>
    public static void ValidateLabels(ReadOnlySpan<int> labels, int classes, int ignoreIndex)
    {
        KernelGuard.Positive(classes, nameof(classes));
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes && label != ignoreIndex)
            {
                ThrowLabelOutOfRange(i, label, classes, ignoreIndex);
            }
        }
    }

    /// <summary>
    /// Computes the reduced loss of <paramref name="rows"/> rows of logits and overwrites the logits with the
    /// gradient of that loss. Each row is handled in one sweep (max, sum of exponentials, loss, then the
    /// gradient written in place); no probabilities buffer is used. Labels must be in <c>[0, classes)</c>.
    /// </summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>; on return, dLoss/dlogits.</param>
    /// <param name="labels">The class index of each row; at least <paramref name="rows"/> elements, each in <c>[0, classes)</c>.</param>
    /// <param name="rows">Rows (the batch); zero or more. Zero rows give NaN under <see cref="Reduction.Mean"/> and 0 under <see cref="Reduction.Sum"/>, as in PyTorch.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean or sum over the rows (<see cref="Reduction.None"/>: the sum, with the gradient of the sum); also scales the gradient.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float labelSmoothing, Reduction reduction)
    {
        ValidateIndexArguments(logits.Length, labels.Length, 0, rows, classes, 0, labelSmoothing, reduction);
        ValidateLabels(labels.Slice(0, rows), classes);
        return IndexTargets(logits, labels, [], rows, classes, [], DefaultIgnoreIndex, labelSmoothing, reduction, writeGradient: true);
    }

    /// <summary>Computes the reduced loss only, leaving the logits untouched (for evaluation). Labels must be in <c>[0, classes)</c>.</summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>.</param>
    /// <param name="labels">The class index of each row; at least <paramref name="rows"/> elements, each in <c>[0, classes)</c>.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean or sum over the rows (<see cref="Reduction.None"/>: the sum).</param>
    /// <returns>The reduced loss, equal to what <see cref="ForwardBackward(Span{float}, ReadOnlySpan{int}, int, int, float, Reduction)"/> returns for the same arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int rows, int classes, float labelSmoothing, Reduction reduction)
    {
        ValidateIndexArguments(logits.Length, labels.Length, 0, rows, classes, 0, labelSmoothing, reduction);
        ValidateLabels(labels.Slice(0, rows), classes);
        return IndexTargets(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(logits), logits.Length), labels, [], rows, classes, [], DefaultIgnoreIndex, labelSmoothing, reduction, writeGradient: false);
    }

    /// <summary>
    /// The full class-index form: per-class weights, an ignore index, label smoothing and any reduction,
    /// with optional per-row losses. Computes the reduced loss and overwrites the logits with its gradient
    /// (<see cref="Reduction.None"/>: the gradient of the sum of the per-row losses).
    /// </summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>; on return, dLoss/dlogits (rows whose label is <paramref name="ignoreIndex"/> become 0).</param>
    /// <param name="labels">At least <paramref name="rows"/> labels, each in <c>[0, classes)</c> or equal to <paramref name="ignoreIndex"/>; checked before anything is written.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss (0 for ignored rows).</param>
    /// <param name="rows">Rows (the batch); zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="weights">Empty (every class weighs 1) or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="ignoreIndex">Rows with this label contribute nothing (PyTorch's <c>ignore_index</c>, default -100).</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean (by the target weight sum), sum, or none (the sum is returned).</param>
    /// <returns>The reduced loss; NaN for <see cref="Reduction.Mean"/> when every row is ignored.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="weights"/> has the wrong length.</exception>
    public static float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, int ignoreIndex, float labelSmoothing, Reduction reduction)
    {
        ValidateIndexArguments(logits.Length, labels.Length, losses.Length, rows, classes, weights.Length, labelSmoothing, reduction);
        ValidateLabels(labels.Slice(0, rows), classes, ignoreIndex);
        return IndexTargets(logits, labels, losses, rows, classes, weights, ignoreIndex, labelSmoothing, reduction, writeGradient: true);
    }

    /// <summary>The loss of the full class-index form, leaving the logits untouched.</summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>.</param>
    /// <param name="labels">At least <paramref name="rows"/> labels, each in <c>[0, classes)</c> or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="ignoreIndex">The label of rows to skip.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss, equal to what the <c>ForwardBackward</c> overload returns.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, label, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="weights"/> has the wrong length.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, int ignoreIndex, float labelSmoothing, Reduction reduction)
    {
        ValidateIndexArguments(logits.Length, labels.Length, losses.Length, rows, classes, weights.Length, labelSmoothing, reduction);
        ValidateLabels(labels.Slice(0, rows), classes, ignoreIndex);
        return IndexTargets(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(logits), logits.Length), labels, losses, rows, classes, weights, ignoreIndex, labelSmoothing, reduction, writeGradient: false);
    }

    /// <summary>
    /// Class-probability targets (soft labels; one-hot rows are Keras' categorical cross-entropy): computes the
    /// reduced loss and overwrites the logits with its gradient. Targets are used as given (PyTorch does not
    /// check that rows sum to 1 either).
    /// </summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>; on return, dLoss/dlogits.</param>
    /// <param name="targets">Row-major <c>[rows, classes]</c> probabilities.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more (zero rows give NaN under <see cref="Reduction.Mean"/>).</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>: targets become <c>(1-e)·t + e/C</c>.</param>
    /// <param name="reduction">Mean (by the number of rows), sum, or none (the sum is returned).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="weights"/> has the wrong length.</exception>
    public static float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, float labelSmoothing, Reduction reduction)
    {
        ValidateProbabilityArguments(logits.Length, targets.Length, losses.Length, rows, classes, weights.Length, labelSmoothing, reduction);
        return ProbabilityTargets(logits, targets, losses, rows, classes, weights, labelSmoothing, reduction, writeGradient: true);
    }

    /// <summary>The loss for class-probability targets, leaving the logits untouched.</summary>
    /// <param name="logits">Row-major <c>[rows, classes]</c>.</param>
    /// <param name="targets">Row-major <c>[rows, classes]</c> probabilities.</param>
    /// <param name="losses">Empty, or at least <paramref name="rows"/> elements that receive each row's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="classes">The number of classes; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="classes"/> non-negative weights.</param>
    /// <param name="labelSmoothing">Label smoothing <c>e</c> in <c>[0, 1]</c>.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss, equal to what the <c>ForwardBackward</c> overload returns.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="labelSmoothing"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="weights"/> has the wrong length.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, float labelSmoothing, Reduction reduction)
    {
        ValidateProbabilityArguments(logits.Length, targets.Length, losses.Length, rows, classes, weights.Length, labelSmoothing, reduction);
        return ProbabilityTargets(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(logits), logits.Length), targets, losses, rows, classes, weights, labelSmoothing, reduction, writeGradient: false);
    }

    /// <summary>
    /// The denominator of <see cref="Reduction.Mean"/> for class-index targets: <c>Σ w[y_n]</c> over the rows
    /// whose label is not the ignore index (the number of such rows when unweighted). Labels are validated.
    /// </summary>
    private static double TargetWeightSum(ReadOnlySpan<int> labels, ReadOnlySpan<float> weights, int ignoreIndex)
    {
        double sum = 0;
        foreach (int label in labels)
        {
            if (label != ignoreIndex)
            {
                sum += weights.IsEmpty ? 1.0 : weights[label];
            }
        }

        return sum;
    }

    private static float IndexTargets(Span<float> logits, ReadOnlySpan<int> labels, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, int ignoreIndex, float labelSmoothing, Reduction reduction, bool writeGradient)
    {
        bool weighted = !weights.IsEmpty;
        double denominator = reduction == Reduction.Mean ? TargetWeightSum(labels.Slice(0, rows), weights, ignoreIndex) : 1.0;
        double scale = 1.0 / denominator;
        double smoothing = labelSmoothing;
        double uniform = smoothing / classes;
        double weightSum = weighted ? SumAsDouble(weights) : classes;

        ref float x0 = ref MemoryMarshal.GetReference(logits);
        ref float w0 = ref MemoryMarshal.GetReference(weights);

        // The target term Σ w_y·(-log p_y) and the smoothing term Σ_n Σ_c w_c·(-log p_c) are reduced separately, as
        // PyTorch does: under 'mean' with every target weight 0 the first is 0/0 = NaN whatever the second is.
        double targetTotal = 0, uniformTotal = 0;
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x0, (nint)r * classes);
            int label = labels[r];
            if (label == ignoreIndex)
            {
                if (writeGradient)
                {
                    MemoryMarshal.CreateSpan(ref row, classes).Clear();
                }

                if (!losses.IsEmpty)
                {
                    losses[r] = 0f;
                }

                continue;
            }

            double targetWeight = weighted ? Unsafe.Add(ref w0, label) : 1.0;
            float max = SoftmaxRow.Max(ref row, classes);
            double sumExp = SoftmaxRow.SumExp(ref row, max, classes);
            float target = Unsafe.Add(ref row, label);

            // -log p_c = (max - x_c) + log Σ e^(x - max), as PyTorch's log-softmax orders it: max + log Σ would round
            // the log to the spacing of doubles near max (2 at 1e16) and cancel against x_c.
            double logSum = Math.Log(sumExp);
            double targetLoss = targetWeight * (((double)max - target) + logSum);
            double uniformLoss = 0;
            if (smoothing != 0)
            {
                uniformLoss = weighted
                    ? (weightSum * logSum) + SoftmaxRow.WeightedDistanceSum(ref row, ref w0, max, classes)
                    : (classes * logSum) + ((classes * (double)max) - SoftmaxRow.SumAsDouble(ref row, classes));
            }

            targetTotal += targetLoss;
            uniformTotal += uniformLoss;
            double loss = ((1.0 - smoothing) * targetLoss) + (uniform * uniformLoss);
            if (!losses.IsEmpty)
            {
                losses[r] = (float)loss;
            }

            if (!writeGradient)
            {
                continue;
            }

            // p_c·a - (e/C)·w_c·scale for every class, then the target's exact value on top.
            double probabilityScale = ((1.0 - smoothing) * targetWeight + (uniform * weightSum)) * scale;
            float expScale = (float)(probabilityScale / sumExp);
            if (weighted && smoothing != 0)
            {
                SoftmaxRow.WriteExpAffineWeighted(ref row, max, expScale, ref w0, (float)(-uniform * scale), classes);
            }
            else
            {
                SoftmaxRow.WriteExpAffine(ref row, max, expScale, (float)(-uniform * scale), classes);
            }

            double targetProbability = Math.Exp((double)target - max) / sumExp;
            Unsafe.Add(ref row, label) = (float)((probabilityScale * targetProbability) - ((uniform + (1.0 - smoothing)) * targetWeight * scale));
        }

        double reduced = reduction == Reduction.Mean
            ? ((1.0 - smoothing) * (targetTotal / denominator)) + (smoothing == 0 ? 0 : uniform * (uniformTotal / denominator))
            : ((1.0 - smoothing) * targetTotal) + (uniform * uniformTotal);
        return (float)reduced;
    }

    private static float ProbabilityTargets(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int classes, ReadOnlySpan<float> weights, float labelSmoothing, Reduction reduction, bool writeGradient)
    {
        bool weighted = !weights.IsEmpty;
        double scale = reduction == Reduction.Mean ? 1.0 / rows : 1.0;
        float targetScale = 1f - labelSmoothing;
        float uniform = (float)((double)labelSmoothing / classes);

        ref float x0 = ref MemoryMarshal.GetReference(logits);
        ref float t0 = ref MemoryMarshal.GetReference(targets);
        ref float w0 = ref weighted ? ref MemoryMarshal.GetReference(weights) : ref x0;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x0, (nint)r * classes);
            ref float targetRow = ref Unsafe.Add(ref t0, (nint)r * classes);
            float max = SoftmaxRow.Max(ref row, classes);
            double sumExp = SoftmaxRow.SumExp(ref row, max, classes);
            double coefficientSum, distanceSum;
            if (weighted)
            {
                SoftmaxRow.ProbabilityTerms<ClassWeightVector>(ref row, ref targetRow, ref w0, max, targetScale, uniform, classes, out coefficientSum, out distanceSum);
            }
            else
            {
                SoftmaxRow.ProbabilityTerms<UnitWeights>(ref row, ref targetRow, ref w0, max, targetScale, uniform, classes, out coefficientSum, out distanceSum);
            }

            // Σ_c k_c·(log Σ e^(x - max) + max - x_c): both parts are sums of non-negative terms.
            double loss = (coefficientSum * Math.Log(sumExp)) + distanceSum;
            total += loss;
            if (!losses.IsEmpty)
            {
                losses[r] = (float)loss;
            }

            if (!writeGradient)
            {
                continue;
            }

            float expScale = (float)(coefficientSum * scale / sumExp);
            float gradientScale = (float)scale;
            if (weighted)
            {
                SoftmaxRow.WriteProbabilityGradient<ClassWeightVector>(ref row, ref targetRow, ref w0, max, expScale, targetScale * gradientScale, uniform * gradientScale, classes);
            }
            else
            {
                SoftmaxRow.WriteProbabilityGradient<UnitWeights>(ref row, ref targetRow, ref w0, max, expScale, targetScale * gradientScale, uniform * gradientScale, classes);
            }
        }

        return (float)(reduction == Reduction.Mean ? total / rows : total);
    }

    private static double SumAsDouble(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += value;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValidateIndexArguments(int logits, int labels, int losses, int rows, int classes, int weights, float labelSmoothing, Reduction reduction)
    {
        ValidateCommon(logits, losses, rows, classes, weights, labelSmoothing, reduction);
        KernelGuard.Holds(labels, rows, nameof(labels), "rows");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValidateProbabilityArguments(int logits, int targets, int losses, int rows, int classes, int weights, float labelSmoothing, Reduction reduction)
    {
        ValidateCommon(logits, losses, rows, classes, weights, labelSmoothing, reduction);
        KernelGuard.Holds(targets, rows, classes, nameof(targets), "rows*classes");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValidateCommon(int logits, int losses, int rows, int classes, int weights, float labelSmoothing, Reduction reduction)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(classes, nameof(classes));
        KernelGuard.Holds(logits, rows, classes, nameof(logits), "rows*classes");
        if (losses != 0)
        {
            KernelGuard.Holds(losses, rows, nameof(losses), "rows");
        }

        if (weights != 0 && weights != classes)
        {
            ThrowWeightsLength(weights, classes);
        }

        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            ThrowLabelSmoothingOutOfRange(labelSmoothing);
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            ThrowUnknownReduction(reduction);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLabelOutOfRange(int index, int value, int classes) =>
        throw new ArgumentOutOfRangeException(
            "labels",
            string.Create(CultureInfo.InvariantCulture, $"labels[{index}] = {value} is outside [0, {classes})."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLabelOutOfRange(int index, int value, int classes, int ignoreIndex) =>
        throw new ArgumentOutOfRangeException(
            "labels",
            string.Create(CultureInfo.InvariantCulture, $"labels[{index}] = {value} is outside [0, {classes}) and is not the ignore index {ignoreIndex}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLabelSmoothingOutOfRange(float labelSmoothing) =>
        throw new ArgumentOutOfRangeException(
            "labelSmoothing",
            labelSmoothing,
            string.Create(CultureInfo.InvariantCulture, $"Expected labelSmoothing in [0, 1], got {labelSmoothing}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowWeightsLength(int length, int classes) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected no weights or one per class ({classes}), got {length}."),
            "weights");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowUnknownReduction(Reduction reduction) =>
        throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean, Reduction.Sum or Reduction.None.");
}
