using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>Turns the symbols of one <c>[Model]</c> class into a <see cref="ModelSpec"/> plus diagnostics.</summary>
    internal static partial class Parser
    {
        private const string RuntimeNamespace = "StaticGrad";

        private static readonly ImmutableDictionary<string, LossKind> LossAttributes =
            ImmutableDictionary.CreateRange(new[]
            {
                new KeyValuePair<string, LossKind>("SoftmaxCrossEntropyAttribute", LossKind.SoftmaxCrossEntropy),
                new KeyValuePair<string, LossKind>("NllLossAttribute", LossKind.Nll),
                new KeyValuePair<string, LossKind>("BinaryCrossEntropyWithLogitsAttribute", LossKind.BinaryCrossEntropyWithLogits),
                new KeyValuePair<string, LossKind>("BinaryCrossEntropyAttribute", LossKind.BinaryCrossEntropy),
                new KeyValuePair<string, LossKind>("MseLossAttribute", LossKind.Mse),
                new KeyValuePair<string, LossKind>("L1LossAttribute", LossKind.L1),
                new KeyValuePair<string, LossKind>("SmoothL1LossAttribute", LossKind.SmoothL1),
                new KeyValuePair<string, LossKind>("HuberLossAttribute", LossKind.Huber),
            });

        private static readonly ImmutableDictionary<string, OutputActivation> OutputActivationAttributes =
            ImmutableDictionary.CreateRange(new[]
            {
                new KeyValuePair<string, OutputActivation>("SoftmaxAttribute", OutputActivation.Softmax),
                new KeyValuePair<string, OutputActivation>("LogSoftmaxAttribute", OutputActivation.LogSoftmax),
            });

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetNode.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp13 })
            {
                // Partial properties are C# 13: before it the compiler rejects each member (CS8703), and an implementation
                // generated for them would repeat that error in the generated file.
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            ParseResult result = Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], withStubs: true, cancellationToken, context.SemanticModel);
            return result.Diagnostics.Count == 0
                ? result
                : result with { Diagnostics = WithoutCompilerErrorAttributes(result.Diagnostics, context.Attributes[0], context.SemanticModel, cancellationToken) };
        }

        /// <summary>
        /// <paramref name="diagnostics"/> less those at an attribute whose arguments the compiler already rejects (an
        /// unknown name in <c>nameof</c>, an undefined or non-constant value: CS0103, CS0182): the compiler's error is the
        /// one the user sees, where the generator would read a made-up value (a NaN weight, a missing option) and add a
        /// second, misleading one. When the <c>[Model]</c> attribute itself has such an error, the diagnostics of the whole
        /// model (at the class, not at another attribute) go too: they judge options that were not read. Checked only for a
        /// declaration with diagnostics, so a valid model costs nothing.
        /// </summary>
        private static EquatableArray<DiagnosticInfo> WithoutCompilerErrorAttributes(
            EquatableArray<DiagnosticInfo> diagnostics, AttributeData modelAttribute, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            bool HasCompilerError(SyntaxNode node)
            {
                SemanticModel model = node.SyntaxTree == semanticModel.SyntaxTree ? semanticModel : semanticModel.Compilation.GetSemanticModel(node.SyntaxTree);
                return model.GetDiagnostics(node.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error);
            }

            bool modelOptionsUnknown = modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } modelSyntax && HasCompilerError(modelSyntax);
            var kept = new List<DiagnosticInfo>(diagnostics.Count);
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                SyntaxNode? at = diagnostic.Location is { } location
                    && semanticModel.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == location.FilePath) is { } tree
                        ? tree.GetRoot(cancellationToken).FindNode(location.TextSpan, getInnermostNodeForTie: true)
                        : null;
                bool drop = at?.FirstAncestorOrSelf<AttributeSyntax>() is { } attribute ? HasCompilerError(attribute) : modelOptionsUnknown;
                if (!drop)
                {
                    kept.Add(diagnostic);
                }
            }

            return kept.ToEquatableArray();
        }

        /// <summary>
        /// The model <paramref name="type"/> declared by <paramref name="declaration"/> with <paramref name="modelAttribute"/>;
        /// with <paramref name="withStubs"/> false a declaration with errors gets no stubs (only whether it is valid is asked).
        /// <paramref name="semanticModel"/> (of the declaration's tree) tells where nullable warnings are on, for SG0040; without
        /// it (only validity is asked) the uninitialized members are reported wherever their type says they cannot be null.
        /// </summary>
        private static ParseResult Parse(
            INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData modelAttribute, bool withStubs, CancellationToken cancellationToken, SemanticModel? semanticModel = null)
        {
            var diagnostics = new List<DiagnosticInfo>();
            LocationInfo? classLocation = LocationInfo.From(declaration.Identifier.GetLocation());
            if (HasIncompleteHeader(declaration))
            {
                // Mid-edit: the compiler already reports the syntax error, and code generated for a
                // half-typed name would only add confusing errors of its own.
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ModelNotPartial, classLocation, type.Name));
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }

            if (!HoldsFirstModelAttribute(type, declaration))
            {
                // [Model] on two partial declarations: the compiler reports CS0579; the first one generates.
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            // One diagnostic for the class, however many kinds it combines (a record with a primary constructor).
            foreach (string kind in UnsupportedKinds(type).Take(1))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedModelType, classLocation, type.Name, kind));
            }

            if (diagnostics.Count > 0)
            {
                return Failed(type, diagnostics, withStubs, cancellationToken);
            }

            bool inferenceOnly = modelAttribute.NamedArguments.Any(a => a.Key == "InferenceOnly" && a.Value.Value is true);
            LocationInfo? modelLocation = LocationInfo.From(modelAttribute.ApplicationSyntaxReference) ?? classLocation;

            // The input shape is read after the members, whose first layer SG0007's hint depends on; its diagnostics keep
            // their place before the members'.
            int inputDiagnostics = diagnostics.Count;
            var members = new List<MemberSpec>();
            var memberLocations = new List<LocationInfo?>();
            var activationLocations = new List<LocationInfo?>();
            var fromLocations = new List<LocationInfo?>();
            var outputActivations = new List<(OutputActivation Kind, LocationInfo? Location)>();
            LossDeclaration? loss = null;
            bool lossDeclared = false;

            // A member declared wrongly may be the missing layer or loss: the checks of the whole model then say nothing.
            bool invalidMember = false;
            bool invalidOp = false;
            // An error the compiler reports in the declaration itself (a member declared twice, an attribute argument of
            // the wrong type): that error is the one the user sees, and the model gets only stubs until it is fixed.
            bool compilerError = HasArgumentErrors(modelAttribute);
            // The partial declaration holding the first layer or loss member, and that member's name: every other such
            // member must be in the same one (SG0041).
            (SyntaxTree Tree, TextSpan Span, string Member)? firstMemberPart = null;
            DiagnosticInfo? splitDeclaration = null;

            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is not IPropertySymbol property)
                {
                    continue;
                }

                MemberAttributes attributes = ReadAttributes(property);
                if (attributes.IsEmpty)
                {
                    continue;
                }

                if (IsRedeclaration(property) || property.IsExtern || attributes.All.Any(HasArgumentErrors) || property.Type.TypeKind == TypeKind.Error)
                {
                    // The compiler reports a second property of the same name (CS0102, CS9250), an extern one, which is an
                    // implementing part without a defining one (CS9249), the attribute's arguments (CS1503, CS7036, ...) or
                    // a member type it cannot find (CS0246, a typo such as 'Lineer'): what this member would be is unknown,
                    // so the model's own checks say nothing.
                    compilerError = true;
                    invalidMember = true;
                    continue;
                }

                LocationInfo? memberLocation = LocationInfo.From(property.Locations.FirstOrDefault());
                if (SplitDeclaration(property, ref firstMemberPart, cancellationToken) is { } earlier)
                {
                    AttributeData firstAttribute = attributes.All.OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0).First();
                    splitDeclaration ??= DiagnosticInfo.Create(Diagnostics.MembersInSeveralParts, LocationOf(firstAttribute, memberLocation), property.Name, type.Name, earlier);
                    invalidMember = true;
                    continue;
                }

                if (attributes.Losses.Count > 0)
                {
                    if (attributes.Layers.Count > 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, attributes.Layers[0].Entry.MemberType, string.Empty));
                        invalidMember = true;
                        continue;
                    }

                    if (attributes.From is { } misplaced)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MisplacedFrom, LocationOf(misplaced, memberLocation), property.Name, "a loss reads the last layer's output; put [From] on a layer"));
                        invalidMember = true;
                    }

                    ParseLossMember(property, attributes, memberLocation, ref loss, diagnostics, cancellationToken, ref invalidMember);
                    lossDeclared = true;
                    continue;
                }

                if (attributes.Layers.Count > 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MultipleLayerKinds,
                        LocationOf(attributes.Layers[1].Attribute, memberLocation),
                        property.Name,
                        attributes.Layers[0].Entry.ShortName,
                        attributes.Layers[1].Entry.ShortName));
                    invalidMember = true;
                    continue;
                }

                (AttributeData Attribute, OpCatalog.Entry Entry)? primary = attributes.Layers.Count > 0
                    ? attributes.Layers[0]
                    : attributes.Activations.Count > 0 ? attributes.Activations[0] : null;
                if (primary is not { } layer)
                {
                    if (attributes.From is { } lone)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MisplacedFrom, LocationOf(lone, memberLocation), property.Name,
                            "the member declares no layer; put [From] beside a layer attribute, as in [From(nameof(Stem)), Conv2d(32, 1)]"));
                        invalidMember = true;
                    }

                    foreach ((AttributeData attribute, _) in attributes.Outputs)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MisplacedActivation,
                            LocationOf(attribute, memberLocation),
                            ShortName(attribute),
                            property.Name,
                            "it is a row-wise output activation; put it on the last layer"));
                        invalidMember = true;
                    }

                    continue;
                }

                if (!TryGetModifiers(property, layer.Entry.MemberType, out string modifiers))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, layer.Entry.MemberType, HiddenRuntimeType(property, layer.Entry.MemberType)));
                    invalidMember = true;
                    continue;
                }

                if (loss is not null)
                {
                    // The member's one error: checked further, it would also be "the last layer" (SG0006 for its activation).
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LossNotLast, memberLocation, property.Name, loss.Value.Spec.MemberName));
                    invalidMember = true;
                    continue;
                }

                // The activations after the layer: at most one, elementwise or a row-wise output activation.
                var trailing = attributes.Activations.Skip(attributes.Layers.Count == 0 ? 1 : 0).Select(a => a.Attribute)
                    .Concat(attributes.Outputs.Select(o => o.Attribute))
                    .OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
                    .ToList();
                if (trailing.Count > 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MultipleActivations,
                        LocationOf(trailing[1], memberLocation),
                        property.Name,
                        Format(trailing.Count + (attributes.Layers.Count == 0 ? 1 : 0))));
                }

                var ops = new List<Op>();
                LocationInfo? layerLocation = LocationOf(layer.Attribute, memberLocation);
                Op? op = layer.Entry.Parse(new AttributeReader(layer.Attribute, layer.Entry.ShortName, property.Name, layerLocation, diagnostics, cancellationToken));
                invalidOp |= op is null;
                if (op is not null)
                {
                    ops.Add(op);
                }

                LocationInfo? activationLocation = attributes.Layers.Count == 0 ? layerLocation : null;
                if (attributes.Layers.Count > 0 && attributes.Activations.Count > 0)
                {
                    (AttributeData activationAttribute, OpCatalog.Entry activation) = attributes.Activations[0];
                    activationLocation = LocationOf(activationAttribute, memberLocation);
                    Op? activationOp = activation.Parse(new AttributeReader(activationAttribute, activation.ShortName, property.Name, activationLocation, diagnostics, cancellationToken));
                    invalidOp |= activationOp is null;
                    if (activationOp is not null)
                    {
                        ops.Add(activationOp);
                    }
                }

                (OutputActivation Kind, LocationInfo? Location) output = (OutputActivation.None, null);
                if (attributes.Outputs.Count > 0)
                {
                    output = (attributes.Outputs[0].Kind, LocationOf(attributes.Outputs[0].Attribute, memberLocation));
                    activationLocation ??= output.Location;
                }

                string parameterName = StateDictNameOf(property, layer.Attribute, members, memberLocation, diagnostics, cancellationToken);

                string? from = null;
                if (attributes.From is { } fromAttribute)
                {
                    from = fromAttribute.ConstructorArguments.Length == 1 ? fromAttribute.ConstructorArguments[0].Value as string : null;
                    if (string.IsNullOrEmpty(from))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MisplacedFrom, LocationOf(fromAttribute, memberLocation), property.Name, "it names no member; name an earlier member with nameof(...), or ModelAttribute.Input for the model input"));
                        invalidMember = true;
                    }
                }

                members.Add(new MemberSpec(property.Name, parameterName, modifiers, layer.Entry.MemberType, ops.ToEquatableArray(), from));
                memberLocations.Add(layerLocation);
                activationLocations.Add(activationLocation);
                fromLocations.Add(attributes.From is { } fromSyntax ? LocationOf(fromSyntax, memberLocation) : null);
                outputActivations.Add(output);
            }

            if (splitDeclaration is not null)
            {
                // [Model] on two parts is the compiler's CS0579: that error is the one the user sees, as for other compiler
                // errors in the declaration; the model gets stubs either way.
                if (compilerError || ModelAttributeCount(type) > 1)
                {
                    compilerError = true;
                }
                else
                {
                    diagnostics.Add(splitDeclaration);
                }
            }

            // Softmax and LogSoftmax normalize a whole row: they are output activations of the last member only.
            // (An output activation that SG0011 already reports as a layer's second activation gets no second diagnostic.)
            for (int i = 0; i < members.Count - 1; i++)
            {
                if (outputActivations[i].Kind != OutputActivation.None
                    && !diagnostics.Any(d => d.Descriptor == Diagnostics.MultipleActivations && d.Location == outputActivations[i].Location))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MisplacedActivation,
                        outputActivations[i].Location,
                        outputActivations[i].Kind.ToString(),
                        members[i].MemberName,
                        "it is a row-wise output activation; only the last layer can have it"));
                    invalidMember = true;
                }
            }

            var inputProblems = new List<DiagnosticInfo>();
            TensorShape? input = ReadInput(type.Name, modelAttribute, modelLocation, FirstImageLayer(members), inputProblems);
            if (!HasArgumentErrors(modelAttribute))
            {
                diagnostics.InsertRange(inputDiagnostics, inputProblems);
            }

            invalidOp |= input is null;

            TensorShape[]? shapes = invalidOp || invalidMember ? null : InferShapes(input!.Value, members, memberLocations, fromLocations, diagnostics);
            if (shapes is not null)
            {
                CheckBranchesRejoin(members, shapes, memberLocations, diagnostics);
            }

            if (shapes is not null && shapes.Length > 0 && shapes[shapes.Length - 1].IsImage)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ImageOutput, memberLocations[shapes.Length - 1], type.Name, members[shapes.Length - 1].MemberName, shapes[shapes.Length - 1].ToString()));
            }
            else if (shapes is not null && !invalidMember)
            {
                var last = new LastMember(
                    members.Count > 0 ? members[members.Count - 1] : null,
                    shapes.Length > 0 ? shapes[shapes.Length - 1].Features : 0,
                    outputActivations.Count > 0 ? outputActivations[outputActivations.Count - 1].Kind : OutputActivation.None,
                    activationLocations.Count > 0 ? activationLocations[activationLocations.Count - 1] : null,
                    members.Count > 1 ? members[members.Count - 2] : null);
                CheckWholeModel(type.Name, members, last, loss, lossDeclared, inferenceOnly, classLocation, modelLocation, diagnostics);
            }

            CheckNameCollisions(type, diagnostics);
            if (diagnostics.Count > 0 || compilerError)
            {
                return Failed(type, diagnostics, withStubs, cancellationToken);
            }

            string ns = GeneratedNames.NamespaceOf(type);
            string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            OutputActivation modelOutput = outputActivations[outputActivations.Count - 1].Kind;
            (List<DiagnosticInfo> uninitialized, bool leavesNull) = UninitializedMembers(type, semanticModel, cancellationToken);
            var spec = new ModelSpec(ns, type.Name, accessibility, input!.Value, members.ToEquatableArray(), loss?.Spec, modelOutput, leavesNull);
            return new ParseResult(spec, uninitialized.ToEquatableArray());
        }

        /// <summary>A loss member: its type, its options, nothing after the loss.</summary>
        private static void ParseLossMember(
            IPropertySymbol property,
            MemberAttributes attributes,
            LocationInfo? memberLocation,
            ref LossDeclaration? loss,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken,
            ref bool invalidMember)
        {
            (AttributeData lossAttribute, LossKind kind) = attributes.Losses[0];
            if (attributes.Losses.Count > 1 || loss is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MultipleLosses, memberLocation, property.ContainingType.Name, property.Name));
                if (loss is not null)
                {
                    return;
                }
            }

            string expectedType = LossSpec.RuntimeTypeNameOf(kind);
            if (!TryGetModifiers(property, expectedType, out string modifiers))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, expectedType, HiddenRuntimeType(property, expectedType)));
                invalidMember = true;
                return;
            }

            foreach (AttributeData attribute in attributes.Activations.Select(a => a.Attribute).Concat(attributes.Outputs.Select(o => o.Attribute)))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.MisplacedActivation,
                    LocationOf(attribute, memberLocation),
                    ShortName(attribute),
                    property.Name,
                    "a loss takes the outputs of the last layer; put output activations on that layer"));
            }

            loss = ReadLoss(lossAttribute, kind, property.Name, modifiers, LocationOf(lossAttribute, memberLocation), diagnostics, cancellationToken);
        }

        /// <summary>
        /// The model's input shape: flat <c>Inputs</c>, or an image from <c>Channels</c>, <c>Height</c> and <c>Width</c>
        /// (with <c>Inputs</c>, if given, equal to their product). Reports SG0007 or SG0032 and returns null when invalid.
        /// </summary>
        /// <param name="firstLayer">The first member that takes images only, or null when the first layer that decides takes
        /// flat features (or none does): SG0007 then asks for Channels, Height and Width instead of Inputs.</param>
        private static TensorShape? ReadInput(string typeName, AttributeData attribute, LocationInfo? location, (string Member, string Op)? firstLayer, List<DiagnosticInfo> diagnostics)
        {
            int inputs = GetNamedInt(attribute, "Inputs");
            if (!attribute.NamedArguments.Any(a => a.Key is "Channels" or "Height" or "Width"))
            {
                if (inputs <= 0)
                {
                    string hint = firstLayer is { } layer
                        ? $"its first layer '{layer.Member}' ({layer.Op}) takes images: set [Model(Channels = C, Height = H, Width = W)] with each sample's channels, height and width"
                        : "set [Model(Inputs = N)] with N >= 1 input features per sample";
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidInputSize, location, typeName, Format(inputs), hint));
                    return null;
                }

                return TensorShape.Flat(inputs);
            }

            int channels = GetNamedInt(attribute, "Channels"), height = GetNamedInt(attribute, "Height"), width = GetNamedInt(attribute, "Width");
            // In decimal: three sizes of up to 2^31 reach 2^93, and 64 bits wrapped 2^21 x 2^21 x 2^22 to 0.
            decimal values = (decimal)channels * height * width;
            string count = values.ToString(CultureInfo.InvariantCulture);
            string? problem = channels <= 0 || height <= 0 || width <= 0
                ? $"Channels = {Format(channels)}, Height = {Format(height)} and Width = {Format(width)}; all three must be positive"
                : values > MaxParameters
                    ? $"Channels x Height x Width = {count} values per sample, more than {Format(MaxParameters)}"
                    : inputs != 0 && inputs != values
                        ? $"Inputs = {Format(inputs)} but Channels x Height x Width = {count}; leave Inputs out or make them agree"
                        : null;
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidImageInput, location, typeName, problem));
                return null;
            }

            return TensorShape.Image(channels, height, width);
        }

        /// <summary>
        /// The member whose op decides the model's input kind, when it takes images only (a Conv2d, a pool, BatchNorm2d,
        /// Dropout2d): the first op that takes one kind of input, images or flat features. Ops that take either (activations,
        /// Dropout, Flatten, Add, Concat) say nothing about the input, so they are skipped.
        /// </summary>
        private static (string Member, string Op)? FirstImageLayer(List<MemberSpec> members)
        {
            foreach (MemberSpec member in members)
            {
                foreach (Op op in member.Ops)
                {
                    if (op.TakesFlat != op.TakesImages)
                    {
                        return op.TakesImages ? (member.MemberName, op.Name) : null;
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Shape inference over the declaration, with the diagnostics it can raise: an op given a shape it does not take
        /// (an image to a Linear, flat features to a Conv2d) or a window that does not fit, a <c>[From]</c> or skip
        /// connection that names no earlier member or disagrees in shape, an output too large for one buffer, and a model
        /// too large for one parameter buffer. Sizes are counted in 64 bits. Returns each member's output shape, or null
        /// when a problem was reported.
        /// </summary>
        private static TensorShape[]? InferShapes(
            TensorShape input, List<MemberSpec> members, List<LocationInfo?> locations, List<LocationInfo?> fromLocations, List<DiagnosticInfo> diagnostics)
        {
            var outputs = new Dictionary<string, TensorShape>(System.StringComparer.Ordinal);
            var shapes = new TensorShape[members.Count];
            TensorShape previous = input;
            long parameters = 0;
            for (int m = 0; m < members.Count; m++)
            {
                MemberSpec member = members[m];

                // The output of an earlier member (or the model input) that [From] or a skip connection names; false after reporting SG0028.
                bool Resolve(string attribute, string name, LocationInfo? location, out TensorShape shape)
                {
                    if (name == ModelSpec.InputReference)
                    {
                        shape = input;
                        return true;
                    }

                    if (outputs.TryGetValue(name, out shape))
                    {
                        return true;
                    }

                    string why = name == member.MemberName ? "which is this member itself (a cycle)"
                        : members.Any(other => other.MemberName == name) ? "which is declared after it (data flows in declaration order)"
                        : "which is not a layer of this model";
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidReference, location, attribute, member.MemberName, name, why));
                    return false;
                }

                if (member.From is { } from)
                {
                    if (!Resolve("From", from, fromLocations[m], out previous))
                    {
                        return null;
                    }
                }

                foreach (Op op in member.Ops)
                {
                    TensorShape second = default;
                    if (op.Skip is { } skip)
                    {
                        if (!Resolve(op.Name, skip, locations[m], out second))
                        {
                            return null;
                        }

                        if (!op.InputsAgree(new[] { previous, second }.ToEquatableArray()))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ShapeMismatch, locations[m], op.Name, member.MemberName, skip, second.ToString(), previous.ToString(), op.AgreementRule));
                            return null;
                        }
                    }

                    EquatableArray<TensorShape> inputs = new[] { previous, second }.Take(op.Arity).ToEquatableArray();
                    string? branch = member.From is { } source && op == member.Ops[0]
                        ? source == ModelSpec.InputReference ? "the model input ([From])" : $"'{source}' ([From])"
                        : null;
                    string? problem = previous.IsImage && !op.TakesImages
                        ? branch is null ? "it takes flat features [B, F]; add a [Flatten] member before it" : $"it takes flat features [B, F], and its input is the image of {branch}"
                        : !previous.IsImage && !op.TakesFlat
                            ? branch is null
                                ? "it takes images [B, C, H, W]; declare the model's input with [Model(Channels = C, Height = H, Width = W)] and keep it an image up to here"
                                : $"it takes images [B, C, H, W], and its input is the flat output of {branch}; name a member whose output is an image"
                            : op.GeometryProblem(inputs);
                    if (problem is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidLayerInput, locations[m], op.Name, member.MemberName, previous.ToString(), problem));
                        return null;
                    }

                    TensorShape output = op.OutputShape(inputs);
                    ParameterDecl[] declared = op.Parameters(inputs).ToArray();
                    long added = declared.Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d));
                    parameters += added;
                    if (parameters > MaxParameters)
                    {
                        // The layer's own tensors as PyTorch shapes them: a Linear's [out, in] weight, a Conv2d's
                        // [out, in/groups, kh, kw], no bias where Bias = false.
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.ModelTooLarge,
                            locations[m],
                            member.MemberName,
                            Format(parameters),
                            DescribeParameters(declared),
                            Format(MaxParameters)));
                        return null;
                    }

                    if (output.Elements > MaxParameters)
                    {
                        // An output too large for one buffer (a wide convolution over a large image, an upsampling):
                        // SG0024 speaks of parameters, which may be few.
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.InvalidLayerInput,
                            locations[m],
                            op.Name,
                            member.MemberName,
                            previous.ToString(),
                            $"its output {output} holds {((decimal)output.Channels * output.Height * output.Width).ToString(CultureInfo.InvariantCulture)} values per sample, more than one buffer holds ({Format(MaxParameters)})"));
                        return null;
                    }

                    previous = output;
                }

                outputs[member.MemberName] = previous;
                shapes[m] = previous;
            }

            return shapes;
        }

        /// <summary>
        /// SG0036 for a member whose output nothing reads: the member just before a <c>[From]</c> member is not read by it,
        /// so a later member must name it (<c>[Add]</c>, <c>[Concat]</c> or <c>[From]</c>), or its work would be lost.
        /// </summary>
        private static void CheckBranchesRejoin(List<MemberSpec> members, TensorShape[] shapes, List<LocationInfo?> locations, List<DiagnosticInfo> diagnostics)
        {
            for (int m = 0; m + 1 < members.Count; m++)
            {
                string name = members[m].MemberName;
                if (members[m + 1].From is not { } from || from == name)
                {
                    continue;
                }

                bool read = members.Skip(m + 1).Any(later => later.From == name || later.Ops.Any(op => op.Skip == name));
                if (!read)
                {
                    string source = from == ModelSpec.InputReference ? "the model input" : from;
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnreadOutput, locations[m], name, shapes[m].ToString(), members[m + 1].MemberName, source));
                }
            }
        }

        /// <summary>What the whole-model checks need of the last member.</summary>
        private readonly record struct LastMember(MemberSpec? Member, int Features, OutputActivation Output, LocationInfo? ActivationLocation, MemberSpec? Before)
        {
            /// <summary>
            /// What the member ends in, as the loss checks' messages say it: its activation, or "no activation", with the
            /// way out when it is a bare [Flatten] after a member that ends in one (PyTorch's <c>nn.Sigmoid(), nn.Flatten()</c>
            /// order: the activation is read from the last member, so it goes on the Flatten).
            /// </summary>
            public string Has
            {
                get
                {
                    if (HasActivation)
                    {
                        return $"[{ActivationName}]";
                    }

                    return Member is { Ops.Count: 1 } member && member.Ops[0] is FlattenOp && Before is { Ops.Count: > 0 } before && before.Ops[before.Ops.Count - 1] is ActivationOp { Kind: var kind and not ActivationKind.None }
                        ? $"no activation (the [{kind}] is on '{before.MemberName}', before this [Flatten]: StaticGrad takes the output activation from the last member, so write [Flatten, {kind}] here and drop it there)"
                        : "no activation";
                }
            }

            /// <summary>The elementwise activation the member ends in, if any.</summary>
            public ActivationKind Activation => Member is { Ops.Count: > 0 } m && m.Ops[m.Ops.Count - 1] is ActivationOp a ? a.Kind : ActivationKind.None;

            /// <summary>The activation as diagnostics name it.</summary>
            public string ActivationName => Output != OutputActivation.None ? Output.ToString() : Activation.ToString();

            public bool HasActivation => Output != OutputActivation.None || Activation != ActivationKind.None;
        }

        /// <summary>The checks that need every member: at least one layer with parameters, then a loss or an output activation that fits the last member.</summary>
        private static void CheckWholeModel(
            string typeName,
            List<MemberSpec> members,
            LastMember last,
            LossDeclaration? loss,
            bool lossDeclared,
            bool inferenceOnly,
            LocationInfo? classLocation,
            LocationInfo? modelLocation,
            List<DiagnosticInfo> diagnostics)
        {
            if (!members.Any(m => m.Ops.Any(op => op.HasParameters)))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoLayers, classLocation, typeName));
            }
            else if (inferenceOnly && loss is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InferenceOnlyWithLoss, modelLocation, typeName, loss.Value.Spec.MemberName));
            }
            else if (loss is null && !lossDeclared)
            {
                CheckInferenceOnly(typeName, last, inferenceOnly, classLocation, diagnostics);
            }
            else if (loss is not null)
            {
                CheckLossAgainstLastMember(loss.Value, last, diagnostics);
            }
        }

        /// <summary>A parsed loss plus what the checks against the last layer need: declared widths, weights and where they are written.</summary>
        private readonly record struct LossDeclaration(
            LossSpec Spec,
            int DeclaredWidth,
            LocationInfo? AttributeLocation,
            float[]? Weights,
            LocationInfo? WeightsLocation,
            float[]? PosWeight,
            LocationInfo? PosWeightLocation);

        /// <summary>Reads a loss attribute's arguments and reports the checks that need nothing but the attribute.</summary>
        private static LossDeclaration ReadLoss(
            AttributeData attribute,
            LossKind kind,
            string memberName,
            string modifiers,
            LocationInfo? attributeLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            float labelSmoothing = GetNamedFloat(attribute, "LabelSmoothing");
            if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidLabelSmoothing, attributeLocation, memberName, Format(labelSmoothing)));
            }

            int reduction = GetNamedInt(attribute, "Reduction");
            if (reduction is not ((int)ReductionKind.Mean or (int)ReductionKind.Sum or (int)ReductionKind.None))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidReduction, attributeLocation, memberName, Format(reduction)));
            }

            int targets = GetNamedInt(attribute, "Targets");
            if (targets is not ((int)TargetsKind.ClassIndices or (int)TargetsKind.Probabilities))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidTargetKind, attributeLocation, memberName, Format(targets)));
            }

            int ignoreIndex = HasNamed(attribute, "IgnoreIndex") ? GetNamedInt(attribute, "IgnoreIndex") : LossSpec.DefaultIgnoreIndex;
            // PyTorch refuses only an ignore index other than its default for probability targets: -100 written out is accepted.
            if (targets == (int)TargetsKind.Probabilities && ignoreIndex != LossSpec.DefaultIgnoreIndex)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.IgnoreIndexWithProbabilities,
                    ArgumentLocation(attribute, "IgnoreIndex", attributeLocation, cancellationToken),
                    memberName,
                    Format(ignoreIndex)));
            }

            float[]? weights = GetNamedFloatArray(attribute, "Weights");
            LocationInfo? weightsLocation = ArgumentLocation(attribute, "Weights", attributeLocation, cancellationToken);
            CheckWeightValues(memberName, "Weights", weights, weightsLocation, diagnostics);
            float[]? posWeight = GetNamedFloatArray(attribute, "PosWeight");
            LocationInfo? posWeightLocation = ArgumentLocation(attribute, "PosWeight", attributeLocation, cancellationToken);
            CheckWeightValues(memberName, "PosWeight", posWeight, posWeightLocation, diagnostics);

            float parameter = kind switch
            {
                LossKind.SmoothL1 => HasNamed(attribute, "Beta") ? GetNamedFloat(attribute, "Beta") : 1f,
                LossKind.Huber => HasNamed(attribute, "Delta") ? GetNamedFloat(attribute, "Delta") : 1f,
                _ => 0f,
            };
            if (kind == LossKind.SmoothL1 && !(parameter >= 0f && !float.IsInfinity(parameter)))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidOpArgument, ArgumentLocation(attribute, "Beta", attributeLocation, cancellationToken), "SmoothL1Loss", memberName, "Beta", Format(parameter), "it must be finite and non-negative (0 is L1)"));
            }
            else if (kind == LossKind.Huber && !(parameter > 0f && !float.IsInfinity(parameter)))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidOpArgument, ArgumentLocation(attribute, "Delta", attributeLocation, cancellationToken), "HuberLoss", memberName, "Delta", Format(parameter), "it must be finite and positive"));
            }

            int fusedHead = GetNamedInt(attribute, "FusedHead");
            if (fusedHead is not (0 or 1 or 2))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidOpArgument, ArgumentLocation(attribute, "FusedHead", attributeLocation, cancellationToken), "SoftmaxCrossEntropy", memberName, "FusedHead", Format(fusedHead), "use FusedHeadMode.Auto, Always or Never"));
            }

            int declaredWidth = GetNamedInt(attribute, kind is LossKind.BinaryCrossEntropyWithLogits or LossKind.BinaryCrossEntropy ? "Outputs" : "Classes");
            var spec = new LossSpec(
                memberName,
                modifiers,
                kind,
                labelSmoothing,
                (ReductionKind)reduction,
                ignoreIndex,
                (TargetsKind)targets,
                (weights ?? new float[0]).ToEquatableArray(),
                (posWeight ?? new float[0]).ToEquatableArray(),
                parameter,
                fusedHead);
            return new LossDeclaration(spec, declaredWidth, attributeLocation, weights, weightsLocation, posWeight, posWeightLocation);
        }

        private static void CheckWeightValues(string memberName, string argument, float[]? values, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (values is null)
            {
                return;
            }

            for (int i = 0; i < values.Length; i++)
            {
                float value = values[i];
                if (!(value >= 0f) || float.IsInfinity(value))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidWeight, location, memberName, argument, Format(i), Format(value)));
                    return;
                }
            }
        }

        /// <summary>
        /// A model without a loss is inference-only when its last member ends in an output activation, or when it says so
        /// (<c>InferenceOnly = true</c>: raw outputs).
        /// </summary>
        private static void CheckInferenceOnly(string typeName, LastMember last, bool inferenceOnly, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics)
        {
            if (!inferenceOnly && last.Output == OutputActivation.None && last.Activation != ActivationKind.Sigmoid)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, classLocation, typeName, last.Member!.MemberName));
            }
            else if (last.Features == 1 && last.Output != OutputActivation.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxOverOneOutput, last.ActivationLocation, $"[{last.Output}]", last.Member!.MemberName));
            }
        }

        /// <summary>The checks that need both the loss and the last member: activation, width, weight lengths.</summary>
        private static void CheckLossAgainstLastMember(LossDeclaration loss, LastMember last, List<DiagnosticInfo> diagnostics)
        {
            LossSpec spec = loss.Spec;
            string lastName = last.Member!.MemberName;
            if (spec.Kind == LossKind.Nll)
            {
                if (last.Output != OutputActivation.LogSoftmax)
                {
                    string has = last.Has;
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NllWithoutLogSoftmax, loss.AttributeLocation, spec.MemberName, lastName, has));
                }
            }
            else if (spec.Kind == LossKind.BinaryCrossEntropy)
            {
                // PyTorch's BCELoss takes probabilities: the last layer must end in a Sigmoid (an elementwise op, so its
                // backward runs as any activation's), as NllLoss must follow a LogSoftmax.
                if (last.Activation != ActivationKind.Sigmoid || last.Output != OutputActivation.None)
                {
                    string has = last.Has;
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.BinaryCrossEntropyWithoutSigmoid, loss.AttributeLocation, spec.MemberName, lastName, has));
                }
            }
            else if (spec.IsRegression ? last.Output != OutputActivation.None : last.HasActivation)
            {
                string why = spec.IsRegression
                    ? $"a row-wise output activation cannot be trained through; the loss '{spec.MemberName}' takes the outputs of '{lastName}' element by element"
                    : $"it is the last layer and the loss '{spec.MemberName}' takes its raw logits";
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MisplacedActivation, last.ActivationLocation, last.ActivationName, lastName, why));
            }

            if (loss.DeclaredWidth != 0 && loss.DeclaredWidth != last.Features)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    spec.IsBinaryCrossEntropy ? Diagnostics.BinaryHeadWidthMismatch : Diagnostics.ClassCountMismatch,
                    loss.AttributeLocation,
                    spec.MemberName,
                    Format(loss.DeclaredWidth),
                    lastName,
                    Format(last.Features)));
            }
            else if (last.Features == 1 && !spec.IsElementwise)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxOverOneOutput, loss.AttributeLocation, $"Loss '{spec.MemberName}'", lastName));
            }

            CheckWeightsLength(spec.MemberName, "Weights", loss.Weights, loss.WeightsLocation, lastName, last.Features, diagnostics);
            CheckWeightsLength(spec.MemberName, "PosWeight", loss.PosWeight, loss.PosWeightLocation, lastName, last.Features, diagnostics);
        }

        private static void CheckWeightsLength(string memberName, string argument, float[]? values, LocationInfo? location, string lastName, int features, List<DiagnosticInfo> diagnostics)
        {
            if (values is not null && values.Length != features)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.WeightsLengthMismatch,
                    location,
                    memberName,
                    Format(values.Length),
                    argument,
                    lastName,
                    Format(features)));
            }
        }

        /// <summary>A property's StaticGrad attributes, sorted: layers, elementwise activations (catalog ops), row-wise output activations, losses.</summary>
        private readonly record struct MemberAttributes(
            List<(AttributeData Attribute, OpCatalog.Entry Entry)> Layers,
            List<(AttributeData Attribute, OpCatalog.Entry Entry)> Activations,
            List<(AttributeData Attribute, OutputActivation Kind)> Outputs,
            List<(AttributeData Attribute, LossKind Kind)> Losses,
            AttributeData? From)
        {
            public bool IsEmpty => Layers.Count == 0 && Activations.Count == 0 && Outputs.Count == 0 && Losses.Count == 0 && From is null;

            /// <summary>Every one of the attributes.</summary>
            public IEnumerable<AttributeData> All
                => Layers.Select(l => l.Attribute)
                    .Concat(Activations.Select(a => a.Attribute))
                    .Concat(Outputs.Select(o => o.Attribute))
                    .Concat(Losses.Select(l => l.Attribute))
                    .Concat(From is null ? Enumerable.Empty<AttributeData>() : new[] { From });
        }

        private static MemberAttributes ReadAttributes(IPropertySymbol property)
        {
            var layers = new List<(AttributeData, OpCatalog.Entry)>();
            var activations = new List<(AttributeData, OpCatalog.Entry)>();
            var outputs = new List<(AttributeData, OutputActivation)>();
            var losses = new List<(AttributeData, LossKind)>();
            AttributeData? from = null;
            foreach (AttributeData attribute in property.GetAttributes())
            {
                INamedTypeSymbol? attributeClass = attribute.AttributeClass;
                if (attributeClass is null || attributeClass.ContainingNamespace?.ToDisplayString() != RuntimeNamespace)
                {
                    continue;
                }

                if (OpCatalog.Find(attributeClass.Name) is { } entry)
                {
                    (entry.IsActivation ? activations : layers).Add((attribute, entry));
                }
                else if (OutputActivationAttributes.TryGetValue(attributeClass.Name, out OutputActivation output))
                {
                    outputs.Add((attribute, output));
                }
                else if (LossAttributes.TryGetValue(attributeClass.Name, out LossKind lossKind))
                {
                    losses.Add((attribute, lossKind));
                }
                else if (attributeClass.Name == FromAttributeName)
                {
                    from = attribute;
                }
            }

            return new MemberAttributes(layers, activations, outputs, losses, from);
        }

        /// <summary>
        /// Accepts only <c>partial T Name { get; }</c> with the runtime type <paramref name="typeName"/>, and returns
        /// the modifiers the implementation must repeat.
        /// </summary>
        private static bool TryGetModifiers(IPropertySymbol property, string typeName, out string modifiers)
        {
            modifiers = string.Empty;
            if (property.IsStatic
                || property.IsAbstract
                || property.RefKind != RefKind.None
                || property.PartialImplementationPart is not null
                || property.SetMethod is not null
                || property.Type.Name != typeName
                || property.Type.NullableAnnotation == NullableAnnotation.Annotated
                || property.Type.ContainingNamespace?.ToDisplayString() != RuntimeNamespace
                || property.DeclaringSyntaxReferences.Length != 1
                || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax syntax
                || !syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
                || syntax.ExplicitInterfaceSpecifier is not null
                || syntax.ExpressionBody is not null
                || syntax.AccessorList is null
                || syntax.AccessorList.Accessors.Count != 1
                || !syntax.AccessorList.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
                || syntax.AccessorList.Accessors[0].Body is not null
                || syntax.AccessorList.Accessors[0].ExpressionBody is not null)
            {
                return false;
            }

            modifiers = ImplementationModifiers(syntax.Modifiers, property.ContainingType);
            return true;
        }

        /// <summary>
        /// SG0009's explanation when the member's type has the runtime type's name but is another type, one that hides
        /// StaticGrad's where the member is declared (a class of the model nested in it, or of the namespace): the
        /// declaration reads right, so the message names the type it binds to. Empty otherwise.
        /// </summary>
        private static string HiddenRuntimeType(IPropertySymbol property, string typeName)
        {
            ITypeSymbol type = property.Type;
            if (type.Name != typeName || type.TypeKind == TypeKind.Error || type.ContainingNamespace?.ToDisplayString() == RuntimeNamespace)
            {
                return string.Empty;
            }

            return $"; '{typeName}' here is '{type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}', which hides StaticGrad.{typeName}: "
                + $"rename that type or write 'global::StaticGrad.{typeName}'";
        }

        /// <summary>True when the class name or an enclosing namespace name is missing or malformed.</summary>
        private static bool HasIncompleteHeader(TypeDeclarationSyntax declaration)
        {
            if (declaration.Identifier.IsMissing || declaration.Identifier.ValueText.Length == 0)
            {
                return true;
            }

            foreach (BaseNamespaceDeclarationSyntax ns in declaration.Ancestors().OfType<BaseNamespaceDeclarationSyntax>())
            {
                if (ns.Name.IsMissing || ns.Name.ContainsDiagnostics)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The name of the first layer or loss member when <paramref name="property"/> is declared in another part of the
        /// partial class than it (SG0041), else null; the first call records that member's part. Declaration order is
        /// the data flow, and C# orders the parts of a partial class by the files' order in the compilation: renaming a
        /// file would reorder the layers.
        /// </summary>
        private static string? SplitDeclaration(IPropertySymbol property, ref (SyntaxTree Tree, TextSpan Span, string Member)? firstMemberPart, CancellationToken cancellationToken)
        {
            if (property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken).Parent is not TypeDeclarationSyntax part)
            {
                return null;
            }

            if (firstMemberPart is not { } first)
            {
                firstMemberPart = (part.SyntaxTree, part.Span, property.Name);
                return null;
            }

            return first.Tree == part.SyntaxTree && first.Span == part.Span ? null : first.Member;
        }

        private static LocationInfo? LocationOf(AttributeData attribute, LocationInfo? fallback)
            => LocationInfo.From(attribute.ApplicationSyntaxReference) ?? fallback;

        private static string ShortName(AttributeData attribute)
        {
            string name = attribute.AttributeClass?.Name ?? "?";
            return name.EndsWith("Attribute", System.StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
        }

        private static int GetNamedInt(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Value is int value)
                {
                    return value;
                }
            }

            return 0;
        }

        private static float GetNamedFloat(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    return argument.Value.Value switch
                    {
                        float f => f,
                        double d => (float)d,
                        int i => i,
                        _ => 0f,
                    };
                }
            }

            return 0f;
        }

        private static bool HasNamed(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The values of a <c>float[]</c> named argument, or null when it is absent or <c>null</c>.</summary>
        private static float[]? GetNamedFloatArray(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    if (argument.Value.Kind != TypedConstantKind.Array || argument.Value.IsNull)
                    {
                        return null;
                    }

                    return argument.Value.Values
                        .Select(v => v.Value switch
                        {
                            float f => f,
                            double d => (float)d,
                            int i => i,
                            _ => float.NaN,
                        })
                        .ToArray();
                }
            }

            return null;
        }

        /// <summary>The location of the named argument <paramref name="name"/> in the attribute's syntax, else <paramref name="fallback"/>.</summary>
        private static LocationInfo? ArgumentLocation(AttributeData attribute, string name, LocationInfo? fallback, CancellationToken cancellationToken)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments })
            {
                foreach (AttributeArgumentSyntax argument in arguments.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == name)
                    {
                        return LocationInfo.From(argument.GetLocation()) ?? fallback;
                    }
                }
            }

            return fallback;
        }

        /// <summary>
        /// A layer's parameters for SG0024: each tensor's shape and name, <c>100000000 x 784 weights and 100000000 biases</c>
        /// for a <c>Linear</c>, <c>64 x 3 x 3 x 3 weights and 64 biases</c> for a <c>Conv2d</c>.
        /// </summary>
        private static string DescribeParameters(IReadOnlyList<ParameterDecl> declared)
        {
            string[] parts = declared
                .Select(p => $"{string.Join(" x ", p.Shape.Select(d => Format(d)))} {(p.Suffix == "bias" ? "biases" : p.Suffix + "s")}")
                .ToArray();
            return parts.Length switch
            {
                0 => "no parameters of its own",
                1 => parts[0],
                _ => string.Join(", ", parts, 0, parts.Length - 1) + " and " + parts[parts.Length - 1],
            };
        }

        private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
