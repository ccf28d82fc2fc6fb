using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>The transpose of a 16 × 16 block of floats held in sixteen 512-bit vectors.</summary>
internal static unsafe class Transpose16
{
    /// <summary>
    /// Transposes <c>rows[0..15]</c> in place (row <c>k</c> lane <c>m</c> becomes row <c>m</c> lane <c>k</c>): four rounds of
    /// in-lane unpacks and 128-bit shuffles, using <c>rows[16..31]</c> as scratch.
    /// </summary>
    public static void InRegisters(Vector512<float>* rows)
    {
        const int Lanes = 16;
        Vector512<float>* r = rows, t = rows + Lanes;

        // Pairs of rows interleaved by 1 float, then by 2 (as doubles), within each 128-bit lane.
        for (int k = 0; k < Lanes; k += 2)
        {
            t[k] = Avx512F.UnpackLow(r[k], r[k + 1]);
            t[k + 1] = Avx512F.UnpackHigh(r[k], r[k + 1]);
        }

        for (int k = 0; k < Lanes; k += 4)
        {
            Vector512<double> a = t[k].AsDouble(), b = t[k + 1].AsDouble(), c = t[k + 2].AsDouble(), d = t[k + 3].AsDouble();
            r[k] = Avx512F.UnpackLow(a, c).AsSingle();
            r[k + 1] = Avx512F.UnpackHigh(a, c).AsSingle();
            r[k + 2] = Avx512F.UnpackLow(b, d).AsSingle();
            r[k + 3] = Avx512F.UnpackHigh(b, d).AsSingle();
        }

        // Then whole 128-bit lanes: the even and odd ones of rows 4 apart, then of rows 8 apart.
        for (int h = 0; h < Lanes; h += 8)
        {
            for (int m = 0; m < 4; m++)
            {
                t[h + m] = Avx512F.Shuffle4x128(r[h + m], r[h + 4 + m], 0x88);
                t[h + 4 + m] = Avx512F.Shuffle4x128(r[h + m], r[h + 4 + m], 0xDD);
            }
        }

        for (int m = 0; m < 8; m++)
        {
            r[m] = Avx512F.Shuffle4x128(t[m], t[8 + m], 0x88);
            r[8 + m] = Avx512F.Shuffle4x128(t[m], t[8 + m], 0xDD);
        }
    }
}
