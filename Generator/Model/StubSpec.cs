namespace StaticGrad.Generator.Model;

/// <summary>
/// The partial members of a class whose model declaration has errors (or of a class with layer attributes but no
/// <c>[Model]</c>). Each gets a throwing implementation, so the compiler reports nothing beyond the SG diagnostic
/// (no CS9248 "partial property must have an implementation part" per member).
/// </summary>
/// <param name="HintName">The generated file's name, the same one a valid model would get.</param>
/// <param name="Namespace">The containing namespace as C# (keywords escaped), or empty for the global namespace.</param>
/// <param name="TypeHeaders">The declarations from the outermost containing type to the class itself (<c>partial class Net</c>).</param>
/// <param name="TypeName">The class name, for the exception message.</param>
/// <param name="Members">The partial properties to implement.</param>
/// <param name="ModelBaseConstructor">The accessibility of a parameterless constructor that calls the generated
/// constructor <c>(int seed, int maxBatch)</c> of the model the class derives from, for a class that declares no
/// constructor (its implicit one would call the base model's parameterless constructor, which a generated model has
/// not); null for any other class.</param>
internal sealed record StubSpec(string HintName, string Namespace, EquatableArray<string> TypeHeaders, string TypeName, EquatableArray<StubMember> Members, string? ModelBaseConstructor);

/// <summary>One partial property as declared: modifiers, type (as C#), escaped name and accessors (<c>get</c>, <c>private set</c>).</summary>
internal sealed record StubMember(string Modifiers, string Type, string Name, EquatableArray<string> Accessors);

/// <summary>A class with StaticGrad layer or loss attributes but no <c>[Model]</c>: one diagnostic and its stubs.</summary>
internal sealed record UnmarkedClass(DiagnosticInfo Diagnostic, StubSpec? Stubs);
