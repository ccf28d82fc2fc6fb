using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Batch normalization, PyTorch's <c>nn.BatchNorm1d</c> (and <c>BatchNorm2d</c>): each channel is normalized with the
/// mean and biased variance of all its values in the batch, <c>y = (x - mean) · rstd · weight + bias</c> with
/// <c>rstd = 1/sqrt(var + eps)</c>. The input is <c>[outer, channels, inner]</c> row-major: <c>[B, C]</c> with
/// <c>inner = 1</c> for 1d, <c>[B, C, H·W]</c> for 2d. Statistics are accumulated in double in a fixed order (as
/// PyTorch does on the CPU), so results do not depend on the machine. A following ReLU, Sigmoid or Tanh may be
/// fused in (<c>activation</c>): the forward pass writes <c>f(y)</c> and the backward pass takes <c>f'</c> from that
/// output in its first pass over the gradient.
/// </summary>
public static class BatchNorm
{
    /// <summary>
    /// The training-mode forward pass: normalizes with the batch's statistics, saves them for the backward pass, and
    /// when <paramref name="runningMean"/> is given updates the running statistics like PyTorch:
    /// <c>running = (1 - f) · running + f · batch</c> with the unbiased batch variance, where <c>f</c> is
    /// <paramref name="momentum"/>, or <c>1 / num_batches_tracked</c> (a cumulative average) when it is NaN, and
    /// <c>num_batches_tracked</c> grows by one.
    /// </summary>
    /// <param name="input"><c>[outer, channels, inner]</c>.</param>
    /// <param name="weight"><c>[channels]</c> scale, or empty for no affine transform.</param>
    /// <param name="bias"><c>[channels]</c> shift; empty exactly when <paramref name="weight"/> is.</param>
    /// <param name="output">Receives <c>[outer, channels, inner]</c>; the same span as <paramref name="input"/> or disjoint from it.</param>
    /// <param name="mean">Receives the <c>[channels]</c> batch means, or empty (not saved).</param>
    /// <param name="rstd">Receives the <c>[channels]</c> values <c>1/sqrt(var + eps)</c>; empty exactly when <paramref name="mean"/> is.</param>
    /// <param name="runningMean"><c>[channels]</c> running mean to update, or empty (no running statistics).</param>
    /// <param name="runningVar"><c>[channels]</c> running variance to update; empty exactly when <paramref name="runningMean"/> is.</param>
    /// <param name="numBatchesTracked">The one-element batch counter; empty exactly when <paramref name="runningMean"/> is.</param>
    /// <param name="outer">Samples; with <paramref name="inner"/>, more than one value per channel.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="inner">Values per channel and sample (H·W); positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="momentum">The running statistics' update factor in [0, 1], or NaN for a cumulative average.</param>
    /// <param name="activation">An activation applied to every output value: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="eps"/>, <paramref name="momentum"/> or <paramref name="activation"/> is out of range, or a channel has a single value.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or overlaps wrongly.</exception>
    public static void ForwardTraining(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> mean, Span<float> rstd,
        Span<float> runningMean, Span<float> runningVar, Span<long> numBatchesTracked, int outer, int channels, int inner, float eps, float momentum,
        Activation activation = Activation.None)
    {
        int count = CheckForward(input, weight, bias, output, outer, channels, inner, eps);
        NormEpilogue.Check(activation, output, output.Length, nameof(output));
        if (count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(outer), outer, $"Expected more than 1 value per channel when training, got input size [{outer}, {channels}{(inner > 1 ? $", {inner}" : string.Empty)}].");
        }

        bool save = CheckPair(mean, rstd, channels, nameof(mean), nameof(rstd));
        bool track = CheckPair(runningMean, runningVar, channels, nameof(runningMean), nameof(runningVar));
        if (track)
        {
            KernelGuard.Holds(numBatchesTracked.Length, 1, nameof(numBatchesTracked), "1");
            if (!float.IsNaN(momentum) && !(momentum >= 0f && momentum <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected a momentum in [0, 1], or NaN for a cumulative average.");
            }

            numBatchesTracked[0]++;
        }
        else if (!numBatchesTracked.IsEmpty)
        {
            throw new ArgumentException("Expected no batch counter without running statistics.", nameof(numBatchesTracked));
        }

        float factor = float.IsNaN(momentum) && track ? (float)(1.0 / numBatchesTracked[0]) : momentum;
        for (int c = 0; c < channels; c++)
        {
            (double m, double squares) = Statistics(input, c, outer, channels, inner);
            float mu = (float)m;
            float inverse = (float)(1.0 / Math.Sqrt((squares / count) + eps));
            if (save)
            {
                mean[c] = mu;
                rstd[c] = inverse;
            }

            if (track)
            {
                runningMean[c] = ((1f - factor) * runningMean[c]) + (factor * mu);
                runningVar[c] = ((1f - factor) * runningVar[c]) + (factor * (float)(squares / (count - 1)));
            }

            Normalize(input, output, c, mu, inverse, weight, bias, outer, channels, inner, activation);
        }
    }

