using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Layer normalization over the columns of each row, PyTorch's <c>nn.LayerNorm(cols, eps, elementwise_affine)</c>:
/// <c>y = (x - mean) · rstd · weight + bias</c> with <c>rstd = 1/sqrt(var + eps)</c> and the biased variance of the row.
/// Row statistics are accumulated in double in a fixed order (<see cref="LaneSums"/>), so results do not depend on the machine. A following
/// ReLU, Sigmoid or Tanh may be fused in (<c>activation</c>): the forward pass writes <c>f(y)</c> and the backward pass
/// takes <c>f'</c> from that output in its first pass over the gradient.
/// </summary>
public static class LayerNorm
{
    /// <summary>Normalizes each row of <paramref name="input"/>.</summary>
    /// <param name="input">Row-major <c>[rows, cols]</c>.</param>
    /// <param name="weight"><c>[cols]</c> scale, or empty for no affine transform.</param>
    /// <param name="bias"><c>[cols]</c> shift; empty exactly when <paramref name="weight"/> is.</param>
    /// <param name="output">Receives <c>[rows, cols]</c>; the same span as <paramref name="input"/> or disjoint from it.</param>
    /// <param name="mean">Receives the <c>[rows]</c> row means, or empty (not saved).</param>
    /// <param name="rstd">Receives the <c>[rows]</c> values <c>1/sqrt(var + eps)</c>; empty exactly when <paramref name="mean"/> is.</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="cols">Columns; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="activation">An activation applied to every output value: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="eps"/> or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or overlaps wrongly.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd, int rows, int cols, float eps, Activation activation = Activation.None)
    {
        NormEpilogue.Check(activation, output, output.Length, nameof(output));
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(cols, nameof(cols));
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        KernelGuard.Holds(input.Length, rows, cols, nameof(input), "rows*cols");
        KernelGuard.Holds(output.Length, rows, cols, nameof(output), "rows*cols");
        CheckAffine(weight, bias, cols);
        bool save = CheckStatistics(mean, rstd, rows);
        KernelGuard.SameOrDisjoint(input.Slice(0, rows * cols), output.Slice(0, rows * cols), nameof(input), nameof(output));
        bool affine = !weight.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * cols, cols);
            Span<float> y = output.Slice(r * cols, cols);
            (float mu, float inverse) = Statistics(x, eps);
            if (save)
            {
                mean[r] = mu;
                rstd[r] = inverse;
            }

