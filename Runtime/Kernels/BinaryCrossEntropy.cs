using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Binary cross-entropy on probabilities, PyTorch 1.13's <c>F.binary_cross_entropy(input, target, weight,
/// reduction)</c> (<c>nn.BCELoss</c>), with its gradient with respect to the probabilities.
/// </summary>
/// <remarks>
/// <para>
/// Per element with probability <c>p</c>, target <c>y</c> and weight <c>w</c> (1 when not given), as PyTorch's CPU
/// kernel computes it in float: <c>l = w·[(y - 1)·max(log(1 - p), -100) - y·max(log p, -100)]</c>, so a certain wrong
/// prediction costs <c>100·w</c>, not infinity. As in PyTorch 1.13, <c>1 - p</c> is rounded to float before its log (not
/// <c>log1p</c>): a probability below 2^-25 costs nothing on the <c>1 - y</c> side, and <c>p = 1e-4</c> costs
/// <c>-log(float(1 - p))</c>, as PyTorch's float32 loss does. The gradient is PyTorch's <c>binary_cross_entropy_backward</c>:
/// <c>w·(p - y) / max((1 - p)·p, 1e-12)</c>, divided by <c>batch * outputs</c> under <see cref="Reduction.Mean"/>
/// (a division, as PyTorch's <c>div_(numel)</c>, so the float gradients are PyTorch's bit for bit). It is not the
/// logits form's <c>p - y</c>: for a saturated Sigmoid (<c>p</c> rounded to 0 or 1) the denominator is clamped, and
/// the Sigmoid's own derivative then decides what reaches the layer below, as in PyTorch.
/// </para>
/// <para>
/// Probabilities must be in [0, 1]: like PyTorch ("all elements of input should be between 0 and 1"), a probability
/// outside it or NaN throws, checked before anything is written. Targets are not checked, as in PyTorch 1.13: a
/// target outside [0, 1] gives the formula's value, a NaN target a NaN loss and gradient. The logarithms are
/// evaluated in double and rounded to float (PyTorch's <c>logf</c> up to its last-bit rounding); the rest is
/// PyTorch's float arithmetic. Losses are summed in double. The loss costs two logarithms per element, which is
/// small next to the layers before it, so the kernel is scalar.
/// </para>
/// </remarks>
public static class BinaryCrossEntropy
{
    /// <summary>PyTorch's floor under each logarithm: a probability of exactly 0 or 1 on the wrong side costs 100.</summary>
    public const float LogFloor = -100f;

    /// <summary>PyTorch's <c>EPSILON</c> under <c>(1 - p)·p</c> in the gradient's denominator.</summary>
    public const float Epsilon = 1e-12f;

    /// <summary>
    /// Computes the reduced loss of <paramref name="rows"/> rows of <paramref name="outputs"/> probabilities and
    /// overwrites the probabilities with its gradient (<see cref="Reduction.None"/>: the gradient of the sum).
    /// </summary>
    /// <param name="probabilities">Row-major <c>[rows, outputs]</c> values in [0, 1]; on return, dLoss/dprobabilities.</param>
    /// <param name="targets">Row-major <c>[rows, outputs]</c> targets, usually in [0, 1] (not checked, as in PyTorch).</param>
    /// <param name="losses">Empty, or at least <c>rows * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="rows">Rows (the batch); zero or more (zero rows give NaN under <see cref="Reduction.Mean"/>).</param>
    /// <param name="outputs">Probabilities per row; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="outputs"/> per-output weights (PyTorch's <c>weight</c> broadcast over rows).</param>
    /// <param name="reduction">Mean over all elements, sum, or none (the sum is returned).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A dimension or <paramref name="reduction"/> is out of range, or a probability is outside [0, 1] or NaN (then
    /// nothing has been written).
    /// </exception>
    /// <exception cref="ArgumentException">A span is too short, or the weights have the wrong length.</exception>
    public static float ForwardBackward(Span<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, Reduction reduction)
    {
        Validate(probabilities, targets.Length, losses.Length, rows, outputs, weights.Length, reduction);
        return Run(probabilities, targets, losses, rows, outputs, weights, reduction, gradient: probabilities);
    }

