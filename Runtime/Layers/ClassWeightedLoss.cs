using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// What the losses over class indices share (<see cref="SoftmaxCrossEntropyLoss"/> and <see cref="NllLoss"/>):
/// the class count, the reduction, PyTorch's <c>ignore_index</c>, optional per-class weights that can be
/// set at run time, and label validation.
/// </summary>
public abstract class ClassWeightedLoss
{
    private float[]? _weights;

    private protected ClassWeightedLoss(int classes, Reduction reduction, int ignoreIndex, float[]? weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        Classes = classes;
        Reduction = LossWeights.CheckedReduction(reduction);
        IgnoreIndex = ignoreIndex;
        if (weights is not null)
        {
            _weights = LossWeights.Checked(weights, classes, "class weights", nameof(weights));
        }
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The label of samples that are skipped (class-index targets).</summary>
    public int IgnoreIndex { get; }

    /// <summary>The per-class weights, or an empty span when every class weighs 1.</summary>
    public ReadOnlySpan<float> ClassWeights => _weights;

    /// <summary>The weights the kernels take: null when every class weighs 1.</summary>
    private protected float[]? Weights => _weights;

    /// <summary>
    /// Sets the per-class weights used from the next step on (PyTorch's <c>weight</c>), for weights computed
    /// from the data, e.g. <see cref="StaticGrad.ClassWeights.InverseFrequency"/> of the label counts.
    /// </summary>
    /// <param name="weights">One finite, non-negative weight per class; copied.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Classes"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite (the message names its index and value).</exception>
    public void SetClassWeights(ReadOnlySpan<float> weights) => _weights = LossWeights.Checked(weights, Classes, "class weights", nameof(weights));

    /// <summary>Removes the class weights: every class weighs 1 again.</summary>
    public void ClearClassWeights() => _weights = null;

    /// <summary>
    /// Checks that every label is a class index in <c>[0, Classes)</c> or the <see cref="IgnoreIndex"/>; a
    /// generated <c>TrainStep</c> calls it before it touches any parameter, gradient or activation.
    /// </summary>
    /// <param name="labels">The labels of the batch.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range; the message names the sample index and the value.</exception>
    public void ValidateLabels(ReadOnlySpan<int> labels) => SoftmaxCrossEntropy.ValidateLabels(labels, Classes, IgnoreIndex);
}
