using System;

namespace StaticGrad;

/// <summary>
/// Declares a negative log-likelihood loss over the log-probabilities of a last layer marked
/// <see cref="LogSoftmaxAttribute"/> — PyTorch's <c>nn.LogSoftmax</c> followed by <c>nn.NLLLoss(weight,
/// ignore_index, reduction)</c>. The generator fuses the pair: training computes the same loss and
/// gradient as <see cref="SoftmaxCrossEntropyAttribute"/> in one pass, while <c>Forward</c> returns the
/// log-probabilities, as the PyTorch module would.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class NllLossAttribute : Attribute
{
    /// <summary>The number of classes. Optional: 0 (the default) takes the last layer's output size; any other value must equal it.</summary>
    public int Classes { get; set; }

    /// <summary>How per-sample losses are combined, PyTorch's <c>reduction</c>. Default <see cref="StaticGrad.Reduction.Mean"/>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Per-class weights, PyTorch's <c>weight</c>: one finite, non-negative value per class. Optional.</summary>
    public float[]? Weights { get; set; }

    /// <summary>A label value whose samples are skipped, PyTorch's <c>ignore_index</c>. Default -100.</summary>
    public int IgnoreIndex { get; set; } = -100;
}
