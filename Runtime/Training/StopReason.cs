namespace StaticGrad.Training;

/// <summary>Why <see cref="Trainer.Fit"/> returned.</summary>
public enum StopReason
{
    /// <summary>The requested number of epochs is done.</summary>
    Completed = 0,

    /// <summary><see cref="EarlyStopping"/> saw no improvement for its patience.</summary>
    EarlyStopped = 1,

    /// <summary>A callback called <see cref="Trainer.RequestStop"/>.</summary>
    Requested = 2,
}
