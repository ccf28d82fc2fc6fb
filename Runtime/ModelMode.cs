namespace StaticGrad;

/// <summary>
/// PyTorch's <c>model.train()</c> / <c>model.eval()</c> for the ops that behave differently (dropout, batch norm).
/// <c>TrainStep</c> always runs in training mode; the mode chooses what <c>Forward</c> and <c>Predict</c> do.
/// </summary>
public enum ModelMode
{
    /// <summary>Eval mode (the default for Forward): dropout is the identity and batch norm uses its running statistics.</summary>
    Evaluation = 0,

    /// <summary>Training mode: dropout draws masks from the model's generator and batch norm uses (and updates) batch statistics.</summary>
    Training = 1,
}
