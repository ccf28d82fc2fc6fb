namespace StaticGrad.Data;

/// <summary>
/// Where a <see cref="DataLoader"/> is: the epoch, the next batch, and its generator's state when the
/// epoch's order was drawn and now. Restoring it (<see cref="DataLoader.SetState"/>) into a loader over
/// the same dataset and settings redraws the same order and yields the same remaining batches.
/// </summary>
/// <param name="Epoch">Epochs begun (0 before the first <see cref="DataLoader.BeginEpoch"/>).</param>
/// <param name="NextBatch">The index of the batch the next <see cref="DataLoader.MoveNext"/> gathers.</param>
/// <param name="EpochStartRng">The generator's state just before the current epoch's order was drawn.</param>
/// <param name="Rng">The generator's state now.</param>
public sealed record DataLoaderState(
    int Epoch,
    int NextBatch,
    (uint S0, uint S1, uint S2, uint S3) EpochStartRng,
    (uint S0, uint S1, uint S2, uint S3) Rng);
