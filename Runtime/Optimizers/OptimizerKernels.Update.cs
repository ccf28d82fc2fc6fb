using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using StaticGrad.Threading;

namespace StaticGrad;

/// <content>The generic pass of an <see cref="IUpdateKernel{TCoefficients}"/> (RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam): widths, tail and threads.</content>
internal static unsafe partial class OptimizerKernels
{
    /// <summary>
    /// One update of <c>n</c> parameters by <typeparamref name="TKernel"/> with up to three state buffers (a buffer the
    /// kernel does not use may be passed as any other).
    /// </summary>
    /// <remarks>Split across threads like <see cref="SgdStep"/>, with the same independence of the result from the split.</remarks>
    public static void Update<TKernel, TCoefficients>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, int n, in TCoefficients s)
        where TKernel : IUpdateKernel<TCoefficients>
        where TCoefficients : unmanaged
    {
        int threads = Partition.Threads(n, MinParametersPerThread);
        if (threads <= 1)
        {
            UpdateRange<TKernel, TCoefficients>(ref parameter, ref gradient, ref state0, ref state1, ref state2, 0, n, s);
            return;
        }

        fixed (float* p = &parameter)
        fixed (float* g = &gradient)
        fixed (float* s0 = &state0)
        fixed (float* s1 = &state1)
        fixed (float* s2 = &state2)
        {
            UpdateJob<TCoefficients> job = default;
            job.Parameter = p;
            job.Gradient = g;
            job.State0 = s0;
            job.State1 = s1;
            job.State2 = s2;
            job.Coefficients = s;
            job.Length = n;
            int parts = Partition.Split(n, Unit, threads, out job.PartSize);
            WorkerPool.Run(parts, threads, &UpdatePart<TKernel, TCoefficients>, &job);
        }
    }

    private static void UpdatePart<TKernel, TCoefficients>(void* context, int part)
        where TKernel : IUpdateKernel<TCoefficients>
        where TCoefficients : unmanaged
    {
        var job = (UpdateJob<TCoefficients>*)context;
        int start = part * job->PartSize;
        int end = Math.Min(job->Length, start + job->PartSize);
        UpdateRange<TKernel, TCoefficients>(ref *job->Parameter, ref *job->Gradient, ref *job->State0, ref *job->State1, ref *job->State2, start, end, job->Coefficients);
    }

    /// <summary>The update of elements <c>[start, end)</c>: widest vectors, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange<TKernel, TCoefficients>(
        ref float parameter, ref float gradient, ref float state0, ref float state1, ref float state2, int start, int end, in TCoefficients s)
        where TKernel : IUpdateKernel<TCoefficients>
        where TCoefficients : unmanaged
    {
        nuint i = (nuint)start;
        if (Vector512.IsHardwareAccelerated)
        {
            i = TKernel.Update<Simd512, Vector512<float>>(ref parameter, ref gradient, ref state0, ref state1, ref state2, i, (nuint)end, s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = TKernel.Update<Simd256, Vector256<float>>(ref parameter, ref gradient, ref state0, ref state1, ref state2, i, (nuint)end, s);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = TKernel.Update<Simd128, Vector128<float>>(ref parameter, ref gradient, ref state0, ref state1, ref state2, i, (nuint)end, s);
        }

        TKernel.Update<ScalarOps, float>(ref parameter, ref gradient, ref state0, ref state1, ref state2, i, (nuint)end, s);
    }

    private struct UpdateJob<TCoefficients>
        where TCoefficients : unmanaged
    {
        public float* Parameter;
        public float* Gradient;
        public float* State0;
        public float* State1;
        public float* State2;
        public TCoefficients Coefficients;
        public int Length;
        public int PartSize;
    }
}