            for (int c = 0; c < cols; c++)
            {
                float normalized = (x[c] - mu) * inverse;
                y[c] = NormEpilogue.Forward(affine ? (normalized * weight[c]) + bias[c] : normalized, activation);
            }
        }
    }

    /// <summary>
    /// The backward pass: turns <paramref name="gradient"/> (dL/dy) into dL/dx in place and overwrites the
    /// parameter gradients with <c>Σ_rows dy · xhat</c> and <c>Σ_rows dy</c>.
    /// </summary>
    /// <param name="gradient">Row-major <c>[rows, cols]</c>: on entry dL/dy, on return dL/dx.</param>
    /// <param name="input">The forward pass's input.</param>
    /// <param name="mean">The forward pass's row means.</param>
    /// <param name="rstd">The forward pass's <c>1/sqrt(var + eps)</c>.</param>
    /// <param name="weight">The scale, or empty for no affine transform.</param>
    /// <param name="weightGradient">Receives <c>[cols]</c>, or empty (no affine transform, or a frozen weight).</param>
    /// <param name="biasGradient">Receives <c>[cols]</c>, or empty (no affine transform, or a frozen bias).</param>
    /// <param name="rows">Rows; zero or more.</param>
    /// <param name="cols">Columns; positive.</param>
    /// <param name="output">The forward pass's output <c>f(y)</c> when <paramref name="activation"/> is not None (else unused).</param>
    /// <param name="activation">The activation the forward pass applied: its derivative is taken from <paramref name="output"/> first.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(Span<float> gradient, ReadOnlySpan<float> input, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> weight, Span<float> weightGradient, Span<float> biasGradient, int rows, int cols, ReadOnlySpan<float> output = default, Activation activation = Activation.None)
    {
        KernelGuard.NonNegative(rows, nameof(rows));
        KernelGuard.Positive(cols, nameof(cols));
        KernelGuard.Holds(gradient.Length, rows, cols, nameof(gradient), "rows*cols");
        KernelGuard.Holds(input.Length, rows, cols, nameof(input), "rows*cols");
        KernelGuard.Holds(mean.Length, rows, nameof(mean), "rows");
        KernelGuard.Holds(rstd.Length, rows, nameof(rstd), "rows");
        NormEpilogue.Check(activation, output, rows * cols, nameof(output));
        bool affine = !weight.IsEmpty;
        if (affine)
        {
            KernelGuard.Holds(weight.Length, cols, nameof(weight), "cols");
        }

        // A parameter gradient the caller wants is checked whether or not there is a weight, both before either is cleared.
        KernelGuard.HoldsOrEmpty(weightGradient.Length, cols, nameof(weightGradient), "cols");
        KernelGuard.HoldsOrEmpty(biasGradient.Length, cols, nameof(biasGradient), "cols");
        ClearForAccumulation(weightGradient, cols);
        ClearForAccumulation(biasGradient, cols);

        for (int r = 0; r < rows; r++)
        {
            Span<float> g = gradient.Slice(r * cols, cols);
            ReadOnlySpan<float> x = input.Slice(r * cols, cols);
            float mu = mean[r];
            float inverse = rstd[r];

            // dxhat = dy * weight; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
            double sumDxhat = 0;
            double sumDxhatXhat = 0;
            if (activation != Activation.None)
            {
                ReadOnlySpan<float> y = output.Slice(r * cols, cols);
                for (int c = 0; c < cols; c++)
                {
                    g[c] = NormEpilogue.Backward(g[c], y[c], activation);
                }
            }

            for (int c = 0; c < cols; c++)
            {
                float xhat = (x[c] - mu) * inverse;
                float dxhat = affine ? g[c] * weight[c] : g[c];
                sumDxhat += dxhat;
                sumDxhatXhat += (double)dxhat * xhat;
                if (!weightGradient.IsEmpty)
                {
                    weightGradient[c] += g[c] * xhat;
                }

                if (!biasGradient.IsEmpty)
                {
                    biasGradient[c] += g[c];
                }
            }

            float meanDxhat = (float)(sumDxhat / cols);
            float meanDxhatXhat = (float)(sumDxhatXhat / cols);
            for (int c = 0; c < cols; c++)
            {
                float xhat = (x[c] - mu) * inverse;
                float dxhat = affine ? g[c] * weight[c] : g[c];
                g[c] = inverse * (dxhat - meanDxhat - (xhat * meanDxhatXhat));
            }
        }
    }

    /// <summary>
    /// The mean and <c>1/sqrt(var + eps)</c> of <paramref name="values"/> (the biased variance), both accumulated in double
    /// (<see cref="LaneSums.Statistics"/>) and rounded once: the statistics of a layer norm's row and of a group norm's group.
    /// </summary>
    internal static unsafe (float Mean, float Rstd) Statistics(ReadOnlySpan<float> values, float eps)
    {
        fixed (float* x = values)
        {
            return LaneSums.Statistics(x, values.Length, eps);
        }
    }

    /// <summary>Clears a parameter gradient the caller wants (checked to hold <paramref name="cols"/>) for accumulation; an empty one is frozen.</summary>
    private static void ClearForAccumulation(Span<float> gradient, int cols)
    {
        if (!gradient.IsEmpty)
        {
            gradient.Slice(0, cols).Clear();
        }
    }

    private static void CheckAffine(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int cols)
    {
        if (weight.IsEmpty != bias.IsEmpty)
        {
            throw new ArgumentException("Expected both weight and bias, or neither (no affine transform).", weight.IsEmpty ? nameof(weight) : nameof(bias));
        }

        if (!weight.IsEmpty)
        {
            KernelGuard.Holds(weight.Length, cols, nameof(weight), "cols");
            KernelGuard.Holds(bias.Length, cols, nameof(bias), "cols");
        }
    }

    private static bool CheckStatistics(Span<float> mean, Span<float> rstd, int rows)
    {
        if (mean.IsEmpty != rstd.IsEmpty)
        {
            throw new ArgumentException("Expected both mean and rstd, or neither (statistics not saved).", mean.IsEmpty ? nameof(mean) : nameof(rstd));
        }

        if (mean.IsEmpty)
        {
            return false;
        }

        KernelGuard.Holds(mean.Length, rows, nameof(mean), "rows");
        KernelGuard.Holds(rstd.Length, rows, nameof(rstd), "rows");
        return true;
    }
}
