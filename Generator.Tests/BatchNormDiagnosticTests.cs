using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>Each misuse of [BatchNorm1d] gets exactly one error, with its ID, at the argument or member at fault.</summary>
public sealed class BatchNormDiagnosticTests
{
    private const string Usings = "using StaticGrad;\n";

    [Theory]
    [InlineData("[|Eps = 0f|]", "Eps = 0; it must be finite and positive")]
    [InlineData("[|Eps = -1f|]", "Eps = -1; it must be finite and positive")]
    [InlineData("[|Momentum = 1.5f|]", "Momentum = 1.5; it must be between 0 and 1")]
    [InlineData("[|Momentum = -0.1f|]", "Momentum = -0.1; it must be between 0 and 1")]
    [InlineData("Affine = false, [|Momentum = 1.5f|]", "Momentum = 1.5; it must be between 0 and 1")]
    public void AnInvalidArgumentIsOneSG0027AtTheArgument(string argument, string message)
    {
        string markup = $$"""
            [Model(Inputs = 4)]
            public partial class BadBatchNorm
            {
                [Linear(3)] public partial Linear A { get; }
                [BatchNorm1d({{argument}})] public partial BatchNorm1d Bn { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;

        Diagnostic diagnostic = AssertOneErrorAt("SG0027", markup, out string source);

        Assert.StartsWith($"[BatchNorm1d] on 'Bn' has {message}", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        AssertNoFollowOnErrors(source);
    }

    [Theory]
    [InlineData("BatchNorm1d")]
    [InlineData("LayerNorm")]
    public void ANormOnAMemberOfTheWrongTypeIsOneSG0009AtTheMember(string attribute)
    {
        // BatchNorm1d answers a member of the wrong type as LayerNorm does.
        string markup = $$"""
            [Model(Inputs = 4)]
            public partial class WrongNormType
            {
                [Linear(3)] public partial Linear A { get; }
                [{{attribute}}] public partial Linear [|Norm|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;

        AssertOneErrorAt("SG0009", markup, out string source);
        AssertNoFollowOnErrors(source);
    }

    [Fact]
    public void AValidBatchNormHasNoDiagnostic()
    {
        string source = Usings + """
            [Model(Inputs = 4)]
            public partial class GoodBatchNorm
            {
                [Linear(3)] public partial Linear A { get; }
                [BatchNorm1d(Eps = 1e-3f, CumulativeAverage = true)] public partial BatchNorm1d Bn { get; }
                [BatchNorm1d(Momentum = 1f, Affine = false, TrackRunningStats = false)] public partial BatchNorm1d Bn2 { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Contains("public float TrainStep(", run.Result.Results[0].GeneratedSources[0].SourceText.ToString(), System.StringComparison.Ordinal);
    }

    private static Diagnostic AssertOneErrorAt(string id, string markup, out string source)
    {
        (source, TextSpan expectedSpan) = Markup.Parse(Usings + markup);
        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(GeneratorHarness.PathOf(0), diagnostic.Location.SourceTree?.FilePath ?? diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(source.Substring(expectedSpan.Start, expectedSpan.Length), source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        return diagnostic;
    }

    /// <summary>As in <see cref="DiagnosticTests"/>: the compiler reports only the user's own errors (less CS9248), and the model gets stubs only.</summary>
    private static void AssertNoFollowOnErrors(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic[] own = GeneratorHarness.CreateCompilation(source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS9248")
            .ToArray();
        string[] after = run.CompilationErrors
            .Where(d => !(d.Id == "CS9248" && own.Any(o => o.Location.GetLineSpan().Equals(d.Location.GetLineSpan()))))
            .Select(d => d.ToString())
            .ToArray();
        Assert.Equal(own.Select(d => d.ToString()).ToArray(), after);
        Assert.DoesNotContain(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
    }
}
