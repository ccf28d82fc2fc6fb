using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="Adamax"/>, PyTorch 1.13's <c>_single_tensor_adamax</c> operation by operation
/// (<c>add(alpha)</c> fused as in its CPU build; the <c>torch.cat</c>/<c>amax</c> of <c>exp_inf·β₂</c> and
/// <c>|g| + ε</c> is their maximum, NaN propagating as <c>amax</c>): state 0 is <c>exp_avg</c>, state 1 <c>exp_inf</c>
/// (state 2 is not used).
/// </summary>
internal readonly struct AdamaxKernel : IUpdateKernel<AdamaxCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in AdamaxCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec beta1 = TOps.Broadcast(s.Beta1);
        TVec oneMinusBeta1 = TOps.Broadcast(s.OneMinusBeta1);
        TVec beta2 = TOps.Broadcast(s.Beta2);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec negativeStepSize = TOps.Broadcast(s.NegativeStepSize);
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
            TVec u = TOps.Max(TOps.Multiply(TOps.Load(ref state1, i), beta2), TOps.Add(TOps.Abs(g), epsilon)); // amax(cat([exp_inf.mul_(beta2), grad.abs().add_(eps)]), 0)
            TOps.Store(u, ref state1, i);
            TOps.Store(TOps.Add(p, TOps.Divide(TOps.Multiply(negativeStepSize, m), u)), ref parameter, i); // param.addcdiv_(exp_avg, exp_inf, value=-clr)
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one Adamax step of a run of tensors, computed by <see cref="Adamax"/>: <c>1 - beta1</c> and
/// <c>NegativeStepSize = -lr / (1 - beta1^step)</c> in double from the decimal values, then cast.
/// </summary>
internal readonly record struct AdamaxCoefficients(float WeightDecay, float Beta1, float OneMinusBeta1, float Beta2, float Epsilon, float NegativeStepSize);
