using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="MaxPool2d"/>'s 2 × 2, stride-2 pool without padding over planes of even height and width with rows of at
/// most 16 windows, on machines with AVX2 but no 512-bit vectors (where the pool otherwise runs four windows at a time
/// and the rest of each row one by one: LeNet-5's pool2, rows of 5 windows, took 59 µs a step on Zen 2). Such planes are,
/// one after the other, a flat sequence of input row pairs; each row pair is one or two steps of 8 windows, the even and
/// odd columns of 16 input floats split by one in-lane shuffle each. The windows are compared in the order the shuffles
/// leave them and put in theirs by one cross-lane permute per result (the backward pass: per input), and the selections
/// are blends: LeNet-5's pool1 on one Zen 2 core 79 → 47 µs a batch of 64, pool2 40 → 26 µs.
/// </summary>
/// <remarks>
/// <para>
/// Stores are whole vectors: what a step writes past its row lands where a later store writes (the forward pass stores
/// its rows in address order; the backward pass, which writes both rows of a pair, takes a pair's last step first and
/// each step's top row before its bottom row), except at the end of a part's planes, where the lanes past it are masked
/// off. A masked store costs a dozen cycles on AMD's Zen 2, so it is kept to the one place it is needed. Loads past a part's planes are
/// masked the same way; within them, lanes past a row read the next row and are never stored for good.
/// </para>
/// <para>
/// Bits: the forward comparisons are <see cref="MaxPool2d"/>'s, in scan order (a larger value or a NaN takes the
/// window), and the backward pass writes <c>0 + dy</c> at each window's maximum (+0 through a ReLU whose maximum is at
/// most 0) and +0 elsewhere, as the row-by-row paths do; <c>MaxPool2dRowPairsAvx2Tests</c> checks both against them.
/// </para>
/// </remarks>
internal static unsafe class MaxPool2dRowPairsAvx2
{
    private const int Lanes = 8;

