using System;
using StaticGrad.Data;

namespace StaticGrad.Distributed;

/// <summary>
/// Every rank's share of the same shuffled minibatches, like PyTorch's <c>DistributedSampler</c> but cut per global
/// batch: each epoch every rank draws the same order from the same seeded <see cref="Rng"/> (exactly the order of a
/// one-process <see cref="DataLoader"/> with that seed), and <see cref="Gather"/> copies this rank's contiguous slice
/// of global batch <c>b</c>. Together the ranks see each global batch exactly once, the partial last one included
/// unless <see cref="DropLast"/>.
/// </summary>
/// <remarks>
/// A global batch of <c>n</c> samples is split into <c>Size</c> contiguous slices of <c>n / Size</c> samples, the first
/// <c>n % Size</c> ranks taking one more (<see cref="DataParallel.SliceOf"/>); a rank's slice may be empty when
/// <c>n &lt; Size</c>. <see cref="BeginEpoch"/> and <see cref="Gather"/> allocate nothing.
/// </remarks>
public sealed class DistributedSampler
{
    private readonly InMemoryDataset _dataset;
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly int[] _labels;
    private int _current;

    /// <summary>Creates the sampler of one rank.</summary>
    /// <param name="dataset">The samples, with class-index labels; the same on every rank.</param>
    /// <param name="globalBatchSize">Samples per global batch (all ranks together); positive.</param>
    /// <param name="seed">The shuffle seed; the same on every rank.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="size">The number of ranks.</param>
    /// <param name="blockSize">Ranks take whole blocks of this many rows (<see cref="DataParallel.SliceOf"/>); 1 by default.</param>
    /// <param name="dropLast">Skip the last global batch when it is partial, as a one-process <see cref="DataLoader"/> with <c>dropLast</c> (PyTorch's <c>drop_last</c>).</param>
    /// <exception cref="ArgumentException">The dataset is empty or has no class-index labels, or <paramref name="dropLast"/> leaves no batch.</exception>
    public DistributedSampler(InMemoryDataset dataset, int globalBatchSize, ulong seed, int rank, int size, int blockSize = 1, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)rank, (uint)size, nameof(rank));
        if (!dataset.HasLabels || dataset.Count == 0)
        {
            throw new ArgumentException("Expected a non-empty dataset with class-index labels.", nameof(dataset));
        }

        _dataset = dataset;
        Generator = new Rng(seed);
        GlobalBatchSize = globalBatchSize;
        Rank = rank;
        Size = size;
        BlockSize = blockSize;
        DropLast = dropLast;
        BatchCount = dropLast ? dataset.Count / globalBatchSize : (int)(((long)dataset.Count + globalBatchSize - 1) / globalBatchSize);
        if (BatchCount == 0)
        {
            throw new ArgumentException(
                $"The sampler yields no batch: the dataset has {dataset.Count} samples, the global batch size is {globalBatchSize} and dropLast is true; expected at least one batch per epoch (a global batch size of at most {dataset.Count}, or dropLast: false).",
                nameof(dropLast));
        }

        _order = new int[dataset.Count];
        int capacity = DataParallel.SliceOf(Math.Min(globalBatchSize, dataset.Count), 0, size, blockSize).Count;
        _features = new float[(long)capacity * dataset.Features];
        _labels = new int[capacity];
        ResetOrder();
    }

    /// <summary>The dataset being sampled.</summary>
    public InMemoryDataset Dataset => _dataset;

    /// <summary>Samples per global batch.</summary>
    public int GlobalBatchSize { get; }

    /// <summary>Global batches per epoch: ceil(count / <see cref="GlobalBatchSize"/>), or floor with <see cref="DropLast"/>.</summary>
    public int BatchCount { get; }

    /// <summary>Whether the last global batch is skipped when it is partial.</summary>
    public bool DropLast { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int Size { get; }

    /// <summary>Ranks take whole blocks of this many rows.</summary>
    public int BlockSize { get; }

    /// <summary>The shuffling generator; its state between epochs is what a checkpoint stores (it holds no per-rank state).</summary>
    public Rng Generator { get; }

    /// <summary>The current epoch's order of sample indices (the same on every rank).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>The number of samples this rank holds of the last gathered global batch.</summary>
    public int CurrentBatchSize => _current;

    /// <summary>The global size of the last gathered batch (the last one of an epoch may be partial unless <see cref="DropLast"/>).</summary>
    public int CurrentGlobalBatchSize { get; private set; }

    /// <summary>This rank's features of the last gathered batch, <see cref="CurrentBatchSize"/> × features.</summary>
    public ReadOnlySpan<float> Features => _features.AsSpan(0, _current * _dataset.Features);

    /// <summary>This rank's labels of the last gathered batch.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _current);

    /// <summary>Draws the epoch's order: the identity permuted by Fisher–Yates from <see cref="Generator"/>.</summary>
    public void BeginEpoch()
    {
        ResetOrder();
        Generator.Shuffle(_order.AsSpan());
    }

    /// <summary>Copies this rank's slice of global batch <paramref name="batchIndex"/> into <see cref="Features"/> and <see cref="Labels"/>.</summary>
    /// <param name="batchIndex">In [0, <see cref="BatchCount"/>).</param>
    /// <returns>The samples this rank holds (possibly 0).</returns>
    public int Gather(int batchIndex)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)batchIndex, (uint)BatchCount, nameof(batchIndex));
        int start = batchIndex * GlobalBatchSize;
        CurrentGlobalBatchSize = Math.Min(GlobalBatchSize, _order.Length - start);
        (int offset, int count) = DataParallel.SliceOf(CurrentGlobalBatchSize, Rank, Size, BlockSize);
        int features = _dataset.Features;
        ReadOnlySpan<int> labels = _dataset.Labels;
        for (int i = 0; i < count; i++)
        {
            int sample = _order[start + offset + i];
            _dataset.FeaturesOf(sample).CopyTo(_features.AsSpan(i * features, features));
            _labels[i] = labels[sample];
        }

        _current = count;
        return count;
    }

    private void ResetOrder()
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
    }
}
