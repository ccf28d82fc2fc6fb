using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The source generator on a project with 20 models, one file each: a cold run (new driver, as at
/// a command-line build) and the runs an IDE makes after a keystroke — an edit inside one model, and
/// an edit outside every model.
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int ModelCount = 20;
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp13);

    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _modelEdited = null!;
    private CSharpCompilation _unrelatedEdited = null!;
    private GeneratorDriver _warmDriver = null!;
    private bool _toggle;

    [GlobalSetup]
    public void Setup()
    {
        List<SyntaxTree> trees = Enumerable.Range(0, ModelCount)
            .Select(i => CSharpSyntaxTree.ParseText(ModelSource(i, hidden: 64 + (8 * i)), ParseOptions, $"/src/Model{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText(UnrelatedSource(1), ParseOptions, "/src/Unrelated.cs"))
            .ToList();
        _compilation = CSharpCompilation.Create("GeneratorBenchmark", trees, References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _modelEdited = Replace(_compilation, "/src/Model7.cs", ModelSource(7, hidden: 999));
        _unrelatedEdited = Replace(_compilation, "/src/Unrelated.cs", UnrelatedSource(2));
        _warmDriver = CreateDriver().RunGenerators(_compilation);
        int generated = _warmDriver.GetRunResult().GeneratedTrees.Length;
        if (generated != ModelCount)
        {
            throw new InvalidOperationException($"Expected {ModelCount} generated files, got {generated}.");
        }
    }

    /// <summary>A first build: parse every model, plan and emit all 20 files.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver ColdRun() => CreateDriver().RunGenerators(_compilation);

    /// <summary>A keystroke inside one model: only that model is re-planned and re-emitted.</summary>
    [Benchmark]
    public GeneratorDriver EditOneModel()
    {
        _toggle = !_toggle;
        return _warmDriver.RunGenerators(_toggle ? _modelEdited : _compilation);
    }

    /// <summary>A keystroke outside every model: everything is cached.</summary>
    [Benchmark]
    public GeneratorDriver EditOutsideModels()
    {
        _toggle = !_toggle;
        return _warmDriver.RunGenerators(_toggle ? _unrelatedEdited : _compilation);
    }

    private static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);

    private static string ModelSource(int index, int hidden) => string.Create(CultureInfo.InvariantCulture, $$"""
        using StaticGrad;

        namespace Bench;

        [Model(Inputs = 784)]
        public partial class Model{{index}}
        {
            [Linear({{hidden}}), ReLU] public partial Linear Hidden1 { get; }
            [Linear(32), Tanh] public partial Linear Hidden2 { get; }
            [Linear(10)] public partial Linear Output { get; }
            [SoftmaxCrossEntropy(LabelSmoothing = 0.1f)] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """);

    private static string UnrelatedSource(int version)
        => $"namespace Bench; public static class Helpers {{ public static int Version => {version}; }}";

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, ParseOptions, path));
    }

    private static IEnumerable<MetadataReference> References()
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll")
            .Append(typeof(ModelAttribute).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
    }
}
