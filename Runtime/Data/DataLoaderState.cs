namespace StaticGrad.Data;

/// <summary>
/// Where a <see cref="DataLoader"/> is: the epoch, the next batch, its generator's state when the epoch's order was drawn
/// and now, and the settings it was taken under. Restoring it (<see cref="DataLoader.SetState"/>) into a loader over the
/// same dataset and settings redraws the same order and yields the same remaining batches; a loader whose dataset size,
/// batch size, shuffle, drop-last, sampling or samples per epoch differs from a recorded setting refuses it. (A weighted
/// loader's weights are not recorded: like the dataset's contents, they are the caller's to keep.)
/// </summary>
/// <param name="Epoch">Epochs begun (0 before the first <see cref="DataLoader.BeginEpoch"/>).</param>
/// <param name="NextBatch">The index of the batch the next <see cref="DataLoader.MoveNext"/> gathers.</param>
/// <param name="EpochStartRng">The generator's state just before the current epoch's order was drawn.</param>
/// <param name="Rng">The generator's state now.</param>
/// <param name="DatasetCount">The loader's number of samples; null if unknown (not checked), as in a state built from a training checkpoint.</param>
/// <param name="BatchSize">The loader's batch size; null if unknown (not checked).</param>
/// <param name="Shuffle">Whether the loader shuffles; null if unknown (not checked).</param>
/// <param name="DropLast">Whether the loader drops a partial last batch; null if unknown (not checked).</param>
/// <param name="Sampling">How the loader draws an epoch's samples (<see cref="DataLoader.Sampling"/>); null if unknown (not checked).</param>
/// <param name="SamplesPerEpoch">The samples of an epoch (<see cref="DataLoader.SamplesPerEpoch"/>); null if unknown (not checked).</param>
public sealed record DataLoaderState(
    int Epoch,
    int NextBatch,
    (uint S0, uint S1, uint S2, uint S3) EpochStartRng,
    (uint S0, uint S1, uint S2, uint S3) Rng,
    int? DatasetCount = null,
    int? BatchSize = null,
    bool? Shuffle = null,
    bool? DropLast = null,
    DataSampling? Sampling = null,
    int? SamplesPerEpoch = null);
