using System;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Where a training run stands between two epochs: the counters and the state of the generator that
/// shuffles the data, which with the batch size and sample count fixes every later epoch's order.
/// </summary>
public sealed class TrainingProgress
{
    /// <summary>Describes the progress of a run.</summary>
    /// <param name="epochsCompleted">Epochs finished; at least 0.</param>
    /// <param name="stepsCompleted">Optimizer steps taken; at least 0.</param>
    /// <param name="shuffleState">The state of the shuffling generator (<see cref="Rng.GetState"/>) after the last finished epoch; not all zero.</param>
    /// <param name="batchSize">Samples per step; positive.</param>
    /// <param name="sampleCount">Training samples per epoch; positive.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public TrainingProgress(int epochsCompleted, long stepsCompleted, (uint S0, uint S1, uint S2, uint S3) shuffleState, int batchSize, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochsCompleted);
        ArgumentOutOfRangeException.ThrowIfNegative(stepsCompleted);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        if ((shuffleState.S0 | shuffleState.S1 | shuffleState.S2 | shuffleState.S3) == 0)
        {
            throw new ArgumentException("The all-zero state is not a valid generator state.", nameof(shuffleState));
        }

        EpochsCompleted = epochsCompleted;
        StepsCompleted = stepsCompleted;
        ShuffleState = shuffleState;
        BatchSize = batchSize;
        SampleCount = sampleCount;
    }

    /// <summary>Epochs finished.</summary>
    public int EpochsCompleted { get; }

    /// <summary>Optimizer steps taken.</summary>
    public long StepsCompleted { get; }

    /// <summary>The shuffling generator's state after the last finished epoch (restore it with <see cref="Rng.SetState"/>).</summary>
    public (uint S0, uint S1, uint S2, uint S3) ShuffleState { get; }

    /// <summary>Samples per step.</summary>
    public int BatchSize { get; }

    /// <summary>Training samples per epoch.</summary>
    public int SampleCount { get; }
}
