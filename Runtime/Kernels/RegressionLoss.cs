using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// Element-wise regression losses with their gradient in one pass: PyTorch's <c>nn.MSELoss</c>, <c>nn.L1Loss</c>,
/// <c>nn.SmoothL1Loss(beta)</c> and <c>nn.HuberLoss(delta)</c> (see <see cref="RegressionLossKind"/>).
/// </summary>
/// <remarks>
/// <para>
/// Every kind is one formula with per-kind constants: with <c>d = x - t</c>, the loss is
/// <c>0.5·d²/D</c> where <c>|d| &lt; T</c>, else <c>(|d| - C)·S</c>, and the gradient is
/// <c>clamp(d/D, -G, G)</c> (<see cref="RegressionLossKind.L1"/>: <c>sign(d)</c>; SmoothL1 with <c>β = 0</c>: PyTorch
/// 1.13's <c>d &lt;= -β ? -1 : 1</c>, so -1 where <c>d = 0</c>). Mse: <c>T = G = ∞</c>,
/// <c>D = 0.5</c>, <c>C = 0</c>, <c>S = 1</c>; L1 (and SmoothL1 with <c>β = 0</c>): <c>T = 0</c>, <c>C = 0</c>,
/// <c>S = 1</c>; SmoothL1: <c>T = D = β</c>, <c>C = 0.5·β</c>, <c>S = G = 1</c>; Huber: <c>T = S = G = δ</c>,
/// <c>D = 1</c>, <c>C = 0.5·δ</c>. The boundaries are PyTorch 1.13's: <c>|d| == β</c> (or <c>δ</c>) takes the
/// linear branch, whose gradient there is the same ±1 (±δ).
/// </para>
/// <para>
/// A NaN difference gives a NaN loss and a NaN gradient, except under L1, whose gradient is PyTorch's
/// <c>sign(NaN) = 0</c>. Losses are summed in double, each row in <see cref="DoubleLanes"/>, so every vector
/// width gives the same bits.
/// </para>
/// </remarks>
public static class RegressionLoss
{
    /// <summary>
    /// Computes the reduced loss of <paramref name="batch"/> rows of <paramref name="outputs"/> predictions and
    /// overwrites the predictions with its gradient (<see cref="Reduction.None"/>: the gradient of the sum).
    /// </summary>
    /// <param name="predictions">Row-major <c>[batch, outputs]</c>; on return, dLoss/dpredictions.</param>
    /// <param name="targets">Row-major <c>[batch, outputs]</c> targets.</param>
    /// <param name="losses">Empty, or at least <c>batch * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="batch">Rows; zero or more (zero rows give NaN under <see cref="Reduction.Mean"/>).</param>
    /// <param name="outputs">Predictions per row; positive.</param>
    /// <param name="kind">Which loss.</param>
    /// <param name="parameter">SmoothL1: β, finite and ≥ 0. Huber: δ, finite and &gt; 0. Ignored by Mse and L1.</param>
    /// <param name="reduction">Mean over all <c>batch * outputs</c> elements, sum, or none (the sum is returned).</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="kind"/>, <paramref name="parameter"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float ForwardBackward(Span<float> predictions, ReadOnlySpan<float> targets, Span<float> losses, int batch, int outputs, RegressionLossKind kind, float parameter, Reduction reduction)
    {
        Validate(predictions.Length, targets.Length, losses.Length, batch, outputs, kind, parameter, reduction);
        return Run(predictions, targets, losses, batch, outputs, kind, parameter, reduction, writeGradient: true);
    }

