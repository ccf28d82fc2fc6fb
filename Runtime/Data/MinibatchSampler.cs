using System;

namespace StaticGrad.Data;

/// <summary>
/// Cuts a <see cref="MnistDataset"/> into shuffled minibatches, like PyTorch's
/// <c>DataLoader(dataset, batch_size, shuffle=True, drop_last=False)</c>: each epoch visits every
/// sample exactly once, and the last batch holds the remainder when the count is not a multiple
/// of the batch size.
/// </summary>
/// <remarks>
/// All buffers are allocated by the constructor; <see cref="Shuffle"/> and <see cref="Gather"/>
/// allocate nothing. <see cref="Inputs"/> and <see cref="Labels"/> are overwritten by the next
/// <see cref="Gather"/>. Typical loop:
/// <code>
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     sampler.Shuffle();
///     for (int b = 0; b &lt; sampler.BatchCount; b++)
///     {
///         int n = sampler.Gather(b);
///         model.TrainStep(sampler.Inputs, sampler.Labels, n);
///     }
/// }
/// </code>
/// </remarks>
public sealed class MinibatchSampler
{
    private readonly MnistDataset _dataset;
    private readonly Rng _rng;
    private readonly int[] _permutation;
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private int _current;

    /// <summary>Creates a sampler whose order starts as 0, 1, 2, ... until the first <see cref="Shuffle"/>.</summary>
    /// <param name="dataset">The samples; must not be empty.</param>
    /// <param name="batchSize">Samples per batch; positive. Larger than the dataset means one partial batch.</param>
    /// <param name="rng">The generator <see cref="Shuffle"/> draws from (shared, not copied).</param>
    public MinibatchSampler(MnistDataset dataset, int batchSize, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (dataset.Count == 0)
        {
            throw new ArgumentException("The dataset is empty; there is nothing to sample.", nameof(dataset));
        }

        _dataset = dataset;
        _rng = rng;
        BatchSize = batchSize;
        BatchCount = (int)(((long)dataset.Count + batchSize - 1) / batchSize);
        _permutation = new int[dataset.Count];
        ResetOrder();
        int capacity = Math.Min(batchSize, dataset.Count);
        _inputs = new float[(long)capacity * dataset.Features];
        _labels = new int[capacity];
    }

    /// <summary>The dataset being sampled.</summary>
    public MnistDataset Dataset => _dataset;

    /// <summary>The nominal batch size; the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; }

    /// <summary>Batches per epoch: ceil(<see cref="MnistDataset.Count"/> / <see cref="BatchSize"/>).</summary>
    public int BatchCount { get; }

    /// <summary>Floats per sample in <see cref="Inputs"/>.</summary>
    public int Features => _dataset.Features;

    /// <summary>The current epoch's order of sample indices.</summary>
    public ReadOnlySpan<int> Permutation => _permutation;

    /// <summary>The number of samples of the last gathered batch (0 before the first <see cref="Gather"/>).</summary>
    public int CurrentBatchSize => _current;

    /// <summary>The inputs of the last gathered batch: <see cref="CurrentBatchSize"/> x <see cref="Features"/> floats, row-major.</summary>
    public ReadOnlySpan<float> Inputs => _inputs.AsSpan(0, _current * _dataset.Features);

    /// <summary>The class indices of the last gathered batch: <see cref="CurrentBatchSize"/> values.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _current);

    /// <summary>
    /// Draws a new epoch order: resets the order to 0, 1, 2, ... and permutes it in place with
    /// Fisher–Yates (<see cref="Rng.Shuffle{T}(Span{T})"/>). Call once per epoch, before gathering.
    /// </summary>
    /// <remarks>
    /// Because the order is reset first, an epoch's order depends only on the generator's state
    /// when this is called, so restoring that state (<see cref="Rng.SetState"/>) reproduces it.
    /// </remarks>
    public void Shuffle()
    {
        ResetOrder();
        _rng.Shuffle(_permutation.AsSpan());
    }

    /// <summary>Copies batch <paramref name="batchIndex"/> of the current order into <see cref="Inputs"/> and <see cref="Labels"/>.</summary>
    /// <param name="batchIndex">The batch, in [0, <see cref="BatchCount"/>).</param>
    /// <returns>The number of samples in the batch: <see cref="BatchSize"/>, or fewer for the last batch.</returns>
    public int Gather(int batchIndex)
    {
        if ((uint)batchIndex >= (uint)BatchCount)
        {
            throw new ArgumentOutOfRangeException(nameof(batchIndex), batchIndex, $"Expected a batch index in [0, {BatchCount}).");
        }

        int start = batchIndex * BatchSize;
        int count = Math.Min(BatchSize, _permutation.Length - start);
        int features = _dataset.Features;
        ReadOnlySpan<float> images = _dataset.Images;
        ReadOnlySpan<byte> labels = _dataset.Labels;
        Span<float> inputs = _inputs;
        for (int i = 0; i < count; i++)
        {
            int sample = _permutation[start + i];
            images.Slice(sample * features, features).CopyTo(inputs.Slice(i * features, features));
            _labels[i] = labels[sample];
        }

        _current = count;
        return count;
    }

    private void ResetOrder()
    {
        for (int i = 0; i < _permutation.Length; i++)
        {
            _permutation[i] = i;
        }
    }
}
