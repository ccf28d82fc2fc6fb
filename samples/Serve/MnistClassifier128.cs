using StaticGrad;

namespace Serve;

/// <summary>
/// The repository's seed model, declared again here as a user would: 784 -> 128 -> ReLU -> 10 with PyTorch's
/// <c>fc1</c>/<c>fc2</c> names, so weights from <c>train --save-weights</c> (or a PyTorch state_dict) load as they are.
/// </summary>
[Model(Inputs = 784)]
public sealed partial class MnistClassifier128
{
    [Linear(128), ReLU] public partial Linear Fc1 { get; }
    [Linear(10)] public partial Linear Fc2 { get; }
    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
}
