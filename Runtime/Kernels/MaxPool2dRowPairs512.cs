using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// <see cref="MaxPool2d"/>'s 2 × 2, stride-2 pool without padding over planes of even height and width, with AVX-512,
/// for small planes. Such planes are, one after the other, a flat sequence of input row pairs (2·width floats each),
/// and row pair <c>r</c> of the sequence gives output row <c>r</c> (width/2 windows), across plane boundaries. Row by row,
/// a 10-wide plane fills 5 of a vector's 16 lanes; here a step takes <c>k = 16 / outWidth</c> whole row pairs (3 for a
/// 10-wide plane: 15 windows) from at most 64 consecutive floats, four loads, and picks each window corner's lanes
/// out of them with two two-register permutes and a select. The comparisons are <see cref="MaxPool2d"/>'s, in scan
/// order, so the values, indices and gradients are the row-by-row paths' bits.
/// </summary>
internal static unsafe class MaxPool2dRowPairs512
{
    /// <summary>
    /// Whether a pool of this shape runs here: the 2 × 2, stride-2 window, even height and width (no row or column
    /// outside every window, so row pairs follow each other without a gap), and rows of at most 16 windows.
    /// </summary>
    public static bool Applies(in Pool2dGeometry g) =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && MaxPool2d.IsTwoByTwo(g)
            && g.Height % 2 == 0 && g.Width % 2 == 0 && g.OutWidth <= Vector512<float>.Count;

    /// <summary>
    /// The forward pass over <paramref name="planes"/> whole planes from <paramref name="input"/> (the first of a part):
    /// values to <paramref name="output"/>, positions in each input plane to <paramref name="indices"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* input, float* output, int* indices, int planes, in Pool2dGeometry g)
    {
        var layout = new Layout(g, backward: false);
        if (layout.PairsPerStep == 1)
        {
            ForwardRowByRow(input, output, indices, planes, g, layout);
            return;
        }

        int rowPairs = planes * g.OutHeight, windows = rowPairs * g.OutWidth, floats = windows * 4;
        Vector512<int> first = layout.First, step = layout.Step, plane = layout.Plane;
        Vector512<int> corner0 = layout.Corner0, corner1 = layout.Corner1, corner2 = layout.Corner2, corner3 = layout.Corner3;
        Vector512<float> high0 = Layout.High(corner0), high1 = Layout.High(corner1), high2 = Layout.High(corner2), high3 = Layout.High(corner3);
        for (int pair = 0; pair < rowPairs; pair += layout.PairsPerStep)
        {
            int at = pair * 2 * g.Width, window = pair * g.OutWidth;
            float* source = input + at;
            int left = floats - at;
            Vector512<float> v0 = MaxPool2d.Load512(source, left), v1 = MaxPool2d.Load512(source + 16, left - 16);
            Vector512<float> v2 = MaxPool2d.Load512(source + 32, left - 32), v3 = MaxPool2d.Load512(source + 48, left - 48);
            Vector512<float> max = Pick(v0, v1, v2, v3, corner0, high0);
            Vector512<int> index = first;
            MaxPool2d.Take(Pick(v0, v1, v2, v3, corner1, high1), first + Vector512<int>.One, ref max, ref index);
            MaxPool2d.Take(Pick(v0, v1, v2, v3, corner2, high2), first + Vector512.Create(g.Width), ref max, ref index);
            MaxPool2d.Take(Pick(v0, v1, v2, v3, corner3, high3), first + Vector512.Create(g.Width + 1), ref max, ref index);

            StoreWindows(max, index, output + window, indices + window, windows - window);
            first = Advance(first, step, plane);
        }
    }

