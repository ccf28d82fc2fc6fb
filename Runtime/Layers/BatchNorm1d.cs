namespace StaticGrad;

/// <summary>
/// The member type of a <see cref="BatchNorm1dAttribute"/> layer, <c>nn.BatchNorm1d</c> over the features of
/// <c>[B, F]</c>: its options, parameters, buffers and last batch statistics (<see cref="BatchNormLayer"/>).
/// </summary>
public sealed class BatchNorm1d : BatchNormLayer
{
    /// <summary>Describes a batch norm over <paramref name="features"/> features.</summary>
    /// <param name="parameters">The model's parameters and buffers.</param>
    /// <param name="features">The normalized features; positive.</param>
    /// <param name="eps">Added to the variance; positive.</param>
    /// <param name="momentum">The running statistics' update factor in [0, 1], or NaN for a cumulative average.</param>
    /// <param name="weight">The <c>[features]</c> scale, or null without an affine transform.</param>
    /// <param name="bias">The <c>[features]</c> shift; null exactly when <paramref name="weight"/> is.</param>
    /// <param name="runningMean">The <c>[features]</c> running mean buffer, or null without running statistics.</param>
    /// <param name="runningVar">The <c>[features]</c> running variance buffer; null exactly when <paramref name="runningMean"/> is.</param>
    /// <param name="numBatchesTracked">The scalar I64 batch counter; null exactly when <paramref name="runningMean"/> is.</param>
    /// <exception cref="System.ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException">A number is out of range.</exception>
    /// <exception cref="System.ArgumentException">A tensor or buffer is missing, extra, or has the wrong shape or type.</exception>
    public BatchNorm1d(
        ParameterSet parameters, int features, float eps, float momentum, ParameterTensor? weight, ParameterTensor? bias,
        BufferTensor? runningMean, BufferTensor? runningVar, BufferTensor? numBatchesTracked)
        : base(parameters, features, eps, momentum, weight, bias, runningMean, runningVar, numBatchesTracked)
    {
    }
}