    /// <summary>
    /// Whether a pool of this shape runs here: AVX2 without 512-bit vectors, the 2 × 2, stride-2 window, even height and
    /// width (row pairs follow each other without a gap) and rows of at most 16 windows (two steps).
    /// </summary>
    public static bool Applies(in Pool2dGeometry g) =>
        GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512) && MaxPool2d.IsTwoByTwo(g)
            && g.Height % 2 == 0 && g.Width % 2 == 0 && g.OutWidth <= 2 * Lanes;

    /// <summary>
    /// The forward pass over <paramref name="planes"/> whole planes from <paramref name="input"/> (the first of a part):
    /// values to <paramref name="output"/>, positions in each input plane to <paramref name="indices"/>.
    /// </summary>
    public static void Forward(float* input, float* output, int* indices, int planes, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth, rowPairs = planes * g.OutHeight;
        float* inputEnd = input + ((nint)rowPairs * 2 * width);
        float* outputEnd = output + ((nint)rowPairs * outWidth);

        // Each window's first column in the order Split leaves the windows in (see there).
        Vector256<int> firstColumns = Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14);
        Vector256<int> right = Vector256<int>.One, below = Vector256.Create(width), belowRight = Vector256.Create(width + 1);
        Vector256<int> nextStep = Vector256.Create(2 * Lanes);
        float* top = input, outputRow = output;
        int* indexRow = indices;
        for (int pair = 0, oh = 0; pair < rowPairs; pair++, oh = oh + 1 == g.OutHeight ? 0 : oh + 1)
        {
            float* bottom = top + width;
            Vector256<int> first = Vector256.Create(2 * oh * width) + firstColumns;
            for (int ow = 0; ow < outWidth; ow += Lanes, first += nextStep)
            {
                (Vector256<float> topEven, Vector256<float> topOdd) = Split(top + (2 * ow), inputEnd);
                (Vector256<float> bottomEven, Vector256<float> bottomOdd) = Split(bottom + (2 * ow), inputEnd);
                Vector256<float> max = topEven;
                Vector256<int> index = first;
                Take(topOdd, first + right, ref max, ref index);
                Take(bottomEven, first + below, ref max, ref index);
                Take(bottomOdd, first + belowRight, ref max, ref index);
                max = InWindowOrder(max);
                index = InWindowOrder(index.AsSingle()).AsInt32();
                float* at = outputRow + ow;
                if (at + Lanes <= outputEnd)
                {
                    max.Store(at);
                    index.Store(indexRow + ow);
                }
                else
                {
                    Vector256<float> mask = Before(at, outputEnd);
                    Avx.MaskStore(at, mask, max);
                    Avx2.MaskStore(indexRow + ow, mask.AsInt32(), index);
                }
            }

            top += 2 * width;
            outputRow += outWidth;
            indexRow += outWidth;
        }
    }

    /// <summary>
    /// The backward pass over <paramref name="planes"/> whole planes, as <c>PlaneBackwardTwoByTwo</c> writes each of them:
    /// <c>0 + dy</c> at the window's maximum (+0 there too through a ReLU, <paramref name="maxima"/> not null, when the
    /// maximum is at most 0), +0 elsewhere. Returns false, having written part of the planes, if an index does not name
    /// a position of its window; the caller then clears and scatters them.
    /// </summary>
    public static bool Backward(float* dy, float* maxima, int* indices, float* dx, int planes, in Pool2dGeometry g)
    {
        int width = g.Width, outWidth = g.OutWidth, rowPairs = planes * g.OutHeight;
        nint windows = (nint)rowPairs * outWidth;
        float* dyEnd = dy + windows, maximaEnd = maxima + windows, indicesEnd = (float*)(indices + windows);
        float* dxEnd = dx + ((nint)rowPairs * 2 * width);

        // Each window's first column, and the lanes of a row's first and second step that hold one of its windows
        // (all ones), with the windows in the order InSplitOrder leaves them.
        Vector256<int> firstColumns = Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14);
        Vector256<float> firstActive = InSplitOrder(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(outWidth)).AsSingle());
        Vector256<float> secondActive = InSplitOrder(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(outWidth - Lanes)).AsSingle());
        Vector256<int> right = Vector256<int>.One, below = Vector256.Create(width), belowRight = Vector256.Create(width + 1);
        Vector256<int> nextStep = Vector256.Create(2 * Lanes);
        int last = (outWidth - 1) / Lanes * Lanes;
        float* top = dx;
        nint rowWindow = 0;
        for (int pair = 0, oh = 0; pair < rowPairs; pair++, oh = oh + 1 == g.OutHeight ? 0 : oh + 1)
        {
            // The row's last step first: what its whole-vector stores write past the top row the first step's bottom
            // row stores overwrite, and what they write past the pair the next pair's do.
            float* bottom = top + width;
            Vector256<int> first = Vector256.Create((2 * oh * width) + (2 * last)) + firstColumns;
            for (int ow = last; ow >= 0; ow -= Lanes, first -= nextStep)
            {
                nint window = rowWindow + ow;
                Vector256<float> gradient = Load(dy + window, dyEnd) + Vector256<float>.Zero;
                if (maxima != null)
                {
                    gradient = Vector256.AndNot(gradient, Vector256.LessThanOrEqual(Load(maxima + window, maximaEnd), Vector256<float>.Zero));
                }

                // Each window's offset from its first position, and the gradient, with the windows in split order.
                gradient = InSplitOrder(gradient);
                Vector256<int> offset = InSplitOrder(Load((float*)(indices + window), indicesEnd)).AsInt32() - first;
                Vector256<int> topLeft = Vector256.Equals(offset, Vector256<int>.Zero), topRight = Vector256.Equals(offset, right);
                Vector256<int> bottomLeft = Vector256.Equals(offset, below), bottomRight = Vector256.Equals(offset, belowRight);
                if (!Avx.TestC((topLeft | topRight | bottomLeft | bottomRight).AsSingle(), ow == 0 ? firstActive : secondActive))
                {
                    return false;
                }

                (Vector256<float> topFirst, Vector256<float> topSecond) = Interleave(gradient & topLeft.AsSingle(), gradient & topRight.AsSingle());
                Store(top + (2 * ow), topFirst, dxEnd);
                Store(top + (2 * ow) + Lanes, topSecond, dxEnd);
                (Vector256<float> bottomFirst, Vector256<float> bottomSecond) = Interleave(gradient & bottomLeft.AsSingle(), gradient & bottomRight.AsSingle());
                Store(bottom + (2 * ow), bottomFirst, dxEnd);
                Store(bottom + (2 * ow) + Lanes, bottomSecond, dxEnd);
            }

            top += 2 * width;
            rowWindow += outWidth;
        }

        return true;
    }

    /// <summary>One scan-order step of every lane's window: a larger value or a NaN takes the lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector256<float> value, Vector256<int> at, ref Vector256<float> max, ref Vector256<int> index)
    {
        // Blends, not Vector256.ConditionalSelect: the JIT spells that as three bitwise operations.
        Vector256<float> take = Avx.Or(Avx.CompareGreaterThan(value, max), Avx.CompareUnordered(value, value));
        max = Avx.BlendVariable(max, value, take);
        index = Avx.BlendVariable(index.AsSingle(), at.AsSingle(), take).AsInt32();
    }

    /// <summary>
    /// The even and odd columns of the 16 floats from <paramref name="row"/>, those at or past <paramref name="end"/> read
    /// as zero, as one shuffle each leaves them: windows 0 1 4 5 | 2 3 6 7 (the lanes' order within each 128-bit half is
    /// kept). The windows are compared in that order and put back in theirs once (<see cref="InWindowOrder"/>), so a step
    /// costs two cross-lane permutes instead of four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Split(float* row, float* end)
    {
        Vector256<float> a = Load(row, end), b = Load(row + Lanes, end);
        return (Avx.Shuffle(a, b, 0b10_00_10_00), Avx.Shuffle(a, b, 0b11_01_11_01));
    }

    /// <summary>Windows 0 1 4 5 | 2 3 6 7 (<see cref="Split"/>'s order) as 0 1 2 3 | 4 5 6 7: the 64-bit pairs 0, 2, 1, 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> InWindowOrder(Vector256<float> windows)
        => Avx2.Permute4x64(windows.AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>Windows 0 1 2 3 | 4 5 6 7 as 0 1 4 5 | 2 3 6 7: the same swap of the middle pairs as <see cref="InWindowOrder"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> InSplitOrder(Vector256<float> windows) => InWindowOrder(windows);

    /// <summary>
    /// The 16 floats <c>l0 r0 l1 r1 ... l7 r7</c> as two vectors, from windows in <see cref="InSplitOrder"/>'s order
    /// (0 1 4 5 | 2 3 6 7), which the in-lane unpacks alone interleave.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> First, Vector256<float> Second) Interleave(Vector256<float> left, Vector256<float> right)
        => (Avx.UnpackLow(left, right), Avx.UnpackHigh(left, right));

    /// <summary>8 floats from <paramref name="at"/>, those at or past <paramref name="end"/> read as zero (a masked load only near the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(float* at, float* end)
        => at + Lanes <= end ? Avx.LoadVector256(at) : Avx.MaskLoad(at, Before(at, end));

    /// <summary>8 floats to <paramref name="at"/>, none at or past <paramref name="end"/> (a masked store only near the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* at, Vector256<float> value, float* end)
    {
        if (at + Lanes <= end)
        {
            value.Store(at);
        }
        else
        {
            Avx.MaskStore(at, Before(at, end), value);
        }
    }

    /// <summary>The lanes of the 8 floats from <paramref name="at"/> that lie before <paramref name="end"/> (none when it is past).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Before(float* at, float* end)
        => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((int)System.Math.Max(0, System.Math.Min(Lanes, end - at)))).AsSingle();
}
