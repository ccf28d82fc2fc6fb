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

/// <summary>65,536 inputs, so that a large batch times the inputs passes int.MaxValue (argument checks).</summary>
[Model(Inputs = 65536)]
public sealed partial class WideClassifier
{
    [Linear(2)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy]
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

/// <summary>Class weights, a custom ignore index, label smoothing and per-sample losses, for the loss tests.</summary>
[Model(Inputs = 6)]
public sealed partial class WeightedIgnoreModel
{
    [Linear(5), Tanh]
    public partial Linear Hidden { get; }

    [Linear(4)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy(Weights = new[] { 1f, 2f, 0.5f, 3f }, IgnoreIndex = -1, LabelSmoothing = 0.1f, Reduction = Reduction.None)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>Class-probability targets with label smoothing and weights.</summary>
[Model(Inputs = 6)]
public sealed partial class SoftTargetModel
{
    [Linear(5), Sigmoid]
    public partial Linear Hidden { get; }

    [Linear(4)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities, LabelSmoothing = 0.1f, Weights = new[] { 1f, 0.5f, 2f, 1f })]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>LogSoftmax + NLL, fused.</summary>
[Model(Inputs = 6)]
public sealed partial class NllModel
{
    [Linear(5), ReLU]
    public partial Linear Hidden { get; }

    [Linear(4), LogSoftmax]
    public partial Linear Output { get; }

    [NllLoss(Weights = new[] { 2f, 1f, 1f, 0.5f }, IgnoreIndex = 3)]
    public partial NllLoss Loss { get; }
}

/// <summary>A multi-label head with per-output weights and positive weights.</summary>
[Model(Inputs = 6)]
public sealed partial class MultiLabelModel
{
    [Linear(5), Tanh]
    public partial Linear Hidden { get; }

    [Linear(3)]
    public partial Linear Output { get; }

    [BinaryCrossEntropyWithLogits(Weights = new[] { 1f, 0.5f, 2f }, PosWeight = new[] { 3f, 1f, 0.25f }, Reduction = Reduction.Sum)]
    public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
}

/// <summary>A one-logit binary head.</summary>
[Model(Inputs = 6)]
public sealed partial class OneLogitModel
{
    [Linear(5), ReLU]
    public partial Linear Hidden { get; }

    [Linear(1)]
    public partial Linear Output { get; }

    [BinaryCrossEntropyWithLogits]
    public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
}

/// <summary>Inference only: softmax probabilities out of Forward.</summary>
[Model(Inputs = 6)]
public sealed partial class SoftmaxInferenceModel
{
    [Linear(5), ReLU]
    public partial Linear Hidden { get; }

    [Linear(4), Softmax]
    public partial Linear Output { get; }
}

/// <summary>Inference only: log-probabilities out of Forward.</summary>
[Model(Inputs = 6)]
public sealed partial class LogSoftmaxInferenceModel
{
    [Linear(5), ReLU]
    public partial Linear Hidden { get; }

    [Linear(4), LogSoftmax]
    public partial Linear Output { get; }
}

/// <summary>Inference only: independent sigmoid probabilities out of Forward.</summary>
[Model(Inputs = 6)]
public sealed partial class SigmoidInferenceModel
{
    [Linear(5), ReLU]
    public partial Linear Hidden { get; }

    [Linear(3), Sigmoid]
    public partial Linear Output { get; }
}

/// <summary>Batch norm and dropout: a model whose eval and training modes differ in both ways (running statistics, masks).</summary>
[Model(Inputs = 6)]
public sealed partial class ModalClassifier
{
    [Linear(8)]
    public partial Linear Hidden { get; }

    [BatchNorm1d, ReLU]
    public partial BatchNorm1d Norm { get; }

    [Dropout(0.5f)]
    public partial Dropout Drop { get; }

    [Linear(4)]
    public partial Linear Output { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
