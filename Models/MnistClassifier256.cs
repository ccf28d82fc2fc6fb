using StaticGrad;

namespace StaticGrad.Models;

/// <summary>
/// The seed classifier of the PyTorch cross-entropy tutorial: 784 -> 256 -> ReLU -> 10, trained
/// with SGD. PyTorch's <c>layer1</c>/<c>layer2</c> names.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class MnistClassifier256
{
    /// <summary>The hidden layer, <c>layer1</c>: 784 -> 256, ReLU.</summary>
    [Linear(256), ReLU]
    public partial Linear Layer1 { get; }

    /// <summary>The output layer, <c>layer2</c>: 256 -> 10 logits.</summary>
    [Linear(10)]
    public partial Linear Layer2 { get; }

    /// <summary>Softmax cross-entropy over the 10 digits, mean over the batch.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
