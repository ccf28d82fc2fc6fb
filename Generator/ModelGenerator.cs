using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Graph;
using StaticGrad.Generator.Helpers;
using StaticGrad.Generator.Model;

namespace StaticGrad.Generator;

/// <summary>
/// Finds every class marked <c>[StaticGrad.Model]</c> and emits its forward, loss, backward and
/// parameter storage. The pipeline only wires phases together: parse (symbols -> spec and
/// diagnostics), then plan and emit (spec -> text). Diagnostics and source are separate outputs, so a
/// change that only moves a diagnostic never regenerates source.
/// </summary>
[Generator(LanguageNames.CSharp)]
internal sealed partial class ModelGenerator : IIncrementalGenerator
{
    private const string ModelAttributeName = "StaticGrad.ModelAttribute";

    /// <summary>The class name of <c>[From]</c>, which makes a member read an earlier member's output.</summary>
    private const string FromAttributeName = "FromAttribute";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                Parser.Parse)
            .WithTrackingName(TrackingNames.ParseResults);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, items) =>
        {
            foreach (DiagnosticInfo item in items)
            {
                output.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.ModelSpecs);

        IncrementalValuesProvider<StubSpec> stubs = parsed
            .Where(static result => result.Stubs is not null)
            .Select(static (result, _) => result.Stubs!)
            .WithTrackingName(TrackingNames.Stubs);
        IncrementalValueProvider<EquatableArray<UnmarkedClass>> unmarkedClasses = UnmarkedClasses(context);

        // Hint names that differ only in case (models App.Net and app.NET) would be one file: those get a hash.
        IncrementalValueProvider<EquatableArray<string>> collisions = specs.Select(static (spec, _) => spec.HintName)
            .Collect()
            .Combine(stubs.Select(static (stub, _) => stub.HintName).Collect())
            .Combine(unmarkedClasses)
            .Select(static (all, _) => HintNames.Collisions(
                all.Left.Left.Concat(all.Left.Right).Concat(all.Right.Where(u => u.Stubs is not null).Select(u => u.Stubs!.HintName))));

        IncrementalValuesProvider<(string HintName, string Source)> sources = specs
            .Combine(collisions)
            .Select(static (pair, _) => (HintNames.Unique(pair.Left.HintName, pair.Right), Emitter.Emit(ModelPlan.Create(pair.Left))))
            .WithTrackingName(TrackingNames.GeneratedSources);

        context.RegisterSourceOutput(sources, static (output, source) => output.AddSource(source.HintName, source.Source));
        context.RegisterSourceOutput(
            stubs.Combine(collisions),
            static (output, pair) => output.AddSource(HintNames.Unique(pair.Left.HintName, pair.Right), StubEmitter.Emit(pair.Left)));

        context.RegisterSourceOutput(unmarkedClasses.Combine(collisions), static (output, pair) =>
        {
            foreach (UnmarkedClass unmarked in pair.Left)
            {
                output.ReportDiagnostic(unmarked.Diagnostic.ToDiagnostic());
                if (unmarked.Stubs is { } stub)
                {
                    output.AddSource(HintNames.Unique(stub.HintName, pair.Right), StubEmitter.Emit(stub));
                }
            }
        });
    }

    /// <summary>
    /// Classes with StaticGrad member attributes but no <c>[Model]</c>, one entry per class however many of its
    /// properties carry attributes: one <c>ForAttributeWithMetadataName</c> per member attribute, collected.
    /// </summary>
    private static IncrementalValueProvider<EquatableArray<UnmarkedClass>> UnmarkedClasses(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<EquatableArray<UnmarkedClass>>? all = null;
        foreach (string attribute in Parser.MemberAttributeMetadataNames)
        {
            IncrementalValueProvider<EquatableArray<UnmarkedClass>> found = context.SyntaxProvider
                .ForAttributeWithMetadataName(attribute, static (node, _) => node is PropertyDeclarationSyntax, Parser.ParseUnmarked)
                .WithTrackingName(TrackingNames.UnmarkedMembers)
                .Where(static unmarked => unmarked is not null)
                .Select(static (unmarked, _) => unmarked!)
                .Collect()
                .Select(static (items, _) => items.ToEquatableArray());
            all = all is { } previous
                ? previous.Combine(found).Select(static (pair, _) => pair.Left.Concat(pair.Right).ToEquatableArray())
                : found;
        }

        return all!.Value
            .Select(static (items, _) => items
                .Distinct()
                .OrderBy(c => c.Diagnostic.Location?.FilePath ?? string.Empty, StringComparer.Ordinal)
                .ThenBy(c => c.Diagnostic.Location?.TextSpan.Start ?? 0)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.UnmarkedClasses);
    }
}
