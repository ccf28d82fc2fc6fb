using StaticGrad;

namespace Consumer;

/// <summary>Three interleaved spirals in the plane, a classic toy problem a linear model cannot solve.</summary>
[Model(Inputs = 2)]
public partial class SpiralClassifier
{
    [Linear(64), Tanh] public partial Linear Hidden1 { get; }
    [Linear(32), ReLU] public partial Linear Hidden2 { get; }
    [Linear(3)] public partial Linear Output { get; }
    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
}
