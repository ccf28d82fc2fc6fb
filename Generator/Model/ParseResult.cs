namespace StaticGrad.Generator.Model;

/// <summary>
/// What the parser makes of one <c>[Model]</c> class: a spec when the declaration is valid, and the
/// diagnostics it found. The pipeline splits the two so a diagnostics-only change never re-emits source.
/// A declaration with errors gets <see cref="Stubs"/> instead of a spec.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, StubSpec? Stubs = null);
