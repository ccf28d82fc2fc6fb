using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution computed in place of im2col + GEMM when the output rows fill 512-bit vectors well: stride 1,
/// dilation 1, one group, output rows of 8 to 32 values with at least half of each 16-lane vector used. Each output row
/// is one or two vectors; a block of
/// output channels keeps its rows in registers while the taps stream by, each tap one load of the zero-padded input
/// row and one broadcast weight per channel, so nothing is gathered into a column matrix. Rows that are not whole vectors
/// (LeNet-5's conv1: 28 values in 32 lanes) run as <see cref="Conv2dPlaneDirect"/>'s tiles over the flattened plane when
/// it fits them.
/// </summary>
/// <remarks>
/// It computes what the im2col path computes, bit for bit: every output value is, per GEMM k block
/// (<see cref="GemmBlocking.KBlock"/> of the reduction <c>inChannels·kh·kw</c>), the same fused multiply-add chain from
/// zero over the block's taps in the column matrix's order (input channel, kernel row, kernel column), padding taps
/// included (they add <c>w·0</c>), and the blocks' chains are added in order, first block first, as the GEMM adds each
/// block to C. So choosing this path (by shape and by the hardware having 512-bit vectors and FMA) never changes a
/// result; <c>Conv2dDirectTests</c> checks it against the im2col path's bits.
/// </remarks>
internal static unsafe class Conv2dDirect
{
    private const int Lanes = 16;

    /// <summary>Whether the direct path runs for this shape on this machine.</summary>
    public static bool Applies(in Conv2dGeometry g)
        => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fits(g);

    /// <summary>Whether the shape suits the direct path (whatever the hardware).</summary>
    public static bool Fits(in Conv2dGeometry g) => IsDense(g) && RowsFillVectors(g.OutWidth);

    /// <summary>One group, stride 1 and dilation 1: every tap of a row is one contiguous run of the row it reads.</summary>
    internal static bool IsDense(in Conv2dGeometry g) =>
        g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1;

    /// <summary>Rows of <paramref name="width"/> values in one or two 16-lane vectors, at least half of each used.</summary>
    internal static bool RowsFillVectors(int width) => width <= 2 * Lanes && 2 * width >= Vectors(width) * Lanes;

    /// <summary>
    /// Floats of the copy of one sample the path reads: the zero-padded input, channels × (H + 2·ph) ×
    /// <see cref="PaddedWidth"/>, or for the shapes <see cref="Conv2dPlaneDirect"/> takes, its expanded input.
    /// </summary>
    public static long PaddedFloats(in Conv2dGeometry g)
        => Conv2dPlaneDirect.Fits(g) ? Conv2dPlaneDirect.SlotFloats(g) : (long)g.Channels * PaddedHeight(g) * PaddedWidth(g);

    /// <summary>
    /// One sample: <c>y = conv(x, w)</c>, plus <paramref name="bias"/> (unless null) and then ReLU (if
    /// <paramref name="relu"/>) as each row is stored, through <paramref name="padded"/> (<see cref="PaddedFloats"/> floats).
    /// </summary>
    /// <remarks>
    /// The bias and ReLU are the operations of the separate passes (<c>y + b</c>, then <see cref="ReLUFunction"/>'s
    /// <c>max(y, 0)</c>), done on the registers before the store instead of re-reading the stored sample twice.
    /// </remarks>
    public static void Sample(float* x, float* weight, float* y, float* padded, in Conv2dGeometry g, float* bias, bool relu)
    {
        if (Conv2dPlaneDirect.Fits(g))
        {
            Conv2dPlaneDirect.Sample(x, weight, y, padded, g, bias, relu);
            return;
        }

        Pad(x, padded, g);
        if (g.Reduction <= GemmBlocking.KBlock(g.Reduction))
        {
            Blocks<N1>(padded, weight, y, g, bias, relu);
        }
        else
        {
            Blocks<N2>(padded, weight, y, g, bias, relu);
        }
    }

    /// <summary>Every block of output channels, with one GEMM k block (<typeparamref name="TBlocks"/> = 1) or several (2).</summary>
    private static void Blocks<TBlocks>(float* padded, float* weight, float* y, in Conv2dGeometry g, float* bias, bool relu)
        where TBlocks : IConstant
    {
        if (Vectors(g.OutWidth) == 2)
        {
            int oc = 0;
            for (; oc + 6 <= g.OutChannels; oc += 6)
            {
                Block<N6, N2, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }

            for (; oc + 4 <= g.OutChannels; oc += 4)
            {
                Block<N4, N2, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }

            for (; oc + 2 <= g.OutChannels; oc += 2)
            {
                Block<N2, N2, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }

            for (; oc < g.OutChannels; oc++)
            {
                Block<N1, N2, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }
        }
        else
        {
            int oc = 0;
            for (; oc + 8 <= g.OutChannels; oc += 8)
            {
                Block<N8, N1, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }

            for (; oc + 4 <= g.OutChannels; oc += 4)
            {
                Block<N4, N1, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }

            for (; oc < g.OutChannels; oc++)
            {
                Block<N1, N1, TBlocks>(padded, weight, y, oc, g, bias, relu);
            }
        }
    }

