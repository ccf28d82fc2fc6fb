namespace StaticGrad;

/// <summary>How per-sample losses are combined into the value a training step returns (PyTorch's <c>reduction</c>).</summary>
public enum Reduction
{
    /// <summary>
    /// The mean over the samples of the batch (PyTorch's default, <c>'mean'</c>). With class weights
    /// or an ignore index, class-index losses divide by the sum of the target classes' weights over
    /// the rows that are not ignored, as PyTorch does.
    /// </summary>
    Mean = 0,

    /// <summary>The sum over the samples of the batch (<c>'sum'</c>).</summary>
    Sum = 1,

    /// <summary>
    /// No reduction (<c>'none'</c>): per-sample losses. A training step writes them to a caller span,
    /// back-propagates their sum (an upstream gradient of ones) and returns that sum.
    /// </summary>
    None = 2,
}
