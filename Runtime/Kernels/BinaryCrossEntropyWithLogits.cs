using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    private static float Run(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> posWeight, Reduction reduction, bool writeGradient) =>
        Vector512.IsHardwareAccelerated ? Run<Simd512, Vector512<float>>(logits, targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient)
        : Vector256.IsHardwareAccelerated ? Run<Simd256, Vector256<float>>(logits, targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient)
        : Vector128.IsHardwareAccelerated ? Run<Simd128, Vector128<float>>(logits, targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient)
        : Run<ScalarOps, float>(logits, targets, losses, rows, outputs, weights, posWeight, reduction, writeGradient);

    /// <summary>
    /// The kernel at the width of <typeparamref name="TOps"/>, then the scalar tail of each row; every width gives
    /// the same bits (element-wise the same operations, each row's losses summed in <see cref="DoubleLanes"/>).
    /// Arguments validated.
    /// </summary>
    internal static float Run<TOps, TVec>(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int rows, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> posWeight, Reduction reduction, bool writeGradient)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        long elements = (long)rows * outputs;
        double scale = reduction == Reduction.Mean ? 1.0 / elements : 1.0;
        RowArguments a = new()
        {
            Scale = (float)scale,
            Weighted = !weights.IsEmpty,
            PositiveWeighted = !posWeight.IsEmpty,
            WriteLosses = !losses.IsEmpty,
            WriteGradient = writeGradient,
        };
        ref float x0 = ref MemoryMarshal.GetReference(logits);
        ref float y0 = ref MemoryMarshal.GetReference(targets);
        ref float l0 = ref MemoryMarshal.GetReference(losses);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float p = ref MemoryMarshal.GetReference(posWeight);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            nint offset = (nint)r * outputs;
            ref float x = ref Unsafe.Add(ref x0, offset);
            ref float y = ref Unsafe.Add(ref y0, offset);
            ref float l = ref a.WriteLosses ? ref Unsafe.Add(ref l0, offset) : ref l0;
            DoubleLanes sum = default;
            nuint j = RowPart<TOps, TVec>(ref x, ref y, ref w, ref p, ref l, in a, 0, (nuint)outputs, ref sum);
            RowPart<ScalarOps, float>(ref x, ref y, ref w, ref p, ref l, in a, j, (nuint)outputs, ref sum);
            total += sum.Sum();
        }

        return (float)(reduction == Reduction.Mean ? total / elements : total);
    }

    /// <summary>Elements <c>[start, n)</c> of one row in steps of <c>TOps.Count</c>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint RowPart<TOps, TVec>(ref float x, ref float y, ref float weights, ref float posWeight, ref float losses, in RowArguments a, nuint start, nuint n, ref DoubleLanes sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint j = start;
        TVec one = TOps.Broadcast(1f);
        TVec scale = TOps.Broadcast(a.Scale);
        for (; j + count <= n; j += count)
        {
            TVec w = a.Weighted ? TOps.Load(ref weights, j) : one;
            TVec p = a.PositiveWeighted ? TOps.Load(ref posWeight, j) : one;
            TVec loss = Element<TOps, TVec>(TOps.Load(ref x, j), TOps.Load(ref y, j), w, p, scale, out TVec gradient);
            TOps.AddToLanes(loss, ref sum, j & (DoubleLanes.Length - 1));
            if (a.WriteLosses)
            {
                TOps.Store(loss, ref losses, j);
            }

            if (a.WriteGradient)
            {
                TOps.Store(gradient, ref x, j);
            }
        }

        return j;
    }

    /// <summary>The loss and scaled gradient of <c>TOps.Count</c> elements; see the remarks of the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Element<TOps, TVec>(TVec x, TVec y, TVec w, TVec p, TVec scale, out TVec gradient)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec zero = TOps.Broadcast(0f);
        TVec one = TOps.Broadcast(1f);
        TVec e = TOps.Exp(TOps.Subtract(zero, TOps.Abs(x)));
        TVec u = TOps.Add(one, e);

        // log(1 + e) without losing e to rounding: log(u)·e/(u - 1), or e itself where u rounds to 1.
        TVec softplus = TOps.SelectLess(one, u, TOps.Divide(TOps.Multiply(Simd.LogOneToTwo<TOps, TVec>(u), e), TOps.Subtract(u, one)), e);
        TVec negativeTarget = TOps.Subtract(one, y);
        TVec positive = TOps.Multiply(p, y);
        TVec logWeight = TOps.Add(positive, negativeTarget);
        TVec terms = TOps.Add(
            TOps.Add(TOps.Multiply(negativeTarget, TOps.Max(x, zero)), TOps.Multiply(positive, TOps.Max(TOps.Subtract(zero, x), zero))),
            TOps.Multiply(logWeight, softplus));

        TVec s = TOps.Divide(e, u);
        TVec ws = TOps.Multiply(logWeight, s);
        TVec g = TOps.SelectLess(x, zero, TOps.Subtract(ws, positive), TOps.Subtract(negativeTarget, ws));
        gradient = TOps.Multiply(g, TOps.Multiply(w, scale));
        return TOps.Multiply(w, terms);
    }

    /// <summary>What every row of one call shares.</summary>
    private struct RowArguments
    {
        public float Scale;
        public bool Weighted;
        public bool PositiveWeighted;
        public bool WriteLosses;
        public bool WriteGradient;
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
    internal static void ThrowLength(int length, int outputs, string paramName) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected no {paramName} or one per output ({outputs}), got {length}."),
            paramName);
}