    private static int Vectors(int outWidth) => (outWidth + Lanes - 1) / Lanes;

    private static int PaddedHeight(in Conv2dGeometry g) => g.Height + (2 * g.PaddingHeight);

    /// <summary>Wide enough that every vector load of every tap stays inside the row: whole vectors plus the kernel's reach.</summary>
    private static int PaddedWidth(in Conv2dGeometry g) => (Vectors(g.OutWidth) * Lanes) + g.KernelWidth - 1;

    private static void Pad(float* x, float* padded, in Conv2dGeometry g)
    {
        int height = PaddedHeight(g), width = PaddedWidth(g);
        new Span<float>(padded, checked((int)PaddedFloats(g))).Clear();
        for (int c = 0; c < g.Channels; c++)
        {
            for (int h = 0; h < g.Height; h++)
            {
                float* source = x + ((nint)c * g.InputPlane) + ((nint)h * g.Width);
                float* destination = padded + ((nint)((c * height) + h + g.PaddingHeight) * width) + g.PaddingWidth;
                new ReadOnlySpan<float>(source, g.Width).CopyTo(new Span<float>(destination, g.Width));
            }
        }
    }

    /// <summary>
    /// Output channels <c>[oc, oc + TRows)</c>, every row: TRows × TCols accumulators in registers per output row, one
    /// FMA chain per value and GEMM k block over (input channel, kernel row, kernel column), the blocks' sums added in
    /// order into TRows × TCols running sums as the GEMM adds each block's chain to C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TRows, TCols, TBlocks>(float* padded, float* weight, float* y, int oc, in Conv2dGeometry g, float* bias, bool relu)
        where TRows : IConstant
        where TCols : IConstant
        where TBlocks : IConstant
    {
        int rows = TRows.Value;
        int kh = g.KernelHeight, kw = g.KernelWidth, reduction = g.Reduction, kBlock = GemmBlocking.KBlock(reduction);
        int paddedWidth = PaddedWidth(g), channelStride = PaddedHeight(g) * paddedWidth;
        nint weightStride = reduction;
        float* w0 = weight + ((nint)oc * weightStride);
        Vector512<float> last = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(g.OutWidth - ((TCols.Value - 1) * Lanes))).AsSingle();
        for (int oh = 0; oh < g.OutHeight; oh++)
        {
            Vector512<float> s0 = Vector512<float>.Zero, t0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero, t1 = Vector512<float>.Zero;
            Vector512<float> s2 = Vector512<float>.Zero, t2 = Vector512<float>.Zero, s3 = Vector512<float>.Zero, t3 = Vector512<float>.Zero;
            Vector512<float> s4 = Vector512<float>.Zero, s5 = Vector512<float>.Zero, s6 = Vector512<float>.Zero, s7 = Vector512<float>.Zero;
            Vector512<float> t4 = Vector512<float>.Zero, t5 = Vector512<float>.Zero;
            Vector512<float> a0 = Vector512<float>.Zero, b0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero, b1 = Vector512<float>.Zero;
            Vector512<float> a2 = Vector512<float>.Zero, b2 = Vector512<float>.Zero, a3 = Vector512<float>.Zero, b3 = Vector512<float>.Zero;
            Vector512<float> a4 = Vector512<float>.Zero, a5 = Vector512<float>.Zero, a6 = Vector512<float>.Zero, a7 = Vector512<float>.Zero;
            Vector512<float> b4 = Vector512<float>.Zero, b5 = Vector512<float>.Zero;
            int p = 0, blockEnd = Math.Min(reduction, kBlock);
            for (int c = 0; c < g.Channels; c++)
            {
                float* inputRows = padded + ((nint)c * channelStride) + ((nint)oh * paddedWidth);
                for (int i = 0; i < kh; i++)
                {
                    float* input = inputRows + ((nint)i * paddedWidth);
                    float* w = w0 + p;

                    // A kernel row in one run, or cut where a GEMM k block ends (only when there are several).
                    for (int j = 0; j < kw;)
                    {
                        int run = TBlocks.Value > 1 ? Math.Min(kw - j, blockEnd - p) : kw;
                        for (int r = 0; r < run; r++, w++, input++)
                        {
                            Vector512<float> x0 = Vector512.Load(input);
                            Vector512<float> x1 = TCols.Value > 1 ? Vector512.Load(input + Lanes) : Vector512<float>.Zero;
                            Vector512<float> v = Vector512.Create(w[0]);
                            a0 = Avx512F.FusedMultiplyAdd(v, x0, a0);
                            if (TCols.Value > 1)
                            {
                                b0 = Avx512F.FusedMultiplyAdd(v, x1, b0);
                            }

                            if (rows > 1)
                            {
                                v = Vector512.Create(w[weightStride]);
                                a1 = Avx512F.FusedMultiplyAdd(v, x0, a1);
                                if (TCols.Value > 1)
                                {
                                    b1 = Avx512F.FusedMultiplyAdd(v, x1, b1);
                                }
                            }

                            if (rows > 2)
                            {
                                v = Vector512.Create(w[2 * weightStride]);
                                a2 = Avx512F.FusedMultiplyAdd(v, x0, a2);
                                if (TCols.Value > 1)
                                {
                                    b2 = Avx512F.FusedMultiplyAdd(v, x1, b2);
                                }

                                v = Vector512.Create(w[3 * weightStride]);
                                a3 = Avx512F.FusedMultiplyAdd(v, x0, a3);
                                if (TCols.Value > 1)
                                {
                                    b3 = Avx512F.FusedMultiplyAdd(v, x1, b3);
                                }
                            }

                            if (rows > 4)
                            {
                                v = Vector512.Create(w[4 * weightStride]);
                                a4 = Avx512F.FusedMultiplyAdd(v, x0, a4);
                                if (TCols.Value > 1)
                                {
                                    b4 = Avx512F.FusedMultiplyAdd(v, x1, b4);
                                }

                                v = Vector512.Create(w[5 * weightStride]);
                                a5 = Avx512F.FusedMultiplyAdd(v, x0, a5);
                                if (TCols.Value > 1)
                                {
                                    b5 = Avx512F.FusedMultiplyAdd(v, x1, b5);
                                }
                            }

                            if (rows > 6)
                            {
                                a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[6 * weightStride]), x0, a6);
                                a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[7 * weightStride]), x0, a7);
                            }
                        }

