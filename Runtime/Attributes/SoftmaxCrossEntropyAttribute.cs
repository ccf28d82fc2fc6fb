using System;

namespace StaticGrad;

/// <summary>
/// Declares the model's loss: softmax over the last layer's outputs followed by cross-entropy
/// against class-index labels, computed in one fused pass — PyTorch's <c>nn.CrossEntropyLoss</c>.
/// It must be the last member the generator reads, and the layer before it must have no activation
/// (the loss takes raw logits).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : Attribute
{
    /// <summary>
    /// The number of classes. Optional: 0 (the default) takes the last layer's output size; any
    /// other value must equal it.
    /// </summary>
    public int Classes { get; set; }

    /// <summary>Label smoothing <c>e</c> in [0, 1], PyTorch's <c>label_smoothing</c>: targets become <c>(1-e) onehot + e/C</c>.</summary>
    public float LabelSmoothing { get; set; }

    /// <summary>How per-sample losses are combined, PyTorch's <c>reduction</c>. Default <see cref="StaticGrad.Reduction.Mean"/>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
}
