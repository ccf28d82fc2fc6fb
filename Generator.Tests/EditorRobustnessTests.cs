using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>
/// The states an editor passes through while someone types a model: every token prefix of a
/// declaration, and the declaration with any single token deleted. The generator must never throw
/// (CS8785), and whatever it emits must compile unless it also reported why.
/// </summary>
public sealed class EditorRobustnessTests
{
    public static TheoryData<string> Models => new()
    {
        TestModels.MnistClassifier128,
        TestModels.MnistClassifier256,
        TestModels.DeepClassifier,
        TestModels.WeightedClassifier,
        TestModels.SoftTargetClassifier,
        TestModels.NllClassifier,
        TestModels.MultiLabelHead,
        TestModels.InferenceSoftmax,
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryPrefixIsHandled(string model)
    {
        SyntaxToken[] tokens = Tokens(model);
        IEnumerable<string> prefixes = tokens.Select(t => model.Substring(0, t.Span.End));

        int checkedStates = CheckStates(prefixes);

        Assert.Equal(tokens.Length, checkedStates);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EverySingleTokenDeletionIsHandled(string model)
    {
        SyntaxToken[] tokens = Tokens(model);
        IEnumerable<string> deletions = tokens.Select(t => model.Remove(t.SpanStart, t.Span.Length));

        int checkedStates = CheckStates(deletions);

        Assert.Equal(tokens.Length, checkedStates);
    }

    private static SyntaxToken[] Tokens(string source)
        => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToArray();

    /// <summary>Runs one driver through the states in order, as an IDE would, checking each result.</summary>
    private static int CheckStates(IEnumerable<string> states)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        var failures = new List<string>();
        int count = 0;
        foreach (string state in states)
        {
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation(state);
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var driverDiagnostics);
            GeneratorDriverRunResult result = driver.GetRunResult();

            Assert.Null(result.Results[0].Exception);
            Assert.DoesNotContain(driverDiagnostics, d => d.Id is "CS8784" or "CS8785");

            bool reported = result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            HashSet<SyntaxTree> generated = result.GeneratedTrees.ToHashSet();
            Diagnostic[] errorsInGeneratedCode = output.GetDiagnostics()
                .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generated.Contains(tree))
                .ToArray();
            if (!reported && errorsInGeneratedCode.Length > 0)
            {
                failures.Add($"Input:\n{state}\nFirst error: {errorsInGeneratedCode[0]}");
            }

            count++;
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {count} states emitted code that does not compile, with no diagnostic saying why. First:\n{string.Join("\n\n", failures.Take(3))}");
        return count;
    }
}
