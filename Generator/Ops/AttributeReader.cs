using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator.Ops;

/// <summary>
/// Reads one op attribute's arguments for the op's parse rule and reports its diagnostics at the attribute (or at
/// the offending named argument), so each op's parsing and checks stay in the op's own file.
/// </summary>
internal sealed class AttributeReader
{
    private readonly AttributeData _attribute;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _cancellationToken;

    public AttributeReader(AttributeData attribute, string attributeName, string memberName, LocationInfo? location, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _attribute = attribute;
        AttributeName = attributeName;
        MemberName = memberName;
        Location = location;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The attribute without its suffix (<c>Dropout</c>).</summary>
    public string AttributeName { get; }

    /// <summary>The member the attribute is on.</summary>
    public string MemberName { get; }

    /// <summary>Where the attribute is written.</summary>
    public LocationInfo? Location { get; }

    /// <summary>How many constructor arguments the attribute was written with (which constructor overload it uses).</summary>
    public int ConstructorArgumentCount => _attribute.ConstructorArguments.Length;

    /// <summary>Whether the named argument <paramref name="name"/> is written (a property set on the attribute).</summary>
    public bool IsSet(string name) => Has(name, -1);

    /// <summary>Whether a problem was reported through this reader.</summary>
    public bool HasErrors { get; private set; }

    /// <summary>A float given as the named argument <paramref name="name"/>, else as constructor argument <paramref name="position"/>, else <paramref name="defaultValue"/>.</summary>
    public float Float(string name, int position, float defaultValue)
        => Argument(name, position) is { } value ? value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            _ => float.NaN,
        } : defaultValue;

    /// <summary>An int argument, like <see cref="Float"/>.</summary>
    public int Int(string name, int position, int defaultValue) => Argument(name, position) is int value ? value : defaultValue;

    /// <summary>A bool argument, like <see cref="Float"/>.</summary>
    public bool Bool(string name, int position, bool defaultValue) => Argument(name, position) is bool value ? value : defaultValue;

    /// <summary>A string argument, like <see cref="Float"/> (null when written as <c>null</c>).</summary>
    public string? String(string name, int position, string? defaultValue)
        => Has(name, position) ? Argument(name, position) as string : defaultValue;

    /// <summary>
    /// The member a skip connection names (its constructor argument <c>source</c>); when it names none (<c>null</c>, or
    /// an argument the compiler rejects) reports SG0028 at the attribute and returns null.
    /// </summary>
    public string? Reference()
    {
        if (String("source", 0, null) is { } source)
        {
            return source;
        }

        Report(Diagnostics.InvalidReference, AttributeName, MemberName, "null", "which is not a member's name");
        return null;
    }

    /// <summary>Reports SG0027 for argument <paramref name="name"/>: its value and what it must be.</summary>
    public void InvalidArgument(string name, string value, string requirement)
        => Report(Diagnostics.InvalidOpArgument, ArgumentLocation(name), AttributeName, MemberName, name, value, requirement);

    /// <summary>Reports <paramref name="descriptor"/> at the attribute.</summary>
    public void Report(DiagnosticDescriptor descriptor, params string[] arguments) => Report(descriptor, Location, arguments);

    /// <summary>A float as diagnostics print it.</summary>
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An int as diagnostics print it: every digit (as a float, -2000000001 printed as -2E+09).</summary>
    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
    {
        HasErrors = true;
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));
    }

    private bool Has(string name, int position)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return true;
            }
        }

        return position >= 0 && position < _attribute.ConstructorArguments.Length;
    }

    private object? Argument(string name, int position)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value.Value;
            }
        }

        return position >= 0 && position < _attribute.ConstructorArguments.Length ? _attribute.ConstructorArguments[position].Value : null;
    }

    /// <summary>
    /// The named argument's location, else that of the constructor argument whose parameter has the name, else the first
    /// constructor argument's, else the attribute's.
    /// </summary>
    private LocationInfo? ArgumentLocation(string name)
    {
        if (_attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) is AttributeSyntax { ArgumentList: { } arguments })
        {
            foreach (AttributeArgumentSyntax argument in arguments.Arguments)
            {
                string? argumentName = argument.NameEquals?.Name.Identifier.ValueText ?? argument.NameColon?.Name.Identifier.ValueText;
                if (argumentName is not null && string.Equals(argumentName, name, System.StringComparison.OrdinalIgnoreCase))
                {
                    return LocationInfo.From(argument.GetLocation()) ?? Location;
                }
            }

            // Positional constructor arguments come first; each takes the name of its parameter.
            ImmutableArray<IParameterSymbol> parameters = _attribute.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
            for (int i = 0; i < arguments.Arguments.Count && i < parameters.Length && arguments.Arguments[i].NameEquals is null && arguments.Arguments[i].NameColon is null; i++)
            {
                if (string.Equals(parameters[i].Name, name, System.StringComparison.OrdinalIgnoreCase))
                {
                    return LocationInfo.From(arguments.Arguments[i].GetLocation()) ?? Location;
                }
            }

            if (arguments.Arguments.Count > 0 && arguments.Arguments[0].NameEquals is null)
            {
                return LocationInfo.From(arguments.Arguments[0].GetLocation()) ?? Location;
            }
        }

        return Location;
    }
}
