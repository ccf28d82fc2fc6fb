using System.Runtime.CompilerServices;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The elementwise update of <see cref="RMSprop"/>, PyTorch 1.13's <c>_single_tensor_rmsprop</c> operation by operation
/// (its CPU <c>addcmul</c> is one fused multiply-add, <c>self + (value·t1)·t2</c>; <c>addcdiv</c> is
/// <c>self + (value·t1)/t2</c> with separate roundings):
/// state 0 is <c>square_avg</c>, state 1 <c>momentum_buffer</c> (read only with momentum), state 2 <c>grad_avg</c> (read only when centered).
/// </summary>
internal readonly struct RMSpropKernel : IUpdateKernel<RMSpropCoefficients>
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint Update<TOps, TVec>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, nuint start, nuint end, in RMSpropCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec alpha = TOps.Broadcast(s.Alpha);
        TVec oneMinusAlpha = TOps.Broadcast(s.OneMinusAlpha);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec momentum = TOps.Broadcast(s.Momentum);
        TVec negativeLearningRate = TOps.Broadcast(s.NegativeLearningRate);
        TVec minusOne = TOps.Broadcast(-1f);
        bool decay = s.WeightDecay != 0f;
        bool useMomentum = s.Momentum > 0f;
        bool centered = s.Centered;
        nuint i = start;
        for (; i + count <= end; i += count)
        {
            TVec p = TOps.Load(ref parameter, i);
            TVec g = TOps.Load(ref gradient, i);
            if (decay)
            {
                g = TOps.MultiplyAdd(p, weightDecay, g);                                  // grad = grad.add(param, alpha=wd)
            }

            TVec squareAverage = TOps.MultiplyAdd(TOps.Multiply(oneMinusAlpha, g), g, TOps.Multiply(TOps.Load(ref state0, i), alpha)); // square_avg.mul_(alpha).addcmul_(grad, grad, value=1-alpha)
            TOps.Store(squareAverage, ref state0, i);
            TVec average;
            if (centered)
            {
                TVec gradientAverage = TOps.MultiplyAdd(g, oneMinusAlpha, TOps.Multiply(TOps.Load(ref state2, i), alpha)); // grad_avg.mul_(alpha).add_(grad, alpha=1-alpha)
                TOps.Store(gradientAverage, ref state2, i);
                average = TOps.Sqrt(TOps.MultiplyAdd(TOps.Multiply(minusOne, gradientAverage), gradientAverage, squareAverage)); // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            }
            else
            {
                average = TOps.Sqrt(squareAverage);                                       // square_avg.sqrt()
            }

            average = TOps.Add(average, epsilon);                                         // avg.add_(eps)
            if (useMomentum)
            {
                TVec buffer = TOps.Add(TOps.Multiply(TOps.Load(ref state1, i), momentum), TOps.Divide(g, average)); // buf.mul_(momentum).addcdiv_(grad, avg)
                TOps.Store(buffer, ref state1, i);
                p = TOps.MultiplyAdd(buffer, negativeLearningRate, p);                    // param.add_(buf, alpha=-lr)
            }
            else
            {
                p = TOps.Add(p, TOps.Divide(TOps.Multiply(negativeLearningRate, g), average)); // param.addcdiv_(grad, avg, value=-lr)
            }

            TOps.Store(p, ref parameter, i);
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one RMSprop step, computed by <see cref="RMSprop"/>: <c>1 - alpha</c> in double from the
/// decimal values, as PyTorch computes it from Python floats; the momentum path runs when <c>Momentum &gt; 0</c>.
/// </summary>
internal readonly record struct RMSpropCoefficients(
    float Alpha, float OneMinusAlpha, float Epsilon, float WeightDecay, float Momentum, bool Centered, float NegativeLearningRate);
