namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// Dropout is skipped in eval mode, so the ReLU after it reads the stem's buffer; the skip connection reads the stem's
/// output too, so the ReLU must not run in place there (scripts/golden_differential_cnn.py found it with Dropout2d).
/// </summary>
[Model(Inputs = 6)]
public sealed partial class DropoutBeforeInPlaceOpModel
{
    [Linear(8)]
    public partial Linear Stem { get; }

    [Dropout(0f)]
    public partial Dropout Drop { get; }

    [ReLU]
    public partial ActivationLayer Act { get; }

    [Add(nameof(Stem))]
    public partial Residual Skip { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The image form: a channel dropout between a convolution and a Tanh, the convolution's output added back after it.</summary>
[Model(Channels = 2, Height = 5, Width = 6)]
public sealed partial class Dropout2dBeforeInPlaceOpModel
{
    [Conv2d(3, 3, Padding = 1)]
    public partial Conv2d Stem { get; }

    [Dropout2d(0f)]
    public partial Dropout2d Drop { get; }

    [Tanh]
    public partial ActivationLayer Act { get; }

    [Add(nameof(Stem))]
    public partial Residual Skip { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>Dropout on the model input, then an op that runs in place: in eval mode that op reads the caller's inputs.</summary>
[Model(Inputs = 6)]
public sealed partial class InputDropoutModel
{
    [Dropout(0f)]
    public partial Dropout Drop { get; }

    [Tanh]
    public partial ActivationLayer Act { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
