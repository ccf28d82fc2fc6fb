namespace StaticGrad.Generator.Model;

/// <summary>Reduction of per-sample losses. Values match <c>StaticGrad.Reduction</c>.</summary>
internal enum ReductionKind
{
    Mean = 0,
    Sum = 1,
    None = 2,
}

/// <summary>What a softmax cross-entropy is trained against. Values match <c>StaticGrad.TargetKind</c>.</summary>
internal enum TargetsKind
{
    ClassIndices = 0,
    Probabilities = 1,
}

/// <summary>Which loss a model declares.</summary>
internal enum LossKind
{
    /// <summary><c>[SoftmaxCrossEntropy]</c> on raw logits.</summary>
    SoftmaxCrossEntropy,

    /// <summary><c>[NllLoss]</c> on a <c>[LogSoftmax]</c> last layer; trained fused, as softmax cross-entropy.</summary>
    Nll,

    /// <summary><c>[BinaryCrossEntropyWithLogits]</c> on raw logits.</summary>
    BinaryCrossEntropyWithLogits,

    /// <summary><c>[BinaryCrossEntropy]</c> on the probabilities of a <c>[Sigmoid]</c> last layer; not fused, the Sigmoid's backward runs as usual.</summary>
    BinaryCrossEntropy,

    /// <summary><c>[MseLoss]</c>.</summary>
    Mse,

    /// <summary><c>[L1Loss]</c>.</summary>
    L1,

    /// <summary><c>[SmoothL1Loss(Beta)]</c>.</summary>
    SmoothL1,

    /// <summary><c>[HuberLoss(Delta)]</c>.</summary>
    Huber,
}

/// <summary>The declared loss and its options, as values.</summary>
/// <param name="MemberName">The partial property that exposes the loss.</param>
/// <param name="Modifiers">The property's declared modifiers other than <c>partial</c>.</param>
/// <param name="Kind">Which loss.</param>
/// <param name="LabelSmoothing">PyTorch's <c>label_smoothing</c> (softmax cross-entropy only; 0 otherwise).</param>
/// <param name="Reduction">PyTorch's <c>reduction</c>.</param>
/// <param name="IgnoreIndex">PyTorch's <c>ignore_index</c> (class-index losses; -100 by default).</param>
/// <param name="Targets">Class indices or probabilities (softmax cross-entropy); BCE always trains on float targets.</param>
/// <param name="Weights">Per-class (per-output for BCE) weights from the attribute; empty when not declared.</param>
/// <param name="PosWeight">BCE's <c>pos_weight</c> from the attribute; empty when not declared.</param>
/// <param name="Parameter">SmoothL1's <c>beta</c> or Huber's <c>delta</c>; 0 otherwise.</param>
/// <param name="FusedHead">SoftmaxCrossEntropy's <c>FusedHeadMode</c>: 0 auto (from <see cref="Graph.FusedHead.Threshold"/> classes), 1 always, 2 never.</param>
internal sealed record LossSpec(
    string MemberName,
    string Modifiers,
    LossKind Kind,
    float LabelSmoothing,
    ReductionKind Reduction,
    int IgnoreIndex,
    TargetsKind Targets,
    EquatableArray<float> Weights,
    EquatableArray<float> PosWeight,
    float Parameter = 0f,
    int FusedHead = 0)
{
    /// <summary>Whether the loss is a regression loss (MSE, L1, smooth L1, Huber) on raw outputs against float targets.</summary>
    public bool IsRegression => Kind is LossKind.Mse or LossKind.L1 or LossKind.SmoothL1 or LossKind.Huber;

    /// <summary>Whether the loss is computed element by element (BCE and the regression losses), so per-sample losses are <c>batch * outputs</c>.</summary>
    public bool IsElementwise => IsRegression || Kind is LossKind.BinaryCrossEntropyWithLogits or LossKind.BinaryCrossEntropy;

    /// <summary>
    /// Whether the loss takes the last layer's outputs after its elementwise activation (the regression losses, and BCE on
    /// Sigmoid probabilities): what <c>Forward</c> returns is what the loss reads, and <c>Predict</c> is <c>Forward</c>.
    /// </summary>
    public bool TakesActivatedOutputs => IsRegression || Kind == LossKind.BinaryCrossEntropy;

    /// <summary>Whether the loss is one of the two binary cross-entropies (per-output weights, a head width named <c>Outputs</c>).</summary>
    public bool IsBinaryCrossEntropy => Kind is LossKind.BinaryCrossEntropyWithLogits or LossKind.BinaryCrossEntropy;

    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const int DefaultIgnoreIndex = -100;

    /// <summary>Whether <c>TrainStep</c> takes <c>int</c> class indices (otherwise <c>float</c> targets).</summary>
    public bool TrainsOnClassIndices => Kind == LossKind.Nll || (Kind == LossKind.SoftmaxCrossEntropy && Targets == TargetsKind.ClassIndices);

    /// <summary>The runtime type of the loss member.</summary>
    public string RuntimeTypeName => RuntimeTypeNameOf(Kind);

    /// <summary>The attribute that declares the loss, without the <c>Attribute</c> suffix.</summary>
    public string AttributeName => Kind switch
    {
        LossKind.Nll => "NllLoss",
        LossKind.Mse => "MseLoss",
        LossKind.L1 => "L1Loss",
        LossKind.SmoothL1 => "SmoothL1Loss",
        LossKind.Huber => "HuberLoss",
        LossKind.BinaryCrossEntropyWithLogits => "BinaryCrossEntropyWithLogits",
        LossKind.BinaryCrossEntropy => "BinaryCrossEntropy",
        _ => "SoftmaxCrossEntropy",
    };

    /// <summary>The runtime type of a loss member of kind <paramref name="kind"/>.</summary>
    public static string RuntimeTypeNameOf(LossKind kind) => kind switch
    {
        LossKind.Nll => "NllLoss",
        LossKind.Mse => "MseLoss",
        LossKind.L1 => "L1Loss",
        LossKind.SmoothL1 => "SmoothL1Loss",
        LossKind.Huber => "HuberLoss",
        LossKind.BinaryCrossEntropyWithLogits => "BinaryCrossEntropyWithLogitsLoss",
        LossKind.BinaryCrossEntropy => "BinaryCrossEntropyLoss",
        _ => "SoftmaxCrossEntropyLoss",
    };
}
