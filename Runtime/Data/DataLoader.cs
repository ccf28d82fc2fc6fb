using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticGrad.Data;

/// <summary>
/// Minibatches of an <see cref="InMemoryDataset"/>, like PyTorch's <c>DataLoader(dataset, batch_size,
/// shuffle, drop_last)</c>: <see cref="BeginEpoch"/> draws a new order from a seeded <see cref="Rng"/>
/// (Fisher–Yates from the identity, so an epoch's order depends only on the generator's state), and
/// <see cref="MoveNext"/> gathers the next batch into buffers allocated once and reused. The last batch
/// holds the remainder unless <see cref="DropLast"/>. Works for both model kinds: pass
/// <see cref="Labels"/> to an <see cref="IModel"/>, <see cref="Targets"/> to an <see cref="IProbabilityTargetModel"/>.
/// <see cref="Weighted"/> makes a loader that draws each epoch's samples by weight instead, as PyTorch's
/// <c>DataLoader(dataset, batch_size, sampler=WeightedRandomSampler(weights, num_samples, replacement))</c>.
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

    // Weighted sampling: with replacement the running sums of the weights (a draw is a binary search), without it the
    // weights, and each epoch's keys and candidates (allocated once, so an epoch allocates nothing).
    private readonly double[] _weights = [];
    private readonly double[] _keys = [];
    private readonly int[] _candidates = [];
    private readonly int _lastPositive;
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
        : this(dataset, batchSize, seed, shuffle ? DataSampling.Shuffled : DataSampling.Sequential, dataset?.Count ?? 0, dropLast)
    {
        ResetOrder();
    }

    private DataLoader(InMemoryDataset dataset, int batchSize, ulong seed, DataSampling sampling, int samplesPerEpoch, bool dropLast)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _dataset = dataset;
        _rng = new Rng(seed);
        _epochStart = _rng.GetState();
        BatchSize = batchSize;
        Sampling = sampling;
        DropLast = dropLast;
        BatchCount = dropLast ? samplesPerEpoch / batchSize : (int)(((long)samplesPerEpoch + batchSize - 1) / batchSize);
        _order = new int[samplesPerEpoch];
        int capacity = Math.Min(batchSize, samplesPerEpoch);
        _features = new float[(long)capacity * dataset.Features];
        _labels = dataset.HasLabels ? new int[capacity] : [];
        _targets = dataset.HasLabels ? [] : new float[(long)capacity * dataset.Targets];
        _next = BatchCount;
    }

    private DataLoader(InMemoryDataset dataset, int batchSize, ulong seed, ReadOnlySpan<double> sampleWeights, int samplesPerEpoch, bool replacement, bool dropLast)
        : this(dataset, batchSize, seed, replacement ? DataSampling.WeightedWithReplacement : DataSampling.WeightedWithoutReplacement, samplesPerEpoch, dropLast)
    {
        _weights = sampleWeights.ToArray();
        if (replacement)
        {
            double sum = 0;
            for (int i = 0; i < _weights.Length; i++)
            {
                sum += _weights[i];
                _weights[i] = sum;
            }
        }
        else
        {
            _keys = new double[_weights.Length];
            _candidates = new int[_weights.Length];
        }

        _lastPositive = sampleWeights.LastIndexOfAnyExcept(0.0);
    }

    /// <summary>
    /// A loader that draws each epoch's <paramref name="samplesPerEpoch"/> samples with probability proportional to
    /// <paramref name="sampleWeights"/>, as PyTorch's <c>WeightedRandomSampler(weights, num_samples, replacement)</c>
    /// passed as a <c>DataLoader</c>'s sampler: the usual way to train on imbalanced classes (a sample's weight is then
    /// one over its class's count). With <paramref name="replacement"/> the draws are independent, so a sample can come
    /// several times in an epoch; without it an epoch's samples are distinct, each drawn with probability proportional
    /// to its weight among those not drawn yet. A sample of weight 0 is never drawn. The draws come from the loader's own
    /// <see cref="Rng"/> (not PyTorch's generator: the same distribution, not the same indices).
    /// </summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch; positive.</param>
    /// <param name="seed">The seed of the loader's own <see cref="Rng"/>.</param>
    /// <param name="sampleWeights">One weight per sample of <paramref name="dataset"/>, finite and at least 0, not all 0; relative (they need not sum to 1). Copied.</param>
    /// <param name="samplesPerEpoch">Samples drawn per epoch (PyTorch's <c>num_samples</c>); positive, and without replacement at most the number of samples of positive weight.</param>
    /// <param name="replacement">Draw with replacement (PyTorch's default).</param>
    /// <param name="dropLast">Skip the last batch when it is partial (PyTorch's <c>drop_last</c>).</param>
    /// <returns>The loader; <see cref="Shuffle"/> is true (every epoch draws anew).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dataset"/> is null.</exception>
    /// <exception cref="ArgumentException">An argument is out of range (the message names it and what was expected).</exception>
    public static DataLoader Weighted(
        InMemoryDataset dataset, int batchSize, ulong seed, ReadOnlySpan<double> sampleWeights, int samplesPerEpoch, bool replacement = true, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerEpoch);
        if (sampleWeights.Length != dataset.Count)
        {
            throw new ArgumentException($"sampleWeights has {sampleWeights.Length} values; expected one per sample of the dataset ({dataset.Count}).", nameof(sampleWeights));
        }

        double sum = 0;
        int positive = 0;
        for (int i = 0; i < sampleWeights.Length; i++)
        {
            double w = sampleWeights[i];
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"sampleWeights[{i}] is {w}; expected a finite weight of at least 0."), nameof(sampleWeights));
            }

            sum += w;
            positive += w > 0 ? 1 : 0;
        }

        if (positive == 0)
        {
            throw new ArgumentException("Every sample weight is 0; expected at least one positive weight.", nameof(sampleWeights));
        }

        if (!double.IsFinite(sum))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The sample weights sum to {sum}; expected a finite sum (scale them down)."), nameof(sampleWeights));
        }

        if (!replacement && samplesPerEpoch > positive)
        {
            throw new ArgumentOutOfRangeException(
                nameof(samplesPerEpoch), samplesPerEpoch, $"Without replacement an epoch draws distinct samples of positive weight; expected at most {positive}, the samples whose weight is above 0.");
        }

        return new DataLoader(dataset, batchSize, seed, sampleWeights, samplesPerEpoch, replacement, dropLast);
    }

    /// <summary>The dataset being loaded.</summary>
    public InMemoryDataset Dataset => _dataset;

    /// <summary>The nominal batch size.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch draws a new order (true for every sampling but <see cref="DataSampling.Sequential"/>).</summary>
    public bool Shuffle => Sampling != DataSampling.Sequential;

    /// <summary>How an epoch's samples are drawn.</summary>
    public DataSampling Sampling { get; }

    /// <summary>Samples per epoch: the dataset's count, or a weighted loader's <c>samplesPerEpoch</c>.</summary>
    public int SamplesPerEpoch => _order.Length;

    /// <summary>Whether a partial last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>Epochs begun.</summary>
    public int Epoch { get; private set; }

    /// <summary>The current epoch's sample indices in order (a weighted loader's: empty before the first <see cref="BeginEpoch"/>).</summary>
    public ReadOnlySpan<int> Order => Epoch == 0 && IsWeighted ? ReadOnlySpan<int>.Empty : _order;

    private bool IsWeighted => Sampling is DataSampling.WeightedWithReplacement or DataSampling.WeightedWithoutReplacement;

    /// <summary>The number of samples in the current batch (0 before the first <see cref="MoveNext"/> of an epoch).</summary>
    public int CurrentBatchSize => _current;

    /// <summary>The current batch's features, <see cref="CurrentBatchSize"/> × <see cref="InMemoryDataset.Features"/>, row-major.</summary>
    public ReadOnlySpan<float> Features => _features.AsSpan(0, _current * _dataset.Features);

    /// <summary>The current batch's class indices (empty for a dataset of float targets).</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _dataset.HasLabels ? _current : 0);

    /// <summary>The current batch's targets, <see cref="CurrentBatchSize"/> × <see cref="InMemoryDataset.Targets"/> (empty for a labelled dataset).</summary>
    public ReadOnlySpan<float> Targets => _targets.AsSpan(0, _current * _dataset.Targets);

    /// <summary>Starts an epoch: draws its order (when <see cref="Shuffle"/>: shuffled, or by weight) and rewinds to the first batch.</summary>
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
    public DataLoaderState GetState() => new(Epoch, _next, _epochStart, _rng.GetState(), _dataset.Count, BatchSize, Shuffle, DropLast, Sampling, SamplesPerEpoch);

    /// <summary>Restores a state from <see cref="GetState"/> of a loader over the same dataset and settings: redraws that epoch's order and continues at its next batch.</summary>
    /// <param name="state">The state.</param>
    /// <exception cref="ArgumentException">
    /// A setting recorded in the state (dataset size, batch size, shuffle, drop-last, sampling, samples per epoch) differs from this loader's (the message
    /// names it and gives both values), the state's counters are out of range, or a generator state is invalid.
    /// </exception>
    public void SetState(DataLoaderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        SameSetting(nameof(DataLoaderState.DatasetCount), state.DatasetCount, _dataset.Count);
        SameSetting(nameof(BatchSize), state.BatchSize, BatchSize);
        SameSetting(nameof(Shuffle), state.Shuffle, Shuffle);
        SameSetting(nameof(DropLast), state.DropLast, DropLast);
        SameSetting(nameof(Sampling), state.Sampling, Sampling);
        SameSetting(nameof(SamplesPerEpoch), state.SamplesPerEpoch, SamplesPerEpoch);
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
        switch (Sampling)
        {
            case DataSampling.Sequential:
                ResetOrder();
                break;
            case DataSampling.Shuffled:
                ResetOrder();
                _rng.Shuffle(_order.AsSpan());
                break;
            case DataSampling.WeightedWithReplacement:
                DrawWithReplacement();
                break;
            default:
                DrawWithoutReplacement();
                break;
        }
    }

    /// <summary>Each index independently: a uniform point in [0, sum of the weights), found among the running sums.</summary>
    private void DrawWithReplacement()
    {
        double total = _weights[^1];
        for (int k = 0; k < _order.Length; k++)
        {
            double u = _rng.NextDouble() * total;
            int lo = 0, hi = _lastPositive;
            while (lo < hi)
            {
                // The first running sum above u; a weight-0 sample's sum equals its predecessor's, so it is never the first.
                int mid = (lo + hi) >>> 1;
                if (_weights[mid] > u)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            _order[k] = lo;
        }
    }

    /// <summary>
    /// Distinct indices: each sample gets the key E/w (as its logarithm) with E exponentially distributed, and the epoch takes the samples
    /// of the smallest keys in increasing order, which draws them one after another with probability proportional to the
    /// weights of those left (Efraimidis and Spirakis' exponential race); weight 0 is an infinite key, never taken.
    /// </summary>
    private void DrawWithoutReplacement()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            // log(E/w) orders the samples as E/w does, and stays finite for a subnormal weight, whose E/w would overflow
            // to the infinite key of weight 0 and could be taken in its place.
            double exponential = -Math.Log(1.0 - _rng.NextDouble());
            _keys[i] = _weights[i] > 0 ? Math.Log(exponential) - Math.Log(_weights[i]) : double.PositiveInfinity;
            _candidates[i] = i;
        }

        _keys.AsSpan().Sort(_candidates.AsSpan());
        _candidates.AsSpan(0, _order.Length).CopyTo(_order);
    }

    /// <summary>The dataset order, 0, 1, 2, ... (a weighted loader's order is only ever drawn; before its first epoch it is not read).</summary>
    private void ResetOrder()
    {
        if (IsWeighted)
        {
            return;
        }

        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
    }
}
