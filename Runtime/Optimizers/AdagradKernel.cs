using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="Adagrad"/>, PyTorch 1.13's dense <c>_single_tensor_adagrad</c> operation by
/// operation: state 0 is <c>sum</c> (states 1 and 2 are not used).
/// </summary>
internal readonly struct AdagradKernel : IUpdateKernel<AdagradCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in AdagradCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
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

            TVec sum = TOps.MultiplyAdd(g, g, TOps.Load(ref state0, i));                  // state_sum.addcmul_(grad, grad, value=1), fused
            TOps.Store(sum, ref state0, i);
            TVec std = TOps.Add(TOps.Sqrt(sum), epsilon);                                 // state_sum.sqrt().add_(eps)
            TOps.Store(TOps.Add(p, TOps.Divide(TOps.Multiply(negativeStepSize, g), std)), ref parameter, i); // param.addcdiv_(grad, std, value=-clr)
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one Adagrad step of a run of tensors, computed by <see cref="Adagrad"/>:
/// <c>NegativeStepSize = -lr / (1 + (step - 1)·lr_decay)</c> in double from the decimal values, then cast.
/// </summary>
internal readonly record struct AdagradCoefficients(float WeightDecay, float Epsilon, float NegativeStepSize);
