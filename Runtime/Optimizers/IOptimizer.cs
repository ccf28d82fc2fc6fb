namespace StaticGrad;

/// <summary>
/// An optimizer that updates a <see cref="ParameterSet"/>'s values from its gradients, in one flat pass
/// over all parameters. Its state is allocated when it is constructed; <see cref="Step"/> allocates nothing.
/// </summary>
public interface IOptimizer
{
    /// <summary>
    /// The parameters this optimizer updates (PyTorch's <c>param_groups</c>): a model's <see cref="IInferenceModel.Parameters"/>.
    /// The trainers check that it is their model's.
    /// </summary>
    ParameterSet Parameters { get; }

    /// <summary>The learning rate used by the next <see cref="Step"/>; a scheduler may change it between steps. Finite and non-negative.</summary>
    float LearningRate { get; set; }

    /// <summary>The number of steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>Updates every parameter from the current gradients (which it does not modify).</summary>
    void Step();
}
