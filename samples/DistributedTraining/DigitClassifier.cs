using StaticGrad;

namespace DistributedTraining;

/// <summary>A 784-64-10 MLP for 28x28 digits: every rank builds one, and data-parallel training keeps them equal.</summary>
[Model(Inputs = 784)]
public sealed partial class DigitClassifier
{
    [Linear(64), ReLU] public partial Linear Hidden { get; }
    [Linear(10)] public partial Linear Output { get; }
    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
}
