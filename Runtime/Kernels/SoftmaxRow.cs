using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The vectorized passes over one row that softmax and softmax cross-entropy are made of: the max,
/// the sum of <c>e^(x - max)</c>, the plain sum (in double), and the write-back
/// <c>x = e^(x - max)·scale + shift</c>; plus the weighted and probability-target variants the loss
/// kernels use. Same structure as <see cref="RowKernels"/>: one generic body,
/// run at the widest width and then for the scalar tail.
/// </summary>
/// <remarks>Callers have validated all lengths; <c>n</c> is positive.</remarks>
internal static class SoftmaxRow
{
    /// <summary>How many vectors are summed in float before the partial sum is added to the double total.</summary>
    private const int FlushInterval = 32;

    /// <summary>Returns <c>max_i x[i]</c> (NaN if any element is NaN).</summary>
    public static float Max(ref float x, int n)
    {
        float max = x;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = MaxPart<Simd512, Vector512<float>>(ref x, 0, (nuint)n, ref max);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = MaxPart<Simd256, Vector256<float>>(ref x, 0, (nuint)n, ref max);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = MaxPart<Simd128, Vector128<float>>(ref x, 0, (nuint)n, ref max);
        }

        MaxPart<ScalarOps, float>(ref x, i, (nuint)n, ref max);
        return max;
    }

    /// <summary>Returns <c>Σ_i e^(x[i] - max)</c>, each vector of terms added in double.</summary>
    public static double SumExp(ref float x, float max, int n)
    {
        double sum = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd512, Vector512<float>>(ref x, max, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd256, Vector256<float>>(ref x, max, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = SumExpPart<Simd128, Vector128<float>>(ref x, max, 0, (nuint)n, ref sum);
        }

        SumExpPart<ScalarOps, float>(ref x, max, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>Returns <c>Σ_i x[i]</c>, each vector widened to double before it is added.</summary>
    public static double SumAsDouble(ref float x, int n)
    {
        double sum = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd512, Vector512<float>>(ref x, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd256, Vector256<float>>(ref x, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = SumAsDoublePart<Simd128, Vector128<float>>(ref x, 0, (nuint)n, ref sum);
        }

        SumAsDoublePart<ScalarOps, float>(ref x, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale + shift</c>.</summary>
    public static void WriteExpAffine(ref float x, float max, float scale, float shift, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd512, Vector512<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd256, Vector256<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WriteExpAffinePart<Simd128, Vector128<float>>(ref x, max, scale, shift, 0, (nuint)n);
        }

        WriteExpAffinePart<ScalarOps, float>(ref x, max, scale, shift, i, (nuint)n);
    }

    /// <summary>
    /// Returns <c>Σ_i w[i]·(max - x[i])</c> in double, a term taken as 0 where <c>w[i] = 0</c> (so a masked
    /// <c>-∞</c> logit with weight 0 contributes nothing). Every term has the sign of its weight, so
    /// nothing cancels even for logits of magnitude 1e4.
    /// </summary>
    public static double WeightedDistanceSum(ref float x, ref float w, float max, int n)
    {
        double sum = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WeightedDistanceSumPart<Simd512, Vector512<float>>(ref x, ref w, max, 0, (nuint)n, ref sum);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WeightedDistanceSumPart<Simd256, Vector256<float>>(ref x, ref w, max, 0, (nuint)n, ref sum);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WeightedDistanceSumPart<Simd128, Vector128<float>>(ref x, ref w, max, 0, (nuint)n, ref sum);
        }

        WeightedDistanceSumPart<ScalarOps, float>(ref x, ref w, max, i, (nuint)n, ref sum);
        return sum;
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale + w[i]·weightScale</c>.</summary>
    public static void WriteExpAffineWeighted(ref float x, float max, float scale, ref float w, float weightScale, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WriteExpAffineWeightedPart<Simd512, Vector512<float>>(ref x, max, scale, ref w, weightScale, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WriteExpAffineWeightedPart<Simd256, Vector256<float>>(ref x, max, scale, ref w, weightScale, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WriteExpAffineWeightedPart<Simd128, Vector128<float>>(ref x, max, scale, ref w, weightScale, 0, (nuint)n);
        }

        WriteExpAffineWeightedPart<ScalarOps, float>(ref x, max, scale, ref w, weightScale, i, (nuint)n);
    }

    /// <summary>Adds <paramref name="value"/> to every <c>x[i]</c> (log-softmax's final shift).</summary>
    public static void AddConstant(ref float x, float value, int n)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = AddConstantPart<Simd512, Vector512<float>>(ref x, value, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = AddConstantPart<Simd256, Vector256<float>>(ref x, value, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = AddConstantPart<Simd128, Vector128<float>>(ref x, value, 0, (nuint)n);
        }

        AddConstantPart<ScalarOps, float>(ref x, value, i, (nuint)n);
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
        double k = 0, d = 0;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = ProbabilityTermsPart<Simd512, Vector512<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, 0, (nuint)n, ref k, ref d);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = ProbabilityTermsPart<Simd256, Vector256<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, 0, (nuint)n, ref k, ref d);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = ProbabilityTermsPart<Simd128, Vector128<float>, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, 0, (nuint)n, ref k, ref d);
        }

        ProbabilityTermsPart<ScalarOps, float, TWeights>(ref x, ref t, ref w, max, targetScale, uniform, i, (nuint)n, ref k, ref d);
        coefficientSum = k;
        distanceSum = d;
    }

    /// <summary>Overwrites <c>x[i]</c> with <c>e^(x[i] - max)·scale - w_i·(targetScale·t[i] + uniform)</c>.</summary>
    public static void WriteProbabilityGradient<TWeights>(ref float x, ref float t, ref float w, float max, float scale, float targetScale, float uniform, int n)
        where TWeights : IRowWeights
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = WriteProbabilityGradientPart<Simd512, Vector512<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, 0, (nuint)n);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = WriteProbabilityGradientPart<Simd256, Vector256<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, 0, (nuint)n);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = WriteProbabilityGradientPart<Simd128, Vector128<float>, TWeights>(ref x, ref t, ref w, max, scale, targetScale, uniform, 0, (nuint)n);
        }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumExpPart<TOps, TVec>(ref float x, float max, nuint start, nuint n, ref double sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec shift = TOps.Broadcast(max);

        // Each vector is widened and added in double: the row's largest term is exactly 1, and adding the
        // small terms of a confident row to it in float would lose the loss log Σ e^(x - max) to rounding.
        for (; i + count <= n; i += count)
        {
            TOps.AddToDouble(TOps.Exp(TOps.Subtract(TOps.Load(ref x, i), shift)), ref sum);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SumAsDoublePart<TOps, TVec>(ref float x, nuint start, nuint n, ref double sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TOps.AddToDouble(TOps.Load(ref x, i), ref sum);
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
    private static nuint WeightedDistanceSumPart<TOps, TVec>(ref float x, ref float w, float max, nuint start, nuint n, ref double sum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max);
        while (i + count <= n)
        {
            TVec acc = TOps.Broadcast(0f);
            nuint blockEnd = i + (FlushInterval * count);
            for (; i + count <= n && i < blockEnd; i += count)
            {
                TVec weight = TOps.Load(ref w, i);
                TVec term = TOps.Multiply(weight, TOps.Subtract(maxV, TOps.Load(ref x, i)));
                acc = TOps.Add(acc, TOps.WherePositive(TOps.Abs(weight), term));
            }

            TOps.AddToDouble(acc, ref sum);
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
    private static nuint AddConstantPart<TOps, TVec>(ref float x, float value, nuint start, nuint n)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec v = TOps.Broadcast(value);
        for (; i + count <= n; i += count)
        {
            TOps.Store(TOps.Add(TOps.Load(ref x, i), v), ref x, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint ProbabilityTermsPart<TOps, TVec, TWeights>(ref float x, ref float t, ref float w, float max, float targetScale, float uniform, nuint start, nuint n, ref double coefficientSum, ref double distanceSum)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TWeights : IRowWeights
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        TVec maxV = TOps.Broadcast(max), scaleV = TOps.Broadcast(targetScale), uniformV = TOps.Broadcast(uniform);
        while (i + count <= n)
        {
            TVec k = TOps.Broadcast(0f), d = TOps.Broadcast(0f);
            nuint blockEnd = i + (FlushInterval * count);
            for (; i + count <= n && i < blockEnd; i += count)
            {
                TVec coefficient = TOps.Multiply(TWeights.Load<TOps, TVec>(ref w, i), TOps.MultiplyAdd(TOps.Load(ref t, i), scaleV, uniformV));
                TVec term = TOps.Multiply(coefficient, TOps.Subtract(maxV, TOps.Load(ref x, i)));
                k = TOps.Add(k, coefficient);
                d = TOps.Add(d, TOps.WherePositive(TOps.Abs(coefficient), term));
            }

            TOps.AddToDouble(k, ref coefficientSum);
            TOps.AddToDouble(d, ref distanceSum);
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
