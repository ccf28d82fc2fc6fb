using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticGrad.Generator.Graph;
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

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
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

        IncrementalValuesProvider<(string HintName, string Source)> sources = specs
            .Select(static (spec, _) => (spec.HintName, Emitter.Emit(ModelPlan.Create(spec))))
            .WithTrackingName(TrackingNames.GeneratedSources);

        context.RegisterSourceOutput(sources, static (output, source) => output.AddSource(source.HintName, source.Source));
    }
}
