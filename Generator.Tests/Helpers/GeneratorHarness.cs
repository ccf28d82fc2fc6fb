using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator;

namespace StaticGrad.Generator.Tests.Helpers;

/// <summary>Compiles test sources against the StaticGrad runtime and runs the model generator on them.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp13);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>The fixed path test sources are parsed with, so locations in snapshots are stable.</summary>
    public static string PathOf(int index) => $"/src/Model{index}.cs";

    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(ParseOptions, sources);

    /// <summary>The compilation of <paramref name="sources"/> parsed with <paramref name="options"/> (another language version).</summary>
    public static CSharpCompilation CreateCompilation(CSharpParseOptions options, params string[] sources)
    {
        IEnumerable<SyntaxTree> trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, options, PathOf(i)));
        return CSharpCompilation.Create(
            "StaticGrad.Generated.Tests",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    public static GeneratorDriver CreateDriver() => CreateDriver(ParseOptions);

    private static GeneratorDriver CreateDriver(CSharpParseOptions options)
        => CSharpGeneratorDriver.Create(
            new[] { new ModelGenerator().AsSourceGenerator() },
            parseOptions: options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once and returns its result plus the compilation with the generated sources added.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(ParseOptions, sources);

    /// <summary>Runs the generator once on <paramref name="sources"/> parsed with <paramref name="options"/>.</summary>
    public static GeneratorRun Run(CSharpParseOptions options, params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(options, sources);
        GeneratorDriver driver = CreateDriver(options).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return new GeneratorRun(driver.GetRunResult(), output);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        IEnumerable<string> platform = trusted
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll");
        return platform
            .Append(typeof(ModelAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

/// <summary>One generator run: the driver's result and the compilation including generated files.</summary>
internal sealed record GeneratorRun(GeneratorDriverRunResult Result, Compilation Output)
{
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

    /// <summary>Compiler errors of the output compilation (user code plus generated code).</summary>
    public ImmutableArray<Diagnostic> CompilationErrors
        => Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
}
