using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>The log-softmax function over the rows of a matrix.</summary>
public static class LogSoftmax
{
    /// <summary>
    /// Replaces each row <c>x</c> of <paramref name="values"/> with <c>x - max x - log Σ e^(x - max x)</c>
    /// (PyTorch's <c>log_softmax(dim=1)</c>), finite for any finite logits; a <c>-∞</c> logit stays <c>-∞</c>.
    /// </summary>
    /// <param name="values">Row-major <c>[rows, cols]</c>; overwritten with log-probabilities.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="cols">Columns; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> is too short.</exception>
    public static void Rows(Span<float> values, int rows, int cols)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(cols, nameof(cols));
        KernelGuard.Holds(values.Length, rows, cols, nameof(values), "rows*cols");

        ref float x0 = ref MemoryMarshal.GetReference(values);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x0, (nint)r * cols);
            float max = SoftmaxRow.Max(ref row, cols);
            double sum = SoftmaxRow.SumExp(ref row, max, cols);
            SoftmaxRow.WriteLogSoftmax(ref row, max, (float)Math.Log(sum), cols);
        }
    }

    /// <summary>
    /// The backward pass of <see cref="Rows"/> from its input: replaces each row <c>x</c> of <paramref name="values"/> (the
    /// logits, not the log-probabilities) with <c>g - softmax(x) * Σ g</c>, the gradient with respect to <c>x</c> given the
    /// gradient <c>g</c> with respect to <c>log_softmax(x)</c> (PyTorch's <c>_log_softmax_backward_data</c>).
    /// </summary>
    /// <param name="values">Row-major <c>[rows, cols]</c> logits; overwritten with their gradient.</param>
    /// <param name="outputGradient">Row-major <c>[rows, cols]</c>: the gradient with respect to the log-probabilities.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="cols">Columns; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void BackwardFromLogits(Span<float> values, ReadOnlySpan<float> outputGradient, int rows, int cols)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(cols, nameof(cols));
        KernelGuard.Holds(values.Length, rows, cols, nameof(values), "rows*cols");
        KernelGuard.Holds(outputGradient.Length, rows, cols, nameof(outputGradient), "rows*cols");

        Softmax.Rows(values, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            Span<float> p = values.Slice(r * cols, cols);
            ReadOnlySpan<float> g = outputGradient.Slice(r * cols, cols);
            double sum = 0;
            for (int j = 0; j < cols; j++)
            {
                sum += g[j];
            }

            float s = (float)sum;
            for (int j = 0; j < cols; j++)
            {
                p[j] = g[j] - (p[j] * s);
            }
        }
    }
}
