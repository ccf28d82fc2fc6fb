using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StaticGrad.Generator.Helpers;

/// <summary>
/// How the generator names what it writes. Symbol names come without <c>@</c>: C# identifiers get it back where the
/// name is a keyword (<c>@class</c>); hint names and <c>state_dict</c> names never carry it.
/// </summary>
/// <remarks>
/// Private generated members start with <see cref="ReservedPrefix"/>: fields of layers and losses are
/// <c>__sg_{Member}</c>, constants <c>__sgOffset_{Name}</c>, other fixed members <c>__sg{Name}</c> (a capital
/// after the prefix), so no two generated names coincide. A user member that starts with the prefix, or has the name
/// of a public generated member (<see cref="PublicMembers"/>), is reported as SG0026.
/// </remarks>
internal static class GeneratedNames
{
    /// <summary>The prefix of every private generated member; user members may not start with it.</summary>
    public const string ReservedPrefix = "__sg";

    /// <summary>The public members every generated model has (with the getters of its two properties).</summary>
    public static readonly IReadOnlyList<string> PublicMembers = new[]
    {
        "InputSize", "OutputSize", "ParameterCount", "MaxBatch", "Parameters", "Forward", "Predict", "TrainStep", "ToOnnx",
        "get_MaxBatch", "get_Parameters", "Mode", "DropoutGenerator", "AccumulateGradients", "Summary", "get_Summary", "LossReduction", "get_LossReduction", "EvaluateLoss",
        "ForwardForBackward", "Backward", "AccumulateBackward",
    };

    /// <summary>The field behind the layer or loss member <paramref name="memberName"/>.</summary>
    public static string Field(string memberName) => ReservedPrefix + "_" + memberName;

    /// <summary>A private constant: a parameter or arena offset, <c>__sgOffset_{name}</c>.</summary>
    public static string Offset(string name) => ReservedPrefix + "Offset_" + name;

    /// <summary>A fixed private member such as <c>__sgParameters</c>.</summary>
    public static string Private(string name) => ReservedPrefix + name;

    /// <summary>
    /// <paramref name="name"/> as a C# identifier: <c>@</c> before a keyword, contextual ones included (a type named
    /// <c>record</c> is legal only as <c>@record</c> without a warning; the <c>@</c> is harmless elsewhere).
    /// </summary>
    public static string Identifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A dotted name (a namespace) as C#, each part escaped.</summary>
    public static string DottedIdentifier(string dotted)
        => string.Join(".", dotted.Split('.').Select(Identifier));

    /// <summary>The containing namespace of <paramref name="type"/> without <c>@</c>, or empty for the global namespace.</summary>
    public static string NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name);
        }

        return string.Join(".", parts);
    }

    /// <summary>
    /// The hint name of the file generated for <paramref name="type"/>: <c>{Namespace}.{Containing types}.{Type}.g.cs</c>,
    /// without <c>@</c>, a generic type's arity after a backtick.
    /// </summary>
    public static string HintName(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            parts.Insert(0, t.Arity == 0 ? t.Name : t.Name + "`" + t.Arity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        string ns = NamespaceOf(type);
        if (ns.Length > 0)
        {
            parts.Insert(0, ns);
        }

        return HintNames.Of(string.Join(".", parts));
    }
}
