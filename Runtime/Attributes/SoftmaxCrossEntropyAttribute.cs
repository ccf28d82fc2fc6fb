using System;

namespace StaticGrad;

/// <summary>
/// Declares the model's loss: softmax over the last layer's outputs followed by cross-entropy, computed
/// in one fused pass — PyTorch's <c>nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)</c>.
/// It must be the last member the generator reads, and the layer before it must have no activation
/// (the loss takes raw logits).
/// </summary>
/// <example>
/// <code>
/// [SoftmaxCrossEntropy(Weights = new[] { 1f, 5f, 1f }, IgnoreIndex = -1, LabelSmoothing = 0.1f)]
/// public partial SoftmaxCrossEntropyLoss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : Attribute
{
    /// <summary>
    /// The number of classes. Optional: 0 (the default) takes the last layer's output size; any
    /// other value must equal it.
    /// </summary>
    public int Classes { get; set; }

    /// <summary>Label smoothing <c>e</c> in [0, 1], PyTorch's <c>label_smoothing</c>: targets become <c>(1-e) target + e/C</c>.</summary>
    public float LabelSmoothing { get; set; }

    /// <summary>How per-sample losses are combined, PyTorch's <c>reduction</c>. Default <see cref="StaticGrad.Reduction.Mean"/>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>
    /// Per-class weights, PyTorch's <c>weight</c>: one finite, non-negative value per class. Optional (null:
    /// every class weighs 1). Weights that come from the data can instead be set at run time with
    /// <see cref="ClassWeightedLoss.SetClassWeights"/>.
    /// </summary>
    public float[]? Weights { get; set; }

    /// <summary>
    /// A label value whose samples are skipped (loss and gradient 0, not counted by the mean), PyTorch's
    /// <c>ignore_index</c>. Default -100, PyTorch's default. Only for class-index targets.
    /// </summary>
    public int IgnoreIndex { get; set; } = -100;

    /// <summary>Class indices (default) or per-class probabilities; decides which <c>TrainStep</c> the model has.</summary>
    public TargetKind Targets { get; set; } = TargetKind.ClassIndices;

    /// <summary>The class count from which <see cref="FusedHeadMode.Auto"/> fuses the head (the logits of a batch of 256 are then 2 MB or more).</summary>
    public const int FusedHeadClasses = 2048;

    /// <summary>
    /// Whether the training step fuses this loss with the <c>Linear</c> layer before it (a biased layer without an
    /// activation, on class-index targets, after a layer with parameters): <see cref="FusedHeadMode.Auto"/> (the
    /// default) from <see cref="FusedHeadClasses"/> classes on. Loss and gradients equal the unfused step's within float
    /// rounding (the summation order over classes differs).
    /// </summary>
    public FusedHeadMode FusedHead { get; set; }
}