    /// <summary>
    /// The forward pass with fixed statistics (eval mode): <c>y = (x - runningMean) / sqrt(runningVar + eps) · weight + bias</c>;
    /// or, when <paramref name="runningMean"/> is empty (no running statistics), with the batch's own statistics, saving nothing.
    /// </summary>
    /// <param name="input"><c>[outer, channels, inner]</c>.</param>
    /// <param name="weight"><c>[channels]</c> scale, or empty.</param>
    /// <param name="bias"><c>[channels]</c> shift; empty exactly when <paramref name="weight"/> is.</param>
    /// <param name="output">Receives <c>[outer, channels, inner]</c>; the same span as <paramref name="input"/> or disjoint from it.</param>
    /// <param name="runningMean"><c>[channels]</c>, or empty to use the batch statistics.</param>
    /// <param name="runningVar"><c>[channels]</c>; empty exactly when <paramref name="runningMean"/> is.</param>
    /// <param name="outer">Samples; zero or more.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="inner">Values per channel and sample; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="activation">An activation applied to every output value: None, ReLU, Sigmoid or Tanh.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, <paramref name="eps"/> or <paramref name="activation"/> is out of range, or a channel has a single value without running statistics (as in PyTorch).</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or overlaps wrongly.</exception>
    public static void ForwardInference(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int outer, int channels, int inner, float eps,
        Activation activation = Activation.None)
    {
        int count = CheckForward(input, weight, bias, output, outer, channels, inner, eps);
        NormEpilogue.Check(activation, output, output.Length, nameof(output));
        bool track = CheckPair(runningMean, runningVar, channels, nameof(runningMean), nameof(runningVar));
        if (!track && count == 1)
        {
            throw new ArgumentOutOfRangeException(nameof(outer), outer, $"Expected more than 1 value per channel when training, got input size [{outer}, {channels}{(inner > 1 ? $", {inner}" : string.Empty)}] (without running statistics the batch's are used).");
        }

        if (count == 0)
        {
            return;
        }

        for (int c = 0; c < channels; c++)
        {
            float mu;
            float inverse;
            if (track)
            {
                mu = runningMean[c];
                inverse = 1f / MathF.Sqrt(runningVar[c] + eps);
            }
            else
            {
                (double m, double squares) = Statistics(input, c, outer, channels, inner);
                mu = (float)m;
                inverse = (float)(1.0 / Math.Sqrt((squares / count) + eps));
            }

            Normalize(input, output, c, mu, inverse, weight, bias, outer, channels, inner, activation);
        }
    }

