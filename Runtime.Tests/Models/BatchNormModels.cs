namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// Batch norm in an MLP: default options after a Linear, then without affine parameters and with another momentum
/// (scripts/golden_batchnorm.py builds the same network in PyTorch).
/// </summary>
[Model(Inputs = 6)]
public sealed partial class BatchNormNet
{
    [Linear(8)]
    public partial Linear Fc1 { get; }

    [BatchNorm1d]
    public partial BatchNorm1d Bn1 { get; }

    [ReLU]
    public partial ActivationLayer Act { get; }

    [Linear(5, Bias = false)]
    public partial Linear Fc2 { get; }

    [BatchNorm1d(Momentum = 0.3f, Affine = false)]
    public partial BatchNorm1d Bn2 { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>Batch norm with a cumulative running average (PyTorch's <c>momentum=None</c>) and a larger eps, in a regression.</summary>
[Model(Inputs = 6)]
public sealed partial class BatchNormCumulativeNet
{
    [Linear(4), Tanh]
    public partial Linear Fc { get; }

    [BatchNorm1d(CumulativeAverage = true, Eps = 1e-3f)]
    public partial BatchNorm1d Bn { get; }

    [Linear(2)]
    public partial Linear Head { get; }

    [MseLoss]
    public partial MseLoss Loss { get; }
}

/// <summary>Batch norm without running statistics: batch statistics in both modes, no buffers.</summary>
[Model(Inputs = 6)]
public sealed partial class BatchNormNoStatsNet
{
    [Linear(4)]
    public partial Linear Fc { get; }

    [BatchNorm1d(TrackRunningStats = false)]
    public partial BatchNorm1d Bn { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>BatchNorm2d on 1 x 1 images: a batch of one has one value per channel, which training mode refuses.</summary>
[Model(Channels = 2, Height = 1, Width = 1)]
public sealed partial class BatchNormPixelNet
{
    [BatchNorm2d]
    public partial BatchNorm2d Bn { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
