using System;

namespace StaticGrad;

/// <summary>
/// A generated model trained against float targets, <c>[batch, OutputSize]</c>: class probabilities for
/// <c>[SoftmaxCrossEntropy(Targets = TargetKind.Probabilities)]</c>, per-output probabilities in [0, 1] for
/// <c>[BinaryCrossEntropyWithLogits]</c>. Models trained on class indices implement <see cref="IModel"/> instead.
/// </summary>
public interface IProbabilityTargetModel
{
    /// <summary>Input features per sample.</summary>
    int InputSize { get; }

    /// <summary>Outputs (classes or labels) per sample.</summary>
    int OutputSize { get; }

    /// <summary>The largest batch the model's arena was sized for at construction.</summary>
    int MaxBatch { get; }

    /// <summary>All trainable parameters and their gradients.</summary>
    ParameterSet Parameters { get; }

    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples. Overwrites the gradients in
    /// <see cref="Parameters"/> (like <c>zero_grad()</c> then <c>backward()</c>).
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="targets">At least <c>batch * OutputSize</c> targets, row-major.</param>
    /// <param name="batch">Samples in this step, 1 to <see cref="MaxBatch"/>.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch);

    /// <summary>Computes the outputs (logits) of the first <paramref name="batch"/> samples.</summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="outputs">Receives <c>batch * OutputSize</c> logits.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batch);

    /// <summary>Computes the probabilities of the first <paramref name="batch"/> samples.</summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="probabilities">Receives <c>batch * OutputSize</c> probabilities.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Predict(ReadOnlySpan<float> inputs, Span<float> probabilities, int batch);
}
