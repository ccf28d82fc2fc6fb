using System.Threading;
using StaticGrad.Training;

namespace StaticGrad.Runtime.Tests;

/// <summary>Cancels <paramref name="source"/> after global step <paramref name="step"/>.</summary>
internal sealed class CancelAt(long step, CancellationTokenSource source) : ITrainingCallback
{
    public void OnStep(Trainer trainer, in TrainingStep info)
    {
        if (info.GlobalStep == step)
        {
            source.Cancel();
        }
    }

    public void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
    {
    }
}
