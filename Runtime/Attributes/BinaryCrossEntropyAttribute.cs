using System;

namespace StaticGrad;

/// <summary>
/// Declares a binary cross-entropy loss on probabilities over every output of a last layer marked
/// <see cref="SigmoidAttribute"/> — PyTorch's <c>nn.Sigmoid()</c> followed by <c>nn.BCELoss(weight, reduction)</c>,
/// as in a model ported from <c>nn.Sequential(..., nn.Sigmoid())</c> (an autoencoder reconstructing pixels in [0, 1],
/// a multi-label head). Targets are floats, <c>[batch, outputs]</c>. Unlike
/// <see cref="BinaryCrossEntropyWithLogitsAttribute"/> nothing is fused: the loss reads the Sigmoid's
/// probabilities, clamps each log at -100 as PyTorch does, and its gradient flows back through the Sigmoid like any
/// other activation's, so saturated probabilities give PyTorch's numbers, not the logits form's.
/// </summary>
/// <example>
/// <code>
/// [Linear(784), Sigmoid] public partial Linear Decoder { get; }
/// [BinaryCrossEntropy] public partial BinaryCrossEntropyLoss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BinaryCrossEntropyAttribute : Attribute
{
    /// <summary>The head width. Optional: 0 (the default) takes the last layer's output size; any other value must equal it.</summary>
    public int Outputs { get; set; }

    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Per-output weights multiplying each element's loss, PyTorch's <c>weight</c> broadcast over the batch. One finite, non-negative value per output. Optional.</summary>
    public float[]? Weights { get; set; }
}
