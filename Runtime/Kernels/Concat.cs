using System;

namespace StaticGrad.Kernels;

/// <summary>Concatenation of two row-major matrices along their columns (<c>torch.cat([a, b], dim=1)</c>) and its backward split.</summary>
public static class Concat
{
    /// <summary><c>output[r] = [a[r], b[r]]</c>: each output row holds a row of <paramref name="a"/> then a row of <paramref name="b"/>.</summary>
    /// <param name="a">Row-major <c>[rows, aCols]</c>.</param>
    /// <param name="aCols">Columns of <paramref name="a"/>; positive.</param>
    /// <param name="b">Row-major <c>[rows, bCols]</c>.</param>
    /// <param name="bCols">Columns of <paramref name="b"/>; positive.</param>
    /// <param name="output">Row-major <c>[rows, aCols + bCols]</c>; must not overlap the inputs.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> overlaps an input.</exception>
    public static void Forward(ReadOnlySpan<float> a, int aCols, ReadOnlySpan<float> b, int bCols, Span<float> output, int rows)
    {
        int cols = Check(aCols, bCols, rows, output.Length, nameof(output));
        KernelGuard.Holds(a.Length, rows, aCols, nameof(a), "rows*aCols");
        KernelGuard.Holds(b.Length, rows, bCols, nameof(b), "rows*bCols");
        KernelGuard.NoOverlap(a, output, nameof(a), nameof(output));
        KernelGuard.NoOverlap(b, output, nameof(b), nameof(output));
        for (int r = 0; r < rows; r++)
        {
            a.Slice(r * aCols, aCols).CopyTo(output.Slice(r * cols, aCols));
            b.Slice(r * bCols, bCols).CopyTo(output.Slice((r * cols) + aCols, bCols));
        }
    }

    /// <summary>
    /// Splits the gradient of a concatenation: <paramref name="aGradient"/> receives the first <paramref name="aCols"/>
    /// columns of each row, <paramref name="bGradient"/> the rest. An empty destination is skipped (a pruned gradient).
    /// </summary>
    /// <param name="gradient">Row-major <c>[rows, aCols + bCols]</c>.</param>
    /// <param name="aGradient">Row-major <c>[rows, aCols]</c>, or empty.</param>
    /// <param name="aCols">Columns of the first input; positive.</param>
    /// <param name="bGradient">Row-major <c>[rows, bCols]</c>, or empty.</param>
    /// <param name="bCols">Columns of the second input; positive.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or a destination overlaps <paramref name="gradient"/>.</exception>
    public static void Backward(ReadOnlySpan<float> gradient, Span<float> aGradient, int aCols, Span<float> bGradient, int bCols, int rows)
    {
        int cols = Check(aCols, bCols, rows, gradient.Length, nameof(gradient));
        if (!aGradient.IsEmpty)
        {
            KernelGuard.Holds(aGradient.Length, rows, aCols, nameof(aGradient), "rows*aCols");
            KernelGuard.NoOverlap(gradient, aGradient, nameof(gradient), nameof(aGradient));
        }

        if (!bGradient.IsEmpty)
        {
            KernelGuard.Holds(bGradient.Length, rows, bCols, nameof(bGradient), "rows*bCols");
            KernelGuard.NoOverlap(gradient, bGradient, nameof(gradient), nameof(bGradient));
        }

        for (int r = 0; r < rows; r++)
        {
            if (!aGradient.IsEmpty)
            {
                gradient.Slice(r * cols, aCols).CopyTo(aGradient.Slice(r * aCols, aCols));
            }

            if (!bGradient.IsEmpty)
            {
                gradient.Slice((r * cols) + aCols, bCols).CopyTo(bGradient.Slice(r * bCols, bCols));
            }
        }
    }

    private static int Check(int aCols, int bCols, int rows, int length, string name)
    {
        KernelGuard.Positive(aCols, nameof(aCols));
        KernelGuard.Positive(bCols, nameof(bCols));
        KernelGuard.NonNegative(rows, nameof(rows));
        int cols = KernelGuard.Sum(aCols, bCols, nameof(bCols), "aCols+bCols");
        KernelGuard.Holds(length, rows, cols, name, "rows*(aCols+bCols)");
        return cols;
    }
}
