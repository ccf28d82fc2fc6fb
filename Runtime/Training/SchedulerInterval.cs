namespace StaticGrad.Training;

/// <summary>When the <see cref="Trainer"/> steps its learning-rate schedule.</summary>
public enum SchedulerInterval
{
    /// <summary>Once after every epoch, after validation (PyTorch's usual <c>scheduler.step()</c> per epoch).</summary>
    Epoch = 0,

    /// <summary>After every optimizer step (for <see cref="OneCycleLR"/>, <see cref="CyclicLR"/> and per-batch warm-up).</summary>
    Step = 1,
}