    /// <summary>
    /// <see cref="Forward"/> for rows of 9-16 windows (one row pair a step; width 18-32): the top row is the first two
    /// vectors of the step's floats and the bottom row two vectors loaded from its own start, so each corner is one
    /// two-register permute (no select between halves of the pair). LeNet-5's pool1 (28-wide planes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRowByRow(float* input, float* output, int* indices, int planes, in Pool2dGeometry g, in Layout layout)
    {
        int rowPairs = planes * g.OutHeight, outWidth = g.OutWidth, width = g.Width, windows = rowPairs * outWidth, floats = windows * 4;
        Vector512<int> first = layout.First, step = layout.Step, plane = layout.Plane;
        Vector512<int> left = layout.Corner0, right = layout.Corner1;
        Vector512<int> one = Vector512<int>.One, below = Vector512.Create(width), belowRight = Vector512.Create(width + 1);
        for (int pair = 0; pair < rowPairs; pair++)
        {
            int at = pair * 2 * width, window = pair * outWidth;
            float* top = input + at, bottom = top + width;
            int remaining = floats - at;
            Vector512<float> t0 = MaxPool2d.Load512(top, remaining), t1 = MaxPool2d.Load512(top + 16, remaining - 16);
            Vector512<float> b0 = MaxPool2d.Load512(bottom, remaining - width), b1 = MaxPool2d.Load512(bottom + 16, remaining - width - 16);
            Vector512<float> max = Avx512F.PermuteVar16x32x2(t0, left, t1);
            Vector512<int> index = first;
            MaxPool2d.Take(Avx512F.PermuteVar16x32x2(t0, right, t1), first + one, ref max, ref index);
            MaxPool2d.Take(Avx512F.PermuteVar16x32x2(b0, left, b1), first + below, ref max, ref index);
            MaxPool2d.Take(Avx512F.PermuteVar16x32x2(b0, right, b1), first + belowRight, ref max, ref index);

            StoreWindows(max, index, output + window, indices + window, windows - window);
            first = Advance(first, step, plane);
        }
    }

    /// <summary>
    /// The backward pass over <paramref name="planes"/> whole planes, as <c>PlaneBackwardTwoByTwo512</c> writes each of
    /// them: <c>0 + dy</c> at the window's maximum (+0 there too through a ReLU, <paramref name="maxima"/> not null, when
    /// the maximum is at most 0), +0 elsewhere. Returns false, having written part of the planes, if an index does not
    /// name a position of its window; the caller then clears and scatters them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Backward(float* dy, float* maxima, int* indices, float* dx, int planes, in Pool2dGeometry g)
    {
        var layout = new Layout(g, backward: true);
        int rowPairs = planes * g.OutHeight, windows = rowPairs * g.OutWidth, floats = windows * 4;
        Vector512<int> first = layout.First, step = layout.Step, plane = layout.Plane;
        Vector512<int> spread0 = layout.Spread0, spread1 = layout.Spread1, spread2 = layout.Spread2, spread3 = layout.Spread3;
        Vector512<float> bottom0 = layout.Bottom0, bottom1 = layout.Bottom1, bottom2 = layout.Bottom2, bottom3 = layout.Bottom3;
        Vector512<int> right = Vector512<int>.One, below = Vector512.Create(g.Width), belowRight = Vector512.Create(g.Width + 1);
        for (int pair = 0; pair < rowPairs; pair += layout.PairsPerStep)
        {
            int at = pair * 2 * g.Width, window = pair * g.OutWidth;
            // Lanes past the step's windows read the next step's windows (or zeros at the end) and only ever reach
            // floats the next step overwrites, but must not fail the check.
            int available = windows - window;
            Vector512<int> active = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(Math.Min(layout.Windows, available)));
            Vector512<float> gradient = MaxPool2d.Load512(dy + window, available) + Vector512<float>.Zero;
            if (maxima != null)
            {
                gradient = Vector512.AndNot(gradient, Vector512.LessThanOrEqual(MaxPool2d.Load512(maxima + window, available), Vector512<float>.Zero));
            }

            Vector512<int> offset = MaxPool2d.Load512((float*)(indices + window), available).AsInt32() - first;
            Vector512<int> topLeft = Vector512.Equals(offset, Vector512<int>.Zero), topRight = Vector512.Equals(offset, right);
            Vector512<int> bottomLeft = Vector512.Equals(offset, below), bottomRight = Vector512.Equals(offset, belowRight);
            if (!Vector512.EqualsAll((topLeft | topRight | bottomLeft | bottomRight) | ~active, Vector512<int>.AllBitsSet))
            {
                return false;
            }

            Vector512<float> a = gradient & topLeft.AsSingle(), b = gradient & topRight.AsSingle();
            Vector512<float> c = gradient & bottomLeft.AsSingle(), d = gradient & bottomRight.AsSingle();
            float* target = dx + at;
            int left = floats - at;
            Store(target, Spread(a, b, c, d, spread0, bottom0), left);
            Store(target + 16, Spread(a, b, c, d, spread1, bottom1), left - 16);
            Store(target + 32, Spread(a, b, c, d, spread2, bottom2), left - 32);
            Store(target + 48, Spread(a, b, c, d, spread3, bottom3), left - 48);

            first = Advance(first, step, plane);
        }

