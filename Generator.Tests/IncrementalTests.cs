using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticGrad.Generator.Model;
using StaticGrad.Generator.Ops;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>The pipeline caches: edits that do not change a model regenerate nothing.</summary>
public sealed class IncrementalTests
{
    private const string Unrelated = "public static class Helpers { public static int Twice(int x) => 2 * x; }";

    [Fact]
    public void EditOutsideAnyModelRegeneratesNothing()
    {
        GeneratorDriverRunResult second = RunTwice(
            new[] { TestModels.MnistClassifier128, Unrelated },
            compilation => Replace(compilation, 1, Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal)));

        AssertAllOutputsCachedOrUnchanged(second);
    }

    [Fact]
    public void EditOutsideAModelWithLossWeightsRegeneratesNothing()
    {
        GeneratorDriverRunResult second = RunTwice(
            new[] { TestModels.WeightedClassifier, TestModels.MultiLabelHead, Unrelated },
            compilation => Replace(compilation, 2, Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal)));

        AssertAllOutputsCachedOrUnchanged(second);
    }

    [Fact]
    public void ChangingALossWeightRegeneratesThatModel()
    {
        string changed = TestModels.WeightedClassifier.Replace("2.5f", "3.5f", StringComparison.Ordinal);
        Assert.NotEqual(TestModels.WeightedClassifier, changed);

        GeneratorDriverRunResult second = RunTwice(
            new[] { TestModels.WeightedClassifier, TestModels.MultiLabelHead },
            compilation => Replace(compilation, 0, changed));

        IncrementalStepRunReason[] reasons = StepReasons(second, TrackingNames.GeneratedSources);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Contains("3.5f", second.Results[0].GeneratedSources.Single(s => s.HintName == "Losses.WeightedClassifier.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CommentInsideAModelRegeneratesNothing()
    {
        string commented = TestModels.MnistClassifier128.Replace("{\n    [Linear(128)", "{\n    // the hidden layer\n    [Linear(128)", StringComparison.Ordinal);
        Assert.NotEqual(TestModels.MnistClassifier128, commented);

        GeneratorDriverRunResult second = RunTwice(new[] { TestModels.MnistClassifier128 }, compilation => Replace(compilation, 0, commented));

        Assert.All(StepReasons(second, TrackingNames.ModelSpecs), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        AssertAllOutputsCachedOrUnchanged(second);
    }

    [Fact]
    public void EditToOneModelRegeneratesOnlyThatModel()
    {
        string widened = TestModels.MnistClassifier128.Replace("Linear(128)", "Linear(64)", StringComparison.Ordinal);

        GeneratorDriverRunResult second = RunTwice(
            new[] { TestModels.MnistClassifier128, TestModels.DeepClassifier },
            compilation => Replace(compilation, 0, widened));

        IncrementalStepRunReason[] reasons = StepReasons(second, TrackingNames.GeneratedSources);
        Assert.Equal(1, reasons.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void DiagnosticOnlyChangeDoesNotRegenerateSource()
    {
        string broken = TestModels.MnistClassifier128.Replace("public partial class", "public class", StringComparison.Ordinal);
        string brokenShifted = "// moved\n" + broken;

        GeneratorDriverRunResult second = RunTwice(
            new[] { broken, TestModels.DeepClassifier },
            compilation => Replace(compilation, 0, brokenShifted));

        Assert.Contains(IncrementalStepRunReason.Modified, StepReasons(second, TrackingNames.Diagnostics));
        Assert.All(StepReasons(second, TrackingNames.GeneratedSources), reason => Assert.NotEqual(IncrementalStepRunReason.Modified, reason));
        Assert.All(StepReasons(second, TrackingNames.GeneratedSources), reason => Assert.NotEqual(IncrementalStepRunReason.New, reason));
    }

    [Fact]
    public void EditOutsideAClassWithoutModelAttributeKeepsItsDiagnosticAndStubsCached()
    {
        const string Unmarked = "using StaticGrad;\npublic partial class Plain\n{\n    [Linear(3), ReLU] public partial Linear A { get; }\n    [Linear(2)] public partial Linear B { get; }\n}\n";

        GeneratorDriverRunResult second = RunTwice(
            new[] { Unmarked, Unrelated },
            compilation => Replace(compilation, 1, Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal)));

        Assert.NotEmpty(StepReasons(second, TrackingNames.UnmarkedClasses));
        Assert.All(StepReasons(second, TrackingNames.UnmarkedClasses), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        AssertAllOutputsCachedOrUnchanged(second);
        Assert.Equal("SG0025", Assert.Single(second.Diagnostics).Id);
    }

    [Fact]
    public void PipelineOutputsHoldNoCompilerObjects()
    {
        Type[] forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(Location), typeof(AttributeData), typeof(SyntaxTree) };
        Type[] allowed = { typeof(DiagnosticDescriptor), typeof(Microsoft.CodeAnalysis.Text.TextSpan), typeof(Microsoft.CodeAnalysis.Text.LinePositionSpan) };
        var seen = new HashSet<Type>();
        // Ops are held through their abstract base: every concrete op kind is walked too.
        Type[] ops = typeof(Op).Assembly.GetTypes().Where(t => typeof(Op).IsAssignableFrom(t) && !t.IsAbstract).ToArray();
        var pending = new Stack<Type>(new[] { typeof(ParseResult), typeof(UnmarkedClass) }.Concat(ops));
        while (pending.Count > 0)
        {
            Type type = pending.Pop();
            // Roslyn value types and the descriptor are immutable values with structural equality.
            if (!seen.Add(type) || type.IsPrimitive || type == typeof(string) || type.IsEnum || Array.IndexOf(allowed, type) >= 0)
            {
                continue;
            }

            Assert.DoesNotContain(forbidden, f => f.IsAssignableFrom(type));
            Assert.False(type.IsArray && type.Namespace != typeof(EquatableArray<>).Namespace, $"{type} is an array");
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Type fieldType = field.FieldType.IsArray ? field.FieldType.GetElementType()! : field.FieldType;
                if (field.FieldType.IsArray)
                {
                    Assert.True(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>), $"{type}.{field.Name} is a bare array");
                }

                pending.Push(fieldType);
                foreach (Type argument in fieldType.IsGenericType ? fieldType.GetGenericArguments() : Type.EmptyTypes)
                {
                    pending.Push(argument);
                }
            }
        }

        Assert.Contains(typeof(MemberSpec), seen);
        Assert.Contains(typeof(LinearOp), seen);
        Assert.Contains(typeof(DropoutOp), seen);
        Assert.Contains(typeof(StubMember), seen);
        Assert.Contains(typeof(LocationInfo), seen);
    }

    private static GeneratorDriverRunResult RunTwice(string[] sources, Func<Compilation, Compilation> edit)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        return driver.GetRunResult();
    }

    private static Compilation Replace(Compilation compilation, int index, string source)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == GeneratorHarness.PathOf(index));
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static IncrementalStepRunReason[] StepReasons(GeneratorDriverRunResult result, string step)
        => result.Results[0].TrackedSteps.TryGetValue(step, out var runs)
            ? runs.SelectMany(run => run.Outputs).Select(output => output.Reason).ToArray()
            : Array.Empty<IncrementalStepRunReason>();

    private static void AssertAllOutputsCachedOrUnchanged(GeneratorDriverRunResult result)
    {
        foreach (var outputs in result.Results[0].TrackedOutputSteps)
        {
            Assert.All(
                outputs.Value.SelectMany(run => run.Outputs),
                output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{outputs.Key}: {output.Reason}"));
        }

        Assert.All(
            new[] { TrackingNames.ModelSpecs, TrackingNames.GeneratedSources },
            step => Assert.All(StepReasons(result, step), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}")));
    }
}
