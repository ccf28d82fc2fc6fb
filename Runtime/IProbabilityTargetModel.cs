using System;

namespace StaticGrad;

/// <summary>
/// A generated model trained against float targets, <c>[batch, OutputSize]</c>: class probabilities for
/// <c>[SoftmaxCrossEntropy(Targets = TargetKind.Probabilities)]</c>, per-output probabilities in [0, 1] for
/// <c>[BinaryCrossEntropyWithLogits]</c> and <c>[BinaryCrossEntropy]</c>. Models trained on class indices implement <see cref="IModel"/> instead.
/// </summary>
public interface IProbabilityTargetModel : IInferenceModel
{
    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples. Overwrites the gradients in
    /// <see cref="IInferenceModel.Parameters"/> (like <c>zero_grad()</c> then <c>backward()</c>).
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="targets">At least <c>batch * OutputSize</c> targets, row-major.</param>
    /// <param name="batch">Samples in this step, 1 to <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch);

    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples, adding <paramref name="scale"/> times
    /// their gradients to those in <see cref="IInferenceModel.Parameters"/> (PyTorch's <c>(loss * scale).backward()</c>
    /// without <c>zero_grad()</c>): gradient accumulation. Clear the gradients first
    /// (<see cref="ParameterSet.ZeroGradients"/>).
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="targets">At least <c>batch * OutputSize</c> targets, row-major.</param>
    /// <param name="batch">Samples in this micro-batch, 1 to <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <param name="scale">The weight of this micro-batch's gradients; finite.</param>
    /// <returns>This micro-batch's loss, unscaled.</returns>
    float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batch, float scale);

    /// <summary>
    /// How the model's loss reduces over a batch (<see cref="Reduction.Mean"/>, <see cref="Reduction.Sum"/>, or
    /// <see cref="Reduction.None"/>, whose per-sample losses train as their sum): what a micro-batch's share of an
    /// accumulated batch is.
    /// </summary>
    Reduction LossReduction { get; }

    /// <summary>
    /// The model's loss of <paramref name="outputs"/> (what <see cref="IInferenceModel.Forward"/> gave) against
    /// <paramref name="targets"/>, without gradients and without changing the model: PyTorch's
    /// <c>criterion(model(x), y)</c> under <c>torch.no_grad()</c>, with the loss's weights and reduction.
    /// </summary>
    /// <param name="outputs">At least <c>batch * OutputSize</c> outputs of <see cref="IInferenceModel.Forward"/>, row-major.</param>
    /// <param name="targets">At least <c>batch * OutputSize</c> targets, row-major.</param>
    /// <param name="batch">Samples, 1 to <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    float EvaluateLoss(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch);
}
