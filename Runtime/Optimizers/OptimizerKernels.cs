using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using StaticGrad.Threading;

namespace StaticGrad;

/// <summary>
/// The fused elementwise update passes of the optimizers: one vectorized sweep over parameters,
/// gradients and state. Each formula follows PyTorch 1.13's single-tensor implementation step by step
/// (same operations, same order, fused multiply-add where PyTorch's CPU kernels use one).
/// </summary>
/// <remarks>Callers guarantee every buffer holds <c>n</c> elements. Large steps run on several threads (see <see cref="Parallelism"/>).</remarks>
internal static unsafe partial class OptimizerKernels
{
    /// <summary>
    /// Parameters a thread must get before a step is split across threads (a few microseconds of Adam):
    /// below that, handing work to another core costs more than it saves. The step is memory-bound (Adam
    /// streams 28 bytes per parameter), and split in the same halves every call, each core keeps its half of
    /// the state in its own cache.
    /// </summary>
    internal const long MinParametersPerThread = 16384;

    /// <summary>Parts are whole multiples of this many parameters (a cache line, a Vector512).</summary>
    private const int Unit = 16;

    /// <summary>One SGD update of <c>n</c> parameters; <paramref name="buffer"/> is only touched when <see cref="SgdCoefficients.Momentum"/> is nonzero.</summary>
    /// <remarks>
    /// Elementwise, so it splits into ranges across <see cref="Parallelism.MaxThreads"/> threads when <c>n</c> is
    /// large; every element goes through the same operations in a vector lane or the scalar tail, so the result
    /// does not depend on the split.
    /// </remarks>
    public static void SgdStep(ref float parameter, ref float gradient, ref float buffer, int n, in SgdCoefficients s)
    {
        int threads = Partition.Threads(n, MinParametersPerThread);
        if (threads <= 1)
        {
            SgdRange(ref parameter, ref gradient, ref buffer, 0, n, s);
            return;
        }

        fixed (float* p = &parameter)
        fixed (float* g = &gradient)
        fixed (float* b = &buffer)
        {
            SgdJob job = default;
            job.Parameter = p;
            job.Gradient = g;
            job.Buffer = b;
            job.Coefficients = s;
            job.Length = n;
            int parts = Partition.Split(n, Unit, threads, out job.PartSize);
            WorkerPool.Run(parts, threads, &SgdPart, &job);
        }
    }

    /// <summary>One Adam/AdamW update of <c>n</c> parameters; <paramref name="maxSecondMoment"/> is only touched with AMSGrad.</summary>
    /// <remarks>Split across threads like <see cref="SgdStep"/>, with the same independence of the result from the split.</remarks>
    public static void AdamStep(
        ref float parameter, ref float gradient, ref float firstMoment, ref float secondMoment, ref float maxSecondMoment, int n, in AdamCoefficients s)
    {
        int threads = Partition.Threads(n, MinParametersPerThread);
        if (threads <= 1)
        {
            AdamRange(ref parameter, ref gradient, ref firstMoment, ref secondMoment, ref maxSecondMoment, 0, n, s);
            return;
        }

        fixed (float* p = &parameter)
        fixed (float* g = &gradient)
        fixed (float* m = &firstMoment)
        fixed (float* v = &secondMoment)
        fixed (float* vMax = &maxSecondMoment)
        {
            AdamJob job = default;
            job.Parameter = p;
            job.Gradient = g;
            job.FirstMoment = m;
            job.SecondMoment = v;
            job.MaxSecondMoment = vMax;
            job.Coefficients = s;
            job.Length = n;
            int parts = Partition.Split(n, Unit, threads, out job.PartSize);
            WorkerPool.Run(parts, threads, &AdamPart, &job);
        }
    }

    private static void SgdPart(void* context, int part)
    {
        var job = (SgdJob*)context;
        int start = part * job->PartSize;
        int end = Math.Min(job->Length, start + job->PartSize);
        SgdRange(ref *job->Parameter, ref *job->Gradient, ref *job->Buffer, start, end, job->Coefficients);
    }

