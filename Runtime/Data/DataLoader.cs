using System;
using System.Collections.Generic;

namespace StaticGrad.Data;

/// <summary>
/// Minibatches of an <see cref="InMemoryDataset"/>, like PyTorch's <c>DataLoader(dataset, batch_size,
/// shuffle, drop_last)</c>: <see cref="BeginEpoch"/> draws a new order from a seeded <see cref="Rng"/>
/// (Fisher–Yates from the identity, so an epoch's order depends only on the generator's state), and
/// <see cref="MoveNext"/> gathers the next batch into buffers allocated once and reused. The last batch
/// holds the remainder unless <see cref="DropLast"/>. Works for both model kinds: pass
/// <see cref="Labels"/> to an <see cref="IModel"/>, <see cref="Targets"/> to an <see cref="IProbabilityTargetModel"/>.
/// </summary>
/// <remarks>
/// <see cref="BeginEpoch"/> and <see cref="MoveNext"/> allocate nothing. Typical loop:
/// <code>
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     loader.BeginEpoch();
///     while (loader.MoveNext())
///     {
///         model.TrainStep(loader.Features, loader.Labels, loader.CurrentBatchSize);
///         optimizer.Step();
///     }
/// }
/// </code>
/// </remarks>
public sealed class DataLoader
{
    private readonly InMemoryDataset _dataset;
    private readonly Rng _rng;
    private readonly int[] _order;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private (uint S0, uint S1, uint S2, uint S3) _epochStart;
    private int _next;
    private int _current;