        return true;
    }

    /// <summary>
    /// Stores a step's maxima and positions. Its lanes past its windows hold garbage: whole vectors are stored while
    /// <paramref name="left"/> windows remain (the next step's windows overwrite the garbage), and the part's last step
    /// stores only what is left.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWindows(Vector512<float> max, Vector512<int> index, float* output, int* indices, int left)
    {
        if (left >= 16)
        {
            max.Store(output);
            index.Store(indices);
        }
        else
        {
            Vector512<int> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(left));
            Avx512F.MaskStore(output, mask.AsSingle(), max);
            Avx512F.MaskStore(indices, mask, index);
        }
    }

    /// <summary>
    /// A corner of every lane's window from the step's 64 floats: a permute of each half (it reads the low 5 bits of
    /// the positions <paramref name="at"/>) and a select of the half that holds it (<paramref name="high"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pick(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, Vector512<int> at, Vector512<float> high) =>
        Vector512.ConditionalSelect(high, Avx512F.PermuteVar16x32x2(v2, at, v3), Avx512F.PermuteVar16x32x2(v0, at, v1));

    /// <summary>
    /// 16 of a step's 64 floats from the windows' corners (top-left, top-right, bottom-left, bottom-right per lane): lane
    /// <paramref name="from"/> of the left or right column's corners, of the bottom row's where <paramref name="bottom"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Spread(
        Vector512<float> topLeft, Vector512<float> topRight, Vector512<float> bottomLeft, Vector512<float> bottomRight, Vector512<int> from, Vector512<float> bottom) =>
        Vector512.ConditionalSelect(bottom, Avx512F.PermuteVar16x32x2(bottomLeft, from, bottomRight), Avx512F.PermuteVar16x32x2(topLeft, from, topRight));

    /// <summary>Each lane's top-left position in its plane at the next step: the step's row pairs later, wrapped into the plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Advance(Vector512<int> first, Vector512<int> step, Vector512<int> plane)
    {
        Vector512<int> next = first + step;
        return next - (plane & Vector512.GreaterThanOrEqual(next, plane));
    }

    /// <summary>The first <paramref name="count"/> lanes (none when it is 0 or less, all 16 from 16 on).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* p, Vector512<float> value, int count)
    {
        if (count >= 16)
        {
            value.Store(p);
        }
        else if (count > 0)
        {
            Partial512.Store(p, value, count);
        }
    }

    /// <summary>
    /// Where a step's 16 windows and 64 floats come from. Lane <c>l &lt; Windows</c> is window <c>l % outWidth</c> of the
    /// step's row pair <c>l / outWidth</c>; float <c>f</c> of the step's floats is in row pair <c>f / (2·width)</c>.
    /// </summary>
    private readonly struct Layout
    {
        /// <summary>Row pairs per step, and the windows they hold (at most 16).</summary>
        public readonly int PairsPerStep, Windows;

        /// <summary>Each lane's top-left position in its input plane at the first step.</summary>
        public readonly Vector512<int> First;

        /// <summary>Each corner's (top-left, top-right, bottom-left, bottom-right) float in the step's 64, per lane.</summary>
        public readonly Vector512<int> Corner0, Corner1, Corner2, Corner3;

        /// <summary>
        /// For each 16 of the step's 64 floats, the lane of the corner vectors it comes from (the second operand's from
        /// 16 on: <c>PermuteVar16x32x2</c> takes lanes 0-15 from the left column's corner, 16-31 from the right one's).
        /// </summary>
        public readonly Vector512<int> Spread0, Spread1, Spread2, Spread3;

        /// <summary>For each 16 of the step's 64 floats, those in a bottom row.</summary>
        public readonly Vector512<float> Bottom0, Bottom1, Bottom2, Bottom3;

        /// <summary>How far a step moves a lane's position (modulo the plane), and the plane's size.</summary>
        public readonly Vector512<int> Step, Plane;

        /// <summary>
        /// The layout of <paramref name="g"/>'s steps; <see cref="Spread0"/>-<see cref="Bottom3"/> only for the
        /// <paramref name="backward"/> pass. Counted without divisions: a pool call on one small sample is a few
        /// hundred nanoseconds, which a division per lane would double.
        /// </summary>
        public Layout(in Pool2dGeometry g, bool backward)
        {
            int outWidth = g.OutWidth, width = g.Width, pairFloats = 2 * width;
            PairsPerStep = 16 / outWidth;
            Windows = PairsPerStep * outWidth;
            int* first = stackalloc int[16], corner = stackalloc int[16];

            // Lanes past the step's windows get the top-left of the step's first window: any in-range value will do.
            new Span<int>(first, 16).Clear();
            new Span<int>(corner, 16).Clear();
            for (int pair = 0, l = 0, planeRow = 0; pair < PairsPerStep; pair++, planeRow = planeRow + 1 == g.OutHeight ? 0 : planeRow + 1)
            {
                for (int column = 0; column < outWidth; column++, l++)
                {
                    first[l] = (planeRow * pairFloats) + (2 * column);
                    corner[l] = (pair * pairFloats) + (2 * column);
                }
            }

            First = Vector512.Load(first);
            Vector512<int> topLeft = Vector512.Load(corner);
            (Corner0, Corner1, Corner2, Corner3) = (topLeft, topLeft + Vector512<int>.One, topLeft + Vector512.Create(width), topLeft + Vector512.Create(width + 1));
            int planeFloats = g.InputPlane;
            Step = Vector512.Create(PairsPerStep * pairFloats % planeFloats);
            Plane = Vector512.Create(planeFloats);
            if (!backward)
            {
                return;
            }

            // Float f of the step is (pair, row, column) in row-pair order; floats past the step's row pairs take 0.
            int* spread = stackalloc int[64], bottom = stackalloc int[64];
            new Span<int>(spread, 64).Clear();
            new Span<int>(bottom, 64).Clear();
            for (int pair = 0, f = 0; pair < PairsPerStep && f < 64; pair++)
            {
                for (int row = 0; row < 2 && f < 64; row++)
                {
                    for (int column = 0; column < width && f < 64; column++, f++)
                    {
                        spread[f] = (pair * outWidth) + (column >> 1) + (16 * (column & 1));
                        bottom[f] = row == 1 ? -1 : 0;
                    }
                }
            }

            (Spread0, Spread1, Spread2, Spread3) = (Vector512.Load(spread), Vector512.Load(spread + 16), Vector512.Load(spread + 32), Vector512.Load(spread + 48));
            (Bottom0, Bottom1, Bottom2, Bottom3) = (Vector512.Load(bottom).AsSingle(), Vector512.Load(bottom + 16).AsSingle(), Vector512.Load(bottom + 32).AsSingle(), Vector512.Load(bottom + 48).AsSingle());
        }

        /// <summary>The lanes whose float <paramref name="at"/> is in the step's second 32.</summary>
        public static Vector512<float> High(Vector512<int> at) => Vector512.GreaterThan(at, Vector512.Create(31)).AsSingle();
    }
}
