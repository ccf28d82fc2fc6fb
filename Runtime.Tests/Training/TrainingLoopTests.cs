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
        InMemoryDataset data = Synthetic(probabilities: false);
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
        InMemoryDataset data = Synthetic(probabilities: true);
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

    /// <summary>Six features from a seeded generator; the class (or a one-hot-ish target) is the argmax of a fixed linear map.</summary>
    private static InMemoryDataset Synthetic(bool probabilities)
    {
        var rng = new Rng(42);
        float[] features = new float[Samples * 6];
        int[] labels = new int[Samples];
        float[] targets = new float[Samples * 4];
        for (int i = 0; i < Samples; i++)
        {
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int f = 0; f < 6; f++)
            {
                features[(i * 6) + f] = rng.NextSingle(-1, 1);
            }

            for (int c = 0; c < 4; c++)
            {
                float score = features[(i * 6) + c] - (0.5f * features[(i * 6) + 4 + (c % 2)]);
                if (score > bestScore)
                {
                    (best, bestScore) = (c, score);
                }
            }

            labels[i] = best;
            for (int c = 0; c < 4; c++)
            {
                targets[(i * 4) + c] = c == best ? 0.85f : 0.05f;
            }
        }

        return probabilities ? InMemoryDataset.FromTargets(features, 6, targets, 4) : InMemoryDataset.FromLabels(features, 6, labels);
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
