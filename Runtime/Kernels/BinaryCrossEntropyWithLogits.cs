using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Sigmoid followed by binary cross-entropy, fused: PyTorch's <c>nn.BCEWithLogitsLoss(weight, reduction,
/// pos_weight)</c> for one-logit binary heads and multi-label heads.
/// </summary>
/// <remarks>
/// <para>
/// Per element with logit <c>x</c>, target <c>y</c>, weight <c>w</c> and positive weight <c>p</c> (both 1 when not
/// given): <c>l = -w·[p·y·log σ(x) + (1-y)·log(1-σ(x))]</c>, gradient <c>w·((p·y + 1 - y)·σ(x) - p·y)</c>.
/// <see cref="Reduction.Mean"/> divides by the number of elements (weights do not normalize, as in PyTorch).
/// </para>
/// <para>
/// One pass per element computes both. The loss is evaluated as
/// <c>w·[(1-y)·max(x,0) + p·y·max(-x,0) + (p·y + 1 - y)·log(1 + e^-|x|)]</c>: a sum of non-negative terms, so
/// nothing cancels, and <c>log(1 + e^-|x|)</c> is computed without rounding <c>1 + e^-|x|</c> to 1. The gradient
/// uses <c>σ(x) = 1 - s</c> for <c>x ≥ 0</c> and <c>s</c> otherwise, with <c>s = e^-|x| / (1 + e^-|x|)</c>, so
/// confident correct predictions give tiny accurate gradients instead of a rounded <c>1 - 1</c>. Logits of
/// magnitude 1e4 are fine. Losses are accumulated in double.
/// </para>
/// </remarks>
public static class BinaryCrossEntropyWithLogits
{
    /// <summary>
    /// Computes the reduced loss of <paramref name="rows"/> rows of <paramref name="outputs"/> logits and
    /// overwrites the logits with its gradient (<see cref="Reduction.None"/>: the gradient of the sum).
    /// </summary>
    /// <param name="logits">Row-major <c>[rows, outputs]</c>; on return, dLoss/dlogits.</param>
    /// <param name="targets">Row-major <c>[rows, outputs]</c> targets, usually in [0, 1] (not checked, as in PyTorch).</param>
    /// <param name="losses">Empty, or at least <c>rows * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="rows">Rows (the batch); zero or more (zero rows give NaN under <see cref="Reduction.Mean"/>).</param>
    /// <param name="outputs">Logits per row; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="outputs"/> per-output weights (PyTorch's <c>weight</c> broadcast over rows).</param>
    /// <param name="posWeight">Empty or exactly <paramref name="outputs"/> weights of the positive term (PyTorch's <c>pos_weight</c>).</param>
    /// <param name="reduction">Mean over all elements, sum, or none (the sum is returned).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or a weight span has the wrong length.</exception>
    public static float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> posWeight, Reduction reduction)
    {
        Validate(logits.Length, targets.Length, losses.Length, rows, outputs, weights.Length, posWeight.Length, reduction);
        return Run(logits, targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient: true);
    }

    /// <summary>The reduced loss only, leaving the logits untouched.</summary>
    /// <param name="logits">Row-major <c>[rows, outputs]</c>.</param>
    /// <param name="targets">Row-major <c>[rows, outputs]</c> targets.</param>
    /// <param name="losses">Empty, or at least <c>rows * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="outputs">Logits per row; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="outputs"/> per-output weights.</param>
    /// <param name="posWeight">Empty or exactly <paramref name="outputs"/> positive-term weights.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss, equal to what <see cref="ForwardBackward"/> returns for the same arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or a weight span has the wrong length.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> posWeight, Reduction reduction)
    {
        Validate(logits.Length, targets.Length, losses.Length, rows, outputs, weights.Length, posWeight.Length, reduction);
        return Run(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(logits), logits.Length), targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient: false);
    }

    private static float Run(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> posWeight, Reduction reduction, bool writeGradient)
    {
        long elements = (long)rows * outputs;
        double scale = reduction == Reduction.Mean ? 1.0 / elements : 1.0;
        float gradientScale = (float)scale;
        bool weighted = !weights.IsEmpty;
        bool positiveWeighted = !posWeight.IsEmpty;
        bool writeLosses = !losses.IsEmpty;
        int width = Vector<float>.Count;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            Span<float> x = logits.Slice(r * outputs, outputs);
            ReadOnlySpan<float> y = targets.Slice(r * outputs, outputs);
            Span<float> rowLosses = writeLosses ? losses.Slice(r * outputs, outputs) : default;
            Vector<double> sum = Vector<double>.Zero;
            int j = 0;
            for (; j + width <= outputs; j += width)
            {
                Vector<float> logit = new(x.Slice(j));
                Vector<float> target = new(y.Slice(j));
                Vector<float> w = weighted ? new Vector<float>(weights.Slice(j)) : Vector<float>.One;
                Vector<float> p = positiveWeighted ? new Vector<float>(posWeight.Slice(j)) : Vector<float>.One;
                (Vector<float> loss, Vector<float> gradient) = Element(logit, target, w, p, gradientScale);
                Vector.Widen(loss, out Vector<double> low, out Vector<double> high);
                sum += low + high;
                if (writeLosses)
                {
                    loss.CopyTo(rowLosses.Slice(j));
                }

                if (writeGradient)
                {
                    gradient.CopyTo(x.Slice(j));
                }
            }

            double rowTotal = Vector.Sum(sum);
            for (; j < outputs; j++)
            {
                (float loss, float gradient) = Element(x[j], y[j], weighted ? weights[j] : 1f, positiveWeighted ? posWeight[j] : 1f, gradientScale);
                rowTotal += loss;
                if (writeLosses)
                {
                    rowLosses[j] = loss;
                }

                if (writeGradient)
                {
                    x[j] = gradient;
                }
            }

            total += rowTotal;
        }

        return (float)(reduction == Reduction.Mean ? total / elements : total);
    }

    /// <summary>The loss and scaled gradient of a vector of elements; see the remarks of the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float> Loss, Vector<float> Gradient) Element(Vector<float> x, Vector<float> y, Vector<float> w, Vector<float> p, float scale)
    {
        Vector<float> one = Vector<float>.One;
        Vector<float> e = Vector.Exp(-Vector.Abs(x));
        Vector<float> u = one + e;

        // log(1 + e) without losing e to rounding: log(u)·e/(u - 1), or e itself where u rounds to 1.
        Vector<float> softplus = Vector.ConditionalSelect(Vector.Equals(u, one), e, Vector.Log(u) * e / (u - one));
        Vector<float> negativeTarget = one - y;
        Vector<float> positive = p * y;
        Vector<float> logWeight = positive + negativeTarget;
        Vector<float> loss = w * ((negativeTarget * Vector.Max(x, Vector<float>.Zero)) + (positive * Vector.Max(-x, Vector<float>.Zero)) + (logWeight * softplus));

        Vector<float> s = e / u;
        Vector<float> gradient = Vector.ConditionalSelect(
            Vector.GreaterThanOrEqual(x, Vector<float>.Zero),
            negativeTarget - (logWeight * s),
            (logWeight * s) - positive);
        return (loss, gradient * (w * new Vector<float>(scale)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float Loss, float Gradient) Element(float x, float y, float w, float p, float scale)
    {
        float e = MathF.Exp(-MathF.Abs(x));
        float u = 1f + e;
        float softplus = u == 1f ? e : MathF.Log(u) * e / (u - 1f);
        float negativeTarget = 1f - y;
        float positive = p * y;
        float logWeight = positive + negativeTarget;
        float loss = w * ((negativeTarget * MathF.Max(x, 0f)) + (positive * MathF.Max(-x, 0f)) + (logWeight * softplus));
        float s = e / u;
        float gradient = x >= 0f ? negativeTarget - (logWeight * s) : (logWeight * s) - positive;
        return (loss, gradient * (w * scale));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Validate(int logits, int targets, int losses, int rows, int outputs, int weights, int posWeight, Reduction reduction)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(logits, rows, outputs, nameof(logits), "rows*outputs");
        KernelGuard.Holds(targets, rows, outputs, nameof(targets), "rows*outputs");
        if (losses != 0)
        {
            KernelGuard.Holds(losses, rows, outputs, nameof(losses), "rows*outputs");
        }

        if (weights != 0 && weights != outputs)
        {
            ThrowLength(weights, outputs, nameof(weights));
        }

        if (posWeight != 0 && posWeight != outputs)
        {
            ThrowLength(posWeight, outputs, nameof(posWeight));
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            SoftmaxCrossEntropy.ThrowUnknownReduction(reduction);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int length, int outputs, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected no {paramName} or one per output ({outputs}), got {length}."),
            paramName);
}
