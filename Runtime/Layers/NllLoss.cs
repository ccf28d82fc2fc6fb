using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's negative log-likelihood loss on a <see cref="LogSoftmaxAttribute"/> output, PyTorch's
/// <c>nn.LogSoftmax</c> + <c>nn.NLLLoss(weight, ignore_index, reduction)</c>. Training fuses the pair: the
/// loss and the gradient of the last layer's pre-activation values come from one pass per row, exactly as
/// <see cref="SoftmaxCrossEntropyLoss"/> computes them.
/// </summary>
public sealed class NllLoss
{
    private float[]? _weights;

    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="classes">The number of classes (the last layer's outputs).</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    /// <param name="ignoreIndex">The label of samples to skip.</param>
    /// <param name="weights">Null, or one finite non-negative weight per class (copied).</param>
    public NllLoss(int classes, Reduction reduction, int ignoreIndex, float[]? weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (reduction is not (Reduction.Mean or Reduction.Sum or Reduction.None))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean, Reduction.Sum or Reduction.None.");
        }

        Classes = classes;
        Reduction = reduction;
        IgnoreIndex = ignoreIndex;
        if (weights is not null)
        {
            _weights = LossWeights.Checked(weights, classes, "class weights", nameof(weights));
        }
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The label of samples that are skipped.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The per-class weights, or an empty span when every class weighs 1.</summary>
    public ReadOnlySpan<float> ClassWeights => _weights;

    /// <summary>Sets the per-class weights used from the next step on.</summary>
    /// <param name="weights">One finite, non-negative weight per class; copied.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Classes"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public void SetClassWeights(ReadOnlySpan<float> weights) => _weights = LossWeights.Checked(weights, Classes, "class weights", nameof(weights));

    /// <summary>Removes the class weights.</summary>
    public void ClearClassWeights() => _weights = null;

    /// <summary>Checks that every label is in <c>[0, Classes)</c> or the <see cref="IgnoreIndex"/>.</summary>
    /// <param name="labels">The labels of the batch.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range; the message names the sample index and the value.</exception>
    public void ValidateLabels(ReadOnlySpan<int> labels) => SoftmaxCrossEntropy.ValidateLabels(labels, Classes, IgnoreIndex);

    /// <summary>
    /// The fused LogSoftmax + NLL step: computes the loss of <paramref name="batch"/> rows and overwrites the
    /// last layer's pre-activation values with the gradient of the loss with respect to them.
    /// </summary>
    /// <param name="logits"><c>batch * Classes</c> values of the last layer before its LogSoftmax; receives their gradient.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum).</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, int batch)
        => ForwardBackward(logits, labels, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{int}, int)"/>, also writing each sample's unreduced loss.</summary>
    /// <param name="logits"><c>batch * Classes</c> pre-LogSoftmax values; receives their gradient.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="losses">Empty, or at least <paramref name="batch"/> elements for the per-sample losses.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, Span<float> losses, int batch)
        => SoftmaxCrossEntropy.ForwardBackward(logits, labels, losses, batch, Classes, _weights, IgnoreIndex, 0f, Reduction);

    /// <summary>Computes the loss of log-probabilities (what the model's <c>Forward</c> returns) without touching them.</summary>
    /// <param name="logProbabilities"><c>batch * Classes</c> log-probabilities.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<int> labels, int batch)
        => NegativeLogLikelihood.Loss(logProbabilities, labels, Span<float>.Empty, batch, Classes, _weights, IgnoreIndex, Reduction);
}
