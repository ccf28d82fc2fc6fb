namespace StaticGrad;

/// <summary>What <see cref="ConfusionMatrix.Normalized"/> divides a count by (scikit-learn's <c>confusion_matrix(normalize=...)</c>).</summary>
public enum ConfusionNormalization
{
    /// <summary><c>'true'</c>: by the row sum, the support of the true class (each row sums to 1).</summary>
    TrueClass,

    /// <summary><c>'pred'</c>: by the column sum, the samples predicted as the class (each column sums to 1).</summary>
    PredictedClass,

    /// <summary><c>'all'</c>: by the total number of samples.</summary>
    All,
}
