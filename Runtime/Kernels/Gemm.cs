using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Single-precision matrix products on row-major matrices. Each overwrites its output; none
/// materializes a transpose. The three forms are what a linear layer needs: forward
/// (<see cref="MultiplyTransposeB"/>, <c>X·Wᵀ</c>), input gradient (<see cref="Multiply"/>, <c>dY·W</c>)
/// and weight gradient (<see cref="MultiplyTransposeA"/>, <c>dYᵀ·X</c>).
/// </summary>
/// <remarks>
/// Row kernels with cache-friendly loop orders, vectorized at the widest hardware width. The output
/// must not share memory with either input. <c>m</c> may be 0 (nothing is written); <c>k</c> and
/// <c>n</c> must be positive.
/// </remarks>
public static class Gemm
{
    /// <summary>Computes <c>C[m,n] = A[m,k] · B[k,n]</c>.</summary>
    /// <param name="a">A, row-major <c>[m, k]</c>; at least <c>m·k</c> elements.</param>
    /// <param name="b">B, row-major <c>[k, n]</c>; at least <c>k·n</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Rows of A and C; zero or more.</param>
    /// <param name="k">Columns of A, rows of B; positive.</param>
    /// <param name="n">Columns of B and C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, m, k, "m*k", k, n, "k*n");
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);

        // i-k-j: row i of C stays in cache while the rows of B stream past, four at a time.
        for (int i = 0; i < m; i++)
        {
            ref float aRow = ref Unsafe.Add(ref a0, (nint)i * k);
            ref float cRow = ref Unsafe.Add(ref c0, (nint)i * n);
            c.Slice(i * n, n).Clear();
            int p = 0;
            for (; p + 4 <= k; p += 4)
            {
                ref float bRow = ref Unsafe.Add(ref b0, (nint)p * n);
                RowKernels.Axpy4(
                    Unsafe.Add(ref aRow, p), Unsafe.Add(ref aRow, p + 1), Unsafe.Add(ref aRow, p + 2), Unsafe.Add(ref aRow, p + 3),
                    ref bRow, ref Unsafe.Add(ref bRow, n), ref Unsafe.Add(ref bRow, 2 * n), ref Unsafe.Add(ref bRow, 3 * n),
                    ref cRow, n);
            }

            for (; p < k; p++)
            {
                RowKernels.Axpy(Unsafe.Add(ref aRow, p), ref Unsafe.Add(ref b0, (nint)p * n), ref cRow, n);
            }
        }
    }

    /// <summary>Computes <c>C[m,n] = A[m,k] · B[n,k]ᵀ</c>: every element is a dot product of a row of A and a row of B.</summary>
    /// <param name="a">A, row-major <c>[m, k]</c>; at least <c>m·k</c> elements.</param>
    /// <param name="b">B, row-major <c>[n, k]</c>; at least <c>n·k</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Rows of A and C; zero or more.</param>
    /// <param name="k">Columns of A and of B; positive.</param>
    /// <param name="n">Rows of B, columns of C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, m, k, "m*k", n, k, "n*k");
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i++)
        {
            RowTransposeB(ref Unsafe.Add(ref a0, (nint)i * k), ref b0, ref Unsafe.Add(ref c0, (nint)i * n), k, n);
        }
    }

    /// <summary>Computes <c>C[m,n] = A[k,m]ᵀ · B[k,n]</c>, e.g. a weight gradient <c>dYᵀ·X</c> summed over the batch rows <c>k</c>.</summary>
    /// <param name="a">A, row-major <c>[k, m]</c>; at least <c>k·m</c> elements.</param>
    /// <param name="b">B, row-major <c>[k, n]</c>; at least <c>k·n</c> elements.</param>
    /// <param name="c">C, row-major <c>[m, n]</c>; at least <c>m·n</c> elements; overwritten.</param>
    /// <param name="m">Columns of A, rows of C; zero or more.</param>
    /// <param name="k">Rows of A and of B; positive.</param>
    /// <param name="n">Columns of B and C; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="c"/> overlaps an input.</exception>
    public static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Validate(a, b, c, m, k, n, k, m, "k*m", k, n, "k*n");
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);

        // C[i,:] = Σ_p A[p,i]·B[p,:]: row i of C stays in cache; A is read down a column.
        for (int i = 0; i < m; i++)
        {
            ref float aColumn = ref Unsafe.Add(ref a0, i);
            ref float cRow = ref Unsafe.Add(ref c0, (nint)i * n);
            c.Slice(i * n, n).Clear();
            int p = 0;
            for (; p + 4 <= k; p += 4)
            {
                ref float bRow = ref Unsafe.Add(ref b0, (nint)p * n);
                RowKernels.Axpy4(
                    Unsafe.Add(ref aColumn, (nint)p * m), Unsafe.Add(ref aColumn, (nint)(p + 1) * m),
                    Unsafe.Add(ref aColumn, (nint)(p + 2) * m), Unsafe.Add(ref aColumn, (nint)(p + 3) * m),
                    ref bRow, ref Unsafe.Add(ref bRow, n), ref Unsafe.Add(ref bRow, 2 * n), ref Unsafe.Add(ref bRow, 3 * n),
                    ref cRow, n);
            }

            for (; p < k; p++)
            {
                RowKernels.Axpy(Unsafe.Add(ref aColumn, (nint)p * m), ref Unsafe.Add(ref b0, (nint)p * n), ref cRow, n);
            }
        }
    }

    /// <summary>
    /// One row of <c>A·Bᵀ</c>: <c>cRow[j] = aRow · B[j,:]</c> for <c>j &lt; n</c>, four rows of B per pass over
    /// <paramref name="aRow"/>. Unchecked; shared with <see cref="LinearForward"/>.
    /// </summary>
    internal static void RowTransposeB(ref float aRow, ref float b, ref float cRow, int k, int n)
    {
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            ref float bRow = ref Unsafe.Add(ref b, (nint)j * k);
            RowKernels.Dot4(
                ref aRow, ref bRow, ref Unsafe.Add(ref bRow, k), ref Unsafe.Add(ref bRow, 2 * k), ref Unsafe.Add(ref bRow, 3 * k),
                k, ref Unsafe.Add(ref cRow, j));
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref cRow, j) = RowKernels.Dot(ref aRow, ref Unsafe.Add(ref b, (nint)j * k), k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Validate(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        int aRows, int aColumns, string aShape, int bRows, int bColumns, string bShape)
    {
        KernelGuard.NonNegative(m, nameof(m));
        KernelGuard.Positive(k, nameof(k));
        KernelGuard.Positive(n, nameof(n));
        KernelGuard.Holds(a.Length, aRows, aColumns, nameof(a), aShape);
        KernelGuard.Holds(b.Length, bRows, bColumns, nameof(b), bShape);
        KernelGuard.Holds(c.Length, m, n, nameof(c), "m*n");
        KernelGuard.NoOverlap(a, c, nameof(a), nameof(c));
        KernelGuard.NoOverlap(b, c, nameof(b), nameof(c));
    }
}
