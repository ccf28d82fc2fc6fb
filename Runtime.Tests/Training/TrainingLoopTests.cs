using System;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The library pieces in one loop (<see cref="DataLoader"/>, <see cref="GradientClipping"/>, an optimizer and a
/// <see cref="SequentialLR"/> schedule) with both model kinds: it learns, allocates nothing per epoch, and a
/// resume from captured state continues bit for bit.
/// </summary>
public sealed class TrainingLoopTests
{
    private const int Samples = 37;
    private const int Batch = 8;

    [Fact]
    public void LabelModel_LearnsAllocationFree_AndResumesBitIdentically()
    {
        InMemoryDataset data = SyntheticData.Classes(Samples);
        var run = new Run(new NllModel(seed: 1, maxBatch: Batch), data);
        double first = run.Epoch();
        for (int e = 0; e < 3; e++)
        {
            run.Epoch();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        double later = run.Epoch();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(later < first, $"The loss did not fall: {first} then {later}.");
        AssertResumes(run, () => new Run(new NllModel(seed: 2, maxBatch: Batch), data));
    }

    [Fact]
    public void ProbabilityTargetModel_TrainsFromTheTargetBuffers_AndResumesBitIdentically()
    {
        InMemoryDataset data = SyntheticData.Classes(Samples, probabilities: true);
        var run = new Run(new SoftTargetModel(seed: 1, maxBatch: Batch), data);
        double first = run.Epoch();
        for (int e = 0; e < 5; e++)
        {
            run.Epoch();
        }

        Assert.True(run.Epoch() < first);
        AssertResumes(run, () => new Run(new SoftTargetModel(seed: 2, maxBatch: Batch), data));
    }

    private static void AssertResumes(Run run, Func<Run> fresh)
    {
        Snapshot snapshot = run.Capture();
        run.Epoch();
        run.Epoch();
        float[] expected = run.Model.Parameters.Values.ToArray();

        Run resumed = fresh();
        resumed.Restore(snapshot);
        resumed.Epoch();
        resumed.Epoch();
        Assert.Equal(expected, resumed.Model.Parameters.Values.ToArray());
        Assert.Equal(run.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
    }

    private sealed record Snapshot(float[] Weights, OptimizerState Optimizer, SchedulerState Schedule, DataLoaderState Loader);

    /// <summary>One training setup: loader, SGD with momentum, warm-up then cosine, clipping.</summary>
    private sealed class Run
    {
        private readonly DataLoader _loader;
        private readonly SequentialLR _schedule;

        public Run(IInferenceModel model, InMemoryDataset data)
        {
            Model = model;
            _loader = new DataLoader(data, Batch, seed: 7);
            Optimizer = new Sgd(model.Parameters, 0.5f, momentum: 0.9f);
            _schedule = new SequentialLR(Optimizer, [new LinearLR(Optimizer, 0.2, 1, 2), new CosineAnnealingLR(Optimizer, 10, 0.01)], [2]);
        }

        public IInferenceModel Model { get; }

        public Sgd Optimizer { get; }

        public double Epoch()
        {
            double loss = 0;
            _loader.BeginEpoch();
            while (_loader.MoveNext())
            {
                loss += Model switch
                {
                    IModel labels => labels.TrainStep(_loader.Features, _loader.Labels, _loader.CurrentBatchSize),
                    IProbabilityTargetModel targets => targets.TrainStep(_loader.Features, _loader.Targets, _loader.CurrentBatchSize),
                    _ => throw new InvalidOperationException("Unknown model kind."),
                };
                GradientClipping.ClipGradNorm(Model.Parameters, 1f);
                Optimizer.Step();
            }

            _schedule.Step();
            return loss;
        }

        public Snapshot Capture() =>
            new(Model.Parameters.Values.ToArray(), Optimizer.ExportState(), _schedule.GetState(), _loader.GetState());

        public void Restore(Snapshot snapshot)
        {
            snapshot.Weights.CopyTo(Model.Parameters.Values);
            Optimizer.ImportState(snapshot.Optimizer);
            _schedule.SetState(snapshot.Schedule);
            _loader.SetState(snapshot.Loader);
        }
    }
}
