namespace StaticGrad;

/// <summary>How a per-class metric is averaged over the classes (scikit-learn's <c>average</c>).</summary>
public enum MetricAverage
{
    /// <summary><c>'macro'</c>: the unweighted mean over the classes.</summary>
    Macro,

    /// <summary><c>'weighted'</c>: the mean weighted by each class's support (its number of true samples).</summary>
    Weighted,

    /// <summary><c>'micro'</c>: from the summed counts; for single-label data precision, recall and F1 all equal the accuracy.</summary>
    Micro,

    /// <summary>
    /// <c>'binary'</c>: the metric of the positive class alone (scikit-learn's <c>pos_label</c>, 1 by default), for data in
    /// which at most two classes occur.
    /// </summary>
    Binary,
}
