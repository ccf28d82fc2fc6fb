using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// One sample's input copied as <c>X[c][j][ih][ow] = xpad[c][ih][ow + j]</c> (<c>xpad</c> the zero-padded input,
/// <c>ih</c> over the padded height, <c>ow</c> over the output width), the layout of the stride-1 forward paths that tile
/// the flattened output plane (<see cref="Conv2dChannelDirect"/>, <see cref="Conv2dPlaneDirect"/>): the value tap
/// <c>(c, i, j)</c> reads for the output pixel <c>q = oh·OW + ow</c> is <c>X[c][j][0][0] + i·OW + q</c>, so consecutive
/// pixels read consecutive values whatever rows they span.
/// </summary>
internal static unsafe class ExpandedInput
{
    private const int Lanes = 16;

    /// <summary>The padded height: rows <c>ih</c> of one <c>X[c][j]</c>.</summary>
    public static int PaddedHeight(in Conv2dGeometry g) => g.Height + (2 * g.PaddingHeight);

    /// <summary>Floats between <c>X[c][j]</c> and <c>X[c][j + 1]</c>: the padded height times the output width.</summary>
    public static nint TapStride(in Conv2dGeometry g) => (nint)PaddedHeight(g) * g.OutWidth;

    /// <summary>Floats of <c>X</c> and the vector of slack after it that <see cref="Write"/> may write into.</summary>
    public static long Floats(in Conv2dGeometry g) => ((long)g.Channels * g.KernelWidth * TapStride(g)) + Lanes;

    /// <summary>
    /// Writes <c>X</c> row by row in address order: the padding rows as zero vectors, each input row as whole vectors of
    /// masked loads (zeros outside the input), the last vector running past the row into the next row's place (written
    /// next) or into the vector of slack after the last row.
    /// </summary>
    /// <remarks>
    /// The geometry is read into locals and the padding rows are loops of their own, so the loop over input rows is a
    /// load and a store per vector and two pointer steps per row (rows of one or two vectors, most layers): with a test per row and the
    /// geometry re-read from memory at each step, the copy took 12% of LeNet-5's conv2 forward (docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(float* x, float* expanded, in Conv2dGeometry g)
    {
        int channels = g.Channels, kw = g.KernelWidth, inHeight = g.Height, width = g.Width, padWidth = g.PaddingWidth;
        int outWidth = g.OutWidth, vectors = (outWidth + Lanes - 1) / Lanes, inputPlane = g.InputPlane;
        nint top = (nint)g.PaddingHeight * outWidth, middle = (nint)inHeight * outWidth, bottom = top;
        float* row = expanded;
        for (int c = 0; c < channels; c++)
        {
            float* channel = x + ((nint)c * inputPlane);
            for (int j = 0; j < kw; j++)
            {
                int shift = j - padWidth;
                Zeros(row, top);
                row += top;
                float* source = channel + shift;
                float* end = row + middle;
                if (vectors == 1)
                {
                    Vector512<float> inside = Inside(shift, width);
                    for (; row < end; row += outWidth, source += width)
                    {
                        Avx512F.MaskLoad(source, inside, Vector512<float>.Zero).Store(row);
                    }
                }
                else if (vectors == 2)
                {
                    Vector512<float> first = Inside(shift, width), second = Inside(Lanes + shift, width);
                    for (; row < end; row += outWidth, source += width)
                    {
                        Avx512F.MaskLoad(source, first, Vector512<float>.Zero).Store(row);
                        Avx512F.MaskLoad(source + Lanes, second, Vector512<float>.Zero).Store(row + Lanes);
                    }
                }
                else
                {
                    for (; row < end; row += outWidth, source += width)
                    {
                        for (int v = 0; v < vectors; v++)
                        {
                            Avx512F.MaskLoad(source + (v * Lanes), Inside((v * Lanes) + shift, width), Vector512<float>.Zero).Store(row + (v * Lanes));
                        }
                    }
                }

                Zeros(row, bottom);
                row += bottom;
            }
        }
    }

