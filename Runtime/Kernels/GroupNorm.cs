using System;
using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// Group normalization, PyTorch's <c>nn.GroupNorm(groups, channels, eps, affine)</c>: input <c>[batch, channels, plane]</c>
/// (an image's plane is <c>height · width</c>, flat features have a plane of 1); each sample's channels fall into
/// <c>groups</c> runs of <c>channels / groups</c>, and each run, <c>channels / groups · plane</c> contiguous values, is
/// normalized by its own mean and biased variance, <c>xhat = (x - mean) · rstd</c> with <c>rstd = 1/sqrt(var + eps)</c>,
/// then scaled and shifted per channel, <c>y = xhat · weight[c] + bias[c]</c>. Statistics are accumulated in double in a
/// fixed order (<see cref="LaneSums"/>), as <see cref="LayerNorm"/>'s are, and so are the backward pass's sums, so results
/// do not depend on the machine; the groups are split across threads (and the parameter gradients' channels), each value
/// computed the same way whatever thread runs it, so the bits do not depend on the thread count either. A following
/// ReLU, Sigmoid or Tanh may be fused in (<c>activation</c>), as for <see cref="LayerNorm"/>.
/// </summary>
public static unsafe class GroupNorm
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
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (float* w = weight)
        fixed (float* b = bias)
        fixed (float* m = mean)
        fixed (float* r = rstd)
        {
            var pass = new ForwardPass
            {
                Input = x, Output = y, Weight = weight.IsEmpty ? null : w, Bias = b, Mean = save ? m : null, Rstd = r,
                Groups = groups, ChannelsPerGroup = channels / groups, Plane = plane, Eps = eps, Activation = activation,
            };
            PlaneParts.Run(ref pass, rows, cols);
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
        }

        // A parameter gradient is checked whether or not there is a weight, as the other norms check theirs (the
        // parameter pass writes all of it).
        KernelGuard.HoldsOrEmpty(weightGradient.Length, channels, nameof(weightGradient), "channels");
        KernelGuard.HoldsOrEmpty(biasGradient.Length, channels, nameof(biasGradient), "channels");

        // Each sample's Σ dy · xhat and Σ dy per channel: the calling thread's scratch, grown once.
        int channelsPerGroup = channels / groups;
        int sumFloats = KernelGuard.Product(nameof(channels), "2*batch*channels (the per-channel sums)", 2, rows, channelsPerGroup);
        float[] sums = t_channelSums is { } held && held.Length >= sumFloats ? held : (t_channelSums = new float[sumFloats]);
        fixed (float* g = gradient)
        fixed (float* x = input)
        fixed (float* m = mean)
        fixed (float* r = rstd)
        fixed (float* w = weight)
        fixed (float* y = output)
        fixed (float* dw = weightGradient)
        fixed (float* db = biasGradient)
        fixed (float* channelSums = sums)
        {
            var pass = new BackwardPass
            {
                Gradient = g, Input = x, Mean = m, Rstd = r, Weight = affine ? w : null, Output = y, Activation = activation,
                Groups = groups, ChannelsPerGroup = channelsPerGroup, Plane = plane, Products = channelSums, Sums = channelSums + ((nint)rows * channelsPerGroup),
            };

            // By group: the activation's derivative and each channel's sums; the parameter gradients by channel, each adding
            // its samples' sums in order; then by group the input gradient, in place.
            pass.Phase = BackwardPhase.ChannelSums;
            PlaneParts.Run(ref pass, rows, cols);
            if (affine && (!weightGradient.IsEmpty || !biasGradient.IsEmpty))
            {
                pass.Phase = BackwardPhase.Parameters;
                pass.WeightGradient = weightGradient.IsEmpty ? null : dw;
                pass.BiasGradient = biasGradient.IsEmpty ? null : db;
                pass.Batch = batch;
                PlaneParts.Run(ref pass, channels, batch);
            }

            pass.Phase = BackwardPhase.Input;
            PlaneParts.Run(ref pass, rows, cols);
        }
    }

    /// <summary>
    /// An instance norm's running statistics after a training pass (PyTorch's <c>F.instance_norm</c> with
    /// <c>track_running_stats</c>): each sample's channel mean and unbiased variance (in double lanes) moved in by
    /// <paramref name="momentum"/>, <c>(1 - momentum) · running + momentum · statistic</c>, then averaged over the batch
    /// in float, samples in order.
    /// </summary>
    /// <param name="input"><c>[batch, channels, plane]</c>, the training pass's input.</param>
    /// <param name="runningMean"><c>[channels]</c>, updated in place.</param>
    /// <param name="runningVar"><c>[channels]</c>, updated in place.</param>
    /// <param name="batch">Samples; zero or more (none leave the statistics as they are).</param>
    /// <param name="channels">Channels; positive.</param>
    /// <param name="plane">Values per channel; more than one (the unbiased variance divides by <c>plane - 1</c>).</param>
    /// <param name="momentum">The update factor, from 0 to 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or <paramref name="momentum"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void UpdateRunningStatistics(
        ReadOnlySpan<float> input, Span<float> runningMean, Span<float> runningVar, int batch, int channels, int plane, float momentum)
    {
        KernelGuard.NonNegative(batch, nameof(batch));
        KernelGuard.Positive(channels, nameof(channels));
        if (plane < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(plane), plane, "Expected more than one value per channel.");
        }

        if (!(momentum >= 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected a momentum from 0 to 1.");
        }

        KernelGuard.Holds(input.Length, KernelGuard.Product(nameof(channels), "batch*channels", batch, channels), plane, nameof(input), "batch*channels*plane");
        KernelGuard.Holds(runningMean.Length, channels, nameof(runningMean), "channels");
        KernelGuard.Holds(runningVar.Length, channels, nameof(runningVar), "channels");
        if (batch == 0)
        {
            return;
        }

        fixed (float* x = input)
        fixed (float* mean = runningMean)
        fixed (float* variance = runningVar)
        {
            var pass = new RunningPass { Input = x, Mean = mean, Variance = variance, Batch = batch, Channels = channels, Plane = plane, Momentum = momentum };
            PlaneParts.Run(ref pass, channels, (long)batch * plane);
        }
    }

    /// <summary>Channels <c>[first, end)</c> of <see cref="UpdateRunningStatistics"/>.</summary>
    private struct RunningPass : IPlanePass
    {
        public float* Input;
        public float* Mean;
        public float* Variance;
        public int Batch;
        public int Channels;
        public int Plane;
        public float Momentum;

        public readonly void Run(int first, int end)
        {
            double keep = 1.0 - Momentum;
            for (int c = first; c < end; c++)
            {
                double runningMean = Mean[c], runningVar = Variance[c];
                float meanSum = 0f, varianceSum = 0f;
                for (int n = 0; n < Batch; n++)
                {
                    (double mean, double variance) = LaneSums.MeanAndVariance(Input + ((((nint)n * Channels) + c) * Plane), Plane);
                    meanSum += (float)((Momentum * mean) + (keep * runningMean));
                    varianceSum += (float)((Momentum * (variance * Plane / (Plane - 1))) + (keep * runningVar));
                }

                Mean[c] = meanSum / Batch;
                Variance[c] = varianceSum / Batch;
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

        return (KernelGuard.Product(nameof(groups), "batch*groups", batch, groups), KernelGuard.Product(nameof(plane), "(channels/groups)*plane", channels / groups, plane));
    }

    /// <summary>Per thread: each sample's per-channel sums of the backward pass (<see cref="BackwardPass"/>).</summary>
    [ThreadStatic]
    private static float[]? t_channelSums;

    /// <summary>What a <see cref="BackwardPass"/> run computes.</summary>
    private enum BackwardPhase
    {
        ChannelSums,
        Parameters,
        Input,
    }

    /// <summary>Groups <c>[first, end)</c> (rows of <c>batch · groups</c>): statistics, then each channel's values normalized, scaled, shifted and activated.</summary>
    private struct ForwardPass : IPlanePass
    {
        public float* Input;
        public float* Output;
        public float* Weight;
        public float* Bias;
        public float* Mean;
        public float* Rstd;
        public int Groups;
        public int ChannelsPerGroup;
        public int Plane;
        public float Eps;
        public Activation Activation;

        public readonly void Run(int first, int end)
        {
            int cols = ChannelsPerGroup * Plane;
            for (int r = first; r < end; r++)
            {
                float* x = Input + ((nint)r * cols), y = Output + ((nint)r * cols);
                (float mu, float inverse) = LaneSums.Statistics(x, cols, Eps);
                if (Mean is not null)
                {
                    Mean[r] = mu;
                    Rstd[r] = inverse;
                }

                int firstChannel = (r % Groups) * ChannelsPerGroup;
                for (int k = 0; k < ChannelsPerGroup; k++)
                {
                    int c = firstChannel + k;
                    float* xc = x + ((nint)k * Plane), yc = y + ((nint)k * Plane);
                    bool affine = Weight is not null;
                    float scale = affine ? Weight[c] : 1f, shift = affine ? Bias[c] : 0f;
                    switch (Activation)
                    {
                        case Activation.ReLU: Normalize<ReLUFunction>(xc, yc, mu, inverse, affine, scale, shift); break;
                        case Activation.Sigmoid: Normalize<SigmoidFunction>(xc, yc, mu, inverse, affine, scale, shift); break;
                        case Activation.Tanh: Normalize<TanhFunction>(xc, yc, mu, inverse, affine, scale, shift); break;
                        default: Normalize<IdentityFunction>(xc, yc, mu, inverse, affine, scale, shift); break;
                    }
                }
            }
        }

        /// <summary>One channel's plane: <c>f(((x - mu) · rstd) · scale + shift)</c>, a vector at a time (the same operations as one at a time).</summary>
        private readonly void Normalize<TActivation>(float* x, float* y, float mu, float inverse, bool affine, float scale, float shift)
            where TActivation : IActivationFunction
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> m = Vector256.Create(mu), v = Vector256.Create(inverse), a = Vector256.Create(scale), b = Vector256.Create(shift);
                for (; i + 8 <= Plane; i += 8)
                {
                    Vector256<float> normalized = (Vector256.Load(x + i) - m) * v;
                    TActivation.Forward<Simd256, Vector256<float>>(affine ? (normalized * a) + b : normalized).Store(y + i);
                }
            }

            for (; i < Plane; i++)
            {
                float normalized = (x[i] - mu) * inverse;
                y[i] = TActivation.Forward<ScalarOps, float>(affine ? (normalized * scale) + shift : normalized);
            }
        }
    }

    /// <summary>
    /// One phase of the backward pass, over rows (groups) or, for the parameter gradients, channels. Two passes over the
    /// data, as PyTorch's: per sample and channel, <c>Σ dy · xhat</c> and <c>Σ dy</c> in float lanes (after the activation's
    /// derivative, in place); then the input gradient from the group's double sums of them,
    /// <c>Σ dxhat = Σ_c w[c] · Σ dy</c> and <c>Σ dxhat · xhat = Σ_c w[c] · Σ dy · xhat</c>, channels in order. The parameter
    /// gradients add the samples' sums in order.
    /// </summary>
    private struct BackwardPass : IPlanePass
    {
        public BackwardPhase Phase;
        public float* Gradient;
        public float* Input;
        public float* Mean;
        public float* Rstd;
        public float* Weight;
        public float* Output;
        public float* WeightGradient;
        public float* BiasGradient;
        public float* Products;
        public float* Sums;
        public Activation Activation;
        public int Batch;
        public int Groups;
        public int ChannelsPerGroup;
        public int Plane;

        public readonly void Run(int first, int end)
        {
            if (Phase == BackwardPhase.Parameters)
            {
                Parameters(first, end);
                return;
            }

            for (int r = first; r < end; r++)
            {
                if (Phase == BackwardPhase.ChannelSums)
                {
                    ChannelSums(r);
                }
                else
                {
                    InputGradient(r);
                }
            }
        }

        /// <summary>Group (row) <paramref name="r"/>: the activation's derivative in place, then each channel's sums.</summary>
        private readonly void ChannelSums(int r)
        {
            int cols = ChannelsPerGroup * Plane;
            float* g = Gradient + ((nint)r * cols), x = Input + ((nint)r * cols);
            switch (Activation)
            {
                case Activation.ReLU: Apply<ReLUFunction>(g, Output + ((nint)r * cols), cols); break;
                case Activation.Sigmoid: Apply<SigmoidFunction>(g, Output + ((nint)r * cols), cols); break;
                case Activation.Tanh: Apply<TanhFunction>(g, Output + ((nint)r * cols), cols); break;
            }

            for (int k = 0; k < ChannelsPerGroup; k++)
            {
                nint at = ((nint)r * ChannelsPerGroup) + k;
                (Products[at], Sums[at]) = PlaneSums(g + ((nint)k * Plane), x + ((nint)k * Plane), Mean[r], Rstd[r]);
            }
        }

        private static void Apply<TActivation>(float* g, float* y, int count)
            where TActivation : IActivationFunction
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= count; i += 8)
                {
                    TActivation.Backward<Simd256, Vector256<float>>(Vector256.Load(g + i), Vector256.Load(y + i)).Store(g + i);
                }
            }

            for (; i < count; i++)
            {
                g[i] = TActivation.Backward<ScalarOps, float>(g[i], y[i]);
            }
        }

        /// <summary>One channel's plane of one sample: <c>Σ dy · xhat</c> and <c>Σ dy</c>, in float lanes.</summary>
        private readonly (float Products, float Sum) PlaneSums(float* g, float* x, float mu, float inverse)
        {
            Vector256<float> products = Vector256<float>.Zero, sums = Vector256<float>.Zero;
            Vector256<float> m = Vector256.Create(mu), v = Vector256.Create(inverse);
            int i = 0;
            for (; i + 8 <= Plane; i += 8)
            {
                Vector256<float> dy = Vector256.Load(g + i);
                products += dy * ((Vector256.Load(x + i) - m) * v);
                sums += dy;
            }

            var productLanes = new LaneSums.Floats { Lanes = products };
            var sumLanes = new LaneSums.Floats { Lanes = sums };
            for (int lane = 0; i < Plane; i++, lane++)
            {
                productLanes.AddToLane(lane, g[i] * ((x[i] - mu) * inverse));
                sumLanes.AddToLane(lane, g[i]);
            }

            return (productLanes.Total(), sumLanes.Total());
        }

        /// <summary>Channels <c>[first, end)</c>: the weight and bias gradients, samples in order.</summary>
        private readonly void Parameters(int first, int end)
        {
            for (int c = first; c < end; c++)
            {
                int group = c / ChannelsPerGroup, k = c - (group * ChannelsPerGroup);
                float weightSum = 0f, biasSum = 0f;
                for (int n = 0; n < Batch; n++)
                {
                    nint at = ((((nint)n * Groups) + group) * ChannelsPerGroup) + k;
                    weightSum += Products[at];
                    biasSum += Sums[at];
                }

                if (WeightGradient is not null)
                {
                    WeightGradient[c] = weightSum;
                }

                if (BiasGradient is not null)
                {
                    BiasGradient[c] = biasSum;
                }
            }
        }

        /// <summary>Group (row) <paramref name="r"/>: <c>dx = rstd · (dxhat - mean(dxhat) - xhat · mean(dxhat · xhat))</c> over the group, in place.</summary>
        private readonly void InputGradient(int r)
        {
            int cols = ChannelsPerGroup * Plane;
            {
                float* g = Gradient + ((nint)r * cols), x = Input + ((nint)r * cols);
                float mu = Mean[r], inverse = Rstd[r];
                int firstChannel = (r % Groups) * ChannelsPerGroup;
                double sumDxhat = 0, sumDxhatXhat = 0;
                for (int k = 0; k < ChannelsPerGroup; k++)
                {
                    double scale = Weight is null ? 1.0 : Weight[firstChannel + k];
                    nint at = ((nint)r * ChannelsPerGroup) + k;
                    sumDxhat += scale * Sums[at];
                    sumDxhatXhat += scale * Products[at];
                }

                float meanDxhat = (float)(sumDxhat / cols), meanDxhatXhat = (float)(sumDxhatXhat / cols);
                Vector256<float> m = Vector256.Create(mu), v = Vector256.Create(inverse);
                Vector256<float> md = Vector256.Create(meanDxhat), mdx = Vector256.Create(meanDxhatXhat);
                for (int k = 0; k < ChannelsPerGroup; k++)
                {
                    float scale = Weight is null ? 1f : Weight[firstChannel + k];
                    Vector256<float> a = Vector256.Create(scale);
                    float* gc = g + ((nint)k * Plane), xc = x + ((nint)k * Plane);
                    int i = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        for (; i + 8 <= Plane; i += 8)
                        {
                            Vector256<float> xhat = (Vector256.Load(xc + i) - m) * v;
                            (v * (((Vector256.Load(gc + i) * a) - md) - (xhat * mdx))).Store(gc + i);
                        }
                    }

                    for (; i < Plane; i++)
                    {
                        float xhat = (xc[i] - mu) * inverse;
                        gc[i] = inverse * ((gc[i] * scale) - meanDxhat - (xhat * meanDxhatXhat));
                    }
                }
            }
        }
    }
}
