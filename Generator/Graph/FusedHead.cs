using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator.Graph;

/// <summary>
/// The fused classifier head: a biased <c>Linear</c> without activation as the last node, under a softmax cross-entropy
/// on class indices, becomes one training step that streams over blocks of classes with an online softmax
/// (<c>SoftmaxCrossEntropyLoss.ForwardBackwardFusedHead</c>), so the training arena holds neither the
/// <c>[B, classes]</c> logits nor their gradient. The inference schedule is unchanged (it must return the logits).
/// </summary>
internal static class FusedHead
{
    /// <summary><c>SoftmaxCrossEntropyAttribute.FusedHeadClasses</c>: the class count from which the automatic mode fuses.</summary>
    public const int Threshold = 2048;

    /// <summary>
    /// Whether the training step fuses the head: the loss allows it (<c>FusedHead</c> not <c>Never</c>; with <c>Auto</c>,
    /// from <see cref="Threshold"/> classes), the last node is a biased <c>Linear</c> without activation, and its input
    /// is a tensor that needs a gradient (the kernel always writes the hidden gradient).
    /// </summary>
    public static bool Applies(ModelGraph graph, bool hiddenNeedsGradient)
    {
        LossSpec? loss = graph.Spec.Loss;
        if (loss is null || loss.Kind != LossKind.SoftmaxCrossEntropy || loss.Targets != TargetsKind.ClassIndices || loss.FusedHead == 2)
        {
            return false;
        }

        Node head = graph.Output;
        return head.Op is LinearOp { Bias: true, Fused: ActivationKind.None }
            && head.Inputs[0] != ModelGraph.ModelInput
            && hiddenNeedsGradient
            && (loss.FusedHead == 1 || graph.Classes >= Threshold);
    }
}
