using System.Linq;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>The generated code of a model with the three kinds of BatchNorm1d: default, without affine parameters, without running statistics.</summary>
public sealed class BatchNormSnapshotTests
{
    public const string BatchNormModel = """
        using StaticGrad;

        namespace Norms;

        [Model(Inputs = 6)]
        public partial class BatchNormModel
        {
            [Linear(8)] public partial Linear Fc1 { get; }
            [BatchNorm1d] public partial BatchNorm1d Bn1 { get; }
            [ReLU] public partial ActivationLayer Act { get; }
            [Linear(5, Bias = false)] public partial Linear Fc2 { get; }
            [BatchNorm1d(Affine = false, Momentum = 0.3f)] public partial BatchNorm1d Bn2 { get; }
            [Linear(4), Tanh] public partial Linear Fc3 { get; }
            [BatchNorm1d(TrackRunningStats = false)] public partial BatchNorm1d Bn3 { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    [Fact]
    public void ThreeKindsOfBatchNorm()
    {
        GeneratorRun run = GeneratorHarness.Run(BatchNormModel);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal("Norms.BatchNormModel.g.cs", Assert.Single(run.Result.Results[0].GeneratedSources).HintName);
        string[] errors = run.Output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(errors.Length == 0, "The generated code does not compile cleanly:\n" + string.Join("\n", errors));
        Snapshot.Verify(run, nameof(BatchNormSnapshotTests));
    }

    [Fact]
    public void TheOptionsReachTheGeneratedCode()
    {
        string text = GeneratorHarness.Run(BatchNormModel).Result.Results[0].GeneratedSources[0].SourceText.ToString();

        // state_dict names as PyTorch's: buffers only with running statistics, weight and bias only with affine.
        foreach (string name in new[] { "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked", "bn3.weight", "bn3.bias" })
        {
            Assert.Contains($"\"{name}\"", text, System.StringComparison.Ordinal);
        }

        foreach (string name in new[] { "bn2.weight", "bn2.bias", "bn3.running_mean", "bn3.running_var", "bn3.num_batches_tracked" })
        {
            Assert.DoesNotContain($"\"{name}\"", text, System.StringComparison.Ordinal);
        }

        Assert.Contains("BatchNorm.ForwardTraining(", text, System.StringComparison.Ordinal);
        Assert.Contains("BatchNorm.ForwardInference(", text, System.StringComparison.Ordinal);
        Assert.Contains("BatchNorm.Backward(", text, System.StringComparison.Ordinal);
        Assert.Contains("0.3f", text, System.StringComparison.Ordinal);
        Assert.Contains("1E-05f", text, System.StringComparison.Ordinal);
    }
}