    /// <summary>
    /// <see cref="Write"/> with 256-bit vectors (machines without 512-bit ones): the same values in the same places, the
    /// last vector of each row running past it by fewer than 8 floats (into the next row's place or the slack).
    /// </summary>
    public static void Write256(float* x, float* expanded, in Conv2dGeometry g)
    {
        const int lanes = 8;
        int channels = g.Channels, kw = g.KernelWidth, inHeight = g.Height, width = g.Width, padWidth = g.PaddingWidth;
        int outWidth = g.OutWidth, vectors = (outWidth + lanes - 1) / lanes, inputPlane = g.InputPlane;
        nint top = (nint)g.PaddingHeight * outWidth, middle = (nint)inHeight * outWidth, bottom = top;
        float* row = expanded;
        for (int c = 0; c < channels; c++)
        {
            float* channel = x + ((nint)c * inputPlane);
            for (int j = 0; j < kw; j++)
            {
                int shift = j - padWidth;
                Zeros256(row, top);
                row += top;
                float* source = channel + shift;
                float* end = row + middle;

                // The masks depend on the kernel column alone: computed here, not per row (that was a fifth of LeNet-5's
                // conv1 forward on Zen 2).
                Vector256<float> m0 = Inside256(shift, width), m1 = Inside256(lanes + shift, width);
                Vector256<float> m2 = Inside256((2 * lanes) + shift, width), m3 = Inside256((3 * lanes) + shift, width);
                switch (vectors)
                {
                    case 1:
                        for (; row < end; row += outWidth, source += width)
                        {
                            Avx.MaskLoad(source, m0).Store(row);
                        }

                        break;
                    case 2:
                        for (; row < end; row += outWidth, source += width)
                        {
                            Avx.MaskLoad(source, m0).Store(row);
                            Avx.MaskLoad(source + lanes, m1).Store(row + lanes);
                        }

                        break;
                    case 3:
                        for (; row < end; row += outWidth, source += width)
                        {
                            Avx.MaskLoad(source, m0).Store(row);
                            Avx.MaskLoad(source + lanes, m1).Store(row + lanes);
                            Avx.MaskLoad(source + (2 * lanes), m2).Store(row + (2 * lanes));
                        }

                        break;
                    case 4:
                        for (; row < end; row += outWidth, source += width)
                        {
                            Avx.MaskLoad(source, m0).Store(row);
                            Avx.MaskLoad(source + lanes, m1).Store(row + lanes);
                            Avx.MaskLoad(source + (2 * lanes), m2).Store(row + (2 * lanes));
                            Avx.MaskLoad(source + (3 * lanes), m3).Store(row + (3 * lanes));
                        }

                        break;
                    default:
                        for (; row < end; row += outWidth, source += width)
                        {
                            for (int v = 0; v < vectors; v++)
                            {
                                Avx.MaskLoad(source + (v * lanes), Inside256((v * lanes) + shift, width)).Store(row + (v * lanes));
                            }
                        }

                        break;
                }

                Zeros256(row, bottom);
                row += bottom;
            }
        }
    }

    /// <summary>Zeros <paramref name="count"/> floats from <paramref name="destination"/> in whole 256-bit vectors (the last may run past).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Zeros256(float* destination, nint count)
    {
        for (nint k = 0; k < count; k += 8)
        {
            Vector256<float>.Zero.Store(destination + k);
        }
    }

    /// <summary>The lanes <c>l</c> of a 256-bit vector whose input column <c>start + l</c> lies in <c>[0, width)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Inside256(int start, int width)
    {
        Vector256<int> column = Vector256<int>.Indices + Vector256.Create(start);
        return (Vector256.GreaterThanOrEqual(column, Vector256<int>.Zero) & Vector256.LessThan(column, Vector256.Create(width))).AsSingle();
    }

    /// <summary>Zeros <paramref name="count"/> floats from <paramref name="destination"/> in whole vectors (the last may run past, into what is written next or the slack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Zeros(float* destination, nint count)
    {
        for (nint k = 0; k < count; k += Lanes)
        {
            Vector512<float>.Zero.Store(destination + k);
        }
    }

    /// <summary>The lanes <c>l</c> whose input column <c>start + l</c> lies in <c>[0, width)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Inside(int start, int width)
    {
        Vector512<int> column = Vector512<int>.Indices + Vector512.Create(start);
        return (Vector512.GreaterThanOrEqual(column, Vector512<int>.Zero) & Vector512.LessThan(column, Vector512.Create(width))).AsSingle();
    }
}
