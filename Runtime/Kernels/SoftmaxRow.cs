using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The vectorized passes over one row that softmax and softmax cross-entropy are made of: the max,
/// the sum of <c>e^(x - max)</c>, the plain sum (in double), and the write-back
/// <c>x = e^(x - max)·scale + shift</c>; plus the weighted and probability-target variants the loss
/// kernels use. Each pass is one generic body, run at the widest accelerated width and then with
/// <see cref="ScalarOps"/> for the tail (with AVX-512, the max, sums and write-back of the softmax take their tail
/// as one masked vector, <see cref="MaskedTail512"/>); the <c>…&lt;TOps, TVec&gt;</c> overloads run a given width (the tests
/// run every one).
/// </summary>
/// <remarks>
/// <para>Callers have validated all lengths; <c>n</c> is positive.</para>
/// <para>
/// Every pass gives the same bits at every width (given <see cref="Simd.HasFma"/>): element-wise work is the
/// same IEEE operations per element (<see cref="Simd.Exp{TOps, TVec}"/>, fused multiply-adds), the max is
/// exact in any order, and the sums use the fixed blocking of <see cref="DoubleLanes"/> (element <c>i</c> goes
/// to lane <c>i mod 16</c> in double, then one fixed tree), which no vector width or tail split changes.
/// </para>
/// </remarks>
internal static class SoftmaxRow
{
    /// <summary>Returns <c>max_i x[i]</c> (NaN if any element is NaN).</summary>
    public static float Max(ref float x, int n) =>
        Vector512.IsHardwareAccelerated ? Max<Simd512, Vector512<float>>(ref x, n)
        : Vector256.IsHardwareAccelerated ? Max<Simd256, Vector256<float>>(ref x, n)
        : Vector128.IsHardwareAccelerated ? Max<Simd128, Vector128<float>>(ref x, n)
        : Max<ScalarOps, float>(ref x, n);

