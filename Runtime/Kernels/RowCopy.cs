using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticGrad.Kernels;

/// <summary>
/// Copies of short runs of floats (a row of an image plane, 10 to 32 values at LeNet's sizes) as plain pointer loops:
/// per-call overheads of span helpers dominate at these lengths.
/// </summary>
internal static unsafe class RowCopy
{
    /// <summary><c>destination[k] = source[k]</c> for <c>k &lt; count</c>; nothing past them is touched. The runs must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* source, float* destination, int count)
    {
        if (Avx512F.IsSupported)
        {
            // Whole vectors, then one masked move for the rest: a run of up to 16 values is a single load and store.
            int v = 0;
            for (; v + 16 <= count; v += 16)
            {
                Vector512.Store(Vector512.Load(source + v), destination + v);
            }

            if (v < count)
            {
                Partial512.Store(destination + v, Partial512.Load(source + v, count - v), count - v);
            }

            return;
        }

        int lanes = Vector<float>.Count, k = 0;
        if (count >= lanes)
        {
            // Whole vectors, the last one ending at the run's end (over values already copied): no scalar tail.
            for (; k + lanes < count; k += lanes)
            {
                Vector.Store(Vector.Load(source + k), destination + k);
            }

            Vector.Store(Vector.Load(source + count - lanes), destination + count - lanes);
            return;
        }

        for (; k < count; k++)
        {
            destination[k] = source[k];
        }
    }
}
