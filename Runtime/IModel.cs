using System;

namespace StaticGrad;

/// <summary>
/// What every generated model trained on class-index labels offers (softmax cross-entropy with class
/// indices, LogSoftmax + NLL), so training loops and tools can work with any of them. Generated models
/// implement it with compile-time constant shapes. Models trained on float targets implement
/// <see cref="IProbabilityTargetModel"/>; every model implements <see cref="IInferenceModel"/>.
/// </summary>
public interface IModel
{
    /// <summary>Input features per sample.</summary>
    int InputSize { get; }

    /// <summary>Outputs (classes) per sample.</summary>
    int OutputSize { get; }

    /// <summary>The largest batch the model's arena was sized for at construction.</summary>
    int MaxBatch { get; }

    /// <summary>All trainable parameters and their gradients.</summary>
    ParameterSet Parameters { get; }

    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples. Overwrites the
    /// gradients in <see cref="Parameters"/> (like <c>zero_grad()</c> then <c>backward()</c>).
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="labels">At least <c>batch</c> class indices in [0, OutputSize) (or the loss's ignore index).</param>
    /// <param name="batch">Samples in this step, 1 to <see cref="MaxBatch"/>.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch);

    /// <summary>Computes the logits (log-probabilities for a <c>[LogSoftmax]</c> + NLL model) of the first <paramref name="batch"/> samples.</summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="logits">Receives <c>batch * OutputSize</c> logits.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Forward(ReadOnlySpan<float> inputs, Span<float> logits, int batch);

    /// <summary>Computes the class probabilities (softmax of the logits) of the first <paramref name="batch"/> samples.</summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="probabilities">Receives <c>batch * OutputSize</c> probabilities.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Predict(ReadOnlySpan<float> inputs, Span<float> probabilities, int batch);
}