    /// <summary><see cref="Max(ref float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static float Max<TOps, TVec>(ref float x, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        float max = x;
        nuint i = MaxPart<TOps, TVec>(ref x, 0, (nuint)n, ref max);
        if (typeof(TOps) == typeof(Simd512) && MaskedTail512.IsSupported)
        {
            MaskedTail512.Max(ref x, i, (nuint)n, ref max);
        }
        else
        {
            MaxPart<ScalarOps, float>(ref x, i, (nuint)n, ref max);
        }
        return max;
    }

    /// <summary>Returns <c>Σ_i e^(x[i] - max)</c>, the terms added in double in the blocking of <see cref="DoubleLanes"/>.</summary>
    public static double SumExp(ref float x, float max, int n) =>
        Vector512.IsHardwareAccelerated ? SumExp<Simd512, Vector512<float>>(ref x, max, n)
        : Vector256.IsHardwareAccelerated ? SumExp<Simd256, Vector256<float>>(ref x, max, n)
        : Vector128.IsHardwareAccelerated ? SumExp<Simd128, Vector128<float>>(ref x, max, n)
        : SumExp<ScalarOps, float>(ref x, max, n);

    /// <summary><see cref="SumExp(ref float, float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static double SumExp<TOps, TVec>(ref float x, float max, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        DoubleLanes lanes = default;
        nuint i = SumExpPart<TOps, TVec>(ref x, max, 0, (nuint)n, ref lanes);
        if (typeof(TOps) == typeof(Simd512) && MaskedTail512.IsSupported)
        {
            MaskedTail512.SumExp(ref x, max, i, (nuint)n, ref lanes);
        }
        else
        {
            SumExpPart<ScalarOps, float>(ref x, max, i, (nuint)n, ref lanes);
        }
        return lanes.Sum();
    }

    /// <summary>Returns <c>Σ_i x[i]</c>, in double in the blocking of <see cref="DoubleLanes"/>.</summary>
    public static double SumAsDouble(ref float x, int n) =>
        Vector512.IsHardwareAccelerated ? SumAsDouble<Simd512, Vector512<float>>(ref x, n)
        : Vector256.IsHardwareAccelerated ? SumAsDouble<Simd256, Vector256<float>>(ref x, n)
        : Vector128.IsHardwareAccelerated ? SumAsDouble<Simd128, Vector128<float>>(ref x, n)
        : SumAsDouble<ScalarOps, float>(ref x, n);

    /// <summary><see cref="SumAsDouble(ref float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static double SumAsDouble<TOps, TVec>(ref float x, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        DoubleLanes lanes = default;
        nuint i = SumAsDoublePart<TOps, TVec>(ref x, 0, (nuint)n, ref lanes);
        if (typeof(TOps) == typeof(Simd512) && MaskedTail512.IsSupported)
        {
            MaskedTail512.SumAsDouble(ref x, i, (nuint)n, ref lanes);
        }
        else
        {
            SumAsDoublePart<ScalarOps, float>(ref x, i, (nuint)n, ref lanes);
        }
        return lanes.Sum();
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale + shift</c>.</summary>
    public static void WriteExpAffine(ref float x, float max, float scale, float shift, int n)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            WriteExpAffine<Simd512, Vector512<float>>(ref x, max, scale, shift, n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            WriteExpAffine<Simd256, Vector256<float>>(ref x, max, scale, shift, n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            WriteExpAffine<Simd128, Vector128<float>>(ref x, max, scale, shift, n);
        }
        else
        {
            WriteExpAffine<ScalarOps, float>(ref x, max, scale, shift, n);
        }
    }

    /// <summary><see cref="WriteExpAffine(ref float, float, float, float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static void WriteExpAffine<TOps, TVec>(ref float x, float max, float scale, float shift, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint i = WriteExpAffinePart<TOps, TVec>(ref x, max, scale, shift, 0, (nuint)n);
        if (typeof(TOps) == typeof(Simd512) && MaskedTail512.IsSupported)
        {
            MaskedTail512.WriteExpAffine(ref x, max, scale, shift, i, (nuint)n);
        }
        else
        {
            WriteExpAffinePart<ScalarOps, float>(ref x, max, scale, shift, i, (nuint)n);
        }
    }

    /// <summary>
    /// Returns <c>Σ_i w[i]·(max - x[i])</c> in double, a term taken as 0 where <c>w[i] = 0</c> (so a masked
    /// <c>-∞</c> logit with weight 0 contributes nothing). Every term has the sign of its weight, so
    /// nothing cancels even for logits of magnitude 1e4.
    /// </summary>
    public static double WeightedDistanceSum(ref float x, ref float w, float max, int n) =>
        Vector512.IsHardwareAccelerated ? WeightedDistanceSum<Simd512, Vector512<float>>(ref x, ref w, max, n)
        : Vector256.IsHardwareAccelerated ? WeightedDistanceSum<Simd256, Vector256<float>>(ref x, ref w, max, n)
        : Vector128.IsHardwareAccelerated ? WeightedDistanceSum<Simd128, Vector128<float>>(ref x, ref w, max, n)
        : WeightedDistanceSum<ScalarOps, float>(ref x, ref w, max, n);

    /// <summary><see cref="WeightedDistanceSum(ref float, ref float, float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static double WeightedDistanceSum<TOps, TVec>(ref float x, ref float w, float max, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        DoubleLanes lanes = default;
        nuint i = WeightedDistanceSumPart<TOps, TVec>(ref x, ref w, max, 0, (nuint)n, ref lanes);
        WeightedDistanceSumPart<ScalarOps, float>(ref x, ref w, max, i, (nuint)n, ref lanes);
        return lanes.Sum();
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale + w[i]·weightScale</c>.</summary>
    public static void WriteExpAffineWeighted(ref float x, float max, float scale, ref float w, float weightScale, int n)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            WriteExpAffineWeighted<Simd512, Vector512<float>>(ref x, max, scale, ref w, weightScale, n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            WriteExpAffineWeighted<Simd256, Vector256<float>>(ref x, max, scale, ref w, weightScale, n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            WriteExpAffineWeighted<Simd128, Vector128<float>>(ref x, max, scale, ref w, weightScale, n);
        }
        else
        {
            WriteExpAffineWeighted<ScalarOps, float>(ref x, max, scale, ref w, weightScale, n);
        }
    }

    /// <summary><see cref="WriteExpAffineWeighted(ref float, float, float, ref float, float, int)"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static void WriteExpAffineWeighted<TOps, TVec>(ref float x, float max, float scale, ref float w, float weightScale, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint i = WriteExpAffineWeightedPart<TOps, TVec>(ref x, max, scale, ref w, weightScale, 0, (nuint)n);
        WriteExpAffineWeightedPart<ScalarOps, float>(ref x, max, scale, ref w, weightScale, i, (nuint)n);
    }

    /// <summary>
    /// Overwrites <c>x[i]</c> with <c>(x[i] - max) - logSum</c> (log-softmax's final step, as PyTorch orders it):
    /// the row maximum's entry is then exactly <c>-logSum</c>, tiny and accurate for a confident row, where
    /// <c>x[i] - (max + logSum)</c> would round it to the spacing of floats near <c>max</c>.
    /// </summary>
    public static void WriteLogSoftmax(ref float x, float max, float logSum, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WriteLogSoftmaxPart<Simd512, Vector512<float>>(ref x, max, logSum, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WriteLogSoftmaxPart<Simd256, Vector256<float>>(ref x, max, logSum, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WriteLogSoftmaxPart<Simd128, Vector128<float>>(ref x, max, logSum, 0, (nuint)n);
        }

        WriteLogSoftmaxPart<ScalarOps, float>(ref x, max, logSum, i, (nuint)n);
    }

    /// <summary>
    /// For probability targets <c>t</c> with per-class weights <c>w</c> (all 1 with <see cref="UnitWeights"/>),
    /// the coefficients <c>k_i = w_i·((1-e)·t_i + e/C)</c> are implied by <paramref name="targetScale"/> = 1-e
    /// and <paramref name="uniform"/> = e/C. Returns <c>K = Σ k_i</c> and <c>D = Σ k_i·(max - x_i)</c> (a term
    /// taken as 0 where <c>k_i = 0</c>), both in double; the row's loss is <c>K·log Σ e^(x - max) + D</c>.
    /// </summary>
    public static void ProbabilityTerms<TWeights>(ref float x, ref float t, ref float w, float max, float targetScale, float uniform, int n, out double coefficientSum, out double distanceSum)
        where TWeights : IRowWeights
    {
        if (Vector512.IsHardwareAccelerated)
        {
            ProbabilityTerms<Simd512, Vector512<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, n, out coefficientSum, out distanceSum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ProbabilityTerms<Simd256, Vector256<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, n, out coefficientSum, out distanceSum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            ProbabilityTerms<Simd128, Vector128<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, n, out coefficientSum, out distanceSum);
        }
        else
        {
            ProbabilityTerms<ScalarOps, float, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, n, out coefficientSum, out distanceSum);
        }
    }

    /// <summary><see cref="ProbabilityTerms{TWeights}"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static void ProbabilityTerms<TOps, TVec, TWeights>(ref float x, ref float t, ref float w, float max, float targetScale, float uniform, int n, out double coefficientSum, out double distanceSum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWeights : IRowWeights
    {
        DoubleLanes k = default, d = default;
        nuint i = ProbabilityTermsPart<TOps, TVec, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, 0, (nuint)n, ref k, ref d);
        ProbabilityTermsPart<ScalarOps, float, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, i, (nuint)n, ref k, ref d);
        coefficientSum = k.Sum();
        distanceSum = d.Sum();
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale - w_i·(targetScale·t[i] + uniform)</c>.</summary>
    public static void WriteProbabilityGradient<TWeights>(ref float x, ref float t, ref float w, float max, float scale, float targetScale, float uniform, int n)
        where TWeights : IRowWeights
    {
        if (Vector512.IsHardwareAccelerated)
        {
            WriteProbabilityGradient<Simd512, Vector512<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            WriteProbabilityGradient<Simd256, Vector256<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            WriteProbabilityGradient<Simd128, Vector128<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, n);
        }
        else
        {
            WriteProbabilityGradient<ScalarOps, float, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, n);
        }
    }

    /// <summary><see cref="WriteProbabilityGradient{TWeights}"/> at the width of <typeparamref name="TOps"/>, then the scalar tail.</summary>
    public static void WriteProbabilityGradient<TOps, TVec, TWeights>(ref float x, ref float t, ref float w, float max, float scale, float targetScale, float uniform, int n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWeights : IRowWeights
    {
        nuint i = WriteProbabilityGradientPart<TOps, TVec, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, 0, (nuint)n);
        WriteProbabilityGradientPart<ScalarOps, float, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, i, (nuint)n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint MaxPart<TOps, TVec>(ref float x, nuint start, nuint n, ref float max)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        if (i + count > n)
        {
            return i;
        }

        TVec acc = TOps.Broadcast(max);
        for (; i + count <= n; i += count)
        {
            acc = TOps.Max(acc, TOps.Load(ref x, i));
        }

        max = TOps.MaxAcross(acc);
        return i;
    }

    /// <summary>The lane of <see cref="DoubleLanes"/> that element <paramref name="i"/> goes to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Lane(nuint i) => i & (DoubleLanes.Length - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumExpPart<TOps, TVec>(ref float x, float max, nuint start, nuint n, ref DoubleLanes lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec shift = TOps.Broadcast(max);

        // The terms are added in double: the row's largest term is exactly 1, and adding the small terms of a
        // confident row to it in float would lose the loss log Σ e^(x - max) to rounding.
        for (; i + count <= n; i += count)
        {
            TOps.AddToLanes(TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), shift)), ref lanes, Lane(i));
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumAsDoublePart<TOps, TVec>(ref float x, nuint start, nuint n, ref DoubleLanes lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TOps.AddToLanes(TOps.Load(ref x, i), ref lanes, Lane(i));
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WriteExpAffinePart<TOps, TVec>(ref float x, float max, float scale, float shift, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(scale), shiftV = TOps.Broadcast(shift);
        for (; i + count <= n; i += count)
        {
            TVec e = TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), maxV));
            TOps.Store(TOps.MultiplyAdd(e, scaleV, shiftV), ref x, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WeightedDistanceSumPart<TOps, TVec>(ref float x, ref float w, float max, nuint start, nuint n, ref DoubleLanes lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max);
        for (; i + count <= n; i += count)
        {
            TVec weight = TOps.Load(ref w, i);
            TVec term = TOps.Multiply(weight, TOps.Subtract(maxV, TOps.Load(ref x, i)));
            TOps.AddToLanes(TOps.WherePositive(TOps.Abs(weight), term), ref lanes, Lane(i));
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WriteExpAffineWeightedPart<TOps, TVec>(ref float x, float max, float scale, ref float w, float weightScale, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(scale), weightScaleV = TOps.Broadcast(weightScale);
        for (; i + count <= n; i += count)
        {
            TVec e = TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), maxV));
            TOps.Store(TOps.MultiplyAdd(e, scaleV, TOps.Multiply(TOps.Load(ref w, i), weightScaleV)), ref x, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WriteLogSoftmaxPart<TOps, TVec>(ref float x, float max, float logSum, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), logSumV = TOps.Broadcast(logSum);
        for (; i + count <= n; i += count)
        {
            TOps.Store(TOps.Subtract(TOps.Subtract(TOps.Load(ref x, i), maxV), logSumV), ref x, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint ProbabilityTermsPart<TOps, TVec, TWeights>(ref float x, ref float t, ref float w, float max, float targetScale, float uniform, nuint start, nuint n, ref DoubleLanes coefficientSum, ref DoubleLanes distanceSum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWeights : IRowWeights
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(targetScale), uniformV = TOps.Broadcast(uniform);
        for (; i + count <= n; i += count)
        {
            TVec coefficient = TOps.Multiply(TWeights.Load<TOps, TVec>(ref w, i), TOps.MultiplyAdd(TOps.Load(ref t, i), scaleV, uniformV));
            TVec term = TOps.Multiply(coefficient, TOps.Subtract(maxV, TOps.Load(ref x, i)));
            TOps.AddToLanes(coefficient, ref coefficientSum, Lane(i));
            TOps.AddToLanes(TOps.WherePositive(TOps.Abs(coefficient), term), ref distanceSum, Lane(i));
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint WriteProbabilityGradientPart<TOps, TVec, TWeights>(ref float x, ref float t, ref float w, float max, float scale, float targetScale, float uniform, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWeights : IRowWeights
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(scale), targetScaleV = TOps.Broadcast(targetScale), uniformV = TOps.Broadcast(uniform);
        for (; i + count <= n; i += count)
        {
            TVec e = TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), maxV));
            TVec coefficient = TOps.Multiply(TWeights.Load<TOps, TVec>(ref w, i), TOps.MultiplyAdd(TOps.Load(ref t, i), targetScaleV, uniformV));
            TOps.Store(TOps.Subtract(TOps.Multiply(e, scaleV), coefficient), ref x, i);
        }

        return i;
    }
}

/// <summary>How a row kernel reads per-class weights: from memory, or all ones without touching memory.</summary>
internal interface IRowWeights
{
    /// <summary>The weights of classes <c>i .. i + Count - 1</c>.</summary>
    static abstract TVec Load<TOps, TVec>(ref float weights, nuint index)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}

/// <summary>Every class weighs 1; the weights reference is never read.</summary>
internal readonly struct UnitWeights : IRowWeights
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TOps, TVec>(ref float weights, nuint index)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Broadcast(1f);
}

/// <summary>Per-class weights read from memory.</summary>
internal readonly struct ClassWeightVector : IRowWeights
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Load<TOps, TVec>(ref float weights, nuint index)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Load(ref weights, index);
}
