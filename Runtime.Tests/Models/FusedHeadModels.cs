using StaticGrad;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>A 3,000-class head: from 2,048 classes the training step fuses the last Linear with the loss.</summary>
[Model(Inputs = 24)]
public sealed partial class WideHeadFused
{
    /// <summary>24 -> 40, Tanh.</summary>
    [Linear(40), Tanh]
    public partial Linear Fc1 { get; }

    /// <summary>Dropout, so that a training-mode Forward exists and is checked too.</summary>
    [Dropout(0f)]
    public partial Dropout Drop { get; }

    /// <summary>40 -> 3,000 logits.</summary>
    [Linear(3000)]
    public partial Linear Head { get; }

    /// <summary>Smoothed, with an ignore index, summed.</summary>
    [SoftmaxCrossEntropy(LabelSmoothing = 0.1f, IgnoreIndex = 7, Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary><see cref="WideHeadFused"/> with the fusion turned off: the reference.</summary>
[Model(Inputs = 24)]
public sealed partial class WideHeadUnfused
{
    /// <summary>24 -> 40, Tanh.</summary>
    [Linear(40), Tanh]
    public partial Linear Fc1 { get; }

    /// <summary>Dropout, as in the fused model.</summary>
    [Dropout(0f)]
    public partial Dropout Drop { get; }

    /// <summary>40 -> 3,000 logits.</summary>
    [Linear(3000)]
    public partial Linear Head { get; }

    /// <summary>The same loss, never fused.</summary>
    [SoftmaxCrossEntropy(LabelSmoothing = 0.1f, IgnoreIndex = 7, Reduction = Reduction.Sum, FusedHead = FusedHeadMode.Never)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
