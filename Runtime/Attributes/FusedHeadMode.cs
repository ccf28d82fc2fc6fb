namespace StaticGrad;

/// <summary>
/// Whether the training step fuses a <see cref="SoftmaxCrossEntropyAttribute"/> loss with the <c>Linear</c> layer before
/// it: the fused head streams over blocks of classes with an online softmax and never holds the <c>[batch, classes]</c>
/// logits or their gradient (<see cref="Kernels.FusedLinearCrossEntropy"/>). <c>Forward</c> and <c>Predict</c> are not
/// affected: they return the logits (or probabilities) as always.
/// </summary>
public enum FusedHeadMode
{
    /// <summary>Fuse when the head has at least <see cref="SoftmaxCrossEntropyAttribute.FusedHeadClasses"/> classes (the default).</summary>
    Auto = 0,

    /// <summary>Fuse whatever the class count.</summary>
    Always = 1,

    /// <summary>Never fuse: the training step materializes the logits, as an unfused PyTorch head does.</summary>
    Never = 2,
}
