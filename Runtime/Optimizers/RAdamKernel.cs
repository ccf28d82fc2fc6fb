using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="RAdam"/>, PyTorch 1.13's <c>_single_tensor_radam</c> operation by operation
/// (<c>addcmul</c> and <c>add(alpha)</c> fused as in its CPU build; <c>sqrt(bc2) / t</c> is Python's
/// <c>t.reciprocal() * sqrt(bc2)</c>; each scalar product rounds to float): state 0 is <c>exp_avg</c>, state 1
/// <c>exp_avg_sq</c> (state 2 is not used).
/// </summary>
internal readonly struct RAdamKernel : IUpdateKernel<RAdamCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in RAdamCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec beta1 = TOps.Broadcast(s.Beta1);
        TVec oneMinusBeta1 = TOps.Broadcast(s.OneMinusBeta1);
        TVec beta2 = TOps.Broadcast(s.Beta2);
        TVec oneMinusBeta2 = TOps.Broadcast(s.OneMinusBeta2);
        TVec biasCorrection1 = TOps.Broadcast(s.BiasCorrection1);
        TVec learningRate = TOps.Broadcast(s.LearningRate);
        TVec biasCorrection2Sqrt = TOps.Broadcast(s.BiasCorrection2Sqrt);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec rectification = TOps.Broadcast(s.Rectification);
        TVec one = TOps.Broadcast(1f);
        bool decay = s.WeightDecay != 0f;
        bool rectified = s.Rectified;
        nuint i = start;
        for (; i + count <= end; i += count)
        {
            TVec p = TOps.Load(ref parameter, i);
            TVec g = TOps.Load(ref gradient, i);
            if (decay)
            {
                g = TOps.MultiplyAdd(p, weightDecay, g);                                  // grad = grad.add(param, alpha=wd)
            }

            TVec m = TOps.MultiplyAdd(g, oneMinusBeta1, TOps.Multiply(TOps.Load(ref state0, i), beta1)); // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
            TOps.Store(m, ref state0, i);
            TVec v = TOps.MultiplyAdd(TOps.Multiply(oneMinusBeta2, g), g, TOps.Multiply(TOps.Load(ref state1, i), beta2)); // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
            TOps.Store(v, ref state1, i);
            TVec update = TOps.Multiply(TOps.Divide(m, biasCorrection1), learningRate);  // (exp_avg / bias_correction1) * lr
            if (rectified)
            {
                TVec adaptive = TOps.Multiply(TOps.Divide(one, TOps.Add(TOps.Sqrt(v), epsilon)), biasCorrection2Sqrt); // sqrt(bc2) / exp_avg_sq.sqrt().add_(eps)
                update = TOps.Multiply(TOps.Multiply(update, adaptive), rectification);   // * adaptive_lr * rect
            }

            TOps.Store(TOps.Subtract(p, update), ref parameter, i);                      // param.add_(..., alpha=-1.0)
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one RAdam step of a run of tensors, computed by <see cref="RAdam"/> in double from the
/// decimal values, then cast: <c>1 - β</c>, <c>BiasCorrection1 = 1 - β₁^step</c>, <c>√(1 - β₂^step)</c>, the
/// rectification <c>r</c>, and whether <c>ρₜ &gt; 5</c>.
/// </summary>
internal readonly record struct RAdamCoefficients(
    float WeightDecay,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float BiasCorrection1,
    float LearningRate,
    bool Rectified,
    float BiasCorrection2Sqrt,
    float Epsilon,
    float Rectification);
