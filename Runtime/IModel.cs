using System;

namespace StaticGrad;

/// <summary>
/// What every generated model trained on class-index labels offers (softmax cross-entropy with class
/// indices, LogSoftmax + NLL), so training loops and tools can work with any of them. Generated models
/// implement it with compile-time constant shapes. Models trained on float targets implement
/// <see cref="IProbabilityTargetModel"/>; every model implements <see cref="IInferenceModel"/>.
/// </summary>
public interface IModel : IInferenceModel
{
    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples. Overwrites the
    /// gradients in <see cref="IInferenceModel.Parameters"/> (like <c>zero_grad()</c> then <c>backward()</c>).
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="labels">At least <c>batch</c> class indices in [0, OutputSize) (or the loss's ignore index).</param>
    /// <param name="batch">Samples in this step, 1 to <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch);

    /// <summary>
    /// Forward, loss and backward on the first <paramref name="batch"/> samples, adding <paramref name="scale"/> times
    /// their gradients to those in <see cref="IInferenceModel.Parameters"/> (PyTorch's <c>(loss * scale).backward()</c>
    /// without <c>zero_grad()</c>): gradient accumulation. Clear the gradients first
    /// (<see cref="ParameterSet.ZeroGradients"/>); with a 'mean' loss, micro-batches of sizes <c>b_i</c> scaled by
    /// <c>b_i / B</c> add up to the gradients of one batch of <c>B</c>.
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="labels">At least <c>batch</c> class indices in [0, OutputSize) (or the loss's ignore index).</param>
    /// <param name="batch">Samples in this micro-batch, 1 to <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <param name="scale">The weight of this micro-batch's gradients; finite.</param>
    /// <returns>This micro-batch's loss, unscaled.</returns>
    float AccumulateGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch, float scale);

    /// <summary>
    /// How the model's loss reduces over a batch (<see cref="Reduction.Mean"/>, <see cref="Reduction.Sum"/>, or
    /// <see cref="Reduction.None"/>, whose per-sample losses train as their sum): what a micro-batch's share of an
    /// accumulated batch is.
    /// </summary>
    Reduction LossReduction { get; }

    /// <summary>
    /// The label the loss skips (PyTorch's <c>ignore_index</c>, -100 unless declared): such samples add nothing to the loss
    /// or the gradients, and a mean divides by the other samples' weights only.
    /// </summary>
    int LossIgnoreIndex { get; }
}
