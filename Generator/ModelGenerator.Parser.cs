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
    internal static class Parser
    {
        private const string RuntimeNamespace = "StaticGrad";
        private const string LinearAttributeName = "LinearAttribute";
        private const string LossAttributeName = "SoftmaxCrossEntropyAttribute";
        private const string LinearTypeName = "Linear";
        private const string LossTypeName = "SoftmaxCrossEntropyLoss";

        private static readonly ImmutableDictionary<string, ActivationKind> ActivationAttributes =
            ImmutableDictionary.CreateRange(new[]
            {
                new KeyValuePair<string, ActivationKind>("ReLUAttribute", ActivationKind.ReLU),
                new KeyValuePair<string, ActivationKind>("SigmoidAttribute", ActivationKind.Sigmoid),
                new KeyValuePair<string, ActivationKind>("TanhAttribute", ActivationKind.Tanh),
            });

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (ClassDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            LocationInfo? classLocation = LocationInfo.From(declaration.Identifier.GetLocation());

            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ModelNotPartial, classLocation, type.Name));
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }

            if (type.ContainingType is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedModelType, classLocation, type.Name, "nested inside another type"));
            }

            if (type.IsGenericType)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedModelType, classLocation, type.Name, "generic"));
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
            LossSpec? loss = null;
            int lossClasses = 0;
            LocationInfo? lossAttributeLocation = null;

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
                if (attributes.Linear is null && attributes.Loss is null)
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

                if (attributes.Linear is not null && attributes.Loss is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, LinearTypeName));
                    continue;
                }

                string expectedType = attributes.Linear is not null ? LinearTypeName : LossTypeName;
                if (!TryGetModifiers(property, expectedType, out string modifiers))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidMemberDeclaration, memberLocation, property.Name, expectedType));
                    continue;
                }

                if (attributes.Linear is { } linear)
                {
                    if (loss is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LossNotLast, memberLocation, property.Name, loss.MemberName));
                    }

                    int outputs = linear.ConstructorArguments.Length == 1 && linear.ConstructorArguments[0].Value is int value ? value : 0;
                    if (outputs <= 0)
                    {
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

                    ActivationKind activation = attributes.Activations.Count > 0 ? attributes.Activations[0].Kind : ActivationKind.None;
                    layers.Add(new LayerSpec(property.Name, NameConventions.ToSnakeCase(property.Name), modifiers, outputs, activation));
                    activationLocations.Add(attributes.Activations.Count > 0 ? LocationOf(attributes.Activations[0].Attribute, memberLocation) : null);
                    continue;
                }

                AttributeData lossAttribute = attributes.Loss!;
                foreach ((AttributeData attribute, _) in attributes.Activations)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MisplacedActivation,
                        LocationOf(attribute, memberLocation),
                        ShortName(attribute),
                        property.Name,
                        "a loss takes the raw logits of the last layer"));
                }

                if (loss is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MultipleLosses, memberLocation, type.Name, property.Name));
                    continue;
                }

                LocationInfo? attributeLocation = LocationOf(lossAttribute, memberLocation);
                float labelSmoothing = GetNamedFloat(lossAttribute, "LabelSmoothing");
                if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidLabelSmoothing, attributeLocation, property.Name, Format(labelSmoothing)));
                }

                int reduction = GetNamedInt(lossAttribute, "Reduction");
                if (reduction is not ((int)ReductionKind.Mean or (int)ReductionKind.Sum))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidReduction, attributeLocation, property.Name, Format(reduction)));
                }

                loss = new LossSpec(property.Name, modifiers, labelSmoothing, (ReductionKind)reduction);
                lossClasses = GetNamedInt(lossAttribute, "Classes");
                lossAttributeLocation = attributeLocation;
            }

            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoLayers, classLocation, type.Name));
            }

            if (loss is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, classLocation, type.Name));
            }
            else if (layers.Count > 0)
            {
                LayerSpec last = layers[layers.Count - 1];
                if (last.Activation != ActivationKind.None)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.MisplacedActivation,
                        activationLocations[activationLocations.Count - 1],
                        last.Activation.ToString(),
                        last.MemberName,
                        $"it is the last layer and the loss '{loss.MemberName}' takes its raw logits"));
                }

                if (lossClasses != 0 && lossClasses != last.Outputs)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        Diagnostics.ClassCountMismatch,
                        lossAttributeLocation,
                        loss.MemberName,
                        Format(lossClasses),
                        last.MemberName,
                        Format(last.Outputs)));
                }
            }

            if (diagnostics.Count > 0 || loss is null)
            {
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }

            string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
            string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            var spec = new ModelSpec(ns, type.Name, accessibility, inputSize, layers.ToEquatableArray(), loss);
            return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        private readonly record struct MemberAttributes(
            AttributeData? Linear,
            AttributeData? Loss,
            List<(AttributeData Attribute, ActivationKind Kind)> Activations)
        {
            public bool IsEmpty => Linear is null && Loss is null && Activations.Count == 0;
        }

        private static MemberAttributes ReadAttributes(IPropertySymbol property)
        {
            AttributeData? linear = null;
            AttributeData? loss = null;
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
                else if (attributeClass.Name == LossAttributeName)
                {
                    loss = attribute;
                }
                else if (ActivationAttributes.TryGetValue(attributeClass.Name, out ActivationKind kind))
                {
                    activations.Add((attribute, kind));
                }
            }

            return new MemberAttributes(linear, loss, activations);
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
                || property.Type.ContainingNamespace?.ToDisplayString() != RuntimeNamespace
                || property.DeclaringSyntaxReferences.Length != 1
                || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax syntax
                || !syntax.Modifiers.Any(SyntaxKind.PartialKeyword)
                || syntax.ExpressionBody is not null
                || syntax.AccessorList is null
                || syntax.AccessorList.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null))
            {
                return false;
            }

            modifiers = string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
            return true;
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

        private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
