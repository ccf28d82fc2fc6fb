using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>
/// The backward pass through an activation, with the derivative taken from the activation's output
/// <c>y</c>: ReLU <c>y &lt;= 0 ? 0 : 1</c> (the gradient passes where <c>y</c> is NaN, as in PyTorch), Sigmoid <c>y(1 - y)</c>, Tanh <c>1 - y²</c>, None <c>1</c>.
/// </summary>
public static class ActivationBackward
{
    /// <summary>
    /// In one pass over the rows, multiplies <paramref name="gradient"/> in place by the activation's
    /// derivative and writes the column sums of the result (the bias gradient) to <paramref name="biasGradient"/>.
    /// </summary>
    /// <param name="gradient">Row-major <c>[rows, cols]</c>: on entry dL/dy, on return dL/dx (the pre-activation gradient).</param>
    /// <param name="output">The activation's output <c>y</c>, row-major <c>[rows, cols]</c>.</param>
    /// <param name="biasGradient"><c>[cols]</c>; overwritten with <c>Σ_rows dL/dx</c> (zeros when <paramref name="rows"/> is 0).</param>
    /// <param name="rows">Rows (the batch); zero or more.</param>
    /// <param name="cols">Columns (the layer's outputs); positive.</param>
    /// <param name="activation">The activation whose derivative is applied.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void ApplyAndReduceBias(Span<float> gradient, ReadOnlySpan<float> output, Span<float> biasGradient, int rows, int cols, Activation activation)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(cols, nameof(cols));
        KernelGuard.Holds(gradient.Length, rows, cols, nameof(gradient), "rows*cols");
        KernelGuard.Holds(output.Length, rows, cols, nameof(output), "rows*cols");
        KernelGuard.Holds(biasGradient.Length, cols, nameof(biasGradient), "cols");

