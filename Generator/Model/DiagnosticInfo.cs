using Microsoft.CodeAnalysis;

namespace StaticGrad.Generator.Model;

/// <summary>
/// A diagnostic as values: its descriptor, where it points and the message arguments (already
/// formatted as invariant strings). Equality is structural, so an unchanged diagnostic is cached.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor, location, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic()
    {
        object[] arguments = new object[Arguments.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        return Diagnostic.Create(Descriptor, Location?.ToLocation(), arguments);
    }
}
