namespace StaticGrad.Generator.Ops;

/// <summary>An elementwise activation. Values match <c>StaticGrad.Kernels.Activation</c>.</summary>
internal enum ActivationKind
{
    None = 0,
    ReLU = 1,
    Sigmoid = 2,
    Tanh = 3,
    LeakyReLU = 4,
    ELU = 5,
    GELU = 6,
    GELUTanh = 7,
    SiLU = 8,
    Softplus = 9,
    Hardswish = 10,
    ReLU6 = 11,
    Hardsigmoid = 12,
}

/// <summary>A row-wise activation on the model's output (inference-only models and <c>[NllLoss]</c>); not a graph node.</summary>
internal enum OutputActivation
{
    None = 0,
    Softmax = 1,
    LogSoftmax = 2,
}