        switch (activation)
        {
            case Activation.None:
                ApplyAndReduceBias<IdentityFunction>(gradient, output, biasGradient, rows, cols);
                break;
            case Activation.ReLU:
                ApplyAndReduceBias<ReLUFunction>(gradient, output, biasGradient, rows, cols);
                break;
            case Activation.Sigmoid:
                ApplyAndReduceBias<SigmoidFunction>(gradient, output, biasGradient, rows, cols);
                break;
            case Activation.Tanh:
                ApplyAndReduceBias<TanhFunction>(gradient, output, biasGradient, rows, cols);
                break;
            default:
                KernelGuard.ThrowUnknownActivation(activation);
                break;
        }
    }

    /// <summary>Multiplies <paramref name="gradient"/> in place by the activation's derivative, elementwise.</summary>
    /// <param name="gradient">On entry dL/dy, on return dL/dx; at least <paramref name="length"/> elements.</param>
    /// <param name="output">The activation's output <c>y</c>; at least <paramref name="length"/> elements.</param>
    /// <param name="length">The number of elements; zero or more.</param>
    /// <param name="activation">The activation whose derivative is applied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Apply(Span<float> gradient, ReadOnlySpan<float> output, int length, Activation activation)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(gradient.Length, length, nameof(gradient), "length");
        KernelGuard.Holds(output.Length, length, nameof(output), "length");

        switch (activation)
        {
            case Activation.None:
                break;
            case Activation.ReLU:
                Apply<ReLUFunction>(gradient, output, length);
                break;
            case Activation.Sigmoid:
                Apply<SigmoidFunction>(gradient, output, length);
                break;
            case Activation.Tanh:
                Apply<TanhFunction>(gradient, output, length);
                break;
            default:
                KernelGuard.ThrowUnknownActivation(activation);
                break;
        }
    }

    /// <summary>
    /// Elements a thread must get before <see cref="ApplyAndReduceBias(Span{float}, ReadOnlySpan{float}, Span{float}, int, int, Activation)"/>
    /// or <see cref="Apply(Span{float}, ReadOnlySpan{float}, int, Activation)"/> is split across threads (a few microseconds of work).
    /// </summary>
    internal const long MinElementsPerThread = 32768;

    /// <summary>
    /// Splits the columns across threads when the matrix is large: each thread owns whole columns, so every
    /// column sum still runs down the rows in order and the result does not depend on the split.
    /// </summary>
    private static unsafe void ApplyAndReduceBias<TAct>(Span<float> gradient, ReadOnlySpan<float> output, Span<float> biasGradient, int rows, int cols)
        where TAct : struct, IActivationFunction
    {
        int threads = Partition.Threads((long)rows * cols, MinElementsPerThread);
        if (threads <= 1)
        {
            ApplyAndReduceBiasColumns<TAct>(
                ref MemoryMarshal.GetReference(gradient), ref MemoryMarshal.GetReference(output), ref MemoryMarshal.GetReference(biasGradient), rows, cols, 0, cols);
            return;
        }

        fixed (float* g = gradient)
        fixed (float* y = output)
        fixed (float* sum = biasGradient)
        {
            BackwardJob job = default;
            job.Gradient = g;
            job.Output = y;
            job.Sum = sum;
            job.Rows = rows;
            job.Cols = cols;
            int parts = Partition.Split(cols, 16, threads, out job.PartSize);
            WorkerPool.Run(parts, threads, &ApplyAndReduceBiasPart<TAct>, &job);
        }
    }

    private static unsafe void ApplyAndReduceBiasPart<TAct>(void* context, int part)
        where TAct : struct, IActivationFunction
    {
        var job = (BackwardJob*)context;
        int start = part * job->PartSize;
        int end = Math.Min(job->Cols, start + job->PartSize);
        ApplyAndReduceBiasColumns<TAct>(ref *job->Gradient, ref *job->Output, ref *job->Sum, job->Rows, job->Cols, start, end);
    }

    /// <summary>Columns <c>[start, end)</c> of every row: <c>g *= f'(y)</c>, <c>sum += g</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyAndReduceBiasColumns<TAct>(ref float g0, ref float y0, ref float sum0, int rows, int cols, int start, int end)
        where TAct : struct, IActivationFunction
    {
        ref float sum = ref Unsafe.Add(ref sum0, start);
        for (int c = start; c < end; c++)
        {
            Unsafe.Add(ref sum0, c) = 0f;
        }

        nuint n = (nuint)(end - start);
        for (int r = 0; r < rows; r++)
        {
            ref float g = ref Unsafe.Add(ref g0, ((nint)r * cols) + start);
            ref float y = ref Unsafe.Add(ref y0, ((nint)r * cols) + start);
            nuint i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                i = ApplyPart<TAct, Simd512, Vector512<float>, Accumulate>(ref g, ref y, ref sum, 0, n);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                i = ApplyPart<TAct, Simd256, Vector256<float>, Accumulate>(ref g, ref y, ref sum, 0, n);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                i = ApplyPart<TAct, Simd128, Vector128<float>, Accumulate>(ref g, ref y, ref sum, 0, n);
            }

            ApplyPart<TAct, ScalarOps, float, Accumulate>(ref g, ref y, ref sum, i, n);
        }
    }

    /// <summary>
    /// Splits long arrays across threads in ranges of whole 16-float vectors: every element takes the same operations
    /// whichever part, vector or scalar tail computes it, so the result does not depend on the split.
    /// </summary>
    private static unsafe void Apply<TAct>(Span<float> gradient, ReadOnlySpan<float> output, int length)
        where TAct : struct, IActivationFunction
    {
        int threads = Partition.Threads(length, MinElementsPerThread);
        if (threads <= 1)
        {
            Apply<TAct>(ref MemoryMarshal.GetReference(gradient), ref MemoryMarshal.GetReference(output), length);
            return;
        }

        fixed (float* g = gradient)
        fixed (float* y = output)
        {
            BackwardJob job = default;
            job.Gradient = g;
            job.Output = y;
            job.Cols = length;
            int parts = Partition.Split(length, 16, threads, out job.PartSize);
            WorkerPool.Run(parts, threads, &ApplyRange<TAct>, &job);
        }
    }

    private static unsafe void ApplyRange<TAct>(void* context, int part)
        where TAct : struct, IActivationFunction
    {
        var job = (BackwardJob*)context;
        int start = part * job->PartSize;
        int end = Math.Min(job->Cols, start + job->PartSize);
        Apply<TAct>(ref job->Gradient[start], ref job->Output[start], end - start);
    }

    private static void Apply<TAct>(ref float g, ref float y, int length)
        where TAct : struct, IActivationFunction
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            i = ApplyPart<TAct, Simd512, Vector512<float>, DoNotAccumulate>(ref g, ref y, ref g, 0, (nuint)length);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = ApplyPart<TAct, Simd256, Vector256<float>, DoNotAccumulate>(ref g, ref y, ref g, 0, (nuint)length);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            i = ApplyPart<TAct, Simd128, Vector128<float>, DoNotAccumulate>(ref g, ref y, ref g, 0, (nuint)length);
        }

        ApplyPart<TAct, ScalarOps, float, DoNotAccumulate>(ref g, ref y, ref g, i, (nuint)length);
    }

    /// <summary><c>g[i] = g[i]·f'(y[i])</c>, and when <typeparamref name="TSum"/> says so, <c>sum[i] += g[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint ApplyPart<TAct, TOps, TVec, TSum>(ref float g, ref float y, ref float sum, nuint start, nuint n)
        where TAct : struct, IActivationFunction
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TSum : struct, IFlag
    {
        nuint count = (nuint)TOps.Count;
        nuint i = start;
        for (; i + count <= n; i += count)
        {
            TVec result = TAct.Backward<TOps, TVec>(TOps.Load(ref g, i), TOps.Load(ref y, i));
            TOps.Store(result, ref g, i);
            if (TSum.Value)
            {
                TOps.Store(TOps.Add(TOps.Load(ref sum, i), result), ref sum, i);
            }
        }

        return i;
    }

    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Accumulate : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct DoNotAccumulate : IFlag
    {
        public static bool Value => false;
    }

    private unsafe struct BackwardJob
    {
        public float* Gradient;
        public float* Output;
        public float* Sum;
        public int Rows;
        public int Cols;
        public int PartSize;
    }
}