    /// <summary>The reduced loss only, leaving the predictions untouched.</summary>
    /// <param name="predictions">Row-major <c>[batch, outputs]</c>.</param>
    /// <param name="targets">Row-major <c>[batch, outputs]</c> targets.</param>
    /// <param name="losses">Empty, or at least <c>batch * outputs</c> elements that receive each element's unreduced loss.</param>
    /// <param name="batch">Rows; zero or more.</param>
    /// <param name="outputs">Predictions per row; positive.</param>
    /// <param name="kind">Which loss.</param>
    /// <param name="parameter">SmoothL1: β, finite and ≥ 0. Huber: δ, finite and &gt; 0. Ignored by Mse and L1.</param>
    /// <param name="reduction">Mean, sum or none (the sum is returned).</param>
    /// <returns>The reduced loss, equal to what <see cref="ForwardBackward"/> returns for the same arguments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="kind"/>, <paramref name="parameter"/> or <paramref name="reduction"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static float Loss(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> losses, int batch, int outputs, RegressionLossKind kind, float parameter, Reduction reduction)
    {
        Validate(predictions.Length, targets.Length, losses.Length, batch, outputs, kind, parameter, reduction);
        return Run(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(predictions), predictions.Length), targets, losses, batch, outputs, kind, parameter, reduction, writeGradient: false);
    }

    private static float Run(Span<float> predictions, ReadOnlySpan<float> targets, Span<float> losses, int batch, int outputs, RegressionLossKind kind, float parameter, Reduction reduction, bool writeGradient) =>
        Vector512.IsHardwareAccelerated ? Run<Simd512, Vector512<float>>(predictions, targets, losses, batch, outputs, kind, parameter, reduction, writeGradient)
        : Vector256.IsHardwareAccelerated ? Run<Simd256, Vector256<float>>(predictions, targets, losses, batch, outputs, kind, parameter, reduction, writeGradient)
        : Vector128.IsHardwareAccelerated ? Run<Simd128, Vector128<float>>(predictions, targets, losses, batch, outputs, kind, parameter, reduction, writeGradient)
        : Run<ScalarOps, float>(predictions, targets, losses, batch, outputs, kind, parameter, reduction, writeGradient);

    /// <summary>
    /// The kernel at the width of <typeparamref name="TOps"/>, then the scalar tail of each row; every width gives
    /// the same bits. Arguments validated.
    /// </summary>
    internal static float Run<TOps, TVec>(Span<float> predictions, ReadOnlySpan<float> targets, Span<float> losses, int batch, int outputs, RegressionLossKind kind, float parameter, Reduction reduction, bool writeGradient)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        long elements = (long)batch * outputs;
        Constants a = Constants.For(kind, parameter);
        a.Scale = reduction == Reduction.Mean ? (float)(1.0 / elements) : 1f;
        a.WriteLosses = !losses.IsEmpty;
        a.WriteGradient = writeGradient;
        ref float x0 = ref MemoryMarshal.GetReference(predictions);
        ref float t0 = ref MemoryMarshal.GetReference(targets);
        ref float l0 = ref MemoryMarshal.GetReference(losses);
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            nint offset = (nint)r * outputs;
            ref float x = ref Unsafe.Add(ref x0, offset);
            ref float t = ref Unsafe.Add(ref t0, offset);
            ref float l = ref a.WriteLosses ? ref Unsafe.Add(ref l0, offset) : ref l0;
            DoubleLanes sum = default;
            nuint j = RowPart<TOps, TVec>(ref x, ref t, ref l, in a, 0, (nuint)outputs, ref sum);
            RowPart<ScalarOps, float>(ref x, ref t, ref l, in a, j, (nuint)outputs, ref sum);
            total += sum.Sum();
        }

        return (float)(reduction == Reduction.Mean ? total / elements : total);
    }

    /// <summary>Elements <c>[start, n)</c> of one row in steps of <c>TOps.Count</c>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint RowPart<TOps, TVec>(ref float x, ref float t, ref float losses, in Constants a, nuint start, nuint n, ref DoubleLanes sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint j = start;
        TVec threshold = TOps.Broadcast(a.Threshold);
        TVec divisor = TOps.Broadcast(a.Divisor);
        TVec offset = TOps.Broadcast(a.Offset);
        TVec slope = TOps.Broadcast(a.Slope);
        TVec limit = TOps.Broadcast(a.Limit);
        TVec scale = TOps.Broadcast(a.Scale);
        TVec half = TOps.Broadcast(0.5f);
        TVec zero = TOps.Broadcast(0f);
        TVec one = TOps.Broadcast(1f);
        TVec minusOne = TOps.Broadcast(-1f);
        for (; j + count <= n; j += count)
        {
            TVec d = TOps.Subtract(TOps.Load(ref x, j), TOps.Load(ref t, j));
            TVec ad = TOps.Abs(d);
            TVec loss = TOps.SelectLess(ad, threshold, TOps.Divide(TOps.Multiply(TOps.Multiply(half, d), d), divisor), TOps.Multiply(TOps.Subtract(ad, offset), slope));
            TOps.AddToLanes(loss, ref sum, j & (DoubleLanes.Length - 1));
            if (a.WriteLosses)
            {
                TOps.Store(loss, ref losses, j);
            }

            if (a.WriteGradient)
            {
                TVec g = a.ZeroIsNegative
                    ? TOps.SelectLess(zero, d, one, TOps.Add(minusOne, TOps.ZeroWhereNotPositive(d, d)))
                    : a.Sign
                    ? TOps.Subtract(TOps.WherePositive(d, one), TOps.WherePositive(TOps.Subtract(zero, d), one))
                    : TOps.Max(TOps.Min(TOps.Divide(d, divisor), limit), TOps.Subtract(zero, limit));
                TOps.Store(TOps.Multiply(g, scale), ref x, j);
            }
        }

        return j;
    }

    /// <summary>The per-kind constants of the formula in the class remarks, and what every row of one call shares.</summary>
    private struct Constants
    {
        public float Threshold;
        public float Divisor;
        public float Offset;
        public float Slope;
        public float Limit;
        public bool Sign;

        /// <summary>SmoothL1 at β = 0: +1 where d &gt; 0, -1 where d &lt;= 0 (PyTorch's kernel tests <c>d &lt;= -β</c> first), NaN for NaN.</summary>
        public bool ZeroIsNegative;
        public float Scale;
        public bool WriteLosses;
        public bool WriteGradient;

        public static Constants For(RegressionLossKind kind, float parameter) => kind switch
        {
            RegressionLossKind.Mse => new() { Threshold = float.PositiveInfinity, Divisor = 0.5f, Slope = 1f, Limit = float.PositiveInfinity },
            RegressionLossKind.SmoothL1 when parameter > 0f => new() { Threshold = parameter, Divisor = parameter, Offset = 0.5f * parameter, Slope = 1f, Limit = 1f },
            RegressionLossKind.Huber => new() { Threshold = parameter, Divisor = 1f, Offset = 0.5f * parameter, Slope = parameter, Limit = parameter },
            RegressionLossKind.SmoothL1 => new() { Divisor = 1f, Slope = 1f, ZeroIsNegative = true },
            _ => new() { Divisor = 1f, Slope = 1f, Sign = true },
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Validate(int predictions, int targets, int losses, int batch, int outputs, RegressionLossKind kind, float parameter, Reduction reduction)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(outputs, nameof(outputs));
        KernelGuard.Holds(predictions, batch, outputs, nameof(predictions), "batch*outputs");
        KernelGuard.Holds(targets, batch, outputs, nameof(targets), "batch*outputs");
        if (losses != 0)
        {
            KernelGuard.Holds(losses, batch, outputs, nameof(losses), "batch*outputs");
        }

        switch (kind)
        {
            case RegressionLossKind.Mse or RegressionLossKind.L1:
                break;
            case RegressionLossKind.SmoothL1 when !(parameter >= 0f && float.IsFinite(parameter)):
                ThrowParameter(parameter, "a finite beta >= 0");
                break;
            case RegressionLossKind.Huber when !(parameter > 0f && float.IsFinite(parameter)):
                ThrowParameter(parameter, "a finite delta > 0");
                break;
            case RegressionLossKind.SmoothL1 or RegressionLossKind.Huber:
                break;
            default:
                ThrowUnknownKind(kind);
                break;
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            SoftmaxCrossEntropy.ThrowUnknownReduction(reduction);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowParameter(float parameter, string expected) =>
        throw new ArgumentOutOfRangeException(nameof(parameter), parameter, string.Create(CultureInfo.InvariantCulture, $"Expected {expected}, got {parameter}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnknownKind(RegressionLossKind kind) =>
        throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected RegressionLossKind.Mse, L1, SmoothL1 or Huber.");
}
