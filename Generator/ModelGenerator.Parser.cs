using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    /// <summary>Turns the symbols of one <c>[Model]</c> class into a <see cref="ModelSpec"/> plus diagnostics.</summary>
    internal static partial class Parser
    {
        private const string RuntimeNamespace = "StaticGrad";
        private const string LinearAttributeName = "LinearAttribute";
        private const string LinearTypeName = "Linear";

        private static readonly ImmutableDictionary<string, LossKind> LossAttributes =
            ImmutableDictionary.CreateRange(new[]
            {
                new KeyValuePair<string, LossKind>("SoftmaxCrossEntropyAttribute", LossKind.SoftmaxCrossEntropy),
                new KeyValuePair<string, LossKind>("NllLossAttribute", LossKind.Nll),
                new KeyValuePair<string, LossKind>("BinaryCrossEntropyWithLogitsAttribute", LossKind.BinaryCrossEntropyWithLogits),
            });

        private static readonly ImmutableDictionary<string, ActivationKind> ActivationAttributes =
            ImmutableDictionary.CreateRange(new[]
            {
                new KeyValuePair<string, ActivationKind>("ReLUAttribute", ActivationKind.ReLU),
                new KeyValuePair<string, ActivationKind>("SigmoidAttribute", ActivationKind.Sigmoid),
                new KeyValuePair<string, ActivationKind>("TanhAttribute", ActivationKind.Tanh),
                new KeyValuePair<string, ActivationKind>("SoftmaxAttribute", ActivationKind.Softmax),
                new KeyValuePair<string, ActivationKind>("LogSoftmaxAttribute", ActivationKind.LogSoftmax),
            });

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
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
                return Failed(type, diagnostics, cancellationToken);
            }

            AttributeData modelAttribute = context.Attributes[0];
            int inputSize = GetNamedInt(modelAttribute, "Inputs");
            if (inputSize <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.InvalidInputSize,
                    LocationInfo.From(modelAttribute.ApplicationSyntaxReference) ?? classLocation,
                    type.Name,
                    Format(inputSize)));
            }

            var layers = new List<LayerSpec>();
            var activationLocations = new List<LocationInfo?>();
            var layerLocations = new List<LocationInfo?>();
            LossDeclaration? loss = null;
            bool lossDeclared = false;

            // A member declared wrongly may be the missing layer or loss: the checks of the whole model then say nothing.
            bool invalidMember = false;
            bool invalidSize = inputSize <= 0;

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

                LocationInfo? memberLocation = LocationInfo.From(property.Locations.FirstOrDefault());
                if (attributes.Linear is null && attributes.Losses.Count == 0)
                {
                    foreach ((AttributeData attribute, _) in attributes.Activations)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MisplacedActivation,
                            LocationOf(attribute, memberLocation),
                            ShortName(attribute),
                            property.Name,
                            "the member has no [Linear] layer whose output it could transform"));
                    }

                    continue;
                }

                if (attributes.Linear is not null && attributes.Losses.Count > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, LinearTypeName));
                    invalidMember = true;
                    continue;
                }

                if (attributes.Linear is { } linear)
                {
                    if (!TryGetModifiers(property, LinearTypeName, out string layerModifiers))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, LinearTypeName));
                        invalidMember = true;
                        continue;
                    }

                    if (loss is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LossNotLast, memberLocation, property.Name, loss.Value.Spec.MemberName));
                    }

                    int outputs = linear.ConstructorArguments.Length == 1 && linear.ConstructorArguments[0].Value is int value ? value : 0;
                    if (outputs <= 0)
                    {
                        invalidSize = true;
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidLayerSize, LocationOf(linear, memberLocation), property.Name, Format(outputs)));
                    }

                    if (attributes.Activations.Count > 1)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            Diagnostics.MultipleActivations,
                            LocationOf(attributes.Activations[1].Attribute, memberLocation),
                            property.Name,
                            Format(attributes.Activations.Count)));
                    }

                    string parameterName = NameConventions.ToSnakeCase(property.Name);
                    LayerSpec? sameName = layers.FirstOrDefault(l => l.ParameterName == parameterName);
                    if (sameName is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DuplicateParameterName, memberLocation, property.Name, sameName.MemberName, parameterName));
                    }

                    ActivationKind activation = attributes.Activations.Count > 0 ? attributes.Activations[0].Kind : ActivationKind.None;
                    layers.Add(new LayerSpec(property.Name, parameterName, layerModifiers, outputs, activation));
                    layerLocations.Add(LocationOf(linear, memberLocation));
                    activationLocations.Add(attributes.Activations.Count > 0 ? LocationOf(attributes.Activations[0].Attribute, memberLocation) : null);
                    continue;
                }

                (AttributeData lossAttribute, LossKind kind) = attributes.Losses[0];
                lossDeclared = true;
                if (attributes.Losses.Count > 1 || loss is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MultipleLosses, memberLocation, type.Name, property.Name));
                    if (loss is not null)
                    {
                        continue;
                    }
                }

                string expectedType = LossSpec.RuntimeTypeNameOf(kind);
                if (!TryGetModifiers(property, expectedType, out string modifiers))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, expectedType));
                    invalidMember = true;
                    continue;
                }

                foreach ((AttributeData attribute, _) in attributes.Activations)
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

            // Softmax and LogSoftmax normalize a whole row: they are output activations of the last layer only.
            for (int i = 0; i < layers.Count - 1; i++)
            {
                if (layers[i].Activation is ActivationKind.Softmax or ActivationKind.LogSoftmax)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MisplacedActivation,
                        activationLocations[i],
                        layers[i].Activation.ToString(),
                        layers[i].MemberName,
                        "it is a row-wise output activation; only the last layer can have it"));
                }
            }

            if (!invalidMember)
            {
                CheckWholeModel(type.Name, layers, activationLocations, loss, lossDeclared, classLocation, diagnostics);
            }

            if (!invalidSize)
            {
                CheckModelSize(inputSize, layers, layerLocations, diagnostics);
            }

            CheckNameCollisions(type, diagnostics);
            if (diagnostics.Count > 0)
            {
                return Failed(type, diagnostics, cancellationToken);
            }

            string ns = GeneratedNames.NamespaceOf(type);
            string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            var spec = new ModelSpec(ns, type.Name, accessibility, inputSize, layers.ToEquatableArray(), loss?.Spec);
            return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>The checks that need every member: at least one layer, then a loss or an output activation that fits the last layer.</summary>
        private static void CheckWholeModel(
            string typeName,
            List<LayerSpec> layers,
            List<LocationInfo?> activationLocations,
            LossDeclaration? loss,
            bool lossDeclared,
            LocationInfo? classLocation,
            List<DiagnosticInfo> diagnostics)
        {
            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoLayers, classLocation, typeName));
            }
            else if (loss is null && !lossDeclared)
            {
                CheckInferenceOnly(typeName, layers[layers.Count - 1], activationLocations[activationLocations.Count - 1], classLocation, diagnostics);
            }
            else if (loss is not null)
            {
                CheckLossAgainstLastLayer(loss.Value, layers[layers.Count - 1], activationLocations[activationLocations.Count - 1], diagnostics);
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
            if (targets == (int)TargetsKind.Probabilities && HasNamed(attribute, "IgnoreIndex"))
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

            int declaredWidth = GetNamedInt(attribute, kind == LossKind.BinaryCrossEntropyWithLogits ? "Outputs" : "Classes");
            var spec = new LossSpec(
                memberName,
                modifiers,
                kind,
                labelSmoothing,
                (ReductionKind)reduction,
                ignoreIndex,
                (TargetsKind)targets,
                (weights ?? new float[0]).ToEquatableArray(),
                (posWeight ?? new float[0]).ToEquatableArray());
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

        /// <summary>A model without a loss is inference-only when its last layer has an output activation.</summary>
        private static void CheckInferenceOnly(string typeName, LayerSpec last, LocationInfo? activationLocation, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics)
        {
            if (last.Activation is not (ActivationKind.Softmax or ActivationKind.LogSoftmax or ActivationKind.Sigmoid))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, classLocation, typeName, last.MemberName));
            }
            else if (last.Outputs == 1 && (last.Activation is ActivationKind.Softmax or ActivationKind.LogSoftmax))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxOverOneOutput, activationLocation, $"[{last.Activation}]", last.MemberName));
            }
        }

        /// <summary>The checks that need both the loss and the last layer: activation, width, weight lengths.</summary>
        private static void CheckLossAgainstLastLayer(LossDeclaration loss, LayerSpec last, LocationInfo? activationLocation, List<DiagnosticInfo> diagnostics)
        {
            LossSpec spec = loss.Spec;
            if (spec.Kind == LossKind.Nll)
            {
                if (last.Activation != ActivationKind.LogSoftmax)
                {
                    string has = last.Activation == ActivationKind.None ? "no activation" : $"[{last.Activation}]";
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NllWithoutLogSoftmax, loss.AttributeLocation, spec.MemberName, last.MemberName, has));
                }
            }
            else if (last.Activation != ActivationKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.MisplacedActivation,
                    activationLocation,
                    last.Activation.ToString(),
                    last.MemberName,
                    $"it is the last layer and the loss '{spec.MemberName}' takes its raw logits"));
            }

            if (last.Outputs <= 0)
            {
                return;
            }

            if (loss.DeclaredWidth != 0 && loss.DeclaredWidth != last.Outputs)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    spec.Kind == LossKind.BinaryCrossEntropyWithLogits ? Diagnostics.BinaryHeadWidthMismatch : Diagnostics.ClassCountMismatch,
                    loss.AttributeLocation,
                    spec.MemberName,
                    Format(loss.DeclaredWidth),
                    last.MemberName,
                    Format(last.Outputs)));
            }
            else if (last.Outputs == 1 && spec.Kind != LossKind.BinaryCrossEntropyWithLogits)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SoftmaxOverOneOutput, loss.AttributeLocation, $"Loss '{spec.MemberName}'", last.MemberName));
            }

            CheckWeightsLength(spec.MemberName, "Weights", loss.Weights, loss.WeightsLocation, last, diagnostics);
            CheckWeightsLength(spec.MemberName, "PosWeight", loss.PosWeight, loss.PosWeightLocation, last, diagnostics);
        }

        private static void CheckWeightsLength(string memberName, string argument, float[]? values, LocationInfo? location, LayerSpec last, List<DiagnosticInfo> diagnostics)
        {
            if (values is not null && values.Length != last.Outputs)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    Diagnostics.WeightsLengthMismatch,
                    location,
                    memberName,
                    Format(values.Length),
                    argument,
                    last.MemberName,
                    Format(last.Outputs)));
            }
        }

        private readonly record struct MemberAttributes(
            AttributeData? Linear,
            List<(AttributeData Attribute, LossKind Kind)> Losses,
            List<(AttributeData Attribute, ActivationKind Kind)> Activations)
        {
            public bool IsEmpty => Linear is null && Losses.Count == 0 && Activations.Count == 0;
        }

        private static MemberAttributes ReadAttributes(IPropertySymbol property)
        {
            AttributeData? linear = null;
            var losses = new List<(AttributeData, LossKind)>();
            var activations = new List<(AttributeData, ActivationKind)>();
            foreach (AttributeData attribute in property.GetAttributes())
            {
                INamedTypeSymbol? attributeClass = attribute.AttributeClass;
                if (attributeClass is null || attributeClass.ContainingNamespace?.ToDisplayString() != RuntimeNamespace)
                {
                    continue;
                }

                if (attributeClass.Name == LinearAttributeName)
                {
                    linear = attribute;
                }
                else if (LossAttributes.TryGetValue(attributeClass.Name, out LossKind lossKind))
                {
                    losses.Add((attribute, lossKind));
                }
                else if (ActivationAttributes.TryGetValue(attributeClass.Name, out ActivationKind kind))
                {
                    activations.Add((attribute, kind));
                }
            }

            return new MemberAttributes(linear, losses, activations);
        }

        /// <summary>
        /// Accepts only <c>partial T Name { get; }</c> with the runtime type <paramref name="typeName"/>, and returns
        /// the modifiers the implementation must repeat.
        /// </summary>
        private static bool TryGetModifiers(IPropertySymbol property, string typeName, out string modifiers)
        {
            modifiers = string.Empty;
            if (property.IsStatic
                || property.SetMethod is not null
                || property.Type.Name != typeName
                || property.Type.NullableAnnotation == NullableAnnotation.Annotated
                || property.Type.ContainingNamespace?.ToDisplayString() != RuntimeNamespace
                || property.DeclaringSyntaxReferences.Length != 1
                || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax syntax
                || !syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
                || syntax.ExpressionBody is not null
                || syntax.AccessorList is null
                || syntax.AccessorList.Accessors.Count != 1
                || !syntax.AccessorList.Accessors[0].IsKind(SyntaxKind.GetAccessorDeclaration)
                || syntax.AccessorList.Accessors[0].Body is not null
                || syntax.AccessorList.Accessors[0].ExpressionBody is not null)
            {
                return false;
            }

            modifiers = string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
            return true;
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

        private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