                        j += run;
                        p += run;
                        if (TBlocks.Value > 1 && p == blockEnd)
                        {
                            // The GEMM's C after this block: the first block's chain, then C + each next block's chain.
                            if (p == Math.Min(reduction, kBlock))
                            {
                                (s0, t0, s1, t1, s2, t2, s3, t3) = (a0, b0, a1, b1, a2, b2, a3, b3);
                                (s4, t4, s5, t5, s6, s7) = (a4, b4, a5, b5, a6, a7);
                            }
                            else
                            {
                                (s0, t0, s1, t1, s2, t2, s3, t3) = (s0 + a0, t0 + b0, s1 + a1, t1 + b1, s2 + a2, t2 + b2, s3 + a3, t3 + b3);
                                (s4, t4, s5, t5, s6, s7) = (s4 + a4, t4 + b4, s5 + a5, t5 + b5, s6 + a6, s7 + a7);
                            }

                            (a0, b0, a1, b1, a2, b2, a3, b3) = (Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero);
                            (a4, b4, a5, b5, a6, a7) = (Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero, Vector512<float>.Zero);
                            blockEnd = Math.Min(reduction, p + kBlock);
                        }
                    }
                }
            }

            if (TBlocks.Value == 1)
            {
                (s0, t0, s1, t1, s2, t2, s3, t3) = (a0, b0, a1, b1, a2, b2, a3, b3);
                (s4, t4, s5, t5, s6, s7) = (a4, b4, a5, b5, a6, a7);
            }

            float* row = y + ((nint)oc * g.OutputPlane) + ((nint)oh * g.OutWidth);
            Store<TCols>(row, s0, t0, last, bias, oc, relu);
            if (rows > 1)
            {
                Store<TCols>(row + g.OutputPlane, s1, t1, last, bias, oc + 1, relu);
            }

            if (rows > 2)
            {
                Store<TCols>(row + (2 * g.OutputPlane), s2, t2, last, bias, oc + 2, relu);
                Store<TCols>(row + (3 * g.OutputPlane), s3, t3, last, bias, oc + 3, relu);
            }

            if (rows > 4)
            {
                Store<TCols>(row + (4 * g.OutputPlane), s4, t4, last, bias, oc + 4, relu);
                Store<TCols>(row + (5 * g.OutputPlane), s5, t5, last, bias, oc + 5, relu);
            }

            if (rows > 6)
            {
                Store<TCols>(row + (6 * g.OutputPlane), s6, default, last, bias, oc + 6, relu);
                Store<TCols>(row + (7 * g.OutputPlane), s7, default, last, bias, oc + 7, relu);
            }
        }
    }

    /// <summary>
    /// A channel's output values with its bias added (unless null) and then ReLU applied (if <paramref name="relu"/>): the
    /// operations of the separate bias and activation passes, on the registers before the store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Finish(Vector512<float> values, float* bias, int channel, bool relu)
    {
        if (bias != null)
        {
            values += Vector512.Create(bias[channel]);
        }

        return relu ? ReLUFunction.Forward<Simd512, Vector512<float>>(values) : values;
    }

    /// <summary>
    /// One output row of <paramref name="channel"/>: <paramref name="first"/> and, with two vectors, <paramref name="second"/>
    /// (its lanes in <paramref name="last"/>), with the bias added and ReLU applied as asked; never past the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TCols>(float* row, Vector512<float> first, Vector512<float> second, Vector512<float> last, float* bias, int channel, bool relu)
        where TCols : IConstant
    {
        first = Finish(first, bias, channel, relu);
        if (TCols.Value > 1)
        {
            first.Store(row);
            Avx512F.MaskStore(row + Lanes, last, Finish(second, bias, channel, relu));
        }
        else
        {
            Avx512F.MaskStore(row, last, first);
        }
    }
}
