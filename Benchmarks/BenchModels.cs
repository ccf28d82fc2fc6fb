using StaticGrad;

namespace StaticGrad.Benchmarks;

/// <summary>784 -> 128 -> ReLU -> 10: the seed model (same declaration as <c>Models/MnistClassifier128</c>).</summary>
[Model(Inputs = 784)]
public sealed partial class Mlp128
{
    /// <summary>784 -> 128, ReLU.</summary>
    [Linear(128), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>128 -> 10.</summary>
    [Linear(10)]
    public partial Linear Fc2 { get; }

    /// <summary>Softmax cross-entropy, mean.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>784 -> 256 -> ReLU -> 10 (same declaration as <c>Models/MnistClassifier256</c>).</summary>
[Model(Inputs = 784)]
public sealed partial class Mlp256
{
    /// <summary>784 -> 256, ReLU.</summary>
    [Linear(256), ReLU]
    public partial Linear Layer1 { get; }

    /// <summary>256 -> 10.</summary>
    [Linear(10)]
    public partial Linear Layer2 { get; }

    /// <summary>Softmax cross-entropy, mean.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>784 -> 1024 -> ReLU -> 10: a wide hidden layer for the large-batch comparison.</summary>
[Model(Inputs = 784)]
public sealed partial class Mlp1024
{
    /// <summary>784 -> 1024, ReLU.</summary>
    [Linear(1024), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>1024 -> 10.</summary>
    [Linear(10)]
    public partial Linear Fc2 { get; }

    /// <summary>Softmax cross-entropy, mean.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>LeNet-5 (same declaration as <c>Models/LeNet5</c>).</summary>
[Model(Channels = 1, Height = 28, Width = 28)]
public sealed partial class LeNet
{
    /// <summary>1 -> 6 channels, 5x5, padding 2, ReLU.</summary>
    [Conv2d(6, 5, Padding = 2), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>2x2 max.</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool1 { get; }

    /// <summary>6 -> 16 channels, 5x5, ReLU.</summary>
    [Conv2d(16, 5), ReLU]
    public partial Conv2d Conv2 { get; }

    /// <summary>2x2 max.</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool2 { get; }

    /// <summary>[B, 400].</summary>
    [Flatten]
    public partial Flatten Flatten { get; }

    /// <summary>400 -> 120, ReLU.</summary>
    [Linear(120), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>120 -> 84, ReLU.</summary>
    [Linear(84), ReLU]
    public partial Linear Fc2 { get; }

    /// <summary>84 -> 10.</summary>
    [Linear(10)]
    public partial Linear Fc3 { get; }

    /// <summary>Softmax cross-entropy, mean.</summary>
    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
