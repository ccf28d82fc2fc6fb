using StaticGrad;

namespace StaticGrad.Distributed.Tests;

/// <summary>A small classifier whose loss ignores label -100 (PyTorch's default) and weighs the classes unequally.</summary>
[Model(Inputs = 5)]
public sealed partial class WeightedClassifier
{
    /// <summary>5 -> 8, tanh.</summary>
    [Linear(8), Tanh]
    public partial Linear Hidden { get; }

    /// <summary>8 -> 4 logits.</summary>
    [Linear(4)]
    public partial Linear Output { get; }

    /// <summary>Weighted, smoothed cross-entropy, mean over the target weights of the rows not ignored.</summary>
    [SoftmaxCrossEntropy(Weights = new[] { 1f, 3f, 0.5f, 2f }, LabelSmoothing = 0.1f)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The same network with an unweighted loss (the count of rows not ignored is the denominator).</summary>
[Model(Inputs = 5)]
public sealed partial class PlainClassifier
{
    /// <summary>5 -> 8, tanh.</summary>
    [Linear(8), Tanh]
    public partial Linear Hidden { get; }

    /// <summary>8 -> 4 logits.</summary>
    [Linear(4)]
    public partial Linear Output { get; }

    /// <summary>Plain cross-entropy, mean.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The same network with a summed loss.</summary>
[Model(Inputs = 5)]
public sealed partial class SummedClassifier
{
    /// <summary>5 -> 8, tanh.</summary>
    [Linear(8), Tanh]
    public partial Linear Hidden { get; }

    /// <summary>8 -> 4 logits.</summary>
    [Linear(4)]
    public partial Linear Output { get; }

    /// <summary>Cross-entropy summed over rows.</summary>
    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>One linear layer and a summed loss: its weight gradient grows with the inputs.</summary>
[Model(Inputs = 5)]
public sealed partial class LinearClassifier
{
    /// <summary>5 -> 4 logits.</summary>
    [Linear(4)]
    public partial Linear Output { get; }

    /// <summary>Cross-entropy summed over rows.</summary>
    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
