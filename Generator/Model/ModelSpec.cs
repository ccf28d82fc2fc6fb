namespace StaticGrad.Generator.Model;

/// <summary>
/// Everything the generator needs to know about one model declaration, as values only.
/// </summary>
/// <remarks>
/// Records give structural equality; together with <see cref="EquatableArray{T}"/> this lets the
/// incremental pipeline skip the emitter when an edit leaves the declaration unchanged. No symbol,
/// syntax node or location is held here (diagnostics carry their own locations).
/// </remarks>
/// <param name="Namespace">The containing namespace without <c>@</c> (<c>event.Models</c>), or an empty string for the global namespace.</param>
/// <param name="TypeName">The class name without <c>@</c>; the emitter escapes keywords.</param>
/// <param name="Accessibility">The class's accessibility keywords (<c>public</c>, <c>internal</c>).</param>
/// <param name="InputShape">The shape of one input sample, from the model attribute (features, or an image).</param>
/// <param name="Members">The members in declaration order (data-flow order).</param>
/// <param name="Loss">The loss on the last member's outputs, or null for an inference-only model.</param>
/// <param name="OutputActivation">A row-wise Softmax or LogSoftmax on the last member's output (not a graph node).</param>
/// <param name="HasUninitializedMembers">Whether the class has non-nullable members the generated constructor leaves null:
/// SG0040 reports them at the members (or, for a field-backed property whose getter may guard against null, the compiler
/// would decide), so the constructor does not report them again (CS8618, CS9264) in generated code.</param>
internal sealed record ModelSpec(
    string Namespace,
    string TypeName,
    string Accessibility,
    TensorShape InputShape,
    EquatableArray<MemberSpec> Members,
    LossSpec? Loss,
    Ops.OutputActivation OutputActivation,
    bool HasUninitializedMembers = false)
{
    /// <summary>The name an <c>[Add]</c> or <c>[Concat]</c> uses for the model input (<c>ModelAttribute.Input</c>).</summary>
    public const string InputReference = "<input>";

    /// <summary>Input values per sample.</summary>
    public int InputSize => InputShape.Features;

    /// <summary>Whether the last member ends in a Sigmoid (an inference-only binary head gives probabilities).</summary>
    public bool EndsInSigmoid => Members.Count > 0
        && Members[Members.Count - 1].Ops is { Count: > 0 } ops
        && ops[ops.Count - 1] is Ops.ActivationOp { Kind: Ops.ActivationKind.Sigmoid };

    /// <summary>
    /// Whether an inference-only model returns its last member's values as they are (declared with
    /// <c>InferenceOnly = true</c> and no output activation).
    /// </summary>
    public bool HasRawOutputs => IsInferenceOnly && OutputActivation == Ops.OutputActivation.None && !EndsInSigmoid;

    /// <summary>Whether the model has no loss and generates only inference members.</summary>
    public bool IsInferenceOnly => Loss is null;

    /// <summary>The hint name of the generated file, <c>{Namespace}.{Type}.g.cs</c> (<see cref="Helpers.HintNames.Of"/>).</summary>
    public string HintName => Helpers.HintNames.Of(Namespace.Length == 0 ? TypeName : $"{Namespace}.{TypeName}");
}
