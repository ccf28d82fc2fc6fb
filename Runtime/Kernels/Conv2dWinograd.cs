using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// The forward convolution of 5 × 5 kernels (stride 1, undilated, one group, two or more input channels, even output
/// sizes) by Winograd's minimal filtering F(2 × 2, 5 × 5): each 2 × 2 block of an output plane from a 6 × 6 patch of the
/// input, with 36 products per (input channel, output channel) pair where the direct sum takes 100. Vectorized over
/// samples, as <see cref="Conv2dForwardBySamples"/> is: a block of up to <see cref="Lanes"/> samples side by side in the
/// lanes of every vector (16 with 512-bit vectors, 8 with 256-bit, 4 otherwise), so every lane computes whatever the
/// plane and channel sizes.
/// </summary>
/// <remarks>
/// <para>
/// With <c>d</c> a 6 × 6 input patch, <c>g</c> a 5 × 5 kernel and the matrices of the points 0, 1, -1, 2, -2 and ∞
/// (<c>scripts/winograd_f2_5.py</c> derives them and checks the identity), the 2 × 2 outputs are
/// <c>Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A</c>:
/// <c>Bᵀ</c> rows <c>[4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1]</c>,
/// <c>G</c> rows <c>[1/4 0 0 0 0] -[1 1 1 1 1]/6 -[1 -1 1 -1 1]/6 [1 2 4 8 16]/24 [1 -2 4 -8 16]/24 [0 0 0 0 1]</c>,
/// <c>Aᵀ</c> rows <c>[1 1 1 1 1 0] [0 1 -1 2 -2 1]</c>.
/// </para>
/// <para>
/// Bits: the operations below, in this order, on every instruction set and for any thread count and block size (each
/// lane is one sample's arithmetic; multiply-adds fused where the hardware has FMA, as everywhere in the library). They
/// are not the direct paths' bits: Winograd's sums round differently (<c>Conv2dWinogradTests</c> bounds the error by
/// <c>2⁻¹⁸ · Σ|w·x|</c>, about 32 float32 roundings of the terms' magnitude, against a double-precision reference). The choice depends on the shape and the
/// batch only (<see cref="MinSamples"/>), never on the hardware.
/// <list type="bullet">
/// <item>Kernel (once per call, no FMA): each row of <c>g</c> to 6 values, <c>w0 = g0·¼</c>,
/// <c>e = (g0 + g2) + g4</c>, <c>o = g1 + g3</c>, <c>w1 = (e + o)/-6</c>, <c>w2 = (e - o)/-6</c>,
/// <c>E = (g0 + 4g2) + 16g4</c>, <c>O = 2g1 + 8g3</c>, <c>w3 = (E + O)/24</c>, <c>w4 = (E - O)/24</c>, <c>w5 = g4</c>; then
/// each of the 6 columns of that the same way.</item>
/// <item>Input patch: each row to 6 values, <c>t0 = fma(d0, 4, fma(d2, -5, d4))</c>, <c>s = fma(d2, -4, d4)</c>,
/// <c>q = fma(d1, -4, d3)</c>, <c>t1 = s + q</c>, <c>t2 = s - q</c>, <c>r = d4 - d2</c>, <c>e = d3 - d1</c>,
/// <c>t3 = fma(e, 2, r)</c>, <c>t4 = fma(e, -2, r)</c>, <c>t5 = fma(d1, 4, fma(d3, -5, d5))</c>; then each column the same
/// way.</item>
/// <item>Products: per transformed position and output channel a chain over the input channels in order, the first a
/// product, then <c>fma(v_c, u_c, chain)</c>.</item>
/// <item>Outputs: each row of the 6 × 6 products to 2 values, <c>y0 = (m0 + (m1 + m2)) + (m3 + m4)</c>,
/// <c>y1 = fma(m3 - m4, 2, m1 - m2) + m5</c>; then each of the 2 columns the same way; then the bias added and ReLU, as
/// the other paths finish.</item>
/// </list>
/// </para>
/// </remarks>
internal static unsafe class Conv2dWinograd
{
    /// <summary>
    /// The fewest samples of a batch this path takes, the same on every machine (the bits must not depend on the vector
    /// width): a whole block of 8-lane vectors. LeNet's conv2, one thread (2026-12-07, Zen 4): with AVX2, 8 samples
    /// 36.8-37.0 µs against 39.3-40.2 µs on the forward by samples; with AVX-512 a half-filled block, 8 samples 46-47 µs
    /// against 40 µs per sample, 10 samples 47 against 50 µs, 12 samples 47 against 72 µs (the forward by samples).
    /// </summary>
    public const int MinSamples = 8;