    private static void AdamPart(void* context, int part)
    {
        var job = (AdamJob*)context;
        int start = part * job->PartSize;
        int end = Math.Min(job->Length, start + job->PartSize);
        AdamRange(
            ref *job->Parameter, ref *job->Gradient, ref *job->FirstMoment, ref *job->SecondMoment, ref *job->MaxSecondMoment,
            start, end, job->Coefficients);
    }

    /// <summary>The SGD update of elements <c>[start, end)</c>: widest vectors, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SgdRange(ref float parameter, ref float gradient, ref float buffer, int start, int end, in SgdCoefficients s)
    {
        nuint i = (nuint)start;
        if (Vector512.IsHardwareAccelerated)
        {
            i = SgdPart<Simd512, Vector512<float>>(ref parameter, ref gradient, ref buffer, i, (nuint)end, s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = SgdPart<Simd256, Vector256<float>>(ref parameter, ref gradient, ref buffer, i, (nuint)end, s);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = SgdPart<Simd128, Vector128<float>>(ref parameter, ref gradient, ref buffer, i, (nuint)end, s);
        }

        SgdPart<ScalarOps, float>(ref parameter, ref gradient, ref buffer, i, (nuint)end, s);
    }

    /// <summary>The Adam update of elements <c>[start, end)</c>: widest vectors, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamRange(
        ref float parameter, ref float gradient, ref float firstMoment, ref float secondMoment, ref float maxSecondMoment, int start, int end, in AdamCoefficients s)
    {
        nuint i = (nuint)start;
        if (Vector512.IsHardwareAccelerated)
        {
            i = AdamPart<Simd512, Vector512<float>>(ref parameter, ref gradient, ref firstMoment, ref secondMoment, ref maxSecondMoment, i, (nuint)end, s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = AdamPart<Simd256, Vector256<float>>(ref parameter, ref gradient, ref firstMoment, ref secondMoment, ref maxSecondMoment, i, (nuint)end, s);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = AdamPart<Simd128, Vector128<float>>(ref parameter, ref gradient, ref firstMoment, ref secondMoment, ref maxSecondMoment, i, (nuint)end, s);
        }

        AdamPart<ScalarOps, float>(ref parameter, ref gradient, ref firstMoment, ref secondMoment, ref maxSecondMoment, i, (nuint)end, s);
    }

    private struct SgdJob
    {
        public float* Parameter;
        public float* Gradient;
        public float* Buffer;
        public SgdCoefficients Coefficients;
        public int Length;
        public int PartSize;
    }

    private struct AdamJob
    {
        public float* Parameter;
        public float* Gradient;
        public float* FirstMoment;
        public float* SecondMoment;
        public float* MaxSecondMoment;
        public AdamCoefficients Coefficients;
        public int Length;
        public int PartSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SgdPart<TOps, TVec>(ref float parameter, ref float gradient, ref float buffer, nuint start, nuint n, in SgdCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec weightDecay = TOps.Broadcast(s.WeightDecay);
        TVec momentum = TOps.Broadcast(s.Momentum);
        TVec oneMinusDampening = TOps.Broadcast(s.OneMinusDampening);
        TVec negativeLearningRate = TOps.Broadcast(-s.LearningRate);
        bool decay = s.WeightDecay != 0f;
        bool useMomentum = s.Momentum != 0f;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TVec p = TOps.Load(ref parameter, i);
            TVec g = TOps.Load(ref gradient, i);
            if (decay)
            {
                g = TOps.MultiplyAdd(p, weightDecay, g);                                  // d_p = d_p.add(param, alpha=wd)
            }

            if (useMomentum)
            {
                TVec b = s.FirstStep
                    ? g                                                                   // buf = clone(d_p)
                    : TOps.MultiplyAdd(g, oneMinusDampening, TOps.Multiply(TOps.Load(ref buffer, i), momentum)); // buf.mul_(m).add_(d_p, alpha=1-d)
                TOps.Store(b, ref buffer, i);
                g = s.Nesterov ? TOps.MultiplyAdd(b, momentum, g) : b;                    // d_p.add(buf, alpha=m) or buf
            }

            TOps.Store(TOps.MultiplyAdd(g, negativeLearningRate, p), ref parameter, i);  // param.add_(d_p, alpha=-lr)
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint AdamPart<TOps, TVec>(
        ref float parameter, ref float gradient, ref float firstMoment, ref float secondMoment, ref float maxSecondMoment,
        nuint start, nuint n, in AdamCoefficients s)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nuint count = (nuint)TOps.Count;
        TVec gradientDecay = TOps.Broadcast(s.GradientWeightDecay);
        TVec parameterScale = TOps.Broadcast(s.ParameterScale);
        TVec beta1 = TOps.Broadcast(s.Beta1);
        TVec oneMinusBeta1 = TOps.Broadcast(s.OneMinusBeta1);
        TVec beta2 = TOps.Broadcast(s.Beta2);
        TVec oneMinusBeta2 = TOps.Broadcast(s.OneMinusBeta2);
        TVec biasCorrection2Sqrt = TOps.Broadcast(s.BiasCorrection2Sqrt);
        TVec epsilon = TOps.Broadcast(s.Epsilon);
        TVec negativeStepSize = TOps.Broadcast(s.NegativeStepSize);
        bool coupledDecay = s.GradientWeightDecay != 0f;
        bool decoupledDecay = s.Decoupled;
        bool amsgrad = s.Amsgrad;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TVec p = TOps.Load(ref parameter, i);
            TVec g = TOps.Load(ref gradient, i);
            if (coupledDecay)
            {
                g = TOps.MultiplyAdd(p, gradientDecay, g);                                // grad = grad.add(param, alpha=wd)
            }

            if (decoupledDecay)
            {
                p = TOps.Multiply(p, parameterScale);                                     // param.mul_(1 - lr*wd)
            }

            TVec m = TOps.MultiplyAdd(g, oneMinusBeta1, TOps.Multiply(TOps.Load(ref firstMoment, i), beta1));     // exp_avg.mul_(b1).add_(grad, alpha=1-b1)
            TVec v = TOps.MultiplyAdd(TOps.Multiply(oneMinusBeta2, g), g, TOps.Multiply(TOps.Load(ref secondMoment, i), beta2)); // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1-b2): fma((1-b2)·g, g, ·), as PyTorch's CPU addcmul
            TOps.Store(m, ref firstMoment, i);
            TOps.Store(v, ref secondMoment, i);
            if (amsgrad)
            {
                v = TOps.Max(TOps.Load(ref maxSecondMoment, i), v);                       // torch.maximum(max_exp_avg_sq, exp_avg_sq)
                TOps.Store(v, ref maxSecondMoment, i);
            }

            TVec denominator = TOps.Add(TOps.Divide(TOps.Sqrt(v), biasCorrection2Sqrt), epsilon); // (v.sqrt() / sqrt(bc2)).add_(eps)
            TOps.Store(TOps.Add(p, TOps.Divide(TOps.Multiply(negativeStepSize, m), denominator)), ref parameter, i); // param.addcdiv_(m, denom, value=-step_size)
        }

        return i;
    }
}

/// <summary>
/// The float coefficients of one SGD step, computed in double by <see cref="Sgd"/>; <c>FirstStep</c> is whether the run's
/// momentum buffers start at this step (PyTorch's <c>momentum_buffer</c> is None: it becomes the gradient itself).
/// </summary>
internal readonly record struct SgdCoefficients(
    float LearningRate, float Momentum, float OneMinusDampening, float WeightDecay, bool Nesterov, bool FirstStep);

/// <summary>The float coefficients of one Adam or AdamW step, computed in double by <see cref="AdamBase"/>.</summary>
internal readonly record struct AdamCoefficients(
    float GradientWeightDecay,
    bool Decoupled,
    float ParameterScale,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float BiasCorrection2Sqrt,
    float Epsilon,
    float NegativeStepSize,
    bool Amsgrad);
