using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator;

internal sealed partial class ModelGenerator
{
    internal static partial class Parser
    {
        /// <summary>The named argument of a layer attribute that overrides the member's <c>state_dict</c> name.</summary>
        private const string NameArgument = "Name";

        /// <summary>
        /// The member's <c>state_dict</c> prefix: the layer attribute's <c>Name</c> when given (so an <c>nn.Sequential</c>
        /// layout, <c>0.weight</c>, loads as is), else the member name in snake_case. Any layer attribute with a string
        /// <c>Name</c> property takes part. Reports SG0035 for an invalid or already used override and SG0023 for two
        /// members whose snake_case names collide.
        /// </summary>
        private static string StateDictNameOf(
            IPropertySymbol property,
            AttributeData layerAttribute,
            List<MemberSpec> members,
            LocationInfo? memberLocation,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            string? overridden = null;
            foreach (KeyValuePair<string, TypedConstant> argument in layerAttribute.NamedArguments)
            {
                if (argument.Key == NameArgument && argument.Value.Value is string value)
                {
                    overridden = value;
                }
            }

            if (overridden is null)
            {
                string name = NameConventions.ToSnakeCase(property.Name);
                MemberSpec? sameName = members.Find(l => l.ParameterName == name);
                if (sameName is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DuplicateParameterName, memberLocation, property.Name, sameName.MemberName, name));
                }

                return name;
            }

            LocationInfo? location = NameArgumentLocation(layerAttribute, cancellationToken) ?? LocationOf(layerAttribute, memberLocation);
            string? problem = NameConventions.StateDictNameProblem(overridden);
            if (problem is null)
            {
                MemberSpec? sameName = members.Find(l => l.ParameterName == overridden);
                if (sameName is not null)
                {
                    problem = $"which member '{sameName.MemberName}' already uses; every layer needs its own name";
                }
            }

            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidStateDictName, location, ShortName(layerAttribute), property.Name, NameConventions.Quoted(overridden), problem));
            }

            return overridden;
        }

        private static LocationInfo? NameArgumentLocation(AttributeData attribute, CancellationToken cancellationToken)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments })
            {
                foreach (AttributeArgumentSyntax argument in arguments.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == NameArgument)
                    {
                        return LocationInfo.From(argument.GetLocation());
                    }
                }
            }

            return null;
        }
    }
}