    /// <summary>
    /// The training-mode backward pass: turns <paramref name="gradient"/> (dL/dy) into dL/dx in place and overwrites
    /// the parameter gradients with <c>Σ dy · xhat</c> and <c>Σ dy</c> per channel.
    /// <c>dx = weight · rstd / n · (n · dy - Σ dy - xhat · Σ dy · xhat)</c> with <c>n = outer · inner</c>.
    /// </summary>
    /// <param name="gradient"><c>[outer, channels, inner]</c>: on entry dL/dy, on return dL/dx.</param>
    /// <param name="input">The forward pass's input.</param>
    /// <param name="mean">The forward pass's batch means.</param>
    /// <param name="rstd">The forward pass's <c>1/sqrt(var + eps)</c>.</param>
    /// <param name="weight">The scale, or empty for no affine transform.</param>
    /// <param name="weightGradient">Receives <c>[channels]</c>, or empty (no affine transform, or a frozen weight).</param>
    /// <param name="biasGradient">Receives <c>[channels]</c>, or empty (no affine transform, or a frozen bias).</param>
    /// <param name="outer">Samples; positive.</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="inner">Values per channel and sample; positive.</param>
    /// <param name="output">The forward pass's output <c>f(y)</c> when <paramref name="activation"/> is not None (else unused).</param>
    /// <param name="activation">The activation the forward pass applied: its derivative is taken from <paramref name="output"/> first.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="activation"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(
        Span<float> gradient, ReadOnlySpan<float> input, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> weight, Span<float> weightGradient, Span<float> biasGradient, int outer, int channels, int inner,
        ReadOnlySpan<float> output = default, Activation activation = Activation.None)
    {
        KernelGuard.Positive(outer, nameof(outer));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(inner, nameof(inner));
        int length = KernelGuard.Product(nameof(inner), "outer*channels*inner", outer, channels, inner);
        KernelGuard.Holds(gradient.Length, length, nameof(gradient), "outer*channels*inner");
        KernelGuard.Holds(input.Length, length, nameof(input), "outer*channels*inner");
        KernelGuard.Holds(mean.Length, channels, nameof(mean), "channels");
        KernelGuard.Holds(rstd.Length, channels, nameof(rstd), "channels");
        bool affine = !weight.IsEmpty;
        if (affine)
        {
            KernelGuard.Holds(weight.Length, channels, nameof(weight), "channels");
        }

        // A parameter gradient the caller wants is checked whether or not there is a weight (the loop writes it either way).
        KernelGuard.HoldsOrEmpty(weightGradient.Length, channels, nameof(weightGradient), "channels");
        KernelGuard.HoldsOrEmpty(biasGradient.Length, channels, nameof(biasGradient), "channels");

        NormEpilogue.Check(activation, output, length, nameof(output));
        int count = outer * inner;
        for (int c = 0; c < channels; c++)
        {
            float mu = mean[c];
            float inverse = rstd[c];
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int n = 0; n < outer; n++)
            {
                int start = ((n * channels) + c) * inner;
                for (int i = start; i < start + inner; i++)
                {
                    float dy = gradient[i];
                    if (activation != Activation.None)
                    {
                        dy = NormEpilogue.Backward(dy, output[i], activation);
                        gradient[i] = dy;
                    }

                    sumDy += dy;
                    sumDyXhat += (double)dy * ((input[i] - mu) * inverse);
                }
            }

            if (!weightGradient.IsEmpty)
            {
                weightGradient[c] = (float)sumDyXhat;
            }

            if (!biasGradient.IsEmpty)
            {
                biasGradient[c] = (float)sumDy;
            }

            float scale = (affine ? weight[c] : 1f) * inverse;
            float meanDy = (float)(sumDy / count);
            float meanDyXhat = (float)(sumDyXhat / count);
            for (int n = 0; n < outer; n++)
            {
                int start = ((n * channels) + c) * inner;
                for (int i = start; i < start + inner; i++)
                {
                    float xhat = (input[i] - mu) * inverse;
                    gradient[i] = scale * (gradient[i] - meanDy - (xhat * meanDyXhat));
                }
            }
        }
    }

    private static int CheckForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int outer, int channels, int inner, float eps)
    {
        KernelGuard.NonNegative(outer, nameof(outer));
        KernelGuard.Positive(channels, nameof(channels));
        KernelGuard.Positive(inner, nameof(inner));
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        int length = KernelGuard.Product(nameof(inner), "outer*channels*inner", outer, channels, inner);
        KernelGuard.Holds(input.Length, length, nameof(input), "outer*channels*inner");
        KernelGuard.Holds(output.Length, length, nameof(output), "outer*channels*inner");
        if (weight.IsEmpty != bias.IsEmpty)
        {
            throw new ArgumentException("Expected both weight and bias, or neither (no affine transform).", weight.IsEmpty ? nameof(weight) : nameof(bias));
        }

        if (!weight.IsEmpty)
        {
            KernelGuard.Holds(weight.Length, channels, nameof(weight), "channels");
            KernelGuard.Holds(bias.Length, channels, nameof(bias), "channels");
        }

        KernelGuard.SameOrDisjoint(input.Slice(0, length), output.Slice(0, length), nameof(input), nameof(output));
        return outer * inner;
    }

    private static bool CheckPair(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int channels, string firstName, string secondName)
    {
        if (first.IsEmpty != second.IsEmpty)
        {
            throw new ArgumentException($"Expected both {firstName} and {secondName}, or neither.", first.IsEmpty ? firstName : secondName);
        }

        if (first.IsEmpty)
        {
            return false;
        }

        KernelGuard.Holds(first.Length, channels, firstName, "channels");
        KernelGuard.Holds(second.Length, channels, secondName, "channels");
        return true;
    }

    /// <summary>Channel <paramref name="c"/>'s mean and sum of squared deviations, in double, samples in order.</summary>
    private static (double Mean, double Squares) Statistics(ReadOnlySpan<float> input, int c, int outer, int channels, int inner)
    {
        double sum = 0;
        for (int n = 0; n < outer; n++)
        {
            int start = ((n * channels) + c) * inner;
            for (int i = start; i < start + inner; i++)
            {
                sum += input[i];
            }
        }

        double m = sum / (outer * inner);
        double squares = 0;
        for (int n = 0; n < outer; n++)
        {
            int start = ((n * channels) + c) * inner;
            for (int i = start; i < start + inner; i++)
            {
                double d = input[i] - m;
                squares += d * d;
            }
        }

        return (m, squares);
    }

    private static void Normalize(ReadOnlySpan<float> input, Span<float> output, int c, float mu, float inverse, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outer, int channels, int inner, Activation activation)
    {
        float scale = weight.IsEmpty ? inverse : weight[c] * inverse;
        float shift = weight.IsEmpty ? 0f : bias[c];
        for (int n = 0; n < outer; n++)
        {
            int start = ((n * channels) + c) * inner;
            for (int i = start; i < start + inner; i++)
            {
                output[i] = NormEpilogue.Forward(((input[i] - mu) * scale) + shift, activation);
            }
        }
    }
}
