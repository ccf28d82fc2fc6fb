using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's fused sigmoid + binary cross-entropy loss, PyTorch's <c>nn.BCEWithLogitsLoss(weight,
/// reduction, pos_weight)</c>, over every output of the last layer. The generated model creates it from
/// the <see cref="BinaryCrossEntropyWithLogitsAttribute"/> arguments; weights that come from the data
/// can be set at run time (<see cref="SetPosWeight"/>, <see cref="SetWeights"/>).
/// </summary>
public sealed class BinaryCrossEntropyWithLogitsLoss
{
    private float[]? _weights;
    private float[]? _posWeight;

    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs).</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="weights">Null, or one finite non-negative weight per output (copied).</param>
    /// <param name="posWeight">Null, or one finite non-negative positive-term weight per output (copied).</param>
    public BinaryCrossEntropyWithLogitsLoss(int outputs, Reduction reduction, float[]? weights, float[]? posWeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        Outputs = outputs;
        Reduction = LossWeights.CheckedReduction(reduction);
        if (weights is not null)
        {
            _weights = LossWeights.Checked(weights, outputs, "weights", nameof(weights));
        }

        if (posWeight is not null)
        {
            _posWeight = LossWeights.Checked(posWeight, outputs, "positive weights", nameof(posWeight));
        }
    }

    /// <summary>The head width: logits and targets per sample.</summary>
    public int Outputs { get; }

    /// <summary>How per-element losses are combined; <see cref="Reduction.Mean"/> divides by <c>batch * Outputs</c>.</summary>
    public Reduction Reduction { get; }

    /// <summary>The per-output weights, or an empty span when there are none.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>The per-output positive-term weights, or an empty span when there are none.</summary>
    public ReadOnlySpan<float> PosWeight => _posWeight;

    /// <summary>Sets the per-output weights (PyTorch's <c>weight</c>) used from the next step on.</summary>
    /// <param name="weights">One finite, non-negative weight per output; copied.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Outputs"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public void SetWeights(ReadOnlySpan<float> weights) => _weights = LossWeights.Checked(weights, Outputs, "weights", nameof(weights));

    /// <summary>
    /// Sets the per-output positive-term weights (PyTorch's <c>pos_weight</c>) used from the next step on, e.g.
    /// <see cref="ClassWeights.PositiveWeight"/> of the label counts.
    /// </summary>
    /// <param name="posWeight">One finite, non-negative weight per output; copied.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Outputs"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public void SetPosWeight(ReadOnlySpan<float> posWeight) => _posWeight = LossWeights.Checked(posWeight, Outputs, "positive weights", nameof(posWeight));

    /// <summary>Removes the per-output weights.</summary>
    public void ClearWeights() => _weights = null;

    /// <summary>Removes the positive-term weights.</summary>
    public void ClearPosWeight() => _posWeight = null;

    /// <summary>Computes the loss of <paramref name="batch"/> rows of logits and overwrites them with its gradient, one pass per element.</summary>
    /// <param name="logits"><c>batch * Outputs</c> logits; receives their gradient.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets in [0, 1].</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum).</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, int batch)
        => ForwardBackward(logits, targets, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{float}, int)"/>, also writing each element's unreduced loss.</summary>
    /// <param name="logits"><c>batch * Outputs</c> logits; receives their gradient.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets in [0, 1].</param>
    /// <param name="losses">Empty, or at least <c>batch * Outputs</c> elements for the per-element losses.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> logits, ReadOnlySpan<float> targets, Span<float> losses, int batch)
        => BinaryCrossEntropyWithLogits.ForwardBackward(logits, targets, losses, batch, Outputs, _weights, _posWeight, Reduction);

    /// <summary>Computes the loss of <paramref name="batch"/> rows of logits without touching them.</summary>
    /// <param name="logits"><c>batch * Outputs</c> logits.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int batch)
        => BinaryCrossEntropyWithLogits.Loss(logits, targets, Span<float>.Empty, batch, Outputs, _weights, _posWeight, Reduction);

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>BCEWithLogitsLoss()</c>.</summary>
    public override string ToString() => "BCEWithLogitsLoss()";
}
