using StaticGrad;

namespace StaticGrad.Models;

/// <summary>
/// The seed classifier of "How Does Cross Entropy Loss Work in PyTorch?": 784 -> 128 -> ReLU -> 10,
/// trained with Adam (lr 1e-3) on minibatches of 64. PyTorch's <c>fc1</c>/<c>fc2</c> names.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class MnistClassifier128
{
    /// <summary>The hidden layer, <c>fc1</c>: 784 -> 128, ReLU.</summary>
    [Linear(128), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>The output layer, <c>fc2</c>: 128 -> 10 logits.</summary>
    [Linear(10)]
    public partial Linear Fc2 { get; }

    /// <summary>Softmax cross-entropy over the 10 digits, mean over the batch.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
