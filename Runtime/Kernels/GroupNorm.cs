using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Group normalization, PyTorch's <c>nn.GroupNorm(groups, channels, eps, affine)</c>: input <c>[batch, channels, plane]</c>
/// (an image's plane is <c>height · width</c>, flat features have a plane of 1); each sample's channels fall into
/// <c>groups</c> runs of <c>channels / groups</c>, and each run, <c>channels / groups · plane</c> contiguous values, is
/// normalized by its own mean and biased variance, <c>xhat = (x - mean) · rstd</c> with <c>rstd = 1/sqrt(var + eps)</c>,
/// then scaled and shifted per channel, <c>y = xhat · weight[c] + bias[c]</c>. Statistics are accumulated in double in
/// memory order, as <see cref="LayerNorm"/>'s are, so results do not depend on the machine. A following ReLU, Sigmoid or
/// Tanh may be fused in (<c>activation</c>), as for <see cref="LayerNorm"/>.
/// </summary>
public static class GroupNorm
{
    /// <summary>Normalizes each group of each sample.</summary>
    /// <param name="input"><c>[batch, channels, plane]</c>.</param>
    /// <param name="weight"><c>[channels]</c> scale, or empty for no affine transform.</param>
    /// <param name="bias"><c>[channels]</c> shift; empty exactly when <paramref name="weight"/> is.</param>
    /// <param name="output">Receives <c>[batch, channels, plane]</c>; the same span as <paramref name="input"/> or disjoint from it.</param>
    /// <param name="mean">Receives the <c>[batch, groups]</c> means, or empty (not saved).</param>
    /// <param name="rstd">Receives the <c>[batch, groups]</c> values <c>1/sqrt(var + eps)</c>; empty exactly when <paramref name="mean"/> is.</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="groups">Groups; positive.</param>
    /// <param name="plane">Values per channel; positive.</param>
    /// <param name="eps">Added to the variance; finite and positive.</param>
    /// <param name="activation">An activation applied to every output value: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="eps"/> or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or overlaps wrongly.</exception>
    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd,
        int batch, int channels, int groups, int plane, float eps, Activation activation = Activation.None)
    {
        (int rows, int cols) = Check(batch, channels, groups, plane);
        NormEpilogue.Check(activation, output, output.Length, nameof(output));
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        KernelGuard.Holds(input.Length, rows, cols, nameof(input), "batch*channels*plane");
        KernelGuard.Holds(output.Length, rows, cols, nameof(output), "batch*channels*plane");
        if (weight.IsEmpty != bias.IsEmpty)
        {
            throw new ArgumentException("Expected both weight and bias, or neither (affine=False).", weight.IsEmpty ? nameof(weight) : nameof(bias));
        }

        if (!weight.IsEmpty)
        {
            KernelGuard.Holds(weight.Length, channels, nameof(weight), "channels");
            KernelGuard.Holds(bias.Length, channels, nameof(bias), "channels");
        }

        if (mean.IsEmpty != rstd.IsEmpty)
        {
            throw new ArgumentException("Expected both mean and rstd, or neither (statistics not saved).", mean.IsEmpty ? nameof(mean) : nameof(rstd));
        }

        bool save = !mean.IsEmpty;
        if (save)
        {
            KernelGuard.Holds(mean.Length, rows, nameof(mean), "batch*groups");
            KernelGuard.Holds(rstd.Length, rows, nameof(rstd), "batch*groups");
        }

        KernelGuard.SameOrDisjoint(input.Slice(0, rows * cols), output.Slice(0, rows * cols), nameof(input), nameof(output));
        bool affine = !weight.IsEmpty;
        int channelsPerGroup = channels / groups;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * cols, cols);
            Span<float> y = output.Slice(r * cols, cols);
            (float mu, float inverse) = LayerNorm.Statistics(x, eps);
            if (save)
            {
                mean[r] = mu;
                rstd[r] = inverse;
            }

            int firstChannel = (r % groups) * channelsPerGroup;
            for (int k = 0; k < channelsPerGroup; k++)
            {
                int c = firstChannel + k;
                for (int i = k * plane, end = i + plane; i < end; i++)
                {
                    float normalized = (x[i] - mu) * inverse;
                    y[i] = NormEpilogue.Forward(affine ? (normalized * weight[c]) + bias[c] : normalized, activation);
                }
            }
        }
    }

    /// <summary>
    /// The backward pass: turns <paramref name="gradient"/> (dL/dy) into dL/dx in place and overwrites the parameter
    /// gradients with <c>Σ dy · xhat</c> and <c>Σ dy</c> over each channel's values of every sample.
    /// </summary>
    /// <param name="gradient"><c>[batch, channels, plane]</c>: on entry dL/dy, on return dL/dx.</param>
    /// <param name="input">The forward pass's input.</param>
    /// <param name="mean">The forward pass's <c>[batch, groups]</c> means.</param>
    /// <param name="rstd">The forward pass's <c>[batch, groups]</c> values <c>1/sqrt(var + eps)</c>.</param>
    /// <param name="weight">The scale, or empty for no affine transform.</param>
    /// <param name="weightGradient">Receives <c>[channels]</c>, or empty (no affine transform, or a frozen weight).</param>
    /// <param name="biasGradient">Receives <c>[channels]</c>, or empty (no affine transform, or a frozen bias).</param>
    /// <param name="batch">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive, a multiple of <paramref name="groups"/>.</param>
    /// <param name="groups">Groups; positive.</param>
    /// <param name="plane">Values per channel; positive.</param>
    /// <param name="output">The forward pass's output <c>f(y)</c> when <paramref name="activation"/> is not None (else unused).</param>
    /// <param name="activation">The activation the forward pass applied: its derivative is taken from <paramref name="output"/> first.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(
        Span<float> gradient, ReadOnlySpan<float> input, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> weight,
        Span<float> weightGradient, Span<float> biasGradient, int batch, int channels, int groups, int plane,
        ReadOnlySpan<float> output = default, Activation activation = Activation.None)
    {
        (int rows, int cols) = Check(batch, channels, groups, plane);
        KernelGuard.Holds(gradient.Length, rows, cols, nameof(gradient), "batch*channels*plane");
        KernelGuard.Holds(input.Length, rows, cols, nameof(input), "batch*channels*plane");
        KernelGuard.Holds(mean.Length, rows, nameof(mean), "batch*groups");
        KernelGuard.Holds(rstd.Length, rows, nameof(rstd), "batch*groups");
        NormEpilogue.Check(activation, output, rows * cols, nameof(output));
        bool affine = !weight.IsEmpty;
        if (affine)
        {
            KernelGuard.Holds(weight.Length, channels, nameof(weight), "channels");
            ClearOrEmpty(weightGradient, channels, nameof(weightGradient));
            ClearOrEmpty(biasGradient, channels, nameof(biasGradient));
        }

        int channelsPerGroup = channels / groups;
        for (int r = 0; r < rows; r++)
        {
            Span<float> g = gradient.Slice(r * cols, cols);
            ReadOnlySpan<float> x = input.Slice(r * cols, cols);
            float mu = mean[r];
            float inverse = rstd[r];
            if (activation != Activation.None)
            {
                ReadOnlySpan<float> y = output.Slice(r * cols, cols);
                for (int i = 0; i < cols; i++)
                {
                    g[i] = NormEpilogue.Backward(g[i], y[i], activation);
                }
            }

            // dxhat = dy * weight[c]; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) over the group.
            double sumDxhat = 0;
            double sumDxhatXhat = 0;
            int firstChannel = (r % groups) * channelsPerGroup;
            for (int k = 0; k < channelsPerGroup; k++)
            {
                int c = firstChannel + k;
                float scale = affine ? weight[c] : 1f;
                float weightSum = 0f, biasSum = 0f;
                for (int i = k * plane, end = i + plane; i < end; i++)
                {
                    float xhat = (x[i] - mu) * inverse;
                    float dxhat = g[i] * scale;
                    sumDxhat += dxhat;
                    sumDxhatXhat += (double)dxhat * xhat;
                    weightSum += g[i] * xhat;
                    biasSum += g[i];
                }

                if (!weightGradient.IsEmpty)
                {
                    weightGradient[c] += weightSum;
                }

                if (!biasGradient.IsEmpty)
                {
                    biasGradient[c] += biasSum;
                }
            }

            float meanDxhat = (float)(sumDxhat / cols);
            float meanDxhatXhat = (float)(sumDxhatXhat / cols);
            for (int k = 0; k < channelsPerGroup; k++)
            {
                float scale = affine ? weight[firstChannel + k] : 1f;
                for (int i = k * plane, end = i + plane; i < end; i++)
                {
                    float xhat = (x[i] - mu) * inverse;
                    g[i] = inverse * ((g[i] * scale) - meanDxhat - (xhat * meanDxhatXhat));
                }
            }
        }
    }

    /// <summary>Checks the sizes; returns the normalized runs (<c>batch · groups</c>) and their length (<c>channels / groups · plane</c>).</summary>
    private static (int Rows, int Cols) Check(int batch, int channels, int groups, int plane)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(groups, nameof(groups));
        KernelGuard.Positive(plane, nameof(plane));
        if (channels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"Expected groups dividing the {channels} channels.");
        }

        return (checked(batch * groups), checked(channels / groups * plane));
    }

    /// <summary>A parameter gradient the caller wants (its full length, cleared here for accumulation), or empty (frozen).</summary>
    private static void ClearOrEmpty(Span<float> gradient, int channels, string name)
    {
        if (!gradient.IsEmpty)
        {
            KernelGuard.Holds(gradient.Length, channels, name, "channels");
            gradient.Slice(0, channels).Clear();
        }
    }
}
