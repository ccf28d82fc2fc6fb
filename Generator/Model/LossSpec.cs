namespace StaticGrad.Generator.Model;

/// <summary>Reduction of per-sample losses. Values match <c>StaticGrad.Reduction</c>.</summary>
internal enum ReductionKind
{
    Mean = 0,
    Sum = 1,
}

/// <summary>The declared softmax cross-entropy loss.</summary>
/// <param name="MemberName">The partial property that exposes the loss.</param>
/// <param name="Modifiers">The property's declared modifiers other than <c>partial</c>.</param>
/// <param name="LabelSmoothing">PyTorch's <c>label_smoothing</c>.</param>
/// <param name="Reduction">PyTorch's <c>reduction</c>.</param>
internal sealed record LossSpec(string MemberName, string Modifiers, float LabelSmoothing, ReductionKind Reduction);
