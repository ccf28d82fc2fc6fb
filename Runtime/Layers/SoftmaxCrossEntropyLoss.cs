using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's fused softmax cross-entropy loss (PyTorch's <c>nn.CrossEntropyLoss</c> with class-index
/// targets). The generated model creates it from the <see cref="SoftmaxCrossEntropyAttribute"/> arguments.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss
{
    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="classes">The number of classes (the last layer's outputs).</param>
    /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    public SoftmaxCrossEntropyLoss(int classes, float labelSmoothing, Reduction reduction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Expected a value in [0, 1].");
        }

        if (reduction is not (Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean or Reduction.Sum.");
        }

        Classes = classes;
        LabelSmoothing = labelSmoothing;
        Reduction = reduction;
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>Label smoothing in [0, 1].</summary>
    public float LabelSmoothing { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>
    /// Computes the loss of <paramref name="batch"/> rows of logits and overwrites the logits with the
    /// gradient of that loss, in one pass per row.
    /// </summary>
    /// <param name="logits"><c>batch * Classes</c> logits; receives their gradient.</param>
    /// <param name="labels">Class indices, already validated.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<int> labels, int batch)
        => SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, Classes, LabelSmoothing, Reduction);

    /// <summary>Computes the loss of <paramref name="batch"/> rows of logits without touching them.</summary>
    /// <param name="logits"><c>batch * Classes</c> logits.</param>
    /// <param name="labels">Class indices in [0, Classes).</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch)
    {
        SoftmaxCrossEntropy.ValidateLabels(labels.Slice(0, Math.Min(batch, labels.Length)), Classes);
        return SoftmaxCrossEntropy.Loss(logits, labels, batch, Classes, LabelSmoothing, Reduction);
    }
}