    /// <summary>
    /// The fewest input channels: with one, a patch's transform serves too few products (LeNet-5's conv1, batch 64, one
    /// thread, with the slot limit raised to take it: 189-193 µs against the direct path's 162-164 µs).
    /// </summary>
    public const int MinChannels = 2;

    /// <summary>The side of an input patch (α = m + r - 1 for m = 2 outputs and r = 5 kernel taps).</summary>
    private const int Patch = 6;

    /// <summary>Transformed positions per patch.</summary>
    private const int Positions = Patch * Patch;

    /// <summary>The most output channels of a tile: 6 × 4 chains in registers.</summary>
    private const int MaxTileChannels = 4;

    /// <summary>The widest block: the slot is sized for it on every machine, so the workspace is the same everywhere.</summary>
    private const int MaxLanes = 16;

    /// <summary>The most floats of one thread's slot (256 KB, a quarter of a 1 MB L2).</summary>
    private const long MaxSlotFloats = 1 << 16;

    /// <summary>Samples side by side on this machine: 16 with 512-bit vectors, 8 with AVX2's 256-bit ones, else 4.</summary>
    public static int Lanes => Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? 8 : 4;

    [ThreadStatic]
    private static bool t_suspended;

    /// <summary>
    /// Whether the path runs for this shape, batch and activation (on every machine alike), unless suspended on the
    /// calling thread (<see cref="Suspend"/>).
    /// </summary>
    public static bool Applies(in Conv2dGeometry g, int batch, Activation activation)
        => !t_suspended && batch >= MinSamples && activation is Activation.None or Activation.ReLU && Fits(g);

    /// <summary>Suspends the path for forward passes started on the calling thread (the tests of the paths it would replace), or resumes it.</summary>
    public static void Suspend(bool suspended) => t_suspended = suspended;

    /// <summary>
    /// Whether the shape suits the path: 5 × 5, stride 1, undilated, one group, at least <see cref="MinChannels"/> input
    /// channels, even output sizes, a slot within 256 KB.
    /// </summary>
    public static bool Fits(in Conv2dGeometry g)
        => g.Channels >= MinChannels && g.KernelHeight == 5 && g.KernelWidth == 5 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1
            && g.DilationWidth == 1 && g.Groups == 1 && g.OutHeight % 2 == 0 && g.OutWidth % 2 == 0 && SlotFloats(g) <= MaxSlotFloats;

    /// <summary>Floats of one thread's slot at 16 lanes: the block's padded input and its output in lanes, one patch's transform and one tile's products.</summary>
    public static long SlotFloats(in Conv2dGeometry g)
        => MaxLanes * (InputFloats(g, 1) + g.OutputSample + ((long)Positions * g.Channels) + ((long)Patch * 2 * MaxTileChannels));

    /// <summary>Floats of the transformed kernels, <c>[36][inChannels][outChannels]</c>.</summary>
    public static long KernelFloats(in Conv2dGeometry g) => (long)Positions * g.Channels * g.OutChannels;

    /// <summary>The blocks of a batch: the items the threads share.</summary>
    public static int Blocks(int batch) => (batch + Lanes - 1) / Lanes;

    /// <summary>Floats of a block's input with its zero padding, per lane.</summary>
    private static long InputFloats(in Conv2dGeometry g, int lanes)
        => (long)lanes * g.Channels * (g.Height + (2 * g.PaddingHeight)) * (g.Width + (2 * g.PaddingWidth));

