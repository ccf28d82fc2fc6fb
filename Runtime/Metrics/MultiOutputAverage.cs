namespace StaticGrad;

/// <summary>
/// How <see cref="RegressionMetrics.R2(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int, MultiOutputAverage)"/> and
/// <see cref="RegressionMetrics.ExplainedVariance(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int, MultiOutputAverage)"/>
/// average their per-output scores (scikit-learn's <c>multioutput</c>). The multi-output error metrics take no such
/// argument: they take the uniform average, the only named average scikit-learn's error metrics accept (it has no
/// variance weighting for them). scikit-learn's <c>'raw_values'</c> is the overloads that write one value per output
/// into a span; its custom weight arrays have no counterpart.
/// </summary>
public enum MultiOutputAverage
{
    /// <summary><c>'uniform_average'</c>, scikit-learn's default: the unweighted mean of the per-output scores.</summary>
    Uniform,

    /// <summary>
    /// <c>'variance_weighted'</c>: the mean weighted by each output's target variance, so an output with constant targets
    /// counts for nothing; when every output's targets are constant, the uniform mean (as scikit-learn falls back to it).
    /// </summary>
    VarianceWeighted,
}
