using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Matrix-vector products for <see cref="Gemm"/> and <see cref="LinearForward"/> when A has only a few
/// rows (single-sample inference): <c>C[i, j] = act(A[i,:] · B[j,:] + bias[j])</c> with both operands read
/// in place along k, no packing. Eight rows of B share each load of the A row.
/// </summary>
/// <remarks>
/// Every output element is accumulated in 16 logical float lanes whatever the vector width (one Vector512,
/// two Vector256 or four Vector128 accumulators): lane <c>l</c> is <c>fma</c>-ed with the products
/// <c>p ≡ l (mod 16)</c> in order of <c>p</c>, the last 16 zero-filled, then the lanes are summed in the
/// fixed tree of <see cref="ISimdOps{TVec}.Sum"/>. So results depend neither on how the columns are split
/// across threads nor on the instruction set (given <see cref="Simd.HasFma"/>).
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

            // Eight rows of B at once only where that is 8 accumulators (Vector512); 4 rows otherwise.
            for (; TOps.Count == LogicalLanes && j + 8 <= j1; j += 8)
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

    /// <summary>The logical lanes of every dot product.</summary>
    private const int LogicalLanes = 16;

    /// <summary><c>result[r] = x · y_r</c> for the <typeparamref name="TRows"/> rows <c>y_r = y + r·k</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot<TOps, TVec, TPartial, TRows>(float* x, float* y, int k, float* result)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TRows : IConstant
    {
        Lanes<TVec> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        float* y1 = y + k, y2 = y + (2 * k), y3 = y + (3 * k), y4 = y + (4 * k), y5 = y + (5 * k), y6 = y + (6 * k), y7 = y + (7 * k);
        int p = 0;
        for (; p + LogicalLanes <= k; p += LogicalLanes)
        {
            Lanes<TVec> xv = Lanes<TVec>.Load<TOps, TPartial>(x + p, LogicalLanes);
            s0.MultiplyAdd<TOps, TPartial>(xv, y + p, LogicalLanes);
            if (TRows.Value > 1)
            {
                s1.MultiplyAdd<TOps, TPartial>(xv, y1 + p, LogicalLanes);
                s2.MultiplyAdd<TOps, TPartial>(xv, y2 + p, LogicalLanes);
                s3.MultiplyAdd<TOps, TPartial>(xv, y3 + p, LogicalLanes);
            }

            if (TRows.Value > 4)
            {
                s4.MultiplyAdd<TOps, TPartial>(xv, y4 + p, LogicalLanes);
                s5.MultiplyAdd<TOps, TPartial>(xv, y5 + p, LogicalLanes);
                s6.MultiplyAdd<TOps, TPartial>(xv, y6 + p, LogicalLanes);
                s7.MultiplyAdd<TOps, TPartial>(xv, y7 + p, LogicalLanes);
            }
        }

        if (p < k)
        {
            int rest = k - p;
            Lanes<TVec> xv = Lanes<TVec>.Load<TOps, TPartial>(x + p, rest);
            s0.MultiplyAdd<TOps, TPartial>(xv, y + p, rest);
            if (TRows.Value > 1)
            {
                s1.MultiplyAdd<TOps, TPartial>(xv, y1 + p, rest);
                s2.MultiplyAdd<TOps, TPartial>(xv, y2 + p, rest);
                s3.MultiplyAdd<TOps, TPartial>(xv, y3 + p, rest);
            }

            if (TRows.Value > 4)
            {
                s4.MultiplyAdd<TOps, TPartial>(xv, y4 + p, rest);
                s5.MultiplyAdd<TOps, TPartial>(xv, y5 + p, rest);
                s6.MultiplyAdd<TOps, TPartial>(xv, y6 + p, rest);
                s7.MultiplyAdd<TOps, TPartial>(xv, y7 + p, rest);
            }
        }

        result[0] = s0.Sum<TOps>();
        if (TRows.Value > 1)
        {
            result[1] = s1.Sum<TOps>();
            result[2] = s2.Sum<TOps>();
            result[3] = s3.Sum<TOps>();
        }

        if (TRows.Value > 4)
        {
            result[4] = s4.Sum<TOps>();
            result[5] = s5.Sum<TOps>();
            result[6] = s6.Sum<TOps>();
            result[7] = s7.Sum<TOps>();
        }
    }

    /// <summary>
    /// 16 logical floats as <c>16 / TOps.Count</c> vectors (<c>TOps.Count</c> is 16, 8 or 4; the unused fields
    /// are removed by the JIT, the <c>TOps.Count</c> tests being JIT-time constants).
    /// </summary>
    private struct Lanes<TVec>
        where TVec : struct
    {
        private TVec _v0, _v1, _v2, _v3;

        /// <summary>Loads <paramref name="count"/> (at most 16) floats, zeros after them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Lanes<TVec> Load<TOps, TPartial>(float* source, int count)
            where TOps : ISimdOps<TVec>
            where TPartial : IPartialVector<TVec>
        {
            int width = TOps.Count;
            Lanes<TVec> lanes = default;
            lanes._v0 = Part<TOps, TPartial>(source, count, 0);
            if (width < LogicalLanes)
            {
                lanes._v1 = Part<TOps, TPartial>(source, count, width);
            }

            if (width < LogicalLanes / 2)
            {
                lanes._v2 = Part<TOps, TPartial>(source, count, 2 * width);
                lanes._v3 = Part<TOps, TPartial>(source, count, 3 * width);
            }

            return lanes;
        }

        /// <summary><c>this = fma(x, y, this)</c> lane by lane, <paramref name="y"/> loaded as in <see cref="Load"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void MultiplyAdd<TOps, TPartial>(in Lanes<TVec> x, float* y, int count)
            where TOps : ISimdOps<TVec>
            where TPartial : IPartialVector<TVec>
        {
            int width = TOps.Count;
            _v0 = TOps.MultiplyAdd(x._v0, Part<TOps, TPartial>(y, count, 0), _v0);
            if (width < LogicalLanes)
            {
                _v1 = TOps.MultiplyAdd(x._v1, Part<TOps, TPartial>(y, count, width), _v1);
            }

            if (width < LogicalLanes / 2)
            {
                _v2 = TOps.MultiplyAdd(x._v2, Part<TOps, TPartial>(y, count, 2 * width), _v2);
                _v3 = TOps.MultiplyAdd(x._v3, Part<TOps, TPartial>(y, count, 3 * width), _v3);
            }
        }

        /// <summary>The 16 lanes summed in the tree of <see cref="ISimdOps{TVec}.Sum"/> over a 16-lane vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly float Sum<TOps>()
            where TOps : ISimdOps<TVec>
        {
            int width = TOps.Count;
            if (width == LogicalLanes)
            {
                return TOps.Sum(_v0);
            }

            // Lane j + lane j+8 first: the second half of the 16 onto the first, as a 16-lane vector reduces.
            return width == LogicalLanes / 2
                ? TOps.Sum(TOps.Add(_v0, _v1))
                : TOps.Sum(TOps.Add(TOps.Add(_v0, _v2), TOps.Add(_v1, _v3)));
        }

        /// <summary>Floats <c>[offset, offset + width)</c> of the first <paramref name="count"/>, zero-filled.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Part<TOps, TPartial>(float* source, int count, int offset)
            where TOps : ISimdOps<TVec>
            where TPartial : IPartialVector<TVec>
        {
            int width = TOps.Count;
            return count >= offset + width ? TOps.Load(ref source[offset], 0)
                : count > offset ? TPartial.Load(source + offset, count - offset)
                : TOps.Broadcast(0f);
        }
    }
}
