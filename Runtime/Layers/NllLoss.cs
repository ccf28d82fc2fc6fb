using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's negative log-likelihood loss on a <see cref="LogSoftmaxAttribute"/> output, PyTorch's
/// <c>nn.LogSoftmax</c> + <c>nn.NLLLoss(weight, ignore_index, reduction)</c>. Training fuses the pair: the
/// loss and the gradient of the last layer's pre-activation values come from one pass per row, exactly as
/// <see cref="SoftmaxCrossEntropyLoss"/> computes them.
/// </summary>
public sealed class NllLoss : ClassWeightedLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="classes">The number of classes (the last layer's outputs).</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    /// <param name="ignoreIndex">The label of samples to skip.</param>
    /// <param name="weights">Null, or one finite non-negative weight per class (copied).</param>
    public NllLoss(int classes, Reduction reduction, int ignoreIndex, float[]? weights)
        : base(classes, reduction, ignoreIndex, weights)
    {
    }

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
        => SoftmaxCrossEntropy.ForwardBackward(logits, labels, losses, batch, Classes, Weights, IgnoreIndex, 0f, Reduction);

    /// <summary>Computes the loss of log-probabilities (what the model's <c>Forward</c> returns) without touching them.</summary>
    /// <param name="logProbabilities"><c>batch * Classes</c> log-probabilities.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<int> labels, int batch)
        => NegativeLogLikelihood.Loss(logProbabilities, labels, Span<float>.Empty, batch, Classes, Weights, IgnoreIndex, Reduction);

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>NLLLoss()</c>.</summary>
    public override string ToString() => "NLLLoss()";
}
