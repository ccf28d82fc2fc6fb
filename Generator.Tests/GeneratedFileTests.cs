using System;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// The generated files as a project sees them: their hint names unique however the models' names differ (Roslyn compares
/// hint names ignoring case) and short enough for a file system, their documentation comments free of warnings for a
/// project that builds its documentation file with warnings as errors.
/// </summary>
public sealed class GeneratedFileTests
{
    private const string Model = """
        [Model(Inputs = 4)]
        public partial class {0}
        {{
            [Linear(3)] public partial Linear Fc {{ get; }}
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}
        }}
        """;

    public static TheoryData<string> TestModelSources()
        => new(typeof(TestModels).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => f.Name));

    [Fact]
    public void ModelsWhoseNamesDifferOnlyInCase_GetTwoFiles()
    {
        GeneratorRun run = GeneratorHarness.Run(
            "using StaticGrad;\nnamespace Other;\n" + string.Format(Model, "Net") + "\n" + string.Format(Model, "NET"),
            "using StaticGrad;\nnamespace other;\n" + string.Format(Model, "Net"));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        string[] hints = run.Result.Results.Single().GeneratedSources.Select(s => s.HintName).ToArray();
        Assert.Equal(3, hints.Length);
        Assert.Equal(3, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(hints, h => Assert.Matches(@"^(Other|other)\.(Net|NET)\.[0-9a-f]{8}\.g\.cs$", h));
    }

    [Fact]
    public void AModelWithAnotherName_KeepsItsPlainHintName()
    {
        GeneratorRun run = GeneratorHarness.Run("using StaticGrad;\nnamespace Other;\n" + string.Format(Model, "Net") + "\n" + string.Format(Model, "Net2"));
        Assert.Equal(["Other.Net.g.cs", "Other.Net2.g.cs"], run.Result.Results.Single().GeneratedSources.Select(s => s.HintName).Order());
    }

    [Fact]
    public void AVeryLongName_GetsAShortenedHintName()
    {
        string ns = string.Join(".", Enumerable.Repeat("AVeryLongNamespacePartThatGoesOn", 8));
        GeneratorRun run = GeneratorHarness.Run($"using StaticGrad;\nnamespace {ns};\n" + string.Format(Model, "Net"));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        string hint = run.Result.Results.Single().GeneratedSources.Single().HintName;
        Assert.True(hint.Length <= 160, hint);
        Assert.StartsWith("AVeryLongNamespacePartThatGoesOn.", hint, StringComparison.Ordinal);
        Assert.Matches(@"\.[0-9a-f]{8}\.g\.cs$", hint);
    }

    [Fact]
    public void ConstructorsThatChainToTheGeneratedOne_Compile()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using StaticGrad;

            [Model(Inputs = 4)]
            public partial class Chained
            {
                public Chained() : this(seed: 1) { }
                public Chained(string name) : this() => Name = name;
                public string Name { get; } = "";
                [Linear(3)] public partial Linear Fc { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    [Theory]
    [MemberData(nameof(TestModelSources))]
    public void GeneratedDocumentationComments_HaveNoWarnings(string name)
    {
        string source = (string)typeof(TestModels).GetField(name)!.GetRawConstantValue()!;
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source)
            .RemoveAllSyntaxTrees()
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, options, GeneratorHarness.PathOf(0)));
        CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Assert.Empty(generatorDiagnostics);
        Diagnostic[] generated = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
            .ToArray();
        Assert.True(generated.Length == 0, string.Join("\n", generated.Select(d => d.ToString())));
    }
}
