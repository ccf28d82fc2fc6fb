namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The seed architecture with PyTorch's label smoothing 0.1, for the golden-value test.</summary>
[Model(Inputs = 784)]
public sealed partial class SmoothedClassifier128
{
    [Linear(128), ReLU]
    public partial Linear Layer1 { get; }

    [Linear(10)]
    public partial Linear Layer2 { get; }

    [SoftmaxCrossEntropy(LabelSmoothing = 0.1f)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>A small model with every activation and three hidden layers, for finite-difference checks.</summary>
[Model(Inputs = 7)]
public sealed partial class TinyDeepModel
{
    [Linear(6), Tanh]
    public partial Linear Hidden1 { get; }

    [Linear(5), Sigmoid]
    public partial Linear Hidden2 { get; }

    [Linear(4), ReLU]
    public partial Linear Hidden3 { get; }

    [Linear(3)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum, LabelSmoothing = 0.2f)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
