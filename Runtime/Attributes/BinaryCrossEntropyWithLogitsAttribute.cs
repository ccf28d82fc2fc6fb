using System;

namespace StaticGrad;

/// <summary>
/// Declares a sigmoid + binary cross-entropy loss over every output of the last layer, fused and
/// numerically stable — PyTorch's <c>nn.BCEWithLogitsLoss(weight, reduction, pos_weight)</c>. For a
/// one-logit binary head (<c>[Linear(1)]</c>) or a multi-label head (one independent yes/no per output).
/// Targets are floats in [0, 1], <c>[batch, outputs]</c>. The last layer must have no activation.
/// </summary>
/// <example>
/// <code>
/// [Linear(1)] public partial Linear Output { get; }
/// [BinaryCrossEntropyWithLogits(PosWeight = new[] { 9f })] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BinaryCrossEntropyWithLogitsAttribute : Attribute
{
    /// <summary>The head width. Optional: 0 (the default) takes the last layer's output size; any other value must equal it.</summary>
    public int Outputs { get; set; }

    /// <summary>How per-element losses are combined: <see cref="StaticGrad.Reduction.Mean"/> (default) divides by <c>batch * outputs</c>.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Per-output weights multiplying each element's loss, PyTorch's <c>weight</c> broadcast over the batch. One finite, non-negative value per output. Optional.</summary>
    public float[]? Weights { get; set; }

    /// <summary>
    /// Per-output weights of the positive term, PyTorch's <c>pos_weight</c>: <c>-[p y log s(x) + (1-y) log(1-s(x))]</c>.
    /// One finite, non-negative value per output; <c>negatives / positives</c> balances a rare positive class. Optional.
    /// </summary>
    public float[]? PosWeight { get; set; }
}
