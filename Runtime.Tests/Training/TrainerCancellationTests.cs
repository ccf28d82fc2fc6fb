using System;
using System.Linq;
using System.Threading;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Runtime.Tests.Checkpoints;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>Cancelling <see cref="Trainer.Fit"/>: it stops before the next step, refuses a mid-epoch checkpoint, and the last saved one resumes exactly.</summary>
public sealed class TrainerCancellationTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void CancelledBeforeFit_TakesNoStep()
    {
        var model = new NllModel(seed: 1, maxBatch: 8);
        var trainer = new Trainer(model, new Sgd(model.Parameters, 0.1f), new DataLoader(SyntheticData.Classes(20), 8, seed: 1));
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.Throws<OperationCanceledException>(() => trainer.Fit(3, source.Token));
        Assert.Equal(0, trainer.StepsCompleted);
    }

    [Fact]
    public void CancelledMidEpoch_StopsAfterThatStep_AndTheLastCheckpointResumes()
    {
        string path = _files.PathOf("cancel.safetensors");
        using var source = new CancellationTokenSource();
        var (straight, _) = Create(path: null, cancelAt: 0, source);
        straight.Fit(3);

        var (cancelled, model) = Create(path, cancelAt: 7, source);
        Assert.Throws<OperationCanceledException>(() => cancelled.Fit(3, source.Token));
        Assert.Equal(7, cancelled.StepsCompleted);
        Assert.Equal(1, cancelled.EpochsCompleted);
        Assert.Throws<InvalidOperationException>(cancelled.CreateCheckpoint);

        var (resumed, resumedModel) = Create(path: null, cancelAt: 0, source);
        resumed.Resume(TrainingCheckpoint.Load(path));
        Assert.Equal(5, resumed.StepsCompleted);
        resumed.Fit(3);
        Assert.Equal(straight.Model.Parameters.Values.ToArray(), resumedModel.Parameters.Values.ToArray());
        Assert.NotEqual(model.Parameters.Values.ToArray(), resumedModel.Parameters.Values.ToArray());
    }

    private static (Trainer Trainer, EveryOpModel Model) Create(string? path, int cancelAt, CancellationTokenSource source)
    {
        var model = new EveryOpModel(seed: 1, maxBatch: 8);
        var optimizer = new Adam(model.Parameters, 1e-2f);
        var options = new TrainerOptions
        {
            Scheduler = new StepLR(optimizer, 1, 0.7),
            CheckpointPath = path,
            Callbacks = cancelAt > 0 ? [new CancelAt(cancelAt, source)] : [],
        };
        return (new Trainer(model, optimizer, new DataLoader(SyntheticData.Classes(37, features: 12), 8, seed: 4), options), model);
    }
}
