using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// The register-tiled microkernel of <see cref="Gemm"/>, written once for every vector width: an
/// <c>h × (v·L)</c> tile of C (<c>h</c> = <c>TRows</c> rows, <c>v</c> = <c>TCols</c>
/// vectors of <c>L</c> = <c>TOps.Count</c> floats) is held in <c>h·v</c> accumulator registers while
/// <c>kc</c> rank-1 updates stream past: per step, <c>v</c> vector loads of the packed B panel, <c>h</c>
/// broadcasts from the packed A sliver and <c>h·v</c> fused multiply-adds. With Vector512 the full tile is
/// 12 × 32 (24 accumulators of the 32 zmm registers); with Vector256 it is 6 × 16 (12 of 16 ymm).
/// </summary>
/// <remarks>
/// <para>
/// Every element of C is computed the same way whatever the tile, panel, thread or part: per k block,
/// <c>acc = 0; acc = fma(a[i,p], b[p,j], acc)</c> for <c>p</c> in order, then <c>c = acc</c> on the first
/// block or <c>c = c + acc</c> after it, then on the last block <c>c = act(c + bias[j])</c> when an
/// epilogue is requested. Padding rows and columns of the packed operands are zeros and are never stored.
/// This is what makes results independent of the thread count.
/// </para>
/// <para>
/// The generic arguments are structs, so the JIT emits one specialized body per combination with the
/// untaken rows and columns removed (the <c>if (TRows.Value &gt; r)</c> tests are JIT-time constants).
/// </para>
/// </remarks>
internal static unsafe class GemmTile
{
    /// <summary>Add the existing C to the accumulators (every k block after the first).</summary>
    public const int Accumulate = 1;

    /// <summary>Apply the epilogue <c>act(c + bias)</c> (the last k block of a fused linear layer).</summary>
    public const int Epilogue = 2;

