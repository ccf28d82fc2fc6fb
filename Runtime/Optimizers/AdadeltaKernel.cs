using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="Adadelta"/>, PyTorch 1.13's <c>_single_tensor_adadelta</c> operation by
/// operation (<c>addcmul</c> and <c>add(alpha)</c> fused as in its CPU build): state 0 is <c>square_avg</c>, state 1
/// <c>acc_delta</c> (state 2 is not used).
/// </summary>
internal readonly struct AdadeltaKernel : IUpdateKernel<AdadeltaCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in AdadeltaCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec rho = TOps.Broadcast(s.Rho);
        TVec oneMinusRho = TOps.Broadcast(s.OneMinusRho);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec negativeLearningRate = TOps.Broadcast(s.NegativeLearningRate);
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

            TVec squareAverage = TOps.MultiplyAdd(TOps.Multiply(oneMinusRho, g), g, TOps.Multiply(TOps.Load(ref state0, i), rho)); // square_avg.mul_(rho).addcmul_(grad, grad, value=1-rho)
            TOps.Store(squareAverage, ref state0, i);
            TVec std = TOps.Sqrt(TOps.Add(squareAverage, epsilon));                       // square_avg.add(eps).sqrt_()
            TVec delta = TOps.Multiply(TOps.Divide(TOps.Sqrt(TOps.Add(TOps.Load(ref state1, i), epsilon)), std), g); // acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
            TOps.Store(TOps.MultiplyAdd(TOps.Multiply(oneMinusRho, delta), delta, TOps.Multiply(TOps.Load(ref state1, i), rho)), ref state1, i); // acc_delta.mul_(rho).addcmul_(delta, delta, value=1-rho)
            TOps.Store(TOps.MultiplyAdd(delta, negativeLearningRate, p), ref parameter, i); // param.add_(delta, alpha=-lr)
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one Adadelta step, computed by <see cref="Adadelta"/>: <c>1 - rho</c> and <c>-lr</c> in
/// double from the decimal values, then cast, as PyTorch computes them from Python floats.
/// </summary>
internal readonly record struct AdadeltaCoefficients(float Rho, float OneMinusRho, float Epsilon, float WeightDecay, float NegativeLearningRate);
