namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>
/// PyTorch's <c>nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.LayerNorm(16), nn.Linear(16, 4))</c> with its
/// <c>state_dict</c> names (<c>0.weight</c>, <c>2.weight</c>, <c>3.weight</c>) through the layers' <c>Name</c>
/// (scripts/pytorch_state_dicts.py builds the same network).
/// </summary>
[Model(Inputs = 20)]
public sealed partial class SequentialMlp
{
    [Linear(16, Name = "0"), ReLU]
    public partial Linear Fc1 { get; }

    [LayerNorm(Name = "2")]
    public partial LayerNorm Norm { get; }

    [Linear(4, Name = "3")]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The same network with its members' own names (<c>fc1</c>, <c>norm</c>, <c>head</c>): PyTorch's module with attributes.</summary>
[Model(Inputs = 20)]
public sealed partial class NamedMlp
{
    [Linear(16), ReLU]
    public partial Linear Fc1 { get; }

    [LayerNorm]
    public partial LayerNorm Norm { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>The same network under a <c>backbone.</c> module: <c>backbone.fc1.weight</c>, ...</summary>
[Model(Inputs = 20)]
public sealed partial class BackboneMlp
{
    [Linear(16, Name = "backbone.fc1"), ReLU]
    public partial Linear Fc1 { get; }

    [LayerNorm(Name = "backbone.norm")]
    public partial LayerNorm Norm { get; }

    [Linear(4, Name = "backbone.head")]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>Linear, batch norm, linear: float parameters, float running statistics and an I64 batch counter, for the dtype fixtures.</summary>
[Model(Inputs = 20)]
public sealed partial class BatchNormMlp
{
    [Linear(16), ReLU]
    public partial Linear Fc1 { get; }

    [BatchNorm1d]
    public partial BatchNorm1d Bn { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
