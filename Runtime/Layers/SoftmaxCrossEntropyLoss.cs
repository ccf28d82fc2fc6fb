using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's fused softmax cross-entropy loss, PyTorch's <c>nn.CrossEntropyLoss(weight, ignore_index,
/// reduction, label_smoothing)</c> with class-index or class-probability targets. The generated model
/// creates it from the <see cref="SoftmaxCrossEntropyAttribute"/> arguments and exposes it as the loss
/// property, where class weights that come from the data can be set (<see cref="ClassWeightedLoss.SetClassWeights"/>).
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : ClassWeightedLoss
{
    /// <summary>Creates an unweighted class-index loss with PyTorch's default ignore index -100.</summary>
    /// <param name="classes">The number of classes (the last layer's outputs).</param>
    /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    public SoftmaxCrossEntropyLoss(int classes, float labelSmoothing, Reduction reduction)
        : this(classes, labelSmoothing, reduction, SoftmaxCrossEntropy.DefaultIgnoreIndex, TargetKind.ClassIndices, null)
    {
    }

    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="classes">The number of classes (the last layer's outputs).</param>
    /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    /// <param name="ignoreIndex">The label of samples to skip (class-index targets only).</param>
    /// <param name="targets">Class indices or class probabilities.</param>
    /// <param name="weights">Null, or one finite non-negative weight per class (copied).</param>
    public SoftmaxCrossEntropyLoss(int classes, float labelSmoothing, Reduction reduction, int ignoreIndex, TargetKind targets, float[]? weights)
        : base(classes, reduction, ignoreIndex, weights)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Expected a value in [0, 1].");
        }

        if (targets is not (TargetKind.ClassIndices or TargetKind.Probabilities))
        {
            throw new ArgumentOutOfRangeException(nameof(targets), targets, "Expected TargetKind.ClassIndices or TargetKind.Probabilities.");
        }

        LabelSmoothing = labelSmoothing;
        Targets = targets;
    }

    /// <summary>Label smoothing in [0, 1].</summary>
    public float LabelSmoothing { get; }

    /// <summary>Class indices or class probabilities.</summary>
    public TargetKind Targets { get; }

    /// <summary>
    /// Computes the loss of <paramref name="batch"/> rows of logits against class indices and overwrites the
    /// logits with the gradient of that loss, in one pass per row.
    /// </summary>
    /// <param name="logits"><c>batch * Classes</c> logits; receives their gradient.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, int batch)
        => ForwardBackward(logits, labels, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{int}, int)"/>, also writing each sample's unreduced loss.</summary>
    /// <param name="logits"><c>batch * Classes</c> logits; receives their gradient.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="losses">Empty, or at least <paramref name="batch"/> elements for the per-sample losses (0 for ignored samples).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, Span<float> losses, int batch)
    {
        RequireTargets(TargetKind.ClassIndices);
        return SoftmaxCrossEntropy.ForwardBackward(logits, labels, losses, batch, Classes, Weights, IgnoreIndex, LabelSmoothing, Reduction);
    }

    /// <summary>
    /// The fused classifier head: the loss of <c>hidden · weightᵀ + bias</c> against class indices with this loss's
    /// options, and the gradients of the hidden activations, the weight and the bias, without the logits
    /// (<see cref="Kernels.FusedLinearCrossEntropy.ForwardBackward"/>).
    /// </summary>
    /// <param name="hidden">The head's input, <c>[batch, features]</c>.</param>
    /// <param name="weight">The head's weight, <c>[Classes, features]</c>.</param>
    /// <param name="bias">The head's bias, <c>[Classes]</c>.</param>
    /// <param name="labels">Class indices (or the ignore index).</param>
    /// <param name="hiddenGradient">Receives dLoss/dhidden, <c>[batch, features]</c>.</param>
    /// <param name="weightGradient">Receives dLoss/dweight.</param>
    /// <param name="biasGradient">Receives dLoss/dbias.</param>
    /// <param name="losses">Empty, or at least <paramref name="batch"/> elements for the per-sample losses.</param>
    /// <param name="workspace">At least <see cref="Kernels.FusedLinearCrossEntropy.WorkspaceFloats"/> floats.</param>
    /// <param name="batch">The number of rows.</param>
    /// <param name="features">The head's input features.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum of the per-sample losses).</returns>
    public float ForwardBackwardFusedHead(
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        Span<float> hiddenGradient, Span<float> weightGradient, Span<float> biasGradient, Span<float> losses, Span<float> workspace, int batch, int features)
    {
        RequireTargets(TargetKind.ClassIndices);
        return Kernels.FusedLinearCrossEntropy.ForwardBackward(
            hidden, weight, bias, labels, hiddenGradient, weightGradient, biasGradient, losses, workspace, batch, features, Classes, ClassWeights, IgnoreIndex, LabelSmoothing, Reduction);
    }

    /// <summary>
    /// Computes the loss of <paramref name="batch"/> rows of logits against class probabilities and overwrites
    /// the logits with the gradient of that loss, in one pass per row.
    /// </summary>
    /// <param name="logits"><c>batch * Classes</c> logits; receives their gradient.</param>
    /// <param name="targets"><c>batch * Classes</c> probabilities, row-major.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, int batch)
        => ForwardBackward(logits, targets, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{float}, int)"/>, also writing each sample's unreduced loss.</summary>
    /// <param name="logits"><c>batch * Classes</c> logits; receives their gradient.</param>
    /// <param name="targets"><c>batch * Classes</c> probabilities, row-major.</param>
    /// <param name="losses">Empty, or at least <paramref name="batch"/> elements for the per-sample losses.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int batch)
    {
        RequireTargets(TargetKind.Probabilities);
        return SoftmaxCrossEntropy.ForwardBackward(logits, targets, losses, batch, Classes, Weights, LabelSmoothing, Reduction);
    }

    /// <summary>Computes the loss of <paramref name="batch"/> rows of logits against class indices without touching them.</summary>
    /// <param name="logits"><c>batch * Classes</c> logits.</param>
    /// <param name="labels">Class indices in [0, Classes), or the ignore index.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch)
    {
        RequireTargets(TargetKind.ClassIndices);
        return SoftmaxCrossEntropy.Loss(logits, labels, Span<float>.Empty, batch, Classes, Weights, IgnoreIndex, LabelSmoothing, Reduction);
    }

    /// <summary>Computes the loss of <paramref name="batch"/> rows of logits against class probabilities without touching them.</summary>
    /// <param name="logits"><c>batch * Classes</c> logits.</param>
    /// <param name="targets"><c>batch * Classes</c> probabilities.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int batch)
    {
        RequireTargets(TargetKind.Probabilities);
        return SoftmaxCrossEntropy.Loss(logits, targets, Span<float>.Empty, batch, Classes, Weights, LabelSmoothing, Reduction);
    }

    private void RequireTargets(TargetKind kind)
    {
        if (Targets != kind)
        {
            throw new InvalidOperationException(
                $"This loss was declared with Targets = TargetKind.{Targets}; pass {(Targets == TargetKind.ClassIndices ? "int class indices" : "float class probabilities")}.");
        }
    }

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>CrossEntropyLoss()</c>.</summary>
    public override string ToString() => "CrossEntropyLoss()";
}
