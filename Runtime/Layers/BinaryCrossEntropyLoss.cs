using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// The model's binary cross-entropy on the probabilities of its <see cref="SigmoidAttribute"/> last layer, PyTorch's
/// <c>nn.Sigmoid()</c> + <c>nn.BCELoss(weight, reduction)</c>, over every output. The generated model creates it from
/// the <see cref="BinaryCrossEntropyAttribute"/> arguments; weights that come from the data can be set at run time
/// (<see cref="SetWeights"/>). Computed by <see cref="BinaryCrossEntropy"/>: each log clamped at -100, probabilities
/// outside [0, 1] (NaN after a diverged step) refused as PyTorch refuses them.
/// </summary>
public sealed class BinaryCrossEntropyLoss
{
    private float[]? _weights;

    /// <summary>Creates the loss; called by generated code.</summary>
    /// <param name="outputs">The head width (the last layer's outputs).</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="weights">Null, or one finite non-negative weight per output (copied).</param>
    public BinaryCrossEntropyLoss(int outputs, Reduction reduction, float[]? weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        Outputs = outputs;
        Reduction = LossWeights.CheckedReduction(reduction);
        if (weights is not null)
        {
            _weights = LossWeights.Checked(weights, outputs, "weights", nameof(weights));
        }
    }

    /// <summary>The head width: probabilities and targets per sample.</summary>
    public int Outputs { get; }

    /// <summary>How per-element losses are combined; <see cref="Reduction.Mean"/> divides by <c>batch * Outputs</c>.</summary>
    public Reduction Reduction { get; }

    /// <summary>The per-output weights, or an empty span when there are none.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>Sets the per-output weights (PyTorch's <c>weight</c>) used from the next step on.</summary>
    /// <param name="weights">One finite, non-negative weight per output; copied.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Outputs"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public void SetWeights(ReadOnlySpan<float> weights) => _weights = LossWeights.Checked(weights, Outputs, "weights", nameof(weights));

    /// <summary>Removes the per-output weights.</summary>
    public void ClearWeights() => _weights = null;

    /// <summary>Computes the loss of <paramref name="batch"/> rows of probabilities and overwrites them with its gradient.</summary>
    /// <param name="probabilities"><c>batch * Outputs</c> values in [0, 1]; receives dLoss/dprobabilities.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets in [0, 1].</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A probability is outside [0, 1] or NaN (nothing is written then).</exception>
    public float ForwardBackward(Span<float> probabilities, ReadOnlySpan<float> targets, int batch)
        => ForwardBackward(probabilities, targets, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{float}, int)"/>, also writing each element's unreduced loss.</summary>
    /// <param name="probabilities"><c>batch * Outputs</c> values in [0, 1]; receives dLoss/dprobabilities.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets in [0, 1].</param>
    /// <param name="losses">Empty, or at least <c>batch * Outputs</c> elements for the per-element losses.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A probability is outside [0, 1] or NaN (nothing is written then).</exception>
    public float ForwardBackward(Span<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses, int batch)
        => BinaryCrossEntropy.ForwardBackward(probabilities, targets, losses, batch, Outputs, _weights, Reduction);

    /// <summary>Computes the loss of <paramref name="batch"/> rows of probabilities (what the model's <c>Forward</c> returns) without touching them.</summary>
    /// <param name="probabilities"><c>batch * Outputs</c> values in [0, 1].</param>
    /// <param name="targets"><c>batch * Outputs</c> targets.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A probability is outside [0, 1] or NaN.</exception>
    public float Evaluate(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int batch)
        => BinaryCrossEntropy.Loss(probabilities, targets, Span<float>.Empty, batch, Outputs, _weights, Reduction);

    /// <summary>PyTorch's <c>repr</c> of the loss module: <c>BCELoss()</c>.</summary>
    public override string ToString() => "BCELoss()";
}
