using System;

namespace StaticGrad.Distributed;

/// <summary>
/// How a rank's loss gradient is combined with the others' so the sum over ranks equals the gradient of one
/// process on the whole global batch. A <c>'sum'</c> loss adds up as it is; a <c>'mean'</c> loss divided the rank's
/// gradient by the rank's own denominator, so it is rescaled by its share of the global one.
/// </summary>
/// <remarks>
/// PyTorch's <c>CrossEntropyLoss(weight, ignore_index, reduction='mean')</c> divides by <c>Σ w[y_n]</c> over the rows
/// that are not ignored (their count when unweighted), label smoothing included; a loss over float targets divides
/// by the number of rows. A rank's denominator over its rows is all-reduced with its gradients (one extra element),
/// and each rank's gradient is multiplied by its denominator before the sum and the sum divided by the total after.
/// </remarks>
public sealed class GradientAveraging
{
    private readonly ClassWeightedLoss? _loss;

    private GradientAveraging(bool isMean, ClassWeightedLoss? loss)
    {
        IsMean = isMean;
        _loss = loss;
    }

    /// <summary>The loss sums over rows (<c>reduction='sum'</c> or <c>'none'</c>): gradients add up unchanged.</summary>
    public static GradientAveraging Sum { get; } = new(false, null);

    /// <summary>
    /// The loss is a mean over the rows of the batch (an unweighted class-index loss with no ignored labels; the
    /// denominator a mean over float targets would need, though <see cref="DataParallel"/> takes class-index models only).
    /// </summary>
    public static GradientAveraging MeanOverRows { get; } = new(true, null);

    /// <summary>Whether the loss divides by a denominator that depends on the batch (<c>reduction='mean'</c>).</summary>
    public bool IsMean { get; }

    /// <summary>
    /// The averaging of a class-index loss: under <see cref="Reduction.Mean"/> the denominator is the sum of the
    /// target classes' weights over the rows whose label is not the ignore index (the class weights are read at
    /// every step, so <see cref="ClassWeightedLoss.SetClassWeights"/> may change them); otherwise <see cref="Sum"/>.
    /// </summary>
    /// <param name="loss">The model's loss, e.g. the generated <c>model.Loss</c>.</param>
    /// <returns>The averaging.</returns>
    public static GradientAveraging For(ClassWeightedLoss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.Reduction != Reduction.Mean)
        {
            return Sum;
        }

        return loss is SoftmaxCrossEntropyLoss { Targets: TargetKind.Probabilities } ? MeanOverRows : new GradientAveraging(true, loss);
    }

    /// <summary>
    /// The denominator of a <c>'mean'</c> loss over <paramref name="rows"/> rows with <paramref name="labels"/>, summed
    /// in double like the loss kernel; 1 for a <c>'sum'</c> loss.
    /// </summary>
    /// <param name="labels">The rows' class indices (ignored for <see cref="MeanOverRows"/>).</param>
    /// <param name="rows">The number of rows; non-negative.</param>
    /// <returns>The denominator; 0 when every row is ignored or there are none.</returns>
    public double Denominator(ReadOnlySpan<int> labels, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (!IsMean)
        {
            return 1.0;
        }

        if (_loss is null)
        {
            return rows;
        }

        ReadOnlySpan<float> weights = _loss.ClassWeights;
        int ignore = _loss.IgnoreIndex;
        double sum = 0;
        foreach (int label in labels[..rows])
        {
            if (label != ignore)
            {
                sum += weights.IsEmpty ? 1.0 : weights[label];
            }
        }

        return sum;
    }
}