    /// <summary>
    /// The kernels <c>[outChannels][inChannels][5][5]</c> transformed, <c>G g Gᵀ</c>, into
    /// <c>transformed[position][inChannel][outChannel]</c> (<see cref="KernelFloats"/>); returns whether every transformed
    /// value is finite (else the call takes the direct paths, which give a non-finite weight PyTorch's NaNs and infinities).
    /// </summary>
    public static bool TransformKernels(float* weight, float* transformed, in Conv2dGeometry g)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return TransformKernels<Simd512, Vector512<float>>(weight, transformed, g);
        }

        return Vector256.IsHardwareAccelerated
            ? TransformKernels<Simd256, Vector256<float>>(weight, transformed, g)
            : TransformKernels<Simd128, Vector128<float>>(weight, transformed, g);
    }

    /// <summary>
    /// <see cref="TransformKernels(float*, float*, in Conv2dGeometry)"/> with as many output channels side by side as a
    /// vector has lanes, the transformed layout's order: each channel's lane is the scalar arithmetic (no fused
    /// multiply-adds), so the bits are those of every vector width. Runs on the calling thread before the split products
    /// (LeNet's conv2, 96 kernels: 6.7 µs with four channels a vector, the step's longest serial stretch after the small
    /// products).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TransformKernels<TOps, TVec>(float* weight, float* transformed, in Conv2dGeometry g)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int lanes = TOps.Count;
        int channels = g.Channels, outChannels = g.OutChannels;
        float* taps = stackalloc float[25 * MaxLanes];
        float* rows = stackalloc float[5 * Patch * MaxLanes];
        float* column = stackalloc float[Patch * MaxLanes];
        TVec zero = TOps.Broadcast(0f);
        TVec finite = zero;
        for (int c = 0; c < channels; c++)
        {
            for (int o = 0; o < outChannels; o += lanes)
            {
                int count = Math.Min(lanes, outChannels - o);
                for (int lane = 0; lane < lanes; lane++)
                {
                    float* kernel = weight + ((((nint)(o + lane) * channels) + c) * 25);
                    for (int k = 0; k < 25; k++)
                    {
                        taps[(k * lanes) + lane] = lane < count ? kernel[k] : 0f;
                    }
                }

                for (int ky = 0; ky < 5; ky++)
                {
                    KernelTaps<TOps, TVec>(taps + (ky * 5 * lanes), lanes, rows + (ky * Patch * lanes), lanes);
                }

                for (int j = 0; j < Patch; j++)
                {
                    KernelTaps<TOps, TVec>(rows + (j * lanes), Patch * lanes, column, lanes);
                    for (int i = 0; i < Patch; i++)
                    {
                        TVec values = TOps.Load(ref *column, (nuint)(i * lanes));
                        finite = TOps.Add(finite, TOps.Multiply(values, zero));
                        float* destination = transformed + ((((nint)((i * Patch) + j) * channels) + c) * outChannels) + o;
                        if (count == lanes)
                        {
                            TOps.Store(values, ref *destination, 0);
                        }
                        else
                        {
                            new ReadOnlySpan<float>(column + (i * lanes), count).CopyTo(new Span<float>(destination, count));
                        }
                    }
                }
            }
        }

        float* check = stackalloc float[MaxLanes];
        TOps.Store(finite, ref *check, 0);
        for (int lane = 0; lane < lanes; lane++)
        {
            if (check[lane] != 0f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Five taps of a vector of kernels (<paramref name="taps"/> floats apart) to the 6 values of <c>G g</c> (<paramref name="step"/>
    /// apart): <c>w0 = g0·¼</c>, <c>w1 = ((g0 + g2) + g4 + (g1 + g3))/-6</c>, <c>w2 = ((g0 + g2) + g4 - (g1 + g3))/-6</c>,
    /// <c>w3 = ((g0 + 4g2) + 16g4 + (2g1 + 8g3))/24</c>, <c>w4 = ((g0 + 4g2) + 16g4 - (2g1 + 8g3))/24</c>, <c>w5 = g4</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelTaps<TOps, TVec>(float* g, nint taps, float* w, nint step)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec g0 = TOps.Load(ref *g, 0), g1 = TOps.Load(ref *g, (nuint)taps), g2 = TOps.Load(ref *g, (nuint)(2 * taps));
        TVec g3 = TOps.Load(ref *g, (nuint)(3 * taps)), g4 = TOps.Load(ref *g, (nuint)(4 * taps));
        TVec even = TOps.Add(TOps.Add(g0, g2), g4), odd = TOps.Add(g1, g3);
        TVec evenPowers = TOps.Add(TOps.Add(g0, TOps.Multiply(TOps.Broadcast(4f), g2)), TOps.Multiply(TOps.Broadcast(16f), g4));
        TVec oddPowers = TOps.Add(TOps.Multiply(TOps.Broadcast(2f), g1), TOps.Multiply(TOps.Broadcast(8f), g3));
        TOps.Store(TOps.Multiply(g0, TOps.Broadcast(0.25f)), ref *w, 0);
        TOps.Store(TOps.Divide(TOps.Add(even, odd), TOps.Broadcast(-6f)), ref *w, (nuint)step);
        TOps.Store(TOps.Divide(TOps.Subtract(even, odd), TOps.Broadcast(-6f)), ref *w, (nuint)(2 * step));
        TOps.Store(TOps.Divide(TOps.Add(evenPowers, oddPowers), TOps.Broadcast(24f)), ref *w, (nuint)(3 * step));
        TOps.Store(TOps.Divide(TOps.Subtract(evenPowers, oddPowers), TOps.Broadcast(24f)), ref *w, (nuint)(4 * step));
        TOps.Store(g4, ref *w, (nuint)(5 * step));
    }

    /// <summary>
    /// The output of <paramref name="samples"/> (1 to <see cref="Lanes"/>) consecutive samples, overwritten: the convolution
    /// from the kernels <see cref="TransformKernels"/> transformed, plus <paramref name="bias"/> (unless null), then ReLU (if
    /// <paramref name="relu"/>); <paramref name="slot"/> holds <see cref="SlotFloats"/> floats. Returns the samples (bit
    /// <c>s</c> for sample <c>s</c>) with a non-finite sum, for the per-sample paths to compute again.
    /// </summary>
    public static int Block(float* x, float* kernels, float* bias, float* y, int samples, float* slot, in Conv2dGeometry g, bool relu)
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            float* inputs = slot, sums = slot + InputFloats(g, 16);
            SampleLanes.ToLanes(x, samples, g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth, inputs);
            Tiles<Simd512, Vector512<float>>(inputs, kernels, sums, sums + (16L * g.OutputSample), g);
            SampleLanes.FromLanes(sums, samples, g.OutChannels, g.OutputPlane, y, bias, relu);
            return NonFinite<Simd512, Vector512<float>>(sums, g.OutputSample, sums + (16L * g.OutputSample));
        }
        else if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            float* inputs = slot, sums = slot + InputFloats(g, 8);
            SampleLanesAvx2.ToLanes(x, samples, g.Channels, g.Height, g.Width, g.PaddingHeight, g.PaddingWidth, inputs);
            Tiles<Simd256, Vector256<float>>(inputs, kernels, sums, sums + (8L * g.OutputSample), g);
            SampleLanesAvx2.FromLanes(sums, samples, g.OutChannels, g.OutputPlane, y, bias, relu);
            return NonFinite<Simd256, Vector256<float>>(sums, g.OutputSample, sums + (8L * g.OutputSample));
        }
        else
        {
            float* inputs = slot, sums = slot + InputFloats(g, 4);
            ToFourLanes(x, samples, g, inputs);
            Tiles<Simd128, Vector128<float>>(inputs, kernels, sums, sums + (4L * g.OutputSample), g);
            FromFourLanes(sums, samples, g, y, bias, relu);
            return NonFinite<Simd128, Vector128<float>>(sums, g.OutputSample, sums + (4L * g.OutputSample));
        }
    }

    /// <summary>
    /// The lanes (samples) with a non-finite value among <paramref name="count"/> vectors of <paramref name="sums"/>, as
    /// bits; <paramref name="scratch"/> holds a vector. <c>fma(v, 0, chain)</c> keeps a chain at 0 for finite values and
    /// turns it NaN for any other; four chains, so their latency is not the pace.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NonFinite<TOps, TVec>(float* sums, int count, float* scratch)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int lanes = TOps.Count, k = 0;
        TVec zero = TOps.Broadcast(0f), c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        for (; k + 4 <= count; k += 4)
        {
            float* v = sums + ((nint)k * lanes);
            c0 = TOps.MultiplyAdd(TOps.Load(ref *v, 0), zero, c0);
            c1 = TOps.MultiplyAdd(TOps.Load(ref v[lanes], 0), zero, c1);
            c2 = TOps.MultiplyAdd(TOps.Load(ref v[2 * lanes], 0), zero, c2);
            c3 = TOps.MultiplyAdd(TOps.Load(ref v[3 * lanes], 0), zero, c3);
        }

        for (; k < count; k++)
        {
            c0 = TOps.MultiplyAdd(TOps.Load(ref sums[(nint)k * lanes], 0), zero, c0);
        }

        TOps.Store(TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3)), ref *scratch, 0);
        int mask = 0;
        for (int s = 0; s < lanes; s++)
        {
            mask |= scratch[s] == 0f ? 0 : 1 << s;
        }

        return mask;
    }

    /// <summary>
    /// Every 2 × 2 output block of the samples in lanes: its patches transformed (<paramref name="scratch"/>: the
    /// transformed patch, then a tile's rows of <c>M A</c>), the products per tile of output channels, and their outputs into
    /// <paramref name="sums"/> (<c>[outChannel][position][lanes]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiles<TOps, TVec>(float* inputs, float* kernels, float* sums, float* scratch, in Conv2dGeometry g)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int lanes = TOps.Count, channels = g.Channels, outChannels = g.OutChannels;
        nint position = (nint)channels * lanes, row = (g.Width + (2 * g.PaddingWidth)) * position;
        nint sumPlane = (nint)g.OutputPlane * lanes;
        float* patch = scratch, rows = scratch + (Positions * position);
        // A row's 24 chains and the loaded value need the 32 registers of AVX-512; with 16, 2 channels a tile (12 chains).
        int tileChannels = lanes == 16 ? MaxTileChannels : 2;
        for (int ty = 0; ty < g.OutHeight; ty += 2)
        {
            for (int tx = 0; tx < g.OutWidth; tx += 2)
            {
                float* corner = inputs + (ty * row) + (tx * position);
                for (int c = 0; c < channels; c++)
                {
                    TransformPatch<TOps, TVec>(corner + (c * lanes), row, position, patch + (c * lanes), position);
                }

                float* output = sums + ((((nint)ty * g.OutWidth) + tx) * lanes);
                for (int o = 0; o < outChannels; o += tileChannels)
                {
                    int count = Math.Min(tileChannels, outChannels - o);
                    switch (count)
                    {
                        case 1: ProductRows<TOps, TVec, N1>(patch, kernels + o, rows, channels, outChannels); break;
                        case 2: ProductRows<TOps, TVec, N2>(patch, kernels + o, rows, channels, outChannels); break;
                        case 3: ProductRows<TOps, TVec, N3>(patch, kernels + o, rows, channels, outChannels); break;
                        default: ProductRows<TOps, TVec, N4>(patch, kernels + o, rows, channels, outChannels); break;
                    }

                    for (int k = 0; k < count; k++)
                    {
                        Outputs<TOps, TVec>(rows + (k * Patch * 2 * lanes), output + ((o + k) * sumPlane), (nint)g.OutWidth * lanes);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One channel's 6 × 6 patch (rows <paramref name="row"/> apart, columns <paramref name="column"/> apart) to
    /// <c>Bᵀ d B</c> at <paramref name="transformed"/> (positions <paramref name="stride"/> apart, row-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformPatch<TOps, TVec>(float* patch, nint row, nint column, float* transformed, nint stride)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        for (int i = 0; i < Patch; i++)
        {
            InputTaps<TOps, TVec>(patch + (i * row), column, transformed + (i * Patch * stride), stride);
        }

        for (int j = 0; j < Patch; j++)
        {
            InputTaps<TOps, TVec>(transformed + (j * stride), Patch * stride, transformed + (j * stride), Patch * stride);
        }
    }

    /// <summary>Six values (<paramref name="step"/> apart) to the 6 of <c>Bᵀ d</c> (<paramref name="outStep"/> apart); in place is fine.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTaps<TOps, TVec>(float* d, nint step, float* t, nint outStep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec d0 = TOps.Load(ref *d, 0), d1 = TOps.Load(ref d[step], 0), d2 = TOps.Load(ref d[2 * step], 0);
        TVec d3 = TOps.Load(ref d[3 * step], 0), d4 = TOps.Load(ref d[4 * step], 0), d5 = TOps.Load(ref d[5 * step], 0);
        TVec four = TOps.Broadcast(4f), minusFour = TOps.Broadcast(-4f), minusFive = TOps.Broadcast(-5f), two = TOps.Broadcast(2f), minusTwo = TOps.Broadcast(-2f);
        TVec s = TOps.MultiplyAdd(d2, minusFour, d4), q = TOps.MultiplyAdd(d1, minusFour, d3);
        TVec r = TOps.Subtract(d4, d2), e = TOps.Subtract(d3, d1);
        TOps.Store(TOps.MultiplyAdd(d0, four, TOps.MultiplyAdd(d2, minusFive, d4)), ref *t, 0);
        TOps.Store(TOps.Add(s, q), ref t[outStep], 0);
        TOps.Store(TOps.Subtract(s, q), ref t[2 * outStep], 0);
        TOps.Store(TOps.MultiplyAdd(e, two, r), ref t[3 * outStep], 0);
        TOps.Store(TOps.MultiplyAdd(e, minusTwo, r), ref t[4 * outStep], 0);
        TOps.Store(TOps.MultiplyAdd(d1, four, TOps.MultiplyAdd(d3, minusFive, d5)), ref t[5 * outStep], 0);
    }

    /// <summary>
    /// The products of <typeparamref name="TCount"/> output channels (at most 4) and their rows of <c>M A</c>: per row
    /// <c>i</c> of the 36 transformed positions, per position a chain over the input channels (<paramref name="patch"/>,
    /// <c>[position][channel][lanes]</c>) times the transformed kernels (<paramref name="kernels"/> at the tile's first
    /// channel, <c>[position][channel][outChannels]</c>), the first a product, then <c>fma(v_c, u_c, chain)</c>; the row's 6
    /// sums then to their 2 values (<see cref="Combine"/>), into <paramref name="rows"/>
    /// <c>[channel of the tile][row][2][lanes]</c>. A row's 6 × 4 chains stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProductRows<TOps, TVec, TCount>(float* patch, float* kernels, float* rows, int channels, int outChannels)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TCount : IConstant
    {
        int lanes = TOps.Count;
        nint position = (nint)channels * lanes, kernelPosition = (nint)channels * outChannels, tileStride = (nint)Patch * 2 * lanes;
        for (int i = 0; i < Patch; i++)
        {
            float* v = patch + ((nint)i * Patch * position);
            float* u = kernels + ((nint)i * Patch * kernelPosition);
            TVec x = TOps.Load(ref *v, 0);
            TVec a00 = TOps.Multiply(x, TOps.Broadcast(u[0]));
            TVec a01 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[1])) : default;
            TVec a02 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[2])) : default;
            TVec a03 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[3])) : default;
            x = TOps.Load(ref v[position], 0);
            TVec a10 = TOps.Multiply(x, TOps.Broadcast(u[kernelPosition]));
            TVec a11 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[kernelPosition + 1])) : default;
            TVec a12 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[kernelPosition + 2])) : default;
            TVec a13 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[kernelPosition + 3])) : default;
            x = TOps.Load(ref v[2 * position], 0);
            TVec a20 = TOps.Multiply(x, TOps.Broadcast(u[2 * kernelPosition]));
            TVec a21 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[(2 * kernelPosition) + 1])) : default;
            TVec a22 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[(2 * kernelPosition) + 2])) : default;
            TVec a23 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[(2 * kernelPosition) + 3])) : default;
            x = TOps.Load(ref v[3 * position], 0);
            TVec a30 = TOps.Multiply(x, TOps.Broadcast(u[3 * kernelPosition]));
            TVec a31 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[(3 * kernelPosition) + 1])) : default;
            TVec a32 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[(3 * kernelPosition) + 2])) : default;
            TVec a33 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[(3 * kernelPosition) + 3])) : default;
            x = TOps.Load(ref v[4 * position], 0);
            TVec a40 = TOps.Multiply(x, TOps.Broadcast(u[4 * kernelPosition]));
            TVec a41 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[(4 * kernelPosition) + 1])) : default;
            TVec a42 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[(4 * kernelPosition) + 2])) : default;
            TVec a43 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[(4 * kernelPosition) + 3])) : default;
            x = TOps.Load(ref v[5 * position], 0);
            TVec a50 = TOps.Multiply(x, TOps.Broadcast(u[5 * kernelPosition]));
            TVec a51 = TCount.Value > 1 ? TOps.Multiply(x, TOps.Broadcast(u[(5 * kernelPosition) + 1])) : default;
            TVec a52 = TCount.Value > 2 ? TOps.Multiply(x, TOps.Broadcast(u[(5 * kernelPosition) + 2])) : default;
            TVec a53 = TCount.Value > 3 ? TOps.Multiply(x, TOps.Broadcast(u[(5 * kernelPosition) + 3])) : default;
            for (int c = 1; c < channels; c++)
            {
                v += lanes;
                u += outChannels;
                x = TOps.Load(ref *v, 0);
                a00 = TOps.MultiplyAdd(x, TOps.Broadcast(u[0]), a00);
                a01 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[1]), a01) : a01;
                a02 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[2]), a02) : a02;
                a03 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[3]), a03) : a03;

                x = TOps.Load(ref v[position], 0);
                a10 = TOps.MultiplyAdd(x, TOps.Broadcast(u[kernelPosition]), a10);
                a11 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[kernelPosition + 1]), a11) : a11;
                a12 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[kernelPosition + 2]), a12) : a12;
                a13 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[kernelPosition + 3]), a13) : a13;

                x = TOps.Load(ref v[2 * position], 0);
                a20 = TOps.MultiplyAdd(x, TOps.Broadcast(u[2 * kernelPosition]), a20);
                a21 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(2 * kernelPosition) + 1]), a21) : a21;
                a22 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(2 * kernelPosition) + 2]), a22) : a22;
                a23 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(2 * kernelPosition) + 3]), a23) : a23;

                x = TOps.Load(ref v[3 * position], 0);
                a30 = TOps.MultiplyAdd(x, TOps.Broadcast(u[3 * kernelPosition]), a30);
                a31 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(3 * kernelPosition) + 1]), a31) : a31;
                a32 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(3 * kernelPosition) + 2]), a32) : a32;
                a33 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(3 * kernelPosition) + 3]), a33) : a33;

                x = TOps.Load(ref v[4 * position], 0);
                a40 = TOps.MultiplyAdd(x, TOps.Broadcast(u[4 * kernelPosition]), a40);
                a41 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(4 * kernelPosition) + 1]), a41) : a41;
                a42 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(4 * kernelPosition) + 2]), a42) : a42;
                a43 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(4 * kernelPosition) + 3]), a43) : a43;

                x = TOps.Load(ref v[5 * position], 0);
                a50 = TOps.MultiplyAdd(x, TOps.Broadcast(u[5 * kernelPosition]), a50);
                a51 = TCount.Value > 1 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(5 * kernelPosition) + 1]), a51) : a51;
                a52 = TCount.Value > 2 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(5 * kernelPosition) + 2]), a52) : a52;
                a53 = TCount.Value > 3 ? TOps.MultiplyAdd(x, TOps.Broadcast(u[(5 * kernelPosition) + 3]), a53) : a53;
            }

            float* r = rows + ((nint)i * 2 * lanes);
            Combine<TOps, TVec>(a00, a10, a20, a30, a40, a50, out TVec y00, out TVec y01);
            TOps.Store(y00, ref *r, 0);
            TOps.Store(y01, ref r[lanes], 0);

            if (TCount.Value > 1)
            {
                Combine<TOps, TVec>(a01, a11, a21, a31, a41, a51, out TVec y10, out TVec y11);
                TOps.Store(y10, ref r[tileStride], 0);
                TOps.Store(y11, ref r[tileStride + lanes], 0);
            }

            if (TCount.Value > 2)
            {
                Combine<TOps, TVec>(a02, a12, a22, a32, a42, a52, out TVec y20, out TVec y21);
                TOps.Store(y20, ref r[2 * tileStride], 0);
                TOps.Store(y21, ref r[(2 * tileStride) + lanes], 0);
            }

            if (TCount.Value > 3)
            {
                Combine<TOps, TVec>(a03, a13, a23, a33, a43, a53, out TVec y30, out TVec y31);
                TOps.Store(y30, ref r[3 * tileStride], 0);
                TOps.Store(y31, ref r[(3 * tileStride) + lanes], 0);
            }
        }
    }

    /// <summary>
    /// One output channel's rows of <c>M A</c> (<c>[row][2][lanes]</c>) to its 2 × 2 outputs, <c>Aᵀ (M A)</c>, stored at
    /// <paramref name="output"/> and the next position, and a row (<paramref name="outputRow"/>) below.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Outputs<TOps, TVec>(float* rows, float* output, nint outputRow)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nint lanes = TOps.Count;
        OutputTaps<TOps, TVec>(rows, 2 * lanes, out TVec y00, out TVec y10);
        OutputTaps<TOps, TVec>(rows + lanes, 2 * lanes, out TVec y01, out TVec y11);
        TOps.Store(y00, ref *output, 0);
        TOps.Store(y01, ref output[lanes], 0);
        TOps.Store(y10, ref output[outputRow], 0);
        TOps.Store(y11, ref output[outputRow + lanes], 0);
    }

    /// <summary>Six products (<paramref name="step"/> apart) to the 2 of <c>Aᵀ m</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTaps<TOps, TVec>(float* m, nint step, out TVec y0, out TVec y1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => Combine<TOps, TVec>(
            TOps.Load(ref *m, 0), TOps.Load(ref m[step], 0), TOps.Load(ref m[2 * step], 0), TOps.Load(ref m[3 * step], 0),
            TOps.Load(ref m[4 * step], 0), TOps.Load(ref m[5 * step], 0), out y0, out y1);

    /// <summary><c>y0 = (m0 + (m1 + m2)) + (m3 + m4)</c>, <c>y1 = fma(m3 - m4, 2, m1 - m2) + m5</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine<TOps, TVec>(TVec m0, TVec m1, TVec m2, TVec m3, TVec m4, TVec m5, out TVec y0, out TVec y1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        y0 = TOps.Add(TOps.Add(m0, TOps.Add(m1, m2)), TOps.Add(m3, m4));
        y1 = TOps.Add(TOps.MultiplyAdd(TOps.Subtract(m3, m4), TOps.Broadcast(2f), TOps.Subtract(m1, m2)), m5);
    }

    /// <summary>
    /// <c>x[s][k][y][x]</c> of up to 4 samples into <c>lanes[padH + y][padW + x][k][s]</c> with zero margins and zero
    /// lanes past the samples: the layout of <see cref="SampleLanes.ToLanes"/> at 4 lanes, element by element (the
    /// machines without AVX2).
    /// </summary>
    private static void ToFourLanes(float* x, int samples, in Conv2dGeometry g, float* lanes)
    {
        int channels = g.Channels, rowPositions = g.Width + (2 * g.PaddingWidth);
        new Span<float>(lanes, checked((int)InputFloats(g, 4))).Clear();
        for (int s = 0; s < samples; s++)
        {
            for (int k = 0; k < channels; k++)
            {
                float* plane = x + ((((nint)s * channels) + k) * g.InputPlane);
                for (int h = 0; h < g.Height; h++)
                {
                    for (int w = 0; w < g.Width; w++)
                    {
                        nint at = ((((nint)(g.PaddingHeight + h) * rowPositions) + g.PaddingWidth + w) * channels + k) * 4;
                        lanes[at + s] = plane[((nint)h * g.Width) + w];
                    }
                }
            }
        }
    }

    /// <summary><c>lanes[k][q][s]</c> (4 lanes) back into the planes of the first <paramref name="samples"/> samples, bias added and ReLU applied as the other paths do.</summary>
    private static void FromFourLanes(float* lanes, int samples, in Conv2dGeometry g, float* y, float* bias, bool relu)
    {
        int plane = g.OutputPlane;
        float* values = stackalloc float[4];
        for (int k = 0; k < g.OutChannels; k++)
        {
            Vector128<float> add = Vector128.Create(bias == null ? 0f : bias[k]);
            for (int q = 0; q < plane; q++)
            {
                Vector128<float> v = Vector128.Load(lanes + ((((nint)k * plane) + q) * 4));
                if (bias != null)
                {
                    v += add;
                }

                (relu ? ReLUFunction.Forward<Simd128, Vector128<float>>(v) : v).Store(values);
                for (int s = 0; s < samples; s++)
                {
                    y[((((nint)s * g.OutChannels) + k) * plane) + q] = values[s];
                }
            }
        }
    }

    /// <summary>
    /// Part <paramref name="part"/> of the forward job: its blocks of samples; a sample with a non-finite sum (a NaN or
    /// infinite input, or sums beyond float32's range) again by the per-sample paths, so a non-finite input reaches the
    /// outputs of its windows only, with the direct sums' NaNs and infinities (Winograd's transforms would spread it over
    /// the 2 × 2 block and turn infinities into NaN).
    /// </summary>
    public static void Part(void* context, int part)
    {
        var job = (Conv2dJob*)context;
        Conv2dGeometry g = job->Geometry;
        (int first, int end) = job->Range(part);
        int lanes = Lanes;
        for (int block = first; block < end; block++)
        {
            int n = block * lanes, samples = Math.Min(lanes, job->Batch - n);
            int nonFinite = Block(job->Input + ((nint)n * g.InputSample), job->Partials, job->Bias, job->Output + ((nint)n * g.OutputSample), samples, job->Slot(part), g, job->Activation == Activation.ReLU);
            for (int s = 0; s < samples; s++)
            {
                if ((nonFinite & (1 << s)) != 0)
                {
                    Conv2dPasses.ForwardSamples(job, n + s, n + s + 1, job->Slot(part), packedWeights: false);
                }
            }
        }
    }
}
