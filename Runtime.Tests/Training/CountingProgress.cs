using System.Collections.Generic;
using StaticGrad.Training;

namespace StaticGrad.Runtime.Tests;

/// <summary>A progress reporter that records what it is told; <see cref="StepCompleted"/> only counts, so it allocates nothing.</summary>
internal sealed class CountingProgress : IProgressReporter
{
    public List<(int Epoch, int Epochs, int Steps)> Started { get; } = [];

    public List<EpochMetrics> Completed { get; } = [];

    public int Steps { get; private set; }

    public long LastGlobalStep { get; private set; }

    public void EpochStarted(int epoch, int epochs, int steps) => Started.Add((epoch, epochs, steps));

    public void StepCompleted(in TrainingStep step)
    {
        Steps++;
        LastGlobalStep = step.GlobalStep;
    }

    public void EpochCompleted(EpochMetrics metrics) => Completed.Add(metrics);
}
