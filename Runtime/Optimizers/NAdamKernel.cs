using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="NAdam"/>, PyTorch 1.13's <c>_single_tensor_nadam</c> operation by operation
/// (<c>addcmul</c> and <c>add(alpha)</c> fused as in its CPU build, <c>addcdiv</c> <c>self + (value·t1)/t2</c>): state 0
/// is <c>exp_avg</c>, state 1 <c>exp_avg_sq</c> (state 2 is not used).
/// </summary>
internal readonly struct NAdamKernel : IUpdateKernel<NAdamCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in NAdamCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec beta1 = TOps.Broadcast(s.Beta1);
        TVec oneMinusBeta1 = TOps.Broadcast(s.OneMinusBeta1);
        TVec beta2 = TOps.Broadcast(s.Beta2);
        TVec oneMinusBeta2 = TOps.Broadcast(s.OneMinusBeta2);
        TVec biasCorrection2 = TOps.Broadcast(s.BiasCorrection2);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec gradientStepSize = TOps.Broadcast(s.GradientStepSize);
        TVec momentumStepSize = TOps.Broadcast(s.MomentumStepSize);
        bool decay = s.WeightDecay != 0f;
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
            TVec denominator = TOps.Add(TOps.Sqrt(TOps.Divide(v, biasCorrection2)), epsilon); // exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
            p = TOps.Add(p, TOps.Divide(TOps.Multiply(gradientStepSize, g), denominator)); // param.addcdiv_(grad, denom, value=-lr*(1-mu)/(1-mu_product))
            p = TOps.Add(p, TOps.Divide(TOps.Multiply(momentumStepSize, m), denominator)); // param.addcdiv_(exp_avg, denom, value=-lr*mu_next/(1-mu_product_next))
            TOps.Store(p, ref parameter, i);
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one NAdam step of a run of tensors, computed by <see cref="NAdam"/> in double from the
/// decimal values (and the float32 <c>mu_product</c>), then cast: <c>1 - β</c>, <c>BiasCorrection2 = 1 - β₂^step</c>,
/// <c>GradientStepSize = -lr(1-μₜ)/(1-Πₜ)</c> and <c>MomentumStepSize = -lr·μₜ₊₁/(1-Πₜμₜ₊₁)</c>.
/// </summary>
internal readonly record struct NAdamCoefficients(
    float WeightDecay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float BiasCorrection2, float Epsilon, float GradientStepSize, float MomentumStepSize);
