using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Matrix-vector products for <see cref="Gemm"/> and <see cref="LinearForward"/> when A has only a few
/// rows (single-sample inference): <c>C[i, j] = act(A[i,:] · B[j,:] + bias[j])</c> with both operands read
/// in place along k, no packing. Eight rows of B share each load of the A row.
/// </summary>
/// <remarks>
/// Every output element is one vector accumulator <c>fma</c>-ed over the k vectors in order (the last one
/// partial, zero-filled), then summed across lanes, whichever group of rows of B it was computed in, so
/// results do not depend on how the columns are split across threads.
/// </remarks>
internal static unsafe class RowKernels
{
    /// <summary>Computes columns <c>[j0, j1)</c> of the <paramref name="m"/> rows of C, then the optional epilogue on them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows<TOps, TVec, TPartial>(
        float* a, float* b, float* c, float* bias, int m, int k, int n, int j0, int j1, bool epilogue, Activation activation)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        for (int i = 0; i < m; i++)
        {
            float* x = a + ((nint)i * k);
            float* y = c + ((nint)i * n);
            int j = j0;
            for (; j + 8 <= j1; j += 8)
            {
                Dot<TOps, TVec, TPartial, N8>(x, b + ((nint)j * k), k, y + j);
            }

            for (; j + 4 <= j1; j += 4)
            {
                Dot<TOps, TVec, TPartial, N4>(x, b + ((nint)j * k), k, y + j);
            }

            for (; j < j1; j++)
            {
                Dot<TOps, TVec, TPartial, N1>(x, b + ((nint)j * k), k, y + j);
            }

            if (epilogue)
            {
                Epilogue<TOps, TVec, TPartial>(y + j0, bias + j0, j1 - j0, activation);
            }
        }
    }

    /// <summary>The bias and activation on one output row, out of line so the dot-product loop stays small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Epilogue<TOps, TVec, TPartial>(float* y, float* bias, int count, Activation activation)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        switch (activation)
        {
            case Activation.ReLU:
                AddBiasAndActivate<TOps, TVec, TPartial, ReLUFunction>(y, bias, count);
                break;
            case Activation.Sigmoid:
                AddBiasAndActivate<TOps, TVec, TPartial, SigmoidFunction>(y, bias, count);
                break;
            case Activation.Tanh:
                AddBiasAndActivate<TOps, TVec, TPartial, TanhFunction>(y, bias, count);
                break;
            default:
                AddBiasAndActivate<TOps, TVec, TPartial, IdentityFunction>(y, bias, count);
                break;
        }
    }

    /// <summary><c>row[j] = act(row[j] + bias[j])</c> for <c>j &lt; count</c>, the tail as a partial vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddBiasAndActivate<TOps, TVec, TPartial, TAct>(float* row, float* bias, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TAct : struct, IActivationFunction
    {
        int lanes = TOps.Count;
        int j = 0;
        for (; j + lanes <= count; j += lanes)
        {
            TVec value = TOps.Add(TOps.Load(ref *row, (nuint)j), TOps.Load(ref *bias, (nuint)j));
            TOps.Store(TAct.Forward<TOps, TVec>(value), ref *row, (nuint)j);
        }

        if (j < count)
        {
            int rest = count - j;
            TVec value = TOps.Add(TPartial.Load(row + j, rest), TPartial.Load(bias + j, rest));
            TPartial.Store(row + j, TAct.Forward<TOps, TVec>(value), rest);
        }
    }

    /// <summary><c>result[r] = x · y_r</c> for the <typeparamref name="TRows"/> rows <c>y_r = y + r·k</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot<TOps, TVec, TPartial, TRows>(float* x, float* y, int k, float* result)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TRows : IConstant
    {
        int lanes = TOps.Count;
        TVec zero = TOps.Broadcast(0f);
        TVec s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
        float* y1 = y + k, y2 = y + (2 * k), y3 = y + (3 * k), y4 = y + (4 * k), y5 = y + (5 * k), y6 = y + (6 * k), y7 = y + (7 * k);
        int p = 0;
        for (; p + lanes <= k; p += lanes)
        {
            TVec xv = TOps.Load(ref *x, (nuint)p);
            s0 = TOps.MultiplyAdd(xv, TOps.Load(ref *y, (nuint)p), s0);
            if (TRows.Value > 1)
            {
                s1 = TOps.MultiplyAdd(xv, TOps.Load(ref *y1, (nuint)p), s1);
                s2 = TOps.MultiplyAdd(xv, TOps.Load(ref *y2, (nuint)p), s2);
                s3 = TOps.MultiplyAdd(xv, TOps.Load(ref *y3, (nuint)p), s3);
            }

            if (TRows.Value > 4)
            {
                s4 = TOps.MultiplyAdd(xv, TOps.Load(ref *y4, (nuint)p), s4);
                s5 = TOps.MultiplyAdd(xv, TOps.Load(ref *y5, (nuint)p), s5);
                s6 = TOps.MultiplyAdd(xv, TOps.Load(ref *y6, (nuint)p), s6);
                s7 = TOps.MultiplyAdd(xv, TOps.Load(ref *y7, (nuint)p), s7);
            }
        }

        if (p < k)
        {
            int rest = k - p;
            TVec xv = TPartial.Load(x + p, rest);
            s0 = TOps.MultiplyAdd(xv, TPartial.Load(y + p, rest), s0);
            if (TRows.Value > 1)
            {
                s1 = TOps.MultiplyAdd(xv, TPartial.Load(y1 + p, rest), s1);
                s2 = TOps.MultiplyAdd(xv, TPartial.Load(y2 + p, rest), s2);
                s3 = TOps.MultiplyAdd(xv, TPartial.Load(y3 + p, rest), s3);
            }

            if (TRows.Value > 4)
            {
                s4 = TOps.MultiplyAdd(xv, TPartial.Load(y4 + p, rest), s4);
                s5 = TOps.MultiplyAdd(xv, TPartial.Load(y5 + p, rest), s5);
                s6 = TOps.MultiplyAdd(xv, TPartial.Load(y6 + p, rest), s6);
                s7 = TOps.MultiplyAdd(xv, TPartial.Load(y7 + p, rest), s7);
            }
        }

        result[0] = TOps.Sum(s0);
        if (TRows.Value > 1)
        {
            result[1] = TOps.Sum(s1);
            result[2] = TOps.Sum(s2);
            result[3] = TOps.Sum(s3);
        }

        if (TRows.Value > 4)
        {
            result[4] = TOps.Sum(s4);
            result[5] = TOps.Sum(s5);
            result[6] = TOps.Sum(s6);
            result[7] = TOps.Sum(s7);
        }
    }
}
