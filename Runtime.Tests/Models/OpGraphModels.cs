namespace StaticGrad.Runtime.Tests.Models;

/// <summary>Every op of the vocabulary with dropout active, for the allocation and train/eval mode tests.</summary>
[Model(Inputs = 12)]
public sealed partial class EveryOpModel
{
    [Linear(16)]
    public partial Linear Stem { get; }

    [LayerNorm]
    public partial LayerNorm Norm { get; }

    [Linear(16), GELU]
    public partial Linear Fc1 { get; }

    [Dropout(0.5f)]
    public partial Dropout Drop { get; }

    [Linear(16, Bias = false), LeakyReLU(0.1f)]
    public partial Linear Fc2 { get; }

    [Add(nameof(Stem))]
    public partial Residual Skip { get; }

    [SiLU]
    public partial ActivationLayer Act { get; }

    [Concat(ModelAttribute.Input)]
    public partial Residual Wide { get; }

    [Linear(8), Softplus(Beta = 2f)]
    public partial Linear Fc3 { get; }

    [Linear(8), ELU]
    public partial Linear Fc4 { get; }

    [Linear(8), Hardswish]
    public partial Linear Fc5 { get; }

    [LayerNorm(ElementwiseAffine = false)]
    public partial LayerNorm Norm2 { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>A regression head on a Tanh, trained with MSE (smooth everywhere, for finite differences).</summary>
[Model(Inputs = 5)]
public sealed partial class TanhRegressor
{
    [Linear(8), SiLU]
    public partial Linear Hidden { get; }

    [Linear(2), Tanh]
    public partial Linear Output { get; }

    [MseLoss]
    public partial MseLoss Loss { get; }
}

/// <summary>An inference-only model with raw outputs (<c>InferenceOnly = true</c>, no output activation).</summary>
[Model(Inputs = 3, InferenceOnly = true)]
public sealed partial class RawOutputRegressor
{
    [Linear(4), ReLU]
    public partial Linear Hidden { get; }

    [Linear(2)]
    public partial Linear Output { get; }
}
