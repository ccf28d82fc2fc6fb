using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// Hundreds of odd model declarations drawn from a fixed seed: keyword and colliding names, sizes 0, -1 and huge,
/// missing <c>partial</c>, wrong and nullable types, setters, missing and extra losses, activations in wrong places,
/// namespaces, nesting, generics, records, static, file-local and primary-constructor classes, no <c>[Model]</c>.
/// For each: the generator never throws; a declaration it accepts compiles with no error and no warning; one it
/// rejects gets an SG error and nothing else beyond the errors the C# compiler finds in the user's code on its own.
/// </summary>
public sealed class GeneratorFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Declarations = 300;

    private static readonly string[] Namespaces = { string.Empty, "Fuzz", "@event.Models", "A.B.C", "@class" };
    private static readonly string[] ClassNames = { "Net", "@class", "@int", "Forward", "Predict", "M_1", "Model", "Ünïcode", "@record" };
    private static readonly string[] MemberNames =
    {
        "Fc1", "Fc2", "Hidden", "Output", "@int", "@class", "@event", "Parameters", "MaxBatch", "InputSize", "OutputSize",
        "ParameterCount", "Forward", "Predict", "TrainStep", "LogitsOffset", "Fc1OutputOffset", "Fc1WeightOffset", "Loss",
        "loss", "__sgArena", "__sg_Fc1", "Hidden_Layer", "HiddenLayer", "ArenaFloatsPerSample", "_parameters", "Layer",
    };

    /// <summary>Odd but valid names, for the declarations drawn to be accepted.</summary>
    private static readonly string[] SafeClassNames = { "Net", "@class", "@int", "M_1", "Model", "Ünïcode", "@record", "@var" };
    private static readonly string[] SafeMemberNames =
    {
        "Fc1", "Fc2", "Hidden", "@int", "@class", "@event", "@record", "LogitsOffset", "Fc1OutputOffset", "Fc1WeightOffset",
        "Hidden_Layer", "ArenaFloatsPerSample", "_parameters", "Loss", "Layer", "@value",
    };

    private static readonly string[] Sizes = { "1", "2", "3", "10", "0", "-1", "46341", "100000000", "int.MaxValue" };
    private static readonly string[] Inputs = { "4", "4", "4", "1", "784", "0", "-1", "46341", "int.MaxValue" };
    private static readonly string[] Activations = { "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax" };
    private static readonly (string Attribute, string Type)[] Norms =
    {
        ("BatchNorm1d", "BatchNorm1d"), ("BatchNorm1d(Momentum = 0.3f, Affine = false)", "BatchNorm1d"), ("BatchNorm1d(CumulativeAverage = true)", "BatchNorm1d"),
        ("BatchNorm1d(TrackRunningStats = false)", "BatchNorm1d"), ("LayerNorm", "LayerNorm"), ("Dropout(0.25f)", "Dropout"),
    };

    private static readonly (string Attribute, string Type)[] BadNorms =
    {
        ("BatchNorm1d(Momentum = 1.5f)", "BatchNorm1d"), ("BatchNorm1d(Eps = 0f)", "BatchNorm1d"), ("BatchNorm1d", "Linear"), ("BatchNorm1d, ReLU", "BatchNorm1d"),
        ("LayerNorm, BatchNorm1d", "LayerNorm"),
    };

    private static readonly (string Attribute, string Type)[] Losses =
    {
        ("SoftmaxCrossEntropy", "SoftmaxCrossEntropyLoss"),
        ("SoftmaxCrossEntropy(Classes = 2)", "SoftmaxCrossEntropyLoss"),
        ("SoftmaxCrossEntropy(Reduction = Reduction.None)", "SoftmaxCrossEntropyLoss"),
        ("NllLoss", "NllLoss"),
        ("BinaryCrossEntropyWithLogits", "BinaryCrossEntropyWithLogitsLoss"),
        ("BinaryCrossEntropy", "BinaryCrossEntropyLoss"),
        ("BinaryCrossEntropy(Outputs = 3, Reduction = Reduction.None)", "BinaryCrossEntropyLoss"),
        ("SoftmaxCrossEntropy(LabelSmoothing = 2f)", "SoftmaxCrossEntropyLoss"),
    };

    [Fact]
    public void OddDeclarationsNeverCrashTheGeneratorAndNeverLeaveAnErrorUnexplained()
    {
        var random = new Random(20261202);
        var failures = new List<string>();
        int accepted = 0;
        var stopwatch = Stopwatch.StartNew();
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        for (int i = 0; i < Declarations; i++)
        {
            string source = Declaration(random, i);
            string? failure = Check(ref driver, source, out bool wasAccepted);
            if (failure is not null)
            {
                failures.Add($"Declaration {i}:\n{source}\n{failure}");
            }

            accepted += wasAccepted ? 1 : 0;
        }

        output.WriteLine($"{Declarations} declarations, {accepted} accepted, {Declarations - accepted} rejected, {failures.Count} failures, {stopwatch.Elapsed.TotalSeconds:F1} s");

        // One example of each kind of failure (by the first compiler or generator ID it names).
        IEnumerable<string> examples = failures
            .GroupBy(f => System.Text.RegularExpressions.Regex.Match(f, "(CS|SG)[0-9]{4}: |exception").Value)
            .Select(g => g.First())
            .Take(4);
        Assert.True(failures.Count == 0, $"{failures.Count} of {Declarations} declarations failed. Examples:\n{string.Join("\n\n", examples)}");

        // The draw must exercise both sides. (It takes about 10 s on an idle machine; the time is printed, not asserted,
        // because the machines are shared.)
        Assert.InRange(accepted, Declarations / 10, Declarations - (Declarations / 10));
    }

    private static string? Check(ref GeneratorDriver driver, string source, out bool accepted)
    {
        accepted = false;
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var driverDiagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        if (result.Results[0].Exception is { } exception)
        {
            return "generator exception: " + exception;
        }

        if (driverDiagnostics.FirstOrDefault(d => d.Id is "CS8784" or "CS8785") is { } crash)
        {
            return crash.ToString();
        }

        Diagnostic[] sgErrors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("SG", StringComparison.Ordinal)).ToArray();
        Diagnostic[] after = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        HashSet<SyntaxTree> generated = result.GeneratedTrees.ToHashSet();
        if (after.FirstOrDefault(d => d.Location.SourceTree is { } tree && generated.Contains(tree)) is { } inGenerated)
        {
            return "diagnostic in generated code: " + inGenerated;
        }

        if (sgErrors.Length == 0)
        {
            accepted = true;
            return after.Length == 0 ? null : "accepted, but: " + string.Join("\n", after.Select(d => d.ToString()));
        }

        // Rejected: the user sees the SG errors plus what the compiler finds in their code on its own; no CS9248 per
        // member, except where the member has an error of its own or the class cannot be completed from another file.
        Diagnostic[] own = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS9248").ToArray();
        bool fileLocal = source.Contains("\nfile ", StringComparison.Ordinal);
        string[] unexplained = after
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Where(d => !own.Any(o => o.ToString() == d.ToString()))
            .Where(d => !(d.Id == "CS9248" && (fileLocal || own.Any(o => o.Location.GetLineSpan().Equals(d.Location.GetLineSpan())))))
            .Select(d => d.ToString())
            .ToArray();
        return unexplained.Length == 0 ? null : $"rejected with {string.Join(", ", sgErrors.Select(d => d.Id))}, but also: {string.Join("\n", unexplained)}";
    }

    private static string Declaration(Random random, int index) => random.Next(5) < 2 ? Valid(random, index) : Odd(random, index);

    /// <summary>A declaration that should be accepted: odd names and namespaces, sound structure.</summary>
    private static string Valid(Random random, int index)
    {
        var text = new StringBuilder("using StaticGrad;\n");
        string ns = Pick(random, Namespaces);
        if (ns.Length > 0)
        {
            text.Append("namespace ").Append(ns).Append(index).Append("\n{\n");
        }

        string className = Pick(random, SafeClassNames);
        text.Append($"[Model(Inputs = {random.Next(1, 9)})]\n{(random.Next(2) == 0 ? "public" : "internal")} partial class {className}\n{{\n");
        var names = new HashSet<string>(StringComparer.Ordinal) { className.TrimStart('@') };
        int layers = random.Next(1, 4);
        for (int i = 0; i < layers; i++)
        {
            string name = FreshName(random, SafeMemberNames, names, i);
            string activation = i < layers - 1 ? ", " + Pick(random, Activations.Take(3).ToArray()) : string.Empty;
            text.Append($"    [Linear({random.Next(2, 6)}){activation}] {Pick(random, new[] { "public ", "internal ", string.Empty })}partial Linear {name} {{ get; }}\n");
            if (i < layers - 1 && random.Next(3) == 0)
            {
                (string norm, string normType) = Pick(random, Norms);
                text.Append($"    [{norm}] public partial {normType} {FreshName(random, SafeMemberNames, names, 20 + i)} {{ get; }}\n");
            }
        }

        (string attribute, string type) = Pick(random, Losses.Take(3).ToArray());
        text.Append($"    [{attribute.Replace("Classes = 2", "Reduction = Reduction.Sum", StringComparison.Ordinal)}] public partial {type} {FreshName(random, SafeMemberNames, names, 9)} {{ get; }}\n");
        if (random.Next(3) == 0)
        {
            text.Append($"    public {className}() : this(1) {{ }}\n");
        }

        text.Append("}\n");
        if (ns.Length > 0)
        {
            text.Append("}\n");
        }

        return text.ToString();
    }

    private static string Odd(Random random, int index)
    {
        var text = new StringBuilder("using StaticGrad;\n");
        string ns = Pick(random, Namespaces);
        if (ns.Length > 0)
        {
            text.Append("namespace ").Append(ns).Append(index).Append("\n{\n");
        }

        bool nested = random.Next(20) == 0;
        if (nested)
        {
            text.Append("public partial class Outer\n{\n");
        }

        bool fileLocal = !nested && random.Next(25) == 0;
        string className = Pick(random, ClassNames);
        string kind = random.Next(20) switch
        {
            0 => "record",
            1 => "static partial class",
            2 => "sealed partial class",
            3 => "class",
            _ => "partial class",
        };
        if (kind == "record")
        {
            kind = "partial record";
        }

        string access = fileLocal ? "file" : random.Next(3) == 0 ? "internal" : "public";
        string generic = random.Next(25) == 0 ? "<T>" : string.Empty;
        string primary = random.Next(25) == 0 ? "(int width)" : string.Empty;
        if (random.Next(12) != 0)
        {
            text.Append(random.Next(15) == 0 ? "[Model]\n" : $"[Model(Inputs = {Pick(random, Inputs)})]\n");
        }

        text.Append($"{access} {kind} {className}{generic}{primary}\n{{\n");
        if (primary.Length > 0)
        {
            text.Append("    public int Width => width;\n");
        }

        bool isStatic = kind.StartsWith("static", StringComparison.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal) { className.TrimStart('@') };
        int layers = random.Next(5);
        bool instance = !isStatic || random.Next(4) == 0;
        for (int i = 0; i < layers && instance; i++)
        {
            string name = FreshName(random, names, i);
            var attributes = new List<string>();
            if (random.Next(12) != 0)
            {
                string size = random.Next(4) == 0 ? Pick(random, Sizes) : Pick(random, Sizes.Take(4).ToArray());
                attributes.Add($"Linear({size})");
            }

            foreach (string activation in Activations.OrderBy(_ => random.Next()).Take(random.Next(3) == 0 ? random.Next(3) : 0))
            {
                attributes.Add(activation);
            }

            if (attributes.Count == 0)
            {
                attributes.Add("Linear(3)");
            }

            text.Append("    ").Append(Member(random, attributes, name, random.Next(15) == 0 ? "SoftmaxCrossEntropyLoss" : "Linear")).Append('\n');
            if (random.Next(6) == 0)
            {
                (string norm, string normType) = Pick(random, random.Next(2) == 0 ? Norms : BadNorms);
                text.Append("    ").Append(Member(random, [norm], FreshName(random, names, 20 + i), normType)).Append('\n');
            }
        }

        if (instance && random.Next(4) != 0)
        {
            for (int l = random.Next(12) == 0 ? 2 : 1; l > 0; l--)
            {
                (string attribute, string type) = Pick(random, Losses);
                var attributes = new List<string> { attribute };
                if (random.Next(15) == 0)
                {
                    attributes.Add(Pick(random, Activations));
                }

                text.Append("    ").Append(Member(random, attributes, FreshName(random, names, 9), random.Next(15) == 0 ? "Linear" : type)).Append('\n');
            }
        }

        if (instance && random.Next(5) == 0)
        {
            text.Append("    ").Append(Extra(random, className, names)).Append('\n');
        }

        text.Append("}\n");
        if (nested)
        {
            text.Append("}\n");
        }

        if (ns.Length > 0)
        {
            text.Append("}\n");
        }

        return text.ToString();
    }

    private static string Member(Random random, List<string> attributes, string name, string type)
    {
        string access = Pick(random, new[] { "public ", "public ", "internal ", "private ", string.Empty });
        bool partial = random.Next(12) != 0;
        string nullable = random.Next(20) == 0 ? "?" : string.Empty;
        string accessors = random.Next(12) switch
        {
            0 => "{ get; set; }",
            1 => "{ get; init; }",
            _ => "{ get; }",
        };
        string initializer = partial ? string.Empty : " = null!;";
        return $"[{string.Join(", ", attributes)}] {access}{(partial ? "partial " : string.Empty)}{type}{nullable} {name} {accessors}{initializer}";
    }

    /// <summary>A member that is not a layer: some of them take a generated name or the generated constructor.</summary>
    private static string Extra(Random random, string className, HashSet<string> names)
    {
        switch (random.Next(6))
        {
            case 0:
                return names.Add("TrainStep") ? "public void TrainStep() { }" : "public void Helper() { }";
            case 1:
                return $"public {className}(int seed, int maxBatch) {{ }}";
            case 2:
                return names.Add("_parameters") ? "private int _parameters;\n    public int Touch() => _parameters++;" : "public int Touch() => 1;";
            case 3:
                return $"public {className}() {{ }}";
            case 4:
                return names.Add("Forward") ? "public int Forward => 1;" : "public int Other => 1;";
            default:
                return names.Add("__sgArena") ? "private readonly float[] __sgArena = new float[1];\n    public int Length => __sgArena.Length;" : "public int Size => 1;";
        }
    }

    private static string FreshName(Random random, HashSet<string> names, int index) => FreshName(random, MemberNames, names, index);

    private static string FreshName(Random random, string[] pool, HashSet<string> names, int index)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            string name = Pick(random, pool);
            if (names.Add(name.TrimStart('@')))
            {
                return name;
            }
        }

        string fallback = "Layer" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "x" + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        names.Add(fallback);
        return fallback;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