    /// <summary>Creates a loader; its order is 0, 1, 2, ... until the first <see cref="BeginEpoch"/> with <paramref name="shuffle"/>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch; positive (larger than the dataset means one partial batch, or none with <paramref name="dropLast"/>).</param>
    /// <param name="seed">The seed of the loader's own <see cref="Rng"/>.</param>
    /// <param name="shuffle">Draw a new order every epoch (PyTorch's <c>shuffle=True</c>); otherwise keep the dataset order.</param>
    /// <param name="dropLast">Skip the last batch when it is partial (PyTorch's <c>drop_last</c>).</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public DataLoader(InMemoryDataset dataset, int batchSize, ulong seed, bool shuffle = true, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _dataset = dataset;
        _rng = new Rng(seed);
        _epochStart = _rng.GetState();
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        BatchCount = dropLast ? dataset.Count / batchSize : (int)(((long)dataset.Count + batchSize - 1) / batchSize);
        _order = new int[dataset.Count];
        ResetOrder();
        int capacity = Math.Min(batchSize, dataset.Count);
        _features = new float[(long)capacity * dataset.Features];
        _labels = dataset.HasLabels ? new int[capacity] : [];
        _targets = dataset.HasLabels ? [] : new float[(long)capacity * dataset.Targets];
        _next = BatchCount;
    }

    /// <summary>The dataset being loaded.</summary>
    public InMemoryDataset Dataset => _dataset;

    /// <summary>The nominal batch size.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a partial last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Epochs begun.</summary>
    public int Epoch { get; private set; }

    /// <summary>The current epoch's order of sample indices.</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>The number of samples in the current batch (0 before the first <see cref="MoveNext"/> of an epoch).</summary>
    public int CurrentBatchSize => _current;

    /// <summary>The current batch's features, <see cref="CurrentBatchSize"/> × <see cref="InMemoryDataset.Features"/>, row-major.</summary>
    public ReadOnlySpan<float> Features => _features.AsSpan(0, _current * _dataset.Features);

    /// <summary>The current batch's class indices (empty for a dataset of float targets).</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _dataset.HasLabels ? _current : 0);

    /// <summary>The current batch's targets, <see cref="CurrentBatchSize"/> × <see cref="InMemoryDataset.Targets"/> (empty for a labelled dataset).</summary>
    public ReadOnlySpan<float> Targets => _targets.AsSpan(0, _current * _dataset.Targets);

    /// <summary>Starts an epoch: draws its order (when <see cref="Shuffle"/>) and rewinds to the first batch.</summary>
    public void BeginEpoch()
    {
        _epochStart = _rng.GetState();
        DrawOrder();
        Epoch++;
        _next = 0;
        _current = 0;
    }

    /// <summary>Gathers the next batch of the epoch into <see cref="Features"/> and <see cref="Labels"/> or <see cref="Targets"/>.</summary>
    /// <returns>False when the epoch has no more batches (call <see cref="BeginEpoch"/>).</returns>
    /// <exception cref="InvalidOperationException">No epoch has begun: call <see cref="BeginEpoch"/> first.</exception>
    public bool MoveNext()
    {
        if (Epoch == 0)
        {
            // Returning false here read as an empty dataset; PyTorch's loader, which needs no BeginEpoch, would have batches.
            throw new InvalidOperationException("No epoch has begun; call BeginEpoch() before MoveNext().");
        }

        if (_next >= BatchCount)
        {
            _current = 0;
            return false;
        }

        int start = _next * BatchSize;
        int count = Math.Min(BatchSize, _order.Length - start);
        int features = _dataset.Features, targets = _dataset.Targets;
        for (int i = 0; i < count; i++)
        {
            _dataset.CopySample(_order[start + i], _features.AsSpan(i * features, features), _labels, _targets.AsSpan(i * targets, targets), i);
        }

        _current = count;
        _next++;
        return true;
    }

    /// <summary>Captures where the loader is, for a training checkpoint.</summary>
    /// <returns>The state.</returns>
    public DataLoaderState GetState() => new(Epoch, _next, _epochStart, _rng.GetState(), _dataset.Count, BatchSize, Shuffle, DropLast);

    /// <summary>Restores a state from <see cref="GetState"/> of a loader over the same dataset and settings: redraws that epoch's order and continues at its next batch.</summary>
    /// <param name="state">The state.</param>
    /// <exception cref="ArgumentException">
    /// A setting recorded in the state (dataset size, batch size, shuffle, drop-last) differs from this loader's (the message
    /// names it and gives both values), the state's counters are out of range, or a generator state is invalid.
    /// </exception>
    public void SetState(DataLoaderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        SameSetting(nameof(DataLoaderState.DatasetCount), state.DatasetCount, _dataset.Count);
        SameSetting(nameof(BatchSize), state.BatchSize, BatchSize);
        SameSetting(nameof(Shuffle), state.Shuffle, Shuffle);
        SameSetting(nameof(DropLast), state.DropLast, DropLast);
        if (state.Epoch < 0 || state.NextBatch < 0 || state.NextBatch > BatchCount || (state.Epoch == 0 && state.NextBatch != BatchCount))
        {
            throw new ArgumentException(
                $"The state has Epoch {state.Epoch} and NextBatch {state.NextBatch}; expected Epoch >= 0 and NextBatch in [0, {BatchCount}] ({BatchCount} before the first epoch).", nameof(state));
        }

        if (IsZero(state.Rng) || IsZero(state.EpochStartRng))
        {
            throw new ArgumentException("The state has an all-zero generator state, which xoshiro128** cannot be in.", nameof(state));
        }

        _rng.SetState(state.EpochStartRng);
        _epochStart = state.EpochStartRng;
        if (state.Epoch > 0)
        {
            DrawOrder();
        }
        else
        {
            ResetOrder();
        }

        _rng.SetState(state.Rng);
        Epoch = state.Epoch;
        _next = state.NextBatch;
        _current = 0;
    }

    private static void SameSetting<T>(string setting, T? recorded, T actual)
        where T : struct
    {
        if (recorded is { } value && !EqualityComparer<T>.Default.Equals(value, actual))
        {
            throw new ArgumentException(
                $"The state was taken from a loader with {setting} {value}; this loader has {setting} {actual}. Expected the same dataset and settings.", "state");
        }
    }

    private static bool IsZero((uint S0, uint S1, uint S2, uint S3) s) => (s.S0 | s.S1 | s.S2 | s.S3) == 0;

    private void DrawOrder()
    {
        ResetOrder();
        if (Shuffle)
        {
            _rng.Shuffle(_order.AsSpan());
        }
    }

    private void ResetOrder()
    {
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
    }
}
