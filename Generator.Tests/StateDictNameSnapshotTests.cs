using System.Linq;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>A model whose layers take the <c>state_dict</c> names of an <c>nn.Sequential</c> (<c>0.weight</c>) through the layer attributes' <c>Name</c>.</summary>
public sealed class StateDictNameSnapshotTests
{
    public const string SequentialNames = """
        using StaticGrad;

        namespace Imported;

        [Model(Inputs = 6)]
        public partial class SequentialMlp
        {
            [Linear(8, Name = "0"), ReLU] public partial Linear Fc1 { get; }
            [LayerNorm(Name = "2")] public partial LayerNorm Norm { get; }
            [BatchNorm1d(Name = "features.3")] public partial BatchNorm1d Bn { get; }
            [Linear(3, Name = "4")] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    [Fact]
    public void SequentialMlp()
    {
        GeneratorRun run = GeneratorHarness.Run(SequentialNames);

        Assert.Empty(run.GeneratorDiagnostics);
        string[] errors = run.Output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(errors.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", errors));
        Snapshot.Verify(run, nameof(StateDictNameSnapshotTests));
    }

    [Fact]
    public void TheOverridesBecomeTheParameterNames_AndTheMembersKeepTheirCSharpNames()
    {
        string text = GeneratorHarness.Run(SequentialNames).Result.Results[0].GeneratedSources[0].SourceText.ToString();

        foreach (string name in new[] { "0.weight", "0.bias", "2.weight", "2.bias", "features.3.weight", "features.3.running_mean", "features.3.num_batches_tracked", "4.weight", "4.bias" })
        {
            Assert.Contains($"\"{name}\"", text, System.StringComparison.Ordinal);
        }

        Assert.DoesNotContain("\"fc1.weight\"", text, System.StringComparison.Ordinal);
        Assert.Contains("partial global::StaticGrad.Linear Fc1 {", text, System.StringComparison.Ordinal);
    }
}
