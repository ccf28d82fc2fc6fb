namespace StaticGrad;

/// <summary>
/// An optimizer whose state (step count, learning rate, momentum or moment buffers) can be saved and
/// restored, so training resumes exactly where it stopped. <see cref="Sgd"/>, <see cref="Adam"/>,
/// <see cref="AdamW"/>, <see cref="RMSprop"/> and the <see cref="ElementwiseOptimizer"/>s (<see cref="Adagrad"/>,
/// <see cref="Adadelta"/>, <see cref="Adamax"/>, <see cref="NAdam"/>, <see cref="RAdam"/>) implement it.
/// </summary>
public interface IStatefulOptimizer : IOptimizer
{
    /// <summary>Copies the current state (the buffers are copied, so later steps do not change the snapshot).</summary>
    /// <returns>The state.</returns>
    OptimizerState ExportState();

    /// <summary>
    /// Restores a state captured by <see cref="ExportState"/> from an optimizer of the same algorithm,
    /// hyperparameters and parameter count. Everything is validated first: on failure nothing changes.
    /// The learning rate is restored too (like PyTorch's <c>load_state_dict</c>); set
    /// <see cref="IOptimizer.LearningRate"/> afterwards to change it.
    /// </summary>
    /// <param name="state">The state to restore.</param>
    /// <exception cref="System.ArgumentException">The state is of another algorithm, was saved with other hyperparameters, or its buffers do not fit (the message says which).</exception>
    void ImportState(OptimizerState state);
}
