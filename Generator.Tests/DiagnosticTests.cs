using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticGrad.Generator.Tests.Helpers;
using Xunit;

namespace StaticGrad.Generator.Tests;

/// <summary>Each misuse gets exactly one diagnostic, with its ID, at the attribute or member at fault.</summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using StaticGrad;\n";

    public static TheoryData<string, string> Cases => new()
    {
        {
            "SG0001",
            """
            [Model(Inputs = 4)]
            public class [|NotPartial|]
            {
                [Linear(2)] public Linear A { get; } = null!;
            }
            """
        },
        {
            "SG0002",
            """
            [Model(Inputs = 4)]
            public partial class [|NoLoss|]
            {
                [Linear(2)] public partial Linear A { get; }
            }
            """
        },
        {
            "SG0003",
            """
            [Model(Inputs = 4)]
            public partial class LossFirst
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
                [Linear(2)] public partial Linear [|B|] { get; }
            }
            """
        },
        {
            "SG0004",
            """
            [Model(Inputs = 4)]
            public partial class ZeroWidth
            {
                [[|Linear(0)|]] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0005",
            """
            [Model(Inputs = 4)]
            public partial class WrongClasses
            {
                [Linear(3)] public partial Linear A { get; }
                [[|SoftmaxCrossEntropy(Classes = 5)|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class ActivatedLogits
            {
                [Linear(3), ReLU] public partial Linear A { get; }
                [Linear(2), [|ReLU|]] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class ActivationWithoutLayer
            {
                [Linear(3)] public partial Linear A { get; }
                [[|Tanh|]] public Linear B { get; } = null!;
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class ActivatedLoss
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy, [|Sigmoid|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0007",
            """
            [[|Model|]]
            public partial class NoInputs
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0007",
            """
            [[|Model(Inputs = -3)|]]
            public partial class NegativeInputs
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0008",
            """
            [Model(Inputs = 4)]
            public partial class [|OnlyLoss|]
            {
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class NotPartialMember
            {
                [Linear(3)] public Linear [|A|] { get; } = null!;
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class WrongMemberType
            {
                [Linear(3)] public partial SoftmaxCrossEntropyLoss [|A|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0010",
            """
            public partial class Outer
            {
                [Model(Inputs = 4)]
                public partial class [|Inner|]
                {
                    [Linear(3)] public partial Linear A { get; }
                    [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
                }
            }
            """
        },
        {
            "SG0010",
            """
            [Model(Inputs = 4)]
            public partial class [|Generic|]<T>
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0011",
            """
            [Model(Inputs = 4)]
            public partial class TwoActivations
            {
                [Linear(3), ReLU, [|Tanh|]] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0012",
            """
            [Model(Inputs = 4)]
            public partial class BadSmoothing
            {
                [Linear(3)] public partial Linear A { get; }
                [[|SoftmaxCrossEntropy(LabelSmoothing = 1.5f)|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0013",
            """
            [Model(Inputs = 4)]
            public partial class TwoLosses
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss [|Again|] { get; }
            }
            """
        },
        {
            "SG0014",
            """
            [Model(Inputs = 4)]
            public partial class BadReduction
            {
                [Linear(3)] public partial Linear A { get; }
                [[|SoftmaxCrossEntropy(Reduction = (Reduction)7)|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsOneDiagnosticAtTheFaultyDeclaration(string id, string markup)
    {
        (string source, TextSpan expectedSpan) = Markup.Parse(Usings + markup);

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(GeneratorHarness.PathOf(0), diagnostic.Location.SourceTree?.FilePath ?? diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        Assert.Equal(source.Substring(expectedSpan.Start, expectedSpan.Length), source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Empty(run.Result.Results[0].GeneratedSources);
    }

    [Fact]
    public void EveryDescriptorIsCoveredByACase()
    {
        string[] declared = typeof(ModelGenerator).Assembly.GetType("StaticGrad.Generator.Diagnostics")!
            .GetFields()
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .OrderBy(x => x, System.StringComparer.Ordinal)
            .ToArray();
        string[] covered = Cases.Select(row => (string)row[0]).Distinct().OrderBy(x => x, System.StringComparer.Ordinal).ToArray();
        Assert.Equal(declared, covered);
    }

    [Fact]
    public void MessagesNameTheValuesInvolved()
    {
        (string source, _) = Markup.Parse(Usings + """
            [Model(Inputs = 4)]
            public partial class WrongClasses
            {
                [Linear(3)] public partial Linear Hidden { get; }
                [[|SoftmaxCrossEntropy(Classes = 5)|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics);

        Assert.Equal("Loss 'Loss' declares 5 classes but the last layer 'Hidden' has 3 outputs", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("docs/diagnostics.md#sg0005", diagnostic.Descriptor.HelpLinkUri);
    }
}