    /// <summary>
    /// <c>C[rows, cols] (+)= Ap · Bp</c> over <paramref name="kc"/> steps (the epilogue, if any, is applied by <see cref="Finish"/>).
    /// </summary>
    /// <param name="kc">Depth of this k block; positive.</param>
    /// <param name="a">Packed A sliver: <c>TRows.Value</c> floats per step, zero past <paramref name="rows"/>.</param>
    /// <param name="b">Packed B panel: <c>TCols.Value·TOps.Count</c> floats per step, zero past <paramref name="cols"/>.</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Row stride of C in floats.</param>
    /// <param name="rows">Rows to store, 1 to <c>TRows.Value</c>.</param>
    /// <param name="cols">Columns to store, 1 to the panel width.</param>
    /// <param name="flags"><see cref="Accumulate"/> and/or <see cref="Epilogue"/>.</param>
    /// <param name="park">Room for <c>TRows.Value</c> × panel-width floats, where an edge tile or a tile with an epilogue is left for <see cref="Finish"/>.</param>
    /// <returns>True if the tile was stored to C; false if it was parked and <see cref="Finish"/> must store it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Run<TOps, TVec, TPartial, TRows, TCols>(
        int kc, float* a, float* b, float* c, nint ldc, int rows, int cols, int flags, float* park)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TRows : IConstant
        where TCols : IConstant
    {
        int lanes = TOps.Count;
        TVec zero = TOps.Broadcast(0f);
        TVec c0_0 = zero, c0_1 = zero,
            c1_0 = zero, c1_1 = zero,
            c2_0 = zero, c2_1 = zero,
            c3_0 = zero, c3_1 = zero,
            c4_0 = zero, c4_1 = zero,
            c5_0 = zero, c5_1 = zero,
            c6_0 = zero, c6_1 = zero,
            c7_0 = zero, c7_1 = zero,
            c8_0 = zero, c8_1 = zero,
            c9_0 = zero, c9_1 = zero,
            c10_0 = zero, c10_1 = zero,
            c11_0 = zero, c11_1 = zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.Load(ref *b, 0);
            TVec b1 = TCols.Value > 1 ? TOps.Load(ref *b, (nuint)lanes) : zero;
            TVec x;
            x = TOps.Broadcast(a[0]);
            c0_0 = TOps.MultiplyAdd(x, b0, c0_0);
            if (TCols.Value > 1)
            {
                c0_1 = TOps.MultiplyAdd(x, b1, c0_1);
            }

            if (TRows.Value > 1)
            {
                x = TOps.Broadcast(a[1]);
                c1_0 = TOps.MultiplyAdd(x, b0, c1_0);
                if (TCols.Value > 1)
                {
                    c1_1 = TOps.MultiplyAdd(x, b1, c1_1);
                }
            }

            if (TRows.Value > 2)
            {
                x = TOps.Broadcast(a[2]);
                c2_0 = TOps.MultiplyAdd(x, b0, c2_0);
                if (TCols.Value > 1)
                {
                    c2_1 = TOps.MultiplyAdd(x, b1, c2_1);
                }
            }

            if (TRows.Value > 3)
            {
                x = TOps.Broadcast(a[3]);
                c3_0 = TOps.MultiplyAdd(x, b0, c3_0);
                if (TCols.Value > 1)
                {
                    c3_1 = TOps.MultiplyAdd(x, b1, c3_1);
                }
            }

            if (TRows.Value > 4)
            {
                x = TOps.Broadcast(a[4]);
                c4_0 = TOps.MultiplyAdd(x, b0, c4_0);
                if (TCols.Value > 1)
                {
                    c4_1 = TOps.MultiplyAdd(x, b1, c4_1);
                }
            }

            if (TRows.Value > 5)
            {
                x = TOps.Broadcast(a[5]);
                c5_0 = TOps.MultiplyAdd(x, b0, c5_0);
                if (TCols.Value > 1)
                {
                    c5_1 = TOps.MultiplyAdd(x, b1, c5_1);
                }
            }

            if (TRows.Value > 6)
            {
                x = TOps.Broadcast(a[6]);
                c6_0 = TOps.MultiplyAdd(x, b0, c6_0);
                if (TCols.Value > 1)
                {
                    c6_1 = TOps.MultiplyAdd(x, b1, c6_1);
                }
            }

            if (TRows.Value > 7)
            {
                x = TOps.Broadcast(a[7]);
                c7_0 = TOps.MultiplyAdd(x, b0, c7_0);
                if (TCols.Value > 1)
                {
                    c7_1 = TOps.MultiplyAdd(x, b1, c7_1);
                }
            }

            if (TRows.Value > 8)
            {
                x = TOps.Broadcast(a[8]);
                c8_0 = TOps.MultiplyAdd(x, b0, c8_0);
                if (TCols.Value > 1)
                {
                    c8_1 = TOps.MultiplyAdd(x, b1, c8_1);
                }
            }

            if (TRows.Value > 9)
            {
                x = TOps.Broadcast(a[9]);
                c9_0 = TOps.MultiplyAdd(x, b0, c9_0);
                if (TCols.Value > 1)
                {
                    c9_1 = TOps.MultiplyAdd(x, b1, c9_1);
                }
            }

            if (TRows.Value > 10)
            {
                x = TOps.Broadcast(a[10]);
                c10_0 = TOps.MultiplyAdd(x, b0, c10_0);
                if (TCols.Value > 1)
                {
                    c10_1 = TOps.MultiplyAdd(x, b1, c10_1);
                }
            }

            if (TRows.Value > 11)
            {
                x = TOps.Broadcast(a[11]);
                c11_0 = TOps.MultiplyAdd(x, b0, c11_0);
                if (TCols.Value > 1)
                {
                    c11_1 = TOps.MultiplyAdd(x, b1, c11_1);
                }
            }

            a += TRows.Value;
            b += TCols.Value * lanes;
        }

        // A full tile without epilogue goes straight to C (c = acc, or c = c + acc); anything else is parked
        // in the caller's buffer for Finish. Three straight-line store sequences, no call and no branch per
        // row: either would make the JIT keep the accumulators on the stack inside the loop.
        int width = TCols.Value * lanes;
        if (rows == TRows.Value && cols >= width && (flags & Epilogue) == 0)
        {
            if ((flags & Accumulate) != 0)
            {
                AddRow<TOps, TVec, TCols>(c + (0 * ldc), c0_0, c0_1);

                if (TRows.Value > 1)
                {
                    AddRow<TOps, TVec, TCols>(c + (1 * ldc), c1_0, c1_1);
                }

                if (TRows.Value > 2)
                {
                    AddRow<TOps, TVec, TCols>(c + (2 * ldc), c2_0, c2_1);
                }

                if (TRows.Value > 3)
                {
                    AddRow<TOps, TVec, TCols>(c + (3 * ldc), c3_0, c3_1);
                }

                if (TRows.Value > 4)
                {
                    AddRow<TOps, TVec, TCols>(c + (4 * ldc), c4_0, c4_1);
                }

                if (TRows.Value > 5)
                {
                    AddRow<TOps, TVec, TCols>(c + (5 * ldc), c5_0, c5_1);
                }

                if (TRows.Value > 6)
                {
                    AddRow<TOps, TVec, TCols>(c + (6 * ldc), c6_0, c6_1);
                }

                if (TRows.Value > 7)
                {
                    AddRow<TOps, TVec, TCols>(c + (7 * ldc), c7_0, c7_1);
                }

                if (TRows.Value > 8)
                {
                    AddRow<TOps, TVec, TCols>(c + (8 * ldc), c8_0, c8_1);
                }

                if (TRows.Value > 9)
                {
                    AddRow<TOps, TVec, TCols>(c + (9 * ldc), c9_0, c9_1);
                }

                if (TRows.Value > 10)
                {
                    AddRow<TOps, TVec, TCols>(c + (10 * ldc), c10_0, c10_1);
                }

                if (TRows.Value > 11)
                {
                    AddRow<TOps, TVec, TCols>(c + (11 * ldc), c11_0, c11_1);
                }
            }
            else
            {
                SetRow<TOps, TVec, TCols>(c + (0 * ldc), c0_0, c0_1);

                if (TRows.Value > 1)
                {
                    SetRow<TOps, TVec, TCols>(c + (1 * ldc), c1_0, c1_1);
                }

                if (TRows.Value > 2)
                {
                    SetRow<TOps, TVec, TCols>(c + (2 * ldc), c2_0, c2_1);
                }

                if (TRows.Value > 3)
                {
                    SetRow<TOps, TVec, TCols>(c + (3 * ldc), c3_0, c3_1);
                }

                if (TRows.Value > 4)
                {
                    SetRow<TOps, TVec, TCols>(c + (4 * ldc), c4_0, c4_1);
                }

                if (TRows.Value > 5)
                {
                    SetRow<TOps, TVec, TCols>(c + (5 * ldc), c5_0, c5_1);
                }

                if (TRows.Value > 6)
                {
                    SetRow<TOps, TVec, TCols>(c + (6 * ldc), c6_0, c6_1);
                }

                if (TRows.Value > 7)
                {
                    SetRow<TOps, TVec, TCols>(c + (7 * ldc), c7_0, c7_1);
                }

                if (TRows.Value > 8)
                {
                    SetRow<TOps, TVec, TCols>(c + (8 * ldc), c8_0, c8_1);
                }

                if (TRows.Value > 9)
                {
                    SetRow<TOps, TVec, TCols>(c + (9 * ldc), c9_0, c9_1);
                }

                if (TRows.Value > 10)
                {
                    SetRow<TOps, TVec, TCols>(c + (10 * ldc), c10_0, c10_1);
                }

                if (TRows.Value > 11)
                {
                    SetRow<TOps, TVec, TCols>(c + (11 * ldc), c11_0, c11_1);
                }
            }

            return true;
        }

        SetRow<TOps, TVec, TCols>(park + (0 * width), c0_0, c0_1);

        if (TRows.Value > 1)
        {
            SetRow<TOps, TVec, TCols>(park + (1 * width), c1_0, c1_1);
        }

        if (TRows.Value > 2)
        {
            SetRow<TOps, TVec, TCols>(park + (2 * width), c2_0, c2_1);
        }

        if (TRows.Value > 3)
        {
            SetRow<TOps, TVec, TCols>(park + (3 * width), c3_0, c3_1);
        }

        if (TRows.Value > 4)
        {
            SetRow<TOps, TVec, TCols>(park + (4 * width), c4_0, c4_1);
        }

        if (TRows.Value > 5)
        {
            SetRow<TOps, TVec, TCols>(park + (5 * width), c5_0, c5_1);
        }

        if (TRows.Value > 6)
        {
            SetRow<TOps, TVec, TCols>(park + (6 * width), c6_0, c6_1);
        }

        if (TRows.Value > 7)
        {
            SetRow<TOps, TVec, TCols>(park + (7 * width), c7_0, c7_1);
        }

        if (TRows.Value > 8)
        {
            SetRow<TOps, TVec, TCols>(park + (8 * width), c8_0, c8_1);
        }

        if (TRows.Value > 9)
        {
            SetRow<TOps, TVec, TCols>(park + (9 * width), c9_0, c9_1);
        }

        if (TRows.Value > 10)
        {
            SetRow<TOps, TVec, TCols>(park + (10 * width), c10_0, c10_1);
        }

        if (TRows.Value > 11)
        {
            SetRow<TOps, TVec, TCols>(park + (11 * width), c11_0, c11_1);
        }

        return false;
    }

    /// <summary>One full row: <c>c = acc</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetRow<TOps, TVec, TCols>(float* c, TVec acc0, TVec acc1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TCols : IConstant
    {
        TOps.Store(acc0, ref *c, 0);
        if (TCols.Value > 1)
        {
            TOps.Store(acc1, ref *c, (nuint)TOps.Count);
        }
    }

    /// <summary>One full row: <c>c = c + acc</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TOps, TVec, TCols>(float* c, TVec acc0, TVec acc1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TCols : IConstant
    {
        TOps.Store(TOps.Add(TOps.Load(ref *c, 0), acc0), ref *c, 0);
        if (TCols.Value > 1)
        {
            TOps.Store(TOps.Add(TOps.Load(ref *c, (nuint)TOps.Count), acc1), ref *c, (nuint)TOps.Count);
        }
    }

    /// <summary>
    /// Stores the valid part of a tile <see cref="Run"/> parked: <c>c = (flags has Accumulate ? c + acc : acc)</c>,
    /// then with <see cref="Epilogue"/> <c>c = act(c + bias)</c>, the activation chosen once per tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Finish<TOps, TVec, TPartial, TCols>(
        float* tile, int width, float* c, nint ldc, int rows, int cols, int flags, float* bias, Activation activation)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TCols : IConstant
    {
        switch ((flags & Epilogue) == 0 ? Activation.None : activation)
        {
            case Activation.ReLU:
                StoreTileWith<TOps, TVec, TPartial, TCols, ReLUFunction>(tile, width, c, ldc, rows, cols, flags, bias);
                break;
            case Activation.Sigmoid:
                StoreTileWith<TOps, TVec, TPartial, TCols, SigmoidFunction>(tile, width, c, ldc, rows, cols, flags, bias);
                break;
            case Activation.Tanh:
                StoreTileWith<TOps, TVec, TPartial, TCols, TanhFunction>(tile, width, c, ldc, rows, cols, flags, bias);
                break;
            default:
                StoreTileWith<TOps, TVec, TPartial, TCols, IdentityFunction>(tile, width, c, ldc, rows, cols, flags, bias);
                break;
        }
    }

    /// <summary>
    /// <see cref="Finish"/> with one activation. Compiled optimized at its first call and on its own: a fresh process's
    /// tier-0 code calls every vector helper, and one method holding all four activations' rows inlined went over the
    /// JIT's inlining budget, which left its stores as tier-0 calls. LeNet-5's 64 × 120 × 84 forward product took 36 µs
    /// on one thread for its first few hundred calls against 15.6 µs tiered up.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void StoreTileWith<TOps, TVec, TPartial, TCols, TAct>(
        float* tile, int width, float* c, nint ldc, int rows, int cols, int flags, float* bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TCols : IConstant
        where TAct : struct, IActivationFunction
    {
        int lanes = TOps.Count;
        for (int r = 0; r < rows; r++)
        {
            TVec acc0 = TOps.Load(ref tile[r * width], 0);
            TVec acc1 = TCols.Value > 1 ? TOps.Load(ref tile[r * width], (nuint)lanes) : acc0;
            StoreRowWith<TOps, TVec, TPartial, TCols, TAct>(c + (r * ldc), acc0, acc1, cols, flags, bias);
        }
    }

    /// <summary>Writes one row: <c>c = (flags has Accumulate ? c + acc : acc)</c>, then <c>act(c + bias)</c> with <see cref="Epilogue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRowWith<TOps, TVec, TPartial, TCols, TAct>(float* c, TVec acc0, TVec acc1, int cols, int flags, float* bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TCols : IConstant
        where TAct : struct, IActivationFunction
    {
        int lanes = TOps.Count;
        if (cols >= TCols.Value * lanes)
        {
            TOps.Store(Combine<TOps, TVec, TPartial, TAct>(acc0, TOps.Load(ref *c, 0), flags, bias, lanes), ref *c, 0);
            if (TCols.Value > 1)
            {
                TOps.Store(Combine<TOps, TVec, TPartial, TAct>(acc1, TOps.Load(ref *c, (nuint)lanes), flags, bias + lanes, lanes), ref *c, (nuint)lanes);
            }

            return;
        }

        StorePartial<TOps, TVec, TPartial, TAct>(c, acc0, cols, flags, bias);
        if (TCols.Value > 1 && cols > lanes)
        {
            StorePartial<TOps, TVec, TPartial, TAct>(c + lanes, acc1, cols - lanes, flags, bias + lanes);
        }
    }

    /// <summary>Stores the first <c>min(count, lanes)</c> lanes of one accumulator through the partial-vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePartial<TOps, TVec, TPartial, TAct>(float* c, TVec acc, int count, int flags, float* bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TAct : struct, IActivationFunction
    {
        if (count >= TOps.Count)
        {
            TOps.Store(Combine<TOps, TVec, TPartial, TAct>(acc, TOps.Load(ref *c, 0), flags, bias, TOps.Count), ref *c, 0);
            return;
        }

        TVec old = (flags & Accumulate) != 0 ? TPartial.Load(c, count) : acc;
        TPartial.Store(c, Combine<TOps, TVec, TPartial, TAct>(acc, old, flags, bias, count), count);
    }

    /// <summary>The per-element epilogue shared by full and partial stores, so both round identically.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Combine<TOps, TVec, TPartial, TAct>(TVec acc, TVec old, int flags, float* bias, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
        where TAct : struct, IActivationFunction
    {
        TVec value = (flags & Accumulate) != 0 ? TOps.Add(old, acc) : acc;
        if ((flags & Epilogue) != 0)
        {
            return TAct.Forward<TOps, TVec>(TOps.Add(value, LoadBias<TOps, TVec, TPartial>(bias, count)));
        }

        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec LoadBias<TOps, TVec, TPartial>(float* bias, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        if (count >= TOps.Count)
        {
            return TOps.Load(ref *bias, 0);
        }

        return TPartial.Load(bias, count);
    }
}