    /// <summary>The reduced loss only, leaving the probabilities untouched.</summary>
    /// <param name="probabilities">Row-major <c>[rows, outputs]</c> values in [0, 1].</param>
    /// <param name="targets">Row-major <c>[rows, outputs]</c> targets.</param>
    /// <param name="losses">Empty, or at least <c>rows * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="outputs">Probabilities per row; positive.</param>
    /// <param name="weights">Empty or exactly <paramref name="outputs"/> per-output weights.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss, equal to what <see cref="ForwardBackward"/> returns for the same arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="reduction"/> is out of range, or a probability is outside [0, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">A span is too short, or the weights have the wrong length.</exception>
    public static float Loss(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, Reduction reduction)
    {
        Validate(probabilities, targets.Length, losses.Length, rows, outputs, weights.Length, reduction);
        return Run(probabilities, targets, losses, rows, outputs, weights, reduction, gradient: Span<float>.Empty);
    }

    /// <summary>The loss of one element, PyTorch's float formula (unweighted); see the remarks of the class.</summary>
    /// <param name="p">The probability, in [0, 1].</param>
    /// <param name="y">The target.</param>
    /// <returns><c>(y - 1)·max(log(1 - p), -100) - y·max(log p, -100)</c>, with <c>1 - p</c> in float.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ElementLoss(float p, float y)
    {
        float logP = MathF.Max((float)Math.Log(p), LogFloor);
        float logOneMinusP = MathF.Max((float)Math.Log(1f - p), LogFloor);
        return ((y - 1f) * logOneMinusP) - (y * logP);
    }

    /// <summary>The gradient of one element's unweighted, unreduced loss: <c>(p - y) / max((1 - p)·p, 1e-12)</c> in float.</summary>
    /// <param name="p">The probability, in [0, 1].</param>
    /// <param name="y">The target.</param>
    /// <returns>dl/dp.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ElementGradient(float p, float y) => (p - y) / MathF.Max((1f - p) * p, Epsilon);

    /// <summary>
    /// The loss, and the gradient into <paramref name="gradient"/> unless it is empty (it may be the probabilities:
    /// each element is read before it is written). Arguments validated.
    /// </summary>
    private static float Run(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, Reduction reduction, Span<float> gradient)
    {
        bool writeGradient = !gradient.IsEmpty;
        long elements = (long)rows * outputs;
        float count = elements;
        bool weighted = !weights.IsEmpty;
        bool writeLosses = !losses.IsEmpty;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            int offset = r * outputs;
            double row = 0;
            for (int j = 0; j < outputs; j++)
            {
                int i = offset + j;
                float p = probabilities[i];
                float y = targets[i];
                float loss = ElementLoss(p, y);
                if (weighted)
                {
                    loss *= weights[j];
                }

                row += loss;
                if (writeLosses)
                {
                    losses[i] = loss;
                }

                if (writeGradient)
                {
                    // PyTorch: grad * (p - y) / max(...), then mul_(weight), then div_(numel) under 'mean'.
                    float g = ElementGradient(p, y);
                    if (weighted)
                    {
                        g *= weights[j];
                    }

                    gradient[i] = reduction == Reduction.Mean ? g / count : g;
                }
            }

            total += row;
        }

        return (float)(reduction == Reduction.Mean ? total / elements : total);
    }

    private static void Validate(ReadOnlySpan<float> probabilities, int targets, int losses, int rows, int outputs, int weights, Reduction reduction)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(probabilities.Length, rows, outputs, nameof(probabilities), "rows*outputs");
        KernelGuard.Holds(targets, rows, outputs, nameof(targets), "rows*outputs");
        if (losses != 0)
        {
            KernelGuard.Holds(losses, rows, outputs, nameof(losses), "rows*outputs");
        }

        if (weights != 0 && weights != outputs)
        {
            BinaryCrossEntropyWithLogits.ThrowLength(weights, outputs, nameof(weights));
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            SoftmaxCrossEntropy.ThrowUnknownReduction(reduction);
        }

        ReadOnlySpan<float> checkedValues = probabilities.Slice(0, rows * outputs);
        for (int i = 0; i < checkedValues.Length; i++)
        {
            // Written so that NaN fails too.
            if (!(checkedValues[i] >= 0f && checkedValues[i] <= 1f))
            {
                ThrowOutOfRange(i, checkedValues[i]);
            }
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(int index, float value) =>
        throw new ArgumentOutOfRangeException(
            "probabilities",
            string.Create(CultureInfo.InvariantCulture, $"probabilities[{index}] = {value}; binary cross-entropy takes probabilities in [0, 1] (PyTorch: \"all elements of input should be between 0 and 1\"). A model's Sigmoid gives NaN only when training has diverged."));
}
