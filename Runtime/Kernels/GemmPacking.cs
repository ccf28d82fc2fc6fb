using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// Copies blocks of the operands of <see cref="Gemm"/> into the contiguous layouts the microkernel
/// streams: for each step <c>p</c> of the k block, <c>height</c> consecutive floats (the rows of an A
/// sliver, or the columns of a B panel), zero-padded past the valid count.
/// </summary>
/// <remarks>
/// Two source shapes. <see cref="PackRows{TOps, TVec, TPartial}"/>: the <c>height</c> values of one step are
/// already contiguous in the source (B stored <c>[k, n]</c>, A stored <c>[k, m]</c>), so packing is a copy.
/// <c>PackTransposed</c>: they are a column of the source (A stored <c>[m, k]</c>, B stored <c>[n, k]</c>), so
/// packing transposes; the AVX-512 version transposes 16 × 16 blocks in registers.
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// <c>destination[p·height + r] = source[p·stride + r]</c> for <c>r &lt; count</c>, and 0 for
    /// <c>count ≤ r &lt; height</c>, for every <c>p &lt; depth</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRows<TOps, TVec, TPartial>(float* source, nint stride, int count, int depth, float* destination, int height)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        int lanes = TOps.Count;
        if (count == height && height == 2 * lanes)
        {
            for (int p = 0; p < depth; p++)
            {
                TOps.Store(TOps.Load(ref *source, 0), ref *destination, 0);
                TOps.Store(TOps.Load(ref *source, (nuint)lanes), ref *destination, (nuint)lanes);
                source += stride;
                destination += height;
            }

            return;
        }

        for (int p = 0; p < depth; p++)
        {
            CopyStep<TOps, TVec, TPartial>(source, count, destination, height);
            source += stride;
            destination += height;
        }
    }

    /// <summary>
    /// A whole A block stored <c>[k, m]</c> (<paramref name="count"/> rows of the product, one k step every
    /// <paramref name="stride"/> floats) into its slivers as <see cref="PackRows{TOps, TVec, TPartial}"/> packs each:
    /// sliver <c>s</c> (rows <c>s·sliverRows ..</c>) at <c>destination + s·sliverRows·depth</c>, its height
    /// <paramref name="sliverRows"/>, the last one's rounded up to a multiple of <paramref name="edge"/>.
    /// </summary>
    /// <remarks>
    /// The same floats as one <see cref="PackRows{TOps, TVec, TPartial}"/> per sliver, in another order:
    /// <see cref="StepsPerPass"/> k steps at a time across every sliver, so the source is read as a few rows side by
    /// side, each from start to end, and each sliver gets whole cache lines at once. Sliver by sliver, each step reads
    /// a 48-byte piece of a row 4 KB (one page, one L1 set) past the last one; one step at a time across every sliver,
    /// the slivers' 48-byte pieces of destination, 12 KB apart, fight over one L1 set. At 1024 × 1024 packing took
    /// 9.5% and 6.4% of the product's time those two ways.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRowsBlock<TOps, TVec, TPartial>(float* source, nint stride, int count, int depth, float* destination, int sliverRows, int edge)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        for (int p0 = 0; p0 < depth; p0 += StepsPerPass)
        {
            int steps = Math.Min(StepsPerPass, depth - p0);
            float* d = destination;
            for (int r = 0; r < count; r += sliverRows)
            {
                int rows = Math.Min(sliverRows, count - r);
                int height = rows == sliverRows ? sliverRows : (rows + edge - 1) / edge * edge;
                float* s = source + ((nint)p0 * stride) + r;
                float* sliverStep = d + ((nint)p0 * height);
                for (int p = 0; p < steps; p++)
                {
                    CopyStep<TOps, TVec, TPartial>(s, rows, sliverStep, height);
                    s += stride;
                    sliverStep += height;
                }

                d += (nint)sliverRows * depth;
            }
        }
    }

    /// <summary>The k steps <see cref="PackRowsBlock{TOps, TVec, TPartial}"/> packs per pass over the slivers: 4 steps of 12 rows fill three whole cache lines of a sliver.</summary>
    private const int StepsPerPass = 4;

    /// <summary><c>destination[r] = source[r]</c> for <c>r &lt; count</c>, and 0 for <c>count ≤ r &lt; height</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyStep<TOps, TVec, TPartial>(float* source, int count, float* destination, int height)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPartial : IPartialVector<TVec>
    {
        int lanes = TOps.Count;
        int r = 0;
        for (; r + lanes <= count; r += lanes)
        {
            TOps.Store(TOps.Load(ref *source, (nuint)r), ref *destination, (nuint)r);
        }

        for (; r < height; r += lanes)
        {
            int valid = count - r;
            TVec value = valid >= lanes ? TOps.Load(ref *source, (nuint)r) : valid > 0 ? TPartial.Load(source + r, valid) : TOps.Broadcast(0f);
            int room = height - r;
            if (room >= lanes)
            {
                TOps.Store(value, ref *destination, (nuint)r);
            }
            else
            {
                TPartial.Store(destination + r, value, room);
            }
        }
    }

    /// <summary>
    /// <c>destination[p·height + r] = source[r·stride + p]</c> for <c>r &lt; rows</c>, and 0 for
    /// <c>rows ≤ r &lt; height</c>, for every <c>p &lt; depth</c>. Portable scalar version.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposedScalar(float* source, nint stride, int rows, int depth, float* destination, int height)
    {
        for (int r = 0; r < height; r++)
        {
            float* d = destination + r;
            if (r < rows)
            {
                float* s = source + (r * stride);
                int p = 0;
                for (; p + 4 <= depth; p += 4)
                {
                    d[0] = s[p];
                    d[height] = s[p + 1];
                    d[2 * height] = s[p + 2];
                    d[3 * height] = s[p + 3];
                    d += 4 * height;
                }

                for (; p < depth; p++)
                {
                    *d = s[p];
                    d += height;
                }
            }
            else
            {
                for (int p = 0; p < depth; p++)
                {
                    *d = 0f;
                    d += height;
                }
            }
        }
    }

    /// <summary>
    /// The AVX-512 version of <see cref="PackTransposedScalar"/>: 16 source rows × 16 steps are loaded
    /// (masked at the edges, missing rows as zeros), transposed in registers and stored as 16 steps of up to
    /// 16 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposed512(float* source, nint stride, int rows, int depth, float* destination, int height)
    {
        for (int r0 = 0; r0 < height; r0 += 16)
        {
            int groupRows = rows - r0;           // valid source rows in this group (may be <= 0)
            int groupHeight = height - r0;       // floats to store per step (16, or fewer at the end)
            if (groupHeight > 16)
            {
                groupHeight = 16;
            }

            float* s = source + (r0 * stride);
            float* d = destination + r0;
            bool fullStore = groupHeight == 16;
            Vector512<float> storeMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(groupHeight)).AsSingle();
            int p0 = 0;
            for (; p0 < depth; p0 += 16)
            {
                int steps = depth - p0;
                if (steps > 16)
                {
                    steps = 16;
                }

                Vector512<float> loadMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(steps)).AsSingle();
                bool fullLoad = steps == 16;
                Vector512<float> x0 = Row(s, stride, 0, groupRows, fullLoad, loadMask);
                Vector512<float> x1 = Row(s, stride, 1, groupRows, fullLoad, loadMask);
                Vector512<float> x2 = Row(s, stride, 2, groupRows, fullLoad, loadMask);
                Vector512<float> x3 = Row(s, stride, 3, groupRows, fullLoad, loadMask);
                Vector512<float> x4 = Row(s, stride, 4, groupRows, fullLoad, loadMask);
                Vector512<float> x5 = Row(s, stride, 5, groupRows, fullLoad, loadMask);
                Vector512<float> x6 = Row(s, stride, 6, groupRows, fullLoad, loadMask);
                Vector512<float> x7 = Row(s, stride, 7, groupRows, fullLoad, loadMask);
                Vector512<float> x8 = Row(s, stride, 8, groupRows, fullLoad, loadMask);
                Vector512<float> x9 = Row(s, stride, 9, groupRows, fullLoad, loadMask);
                Vector512<float> x10 = Row(s, stride, 10, groupRows, fullLoad, loadMask);
                Vector512<float> x11 = Row(s, stride, 11, groupRows, fullLoad, loadMask);
                Vector512<float> x12 = Row(s, stride, 12, groupRows, fullLoad, loadMask);
                Vector512<float> x13 = Row(s, stride, 13, groupRows, fullLoad, loadMask);
                Vector512<float> x14 = Row(s, stride, 14, groupRows, fullLoad, loadMask);
                Vector512<float> x15 = Row(s, stride, 15, groupRows, fullLoad, loadMask);

                // 32-bit interleave of row pairs, then 64-bit interleave of pair pairs: within each 128-bit
                // lane L, u[4q + c] holds column 4L + c of rows 4q .. 4q+3.
                Vector512<float> t0 = Avx512F.UnpackLow(x0, x1), t1 = Avx512F.UnpackHigh(x0, x1);
                Vector512<float> t2 = Avx512F.UnpackLow(x2, x3), t3 = Avx512F.UnpackHigh(x2, x3);
                Vector512<float> t4 = Avx512F.UnpackLow(x4, x5), t5 = Avx512F.UnpackHigh(x4, x5);
                Vector512<float> t6 = Avx512F.UnpackLow(x6, x7), t7 = Avx512F.UnpackHigh(x6, x7);
                Vector512<float> t8 = Avx512F.UnpackLow(x8, x9), t9 = Avx512F.UnpackHigh(x8, x9);
                Vector512<float> t10 = Avx512F.UnpackLow(x10, x11), t11 = Avx512F.UnpackHigh(x10, x11);
                Vector512<float> t12 = Avx512F.UnpackLow(x12, x13), t13 = Avx512F.UnpackHigh(x12, x13);
                Vector512<float> t14 = Avx512F.UnpackLow(x14, x15), t15 = Avx512F.UnpackHigh(x14, x15);

                Vector512<float> u0 = UnpackLow64(t0, t2), u1 = UnpackHigh64(t0, t2), u2 = UnpackLow64(t1, t3), u3 = UnpackHigh64(t1, t3);
                Vector512<float> u4 = UnpackLow64(t4, t6), u5 = UnpackHigh64(t4, t6), u6 = UnpackLow64(t5, t7), u7 = UnpackHigh64(t5, t7);
                Vector512<float> u8 = UnpackLow64(t8, t10), u9 = UnpackHigh64(t8, t10), u10 = UnpackLow64(t9, t11), u11 = UnpackHigh64(t9, t11);
                Vector512<float> u12 = UnpackLow64(t12, t14), u13 = UnpackHigh64(t12, t14), u14 = UnpackLow64(t13, t15), u15 = UnpackHigh64(t13, t15);

                // Gather the 128-bit lanes: column c (0..3) of lanes 0..3 comes from u[c], u[4+c], u[8+c], u[12+c].
                StoreColumns(d, height, u0, u4, u8, u12, 0, steps, fullStore, storeMask);
                StoreColumns(d, height, u1, u5, u9, u13, 1, steps, fullStore, storeMask);
                StoreColumns(d, height, u2, u6, u10, u14, 2, steps, fullStore, storeMask);
                StoreColumns(d, height, u3, u7, u11, u15, 3, steps, fullStore, storeMask);

                s += 16;
                d += 16 * height;
            }
        }
    }

    /// <summary>
    /// The AVX2 version of <see cref="PackTransposedScalar"/> for the heights the AVX2 microkernel packs (A slivers of 6,
    /// 4 or 2 rows, B panels of 16 or 8 columns; others go to the scalar version): 8 source rows × 8 steps are loaded
    /// (masked at the end of the depth, missing rows as zeros), transposed in registers (<see cref="Transpose8"/>) and
    /// stored as 8 steps.
    /// </summary>
    /// <remarks>
    /// A height below 8 (one group of rows) stores each step as 8 floats, whose last ones land on the next steps' first
    /// rows and are overwritten by their stores, and exactly only the steps less than 8 floats from the depth's end: a
    /// masked store costs a dozen cycles on Zen 2. The scalar version packs about 2 floats a nanosecond there; with this
    /// one LeNet-5's fc1 forward product (64 × 400 by 120 × 400) took 88 instead of 92 µs on one thread.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackTransposed256(float* source, nint stride, int rows, int depth, float* destination, int height)
    {
        if (height > 8 ? height % 8 != 0 : height % 2 != 0)
        {
            PackTransposedScalar(source, stride, rows, depth, destination, height);
            return;
        }

        for (int r0 = 0; r0 < height; r0 += 8)
        {
            int groupRows = rows - r0, groupHeight = Math.Min(8, height - r0);
            float* s = source + (r0 * stride);
            float* d = destination + r0;
            for (int p0 = 0; p0 < depth; p0 += 8)
            {
                int steps = Math.Min(8, depth - p0);
                Vector256<float> loadMask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(steps)).AsSingle();
                Vector256<float> x0 = Row(s, stride, 0, groupRows, steps, loadMask),
                    x1 = Row(s, stride, 1, groupRows, steps, loadMask),
                    x2 = Row(s, stride, 2, groupRows, steps, loadMask),
                    x3 = Row(s, stride, 3, groupRows, steps, loadMask),
                    x4 = Row(s, stride, 4, groupRows, steps, loadMask),
                    x5 = Row(s, stride, 5, groupRows, steps, loadMask),
                    x6 = Row(s, stride, 6, groupRows, steps, loadMask),
                    x7 = Row(s, stride, 7, groupRows, steps, loadMask);
                Transpose8.InRegisters(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7);
                int left = depth - p0;
                StoreStep(d, height, groupHeight, x0, 0, steps, left);
                StoreStep(d, height, groupHeight, x1, 1, steps, left);
                StoreStep(d, height, groupHeight, x2, 2, steps, left);
                StoreStep(d, height, groupHeight, x3, 3, steps, left);
                StoreStep(d, height, groupHeight, x4, 4, steps, left);
                StoreStep(d, height, groupHeight, x5, 5, steps, left);
                StoreStep(d, height, groupHeight, x6, 6, steps, left);
                StoreStep(d, height, groupHeight, x7, 7, steps, left);
                s += 8;
                d += 8 * height;
            }
        }
    }

    /// <summary>Source row <paramref name="row"/>'s next <paramref name="steps"/> values, zero past them and for a missing row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* s, nint stride, int row, int validRows, int steps, Vector256<float> loadMask)
    {
        if (row >= validRows)
        {
            return Vector256<float>.Zero;
        }

        float* address = s + (row * stride);
        return steps == 8 ? Vector256.Load(address) : Avx.MaskLoad(address, loadMask);
    }

    /// <summary>
    /// Step <paramref name="step"/>'s <paramref name="groupHeight"/> floats, if it is one of the <paramref name="steps"/>:
    /// 8 floats (see the remarks of <see cref="PackTransposed256"/>) unless they would pass the end of the block,
    /// <paramref name="left"/> steps from the group's first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStep(float* d, int height, int groupHeight, Vector256<float> value, int step, int steps, int left)
    {
        if (step >= steps)
        {
            return;
        }

        float* address = d + (step * height);
        if (groupHeight == 8 || (left - step) * height >= 8)
        {
            value.Store(address);
            return;
        }

        Vector128<float> low = value.GetLower();
        switch (groupHeight)
        {
            case 6:
                low.Store(address);
                Sse.StoreLow(address + 4, value.GetUpper());
                break;
            case 4:
                low.Store(address);
                break;
            default:
                Sse.StoreLow(address, low);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* s, nint stride, int row, int validRows, bool fullLoad, Vector512<float> loadMask)
    {
        if (row >= validRows)
        {
            return Vector512<float>.Zero;
        }

        float* address = s + (row * stride);
        return fullLoad ? Vector512.Load(address) : Avx512F.MaskLoad(address, loadMask, Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> UnpackLow64(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> UnpackHigh64(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    /// <summary>
    /// From the four vectors holding column <c>4L + c</c> (lane L) of rows 0-3, 4-7, 8-11, 12-15, writes
    /// the steps <c>c</c>, <c>c + 4</c>, <c>c + 8</c>, <c>c + 12</c> (those below <paramref name="steps"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns(
        float* d, int height, Vector512<float> r0, Vector512<float> r4, Vector512<float> r8, Vector512<float> r12,
        int c, int steps, bool fullStore, Vector512<float> storeMask)
    {
        Vector512<float> even0 = Avx512F.Shuffle4x128(r0, r4, 0x88);   // lanes 0, 2 of rows 0-3 and 4-7
        Vector512<float> odd0 = Avx512F.Shuffle4x128(r0, r4, 0xDD);    // lanes 1, 3
        Vector512<float> even8 = Avx512F.Shuffle4x128(r8, r12, 0x88);
        Vector512<float> odd8 = Avx512F.Shuffle4x128(r8, r12, 0xDD);
        StoreStep(d, height, Avx512F.Shuffle4x128(even0, even8, 0x88), c, steps, fullStore, storeMask);       // lane 0
        StoreStep(d, height, Avx512F.Shuffle4x128(odd0, odd8, 0x88), c + 4, steps, fullStore, storeMask);     // lane 1
        StoreStep(d, height, Avx512F.Shuffle4x128(even0, even8, 0xDD), c + 8, steps, fullStore, storeMask);   // lane 2
        StoreStep(d, height, Avx512F.Shuffle4x128(odd0, odd8, 0xDD), c + 12, steps, fullStore, storeMask);    // lane 3
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStep(float* d, int height, Vector512<float> value, int step, int steps, bool fullStore, Vector512<float> storeMask)
    {
        if (step >= steps)
        {
            return;
        }

        float* address = d + (step * height);
        if (fullStore)
        {
            Vector512.Store(value, address);
        }
        else
        {
            Avx512F.MaskStore(address, storeMask, value);
        }
    }
}
