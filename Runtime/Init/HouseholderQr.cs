using System;
using System.Runtime.Intrinsics;

namespace StaticGrad;

/// <summary>
/// The orthonormal factor of a QR decomposition in double precision, by Householder reflections, for the orthogonal
/// initialization (PyTorch's <c>orthogonal_</c> calls <c>torch.linalg.qr</c>, LAPACK's <c>geqrf</c>/<c>orgqr</c>).
/// </summary>
internal static class HouseholderQr
{
    /// <summary>
    /// Replaces the <paramref name="rows"/> × <paramref name="columns"/> matrix <paramref name="matrix"/> (column-major:
    /// column j at <c>j · rows</c>; rows ≥ columns) with Q·diag(sign(diag(R))) of its reduced QR decomposition A = QR:
    /// the Q whose R has a positive diagonal, which is unique for a matrix of full rank, so it does not depend on the
    /// reflections chosen (LAPACK's differ) and is Haar-distributed for a Gaussian A.
    /// </summary>
    /// <remarks>O(rows · columns²) operations; allocates one more matrix of the same size for the reflectors.</remarks>
    public static void OrthonormalFactor(Span<double> matrix, int rows, int columns)
    {
        if (columns > rows || matrix.Length != rows * columns)
        {
            throw new ArgumentException($"Expected a column-major matrix of {rows} x {columns} with rows >= columns; got {matrix.Length} values.", nameof(matrix));
        }

        // Reflector k is I - 2vvᵀ with v (unit length) in rows k.. of column k of this buffer.
        double[] reflectors = new double[matrix.Length];
        Span<double> signs = columns <= 256 ? stackalloc double[columns] : new double[columns];
        for (int k = 0; k < columns; k++)
        {
            Span<double> x = matrix.Slice((k * rows) + k, rows - k);
            double norm = Math.Sqrt(Dot(x, x));

            // R[k, k] = alpha; its sign opposite to x[0] keeps v[0] = x[0] - alpha free of cancellation.
            double alpha = x[0] >= 0 ? -norm : norm;
            Span<double> v = reflectors.AsSpan((k * rows) + k, rows - k);
            x.CopyTo(v);
            v[0] -= alpha;
            double length = Math.Sqrt(Dot(v, v));
            if (length > 0)
            {
                Scale(v, 1.0 / length);
            }

            for (int j = k + 1; j < columns; j++)
            {
                Span<double> column = matrix.Slice((j * rows) + k, rows - k);
                AddScaled(column, -2.0 * Dot(v, column), v);
            }

            // torch.sign(0) is 0 and would zero the column; R[k, k] is 0 only for a rank-deficient matrix, which a
            // Gaussian draw is with probability 0, and +1 keeps Q orthonormal then.
            signs[k] = alpha < 0 ? -1.0 : 1.0;
        }

        // Q = H0 H1 ... H(n-1) applied to the first columns of the identity, last reflector first; H(k) leaves the
        // columns before k alone (they are zero in the rows it touches).
        matrix.Clear();
        for (int j = 0; j < columns; j++)
        {
            matrix[(j * rows) + j] = 1.0;
        }

        for (int k = columns - 1; k >= 0; k--)
        {
            ReadOnlySpan<double> v = reflectors.AsSpan((k * rows) + k, rows - k);
            for (int j = k; j < columns; j++)
            {
                Span<double> column = matrix.Slice((j * rows) + k, rows - k);
                AddScaled(column, -2.0 * Dot(v, column), v);
            }
        }

        for (int j = 0; j < columns; j++)
        {
            Scale(matrix.Slice(j * rows, rows), signs[j]);
        }
    }

    /// <summary>
    /// Σ aᵢbᵢ in a fixed order on every machine (four 256-bit lanes, reduced lane by lane, without fused multiply-adds), so
    /// an orthogonal initialization from one seed gives the same bits wherever it runs.
    /// </summary>
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Vector256<double> sum = Vector256<double>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector256<double>.Count; i += Vector256<double>.Count)
        {
            sum += Vector256.Create(a.Slice(i)) * Vector256.Create(b.Slice(i));
        }

        double total = (sum.GetElement(0) + sum.GetElement(1)) + (sum.GetElement(2) + sum.GetElement(3));
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    /// <summary>y += s·x, element by element (no fused multiply-add, as <see cref="Dot"/>).</summary>
    private static void AddScaled(Span<double> y, double s, ReadOnlySpan<double> x)
    {
        Vector256<double> scale = Vector256.Create(s);
        int i = 0;
        for (; i <= y.Length - Vector256<double>.Count; i += Vector256<double>.Count)
        {
            (Vector256.Create(y.Slice(i)) + (scale * Vector256.Create(x.Slice(i)))).CopyTo(y.Slice(i));
        }

        for (; i < y.Length; i++)
        {
            y[i] += s * x[i];
        }
    }

    private static void Scale(Span<double> values, double s)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= s;
        }
    }
}
