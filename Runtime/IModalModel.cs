namespace StaticGrad;

/// <summary>
/// A generated model with ops that behave differently in training and eval mode (dropout, batch norm): its
/// <see cref="Mode"/> is PyTorch's <c>model.train()</c> / <c>model.eval()</c>. Whole-dataset evaluation
/// (<see cref="Training.Trainer.Evaluate"/>, <see cref="Training.Inference"/>) runs such a model in eval mode whatever its
/// mode, and leaves the mode as it found it.
/// </summary>
public interface IModalModel
{
    /// <summary>What <c>Forward</c> and <c>Predict</c> compute; <c>TrainStep</c> always runs in training mode.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The value set is not a member of the enum.</exception>
    ModelMode Mode { get; set; }
}
