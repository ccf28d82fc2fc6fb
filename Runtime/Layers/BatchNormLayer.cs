using System;

namespace StaticGrad;

/// <summary>
/// What the batch norm layers (<see cref="BatchNorm1d"/>, <see cref="BatchNorm2d"/>) share: their options, views of its <c>weight</c> and
/// <c>bias</c> (absent without an affine transform) and of its buffers <c>running_mean</c>, <c>running_var</c> and
/// <c>num_batches_tracked</c> (absent without running statistics), and the statistics of the last training-mode batch,
/// which the backward pass reads.
/// </summary>
public abstract class BatchNormLayer
{
    private readonly ParameterSet _parameters;
    private readonly float[] _batchMean;
    private readonly float[] _batchInverseStd;

    /// <summary>Describes a batch norm over <paramref name="features"/> features (channels of an image).</summary>
    /// <param name="parameters">The model's parameters and buffers.</param>
    /// <param name="features">The normalized features; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="momentum">The running statistics' update factor in [0, 1], or NaN for a cumulative average.</param>
    /// <param name="weight">The <c>[features]</c> scale, or null without an affine transform.</param>
    /// <param name="bias">The <c>[features]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <param name="runningMean">The <c>[features]</c> running mean buffer, or null without running statistics.</param>
    /// <param name="runningVar">The <c>[features]</c> running variance buffer; null exactly when <paramref name="runningMean"/> is.</param>
    /// <param name="numBatchesTracked">The scalar I64 batch counter; null exactly when <paramref name="runningMean"/> is.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    /// <exception cref="ArgumentException">A tensor or buffer is missing, extra, or has the wrong shape or type.</exception>
    private protected BatchNormLayer(
        ParameterSet parameters, int features, float eps, float momentum, ParameterTensor? weight, ParameterTensor? bias,
        BufferTensor? runningMean, BufferTensor? runningVar, BufferTensor? numBatchesTracked)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (!(eps > 0f) || float.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Expected a finite, positive eps.");
        }

        if (!float.IsNaN(momentum) && !(momentum >= 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Expected a momentum in [0, 1], or NaN for a cumulative average.");
        }

        if ((weight is null) != (bias is null))
        {
            throw new ArgumentException("Expected both weight and bias, or neither (affine=False).", weight is null ? nameof(weight) : nameof(bias));
        }

        if ((runningMean is null) != (runningVar is null) || (runningMean is null) != (numBatchesTracked is null))
        {
            throw new ArgumentException("Expected running_mean, running_var and num_batches_tracked together, or none (track_running_stats=False).", nameof(runningMean));
        }

        CheckShape(weight?.Shape, features, weight?.ToString(), nameof(weight));
        CheckShape(bias?.Shape, features, bias?.ToString(), nameof(bias));
        CheckBuffer(runningMean, features, BufferElementType.Float32, nameof(runningMean));
        CheckBuffer(runningVar, features, BufferElementType.Float32, nameof(runningVar));
        if (numBatchesTracked is not null && (numBatchesTracked.ElementType != BufferElementType.Int64 || numBatchesTracked.Length != 1))
        {
            throw new ArgumentException($"Expected a scalar I64 counter, got {numBatchesTracked}.", nameof(numBatchesTracked));
        }

        _parameters = parameters;
        Features = features;
        Eps = eps;
        Momentum = momentum;
        WeightTensor = weight;
        BiasTensor = bias;
        RunningMeanBuffer = runningMean;
        RunningVarBuffer = runningVar;
        NumBatchesTrackedBuffer = numBatchesTracked;
        _batchMean = new float[features];
        _batchInverseStd = new float[features];
    }

    /// <summary>The normalized features (an image's channels).</summary>
    public int Features { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>The running statistics' update factor, or NaN for a cumulative average (PyTorch's <c>momentum=None</c>).</summary>
    public float Momentum { get; }

    /// <summary>Whether the layer has a learnable weight and bias.</summary>
    public bool Affine => WeightTensor is not null;

    /// <summary>Whether the layer keeps running statistics and uses them in eval mode.</summary>
    public bool TrackRunningStats => RunningMeanBuffer is not null;

    /// <summary>The scale tensor, or null.</summary>
    public ParameterTensor? WeightTensor { get; }

    /// <summary>The shift tensor, or null.</summary>
    public ParameterTensor? BiasTensor { get; }

    /// <summary>The running mean buffer, or null.</summary>
    public BufferTensor? RunningMeanBuffer { get; }

    /// <summary>The running variance buffer, or null.</summary>
    public BufferTensor? RunningVarBuffer { get; }

    /// <summary>The batch counter buffer, or null.</summary>
    public BufferTensor? NumBatchesTrackedBuffer { get; }

    /// <summary>The scale's values (empty without an affine transform).</summary>
    public Span<float> Weight => WeightTensor is null ? Span<float>.Empty : _parameters.ValuesOf(WeightTensor);

    /// <summary>The shift's values (empty without an affine transform).</summary>
    public Span<float> Bias => BiasTensor is null ? Span<float>.Empty : _parameters.ValuesOf(BiasTensor);

    /// <summary>The running mean (empty without running statistics).</summary>
    public Span<float> RunningMean => RunningMeanBuffer is null ? Span<float>.Empty : _parameters.ValuesOf(RunningMeanBuffer);

    /// <summary>The running (unbiased) variance (empty without running statistics).</summary>
    public Span<float> RunningVar => RunningVarBuffer is null ? Span<float>.Empty : _parameters.ValuesOf(RunningVarBuffer);

    /// <summary>The number of training-mode batches seen, a one-element span (empty without running statistics).</summary>
    public Span<long> NumBatchesTracked => NumBatchesTrackedBuffer is null ? Span<long>.Empty : _parameters.CountersOf(NumBatchesTrackedBuffer);

    /// <summary>The mean of each feature over the last training-mode batch (written by the forward pass, read by the backward pass).</summary>
    public Span<float> BatchMean => _batchMean;

    /// <summary><c>1/sqrt(var + eps)</c> of each feature over the last training-mode batch.</summary>
    public Span<float> BatchInverseStd => _batchInverseStd;

    /// <inheritdoc/>
    public override string ToString()
        => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{GetType().Name}({Features}, eps={PythonText.Float(Eps)}, momentum={(float.IsNaN(Momentum) ? "None" : PythonText.Float(Momentum))}, affine={PythonText.Bool(Affine)}, track_running_stats={PythonText.Bool(TrackRunningStats)})");

    private static void CheckShape(System.Collections.Generic.IReadOnlyList<int>? shape, int features, string? shown, string name)
    {
        if (shape is not null && (shape.Count != 1 || shape[0] != features))
        {
            throw new ArgumentException($"Expected a tensor of shape [{features}], got {shown}.", name);
        }
    }

    private static void CheckBuffer(BufferTensor? buffer, int features, BufferElementType type, string name)
    {
        if (buffer is not null && buffer.ElementType != type)
        {
            throw new ArgumentException($"Expected a {type} buffer, got {buffer}.", name);
        }

        CheckShape(buffer?.Shape, features, buffer?.ToString(), name);
    }
}
