using Microsoft.CodeAnalysis;

namespace StaticGrad.Generator;

/// <summary>Every diagnostic the generator reports. IDs are stable; each has a section in docs/diagnostics.md.</summary>
internal static class Diagnostics
{
    private const string Category = "StaticGrad";

    /// <summary>
    /// The page every help link points into, one section per ID (<c>#sg0004</c>). It is absolute because the links
    /// show up in a consumer's build output, far from this repository; the emitter uses it too, for the
    /// <c>UrlFormat</c> of the SG0021 <c>[Obsolete]</c> overloads it writes.
    /// </summary>
    public const string HelpLinkBase = "https://github.com/staticgrad/staticgrad/blob/main/docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor ModelNotPartial = Error(
        "SG0001", "Model class must be partial",
        "Model class '{0}' must be declared 'partial' so StaticGrad can generate its forward and backward passes");

    public static readonly DiagnosticDescriptor MissingLoss = Error(
        "SG0002", "Model has no loss and no output activation",
        "Model '{0}' declares no loss and its last layer '{1}' has no output activation; add a loss member after it to train the model, or put [Softmax], [LogSoftmax] or [Sigmoid] on it for an inference-only model");

    public static readonly DiagnosticDescriptor LossNotLast = Error(
        "SG0003", "Loss must be the last member",
        "Layer '{0}' is declared after the loss '{1}'; the loss must come after every layer");

    public static readonly DiagnosticDescriptor InvalidLayerSize = Error(
        "SG0004", "Layer size must be positive",
        "Layer '{0}' has {1} outputs; a layer needs at least 1 output");

    public static readonly DiagnosticDescriptor ClassCountMismatch = Error(
        "SG0005", "Loss class count disagrees with the last layer",
        "Loss '{0}' declares {1} classes but the last layer '{2}' has {3} outputs");

    public static readonly DiagnosticDescriptor MisplacedActivation = Error(
        "SG0006", "Activation cannot apply here",
        "[{0}] on '{1}' cannot apply: {2}");

    public static readonly DiagnosticDescriptor InvalidInputSize = Error(
        "SG0007", "Model input size must be positive",
        "Model '{0}' has Inputs = {1}; {2}");

    public static readonly DiagnosticDescriptor NoLayers = Error(
        "SG0008", "Model has no layers",
        "Model '{0}' declares no layer with parameters; add at least one, such as [Linear(N)] or [Conv2d(...)]");

    public static readonly DiagnosticDescriptor InvalidMemberDeclaration = Error(
        "SG0009", "Model member must be a partial get-only property of the right type",
        "Member '{0}' must be declared as 'partial {1} {0} {{ get; }}'{2}");

    public static readonly DiagnosticDescriptor UnsupportedModelType = Error(
        "SG0010", "Model class kind is not supported",
        "Model class '{0}' cannot be {1}; declare it as a non-generic, top-level partial class");

    public static readonly DiagnosticDescriptor MultipleActivations = Error(
        "SG0011", "Layer has more than one activation",
        "Layer '{0}' has {1} activations; a layer takes at most one");

    public static readonly DiagnosticDescriptor InvalidLabelSmoothing = Error(
        "SG0012", "Label smoothing must be in [0, 1]",
        "Loss '{0}' has LabelSmoothing = {1}; it must be between 0 and 1");

    public static readonly DiagnosticDescriptor MultipleLosses = Error(
        "SG0013", "Model has more than one loss",
        "Model '{0}' declares a second loss '{1}'; a model has exactly one loss");

    public static readonly DiagnosticDescriptor InvalidReduction = Error(
        "SG0014", "Unknown reduction",
        "Loss '{0}' has Reduction = {1}; use Reduction.Mean, Reduction.Sum or Reduction.None");

    public static readonly DiagnosticDescriptor WeightsLengthMismatch = Error(
        "SG0015", "Loss weights length disagrees with the last layer",
        "Loss '{0}' has {1} values in {2} but the last layer '{3}' has {4} outputs; give exactly one per output");

    public static readonly DiagnosticDescriptor InvalidWeight = Error(
        "SG0016", "Loss weight must be finite and non-negative",
        "Loss '{0}' has {1}[{2}] = {3}; weights must be finite and non-negative");

    public static readonly DiagnosticDescriptor IgnoreIndexWithProbabilities = Error(
        "SG0017", "IgnoreIndex cannot be used with probability targets",
        "Loss '{0}' sets IgnoreIndex = {1} but is trained on class probabilities (Targets = TargetKind.Probabilities); an ignore index only applies to class-index targets");

    public static readonly DiagnosticDescriptor BinaryHeadWidthMismatch = Error(
        "SG0018", "Binary cross-entropy head width disagrees with the last layer",
        "Loss '{0}' declares Outputs = {1} but the last layer '{2}' has {3} outputs");

    public static readonly DiagnosticDescriptor SoftmaxOverOneOutput = Error(
        "SG0019", "Softmax over a single output",
        "{0} takes a softmax over the single output of layer '{1}', which is always 1 (a loss of 0 and no gradient); for a one-logit binary head use [BinaryCrossEntropyWithLogits] (training) or [Sigmoid] (inference)");

    public static readonly DiagnosticDescriptor NllWithoutLogSoftmax = Error(
        "SG0020", "NllLoss needs a LogSoftmax last layer",
        "Loss '{0}' is an [NllLoss], which takes log-probabilities, but the last layer '{1}' has {2}; put [LogSoftmax] on it (or use [SoftmaxCrossEntropy] on raw logits)");

    /// <summary>
    /// Reported by the C# compiler, not by the generator: generated models carry <c>TrainStep</c> overloads for
    /// the target kinds their loss does not take, marked <c>[Obsolete(error: true, DiagnosticId = "SG0021")]</c>.
    /// </summary>
    public static readonly DiagnosticDescriptor TargetKindMismatch = Error(
        "SG0021", "TrainStep is called with targets the model's loss does not take",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidTargetKind = Error(
        "SG0022", "Unknown target kind",
        "Loss '{0}' has Targets = {1}; use TargetKind.ClassIndices or TargetKind.Probabilities");

    public static readonly DiagnosticDescriptor DuplicateParameterName = Error(
        "SG0023", "Two layers map to the same parameter name",
        "Layer '{0}' maps to the parameter names '{2}.weight' and '{2}.bias', which layer '{1}' already uses; rename one of them");

    public static readonly DiagnosticDescriptor ModelTooLarge = Error(
        "SG0024", "Model is too large",
        "Layer '{0}' brings the model to {1} parameters ({2}); a model holds at most {3} parameters (the largest .NET array), so make the layer or its input narrower");

    public static readonly DiagnosticDescriptor LayersOutsideModel = Error(
        "SG0025", "Layer attributes on a class that is not a model",
        "Class '{0}' declares StaticGrad layers or losses ('{1}') but is not a model; add [Model(Inputs = N)] to the class");

    public static readonly DiagnosticDescriptor GeneratedMemberCollision = Error(
        "SG0026", "Member collides with a generated member",
        "Member '{0}' of model '{1}' collides with {2}; rename it");

    public static readonly DiagnosticDescriptor InvalidOpArgument = Error(
        "SG0027", "Layer argument out of range",
        "[{0}] on '{1}' has {2} = {3}; {4}");

    public static readonly DiagnosticDescriptor InvalidReference = Error(
        "SG0028", "Reference names no earlier member",
        "[{0}] on '{1}' names '{2}', {3}; name an earlier member with nameof(...), or ModelAttribute.Input for the model input");

    public static readonly DiagnosticDescriptor ShapeMismatch = Error(
        "SG0029", "Skip connection shapes disagree",
        "[{0}] on '{1}' joins the output of '{2}', {3}, with the previous output, {4}; {5}");

    public static readonly DiagnosticDescriptor InferenceOnlyWithLoss = Error(
        "SG0031", "Inference-only model declares a loss",
        "Model '{0}' is declared with InferenceOnly = true but has the loss '{1}'; remove the loss, or remove InferenceOnly = true to train it");

    public static readonly DiagnosticDescriptor MultipleLayerKinds = Error(
        "SG0030", "Member declares two layers",
        "Member '{0}' declares [{1}] and [{2}]; a member is one layer, so declare another member for the second");

    public static readonly DiagnosticDescriptor InvalidImageInput = Error(
        "SG0032", "Invalid image input",
        "Model '{0}' has an invalid image input: {1}");

    public static readonly DiagnosticDescriptor InvalidLayerInput = Error(
        "SG0033", "Layer cannot take its input",
        "[{0}] on '{1}' cannot take its input {2}: {3}");

    public static readonly DiagnosticDescriptor ImageOutput = Error(
        "SG0034", "Model output is an image",
        "Model '{0}' ends in '{1}' with outputs {2}; the loss and the model's outputs are flat features [B, F]: add [Flatten] (and usually a [Linear(N)] head) at the end");

    public static readonly DiagnosticDescriptor InvalidStateDictName = Error(
        "SG0035", "Invalid state_dict name",
        "[{0}] on '{1}' has Name = {2}, {3}");

    public static readonly DiagnosticDescriptor UnreadOutput = Error(
        "SG0036", "Member output is never read",
        "The output of '{0}', {1}, is read by no later member: the next member '{2}' reads '{3}' ([From]); join '{0}' on a later member with [Add(nameof({0}))] or [Concat(nameof({0}))], or remove it");

    public static readonly DiagnosticDescriptor MisplacedFrom = Error(
        "SG0037", "[From] cannot apply here",
        "[From] on '{0}' cannot apply: {1}");

    public static readonly DiagnosticDescriptor UninitializingConstructor = Error(
        "SG0038", "Model constructor does not initialize the model",
        "Constructor '{0}' of model '{1}' {2}");

    public static readonly DiagnosticDescriptor BinaryCrossEntropyWithoutSigmoid = Error(
        "SG0039", "BinaryCrossEntropy needs a Sigmoid last layer",
        "Loss '{0}' is a [BinaryCrossEntropy], which takes probabilities in [0, 1], but the last layer '{1}' has {2}; put [Sigmoid] on it (PyTorch's nn.Sigmoid() before nn.BCELoss()), or use [BinaryCrossEntropyWithLogits] on raw logits");

    /// <summary>
    /// The compiler's CS8618 (CS9264 for a property with a <c>field</c>-keyword backing field) at the member rather than in
    /// the generated constructor, which the member's class would get for an implicit constructor: a warning, as those are.
    /// </summary>
    public static readonly DiagnosticDescriptor UninitializedMember = Warning(
        "SG0040", "Member is not initialized by the generated constructor",
        "Non-nullable {0} '{1}' is left null by the generated constructor {2}(int seed, int maxBatch); initialize it where it is declared, or declare it nullable");

    /// <summary>
    /// Layer and loss members in more than one part of a partial class: their declaration order is the data flow, and the
    /// compiler orders the parts by the files' order in the compilation, so moving or renaming a file would silently
    /// reorder the layers (as C#'s CS0282 warns for a partial struct's fields).
    /// </summary>
    public static readonly DiagnosticDescriptor MembersInSeveralParts = Error(
        "SG0041", "Layers are declared in more than one part of the class",
        "'{0}' is declared in another part of partial class '{1}' than '{2}': the declaration order of layers and loss is the data flow, and C# defines no order between the parts of a partial class (it follows the order of the files), so declare every layer and the loss in one part");
}
