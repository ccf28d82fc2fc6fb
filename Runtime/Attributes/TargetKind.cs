namespace StaticGrad;

/// <summary>What a softmax cross-entropy loss is trained against.</summary>
public enum TargetKind
{
    /// <summary>One class index per sample (<c>int</c> labels), PyTorch's class-index targets.</summary>
    ClassIndices = 0,

    /// <summary>
    /// One probability per class and sample (<c>float</c> targets, <c>[batch, classes]</c>), PyTorch's
    /// class-probability targets; one-hot rows give Keras' <c>CategoricalCrossentropy</c>.
    /// </summary>
    Probabilities = 1,
}
