using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
            "SG0003",
            """
            [Model(Inputs = 4)]
            public partial class ActivatedLayerAfterTheLoss
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
                [Linear(2), ReLU] public partial Linear [|B|] { get; }
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
                [[|Softmax|]] public partial ActivationLayer B { get; }
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
            // A [Softmax] or [LogSoftmax] member of its own, or one on a layer before the last, also brought the whole
            // model's checks on the layer before it: SG0002 (no output activation), SG0020 (no LogSoftmax), SG0008.
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class SoftmaxMember
            {
                [Linear(3)] public partial Linear A { get; }
                [[|Softmax|]] public partial ActivationLayer Probabilities { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class LogSoftmaxMemberBeforeNll
            {
                [Linear(3)] public partial Linear A { get; }
                [[|LogSoftmax|]] public partial ActivationLayer LogProbabilities { get; }
                [NllLoss] public partial NllLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class SoftmaxBeforeDropout
            {
                [Linear(3), [|Softmax|]] public partial Linear A { get; }
                [Dropout(0.1f)] public partial Dropout Drop { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class SoftmaxAlone
            {
                [[|Softmax|]] public partial ActivationLayer Probabilities { get; }
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
            [[|Model|]]
            public partial class NoImageShape
            {
                [Conv2d(6, 3)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
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
            [Model(Channels = 1, Height = 4, Width = 4, InferenceOnly = true)]
            public partial class [|NoParameters|]
            {
                [ReLU] public partial ActivationLayer Act { get; }
                [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
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
            "SG0035",
            """
            [Model(Inputs = 4)]
            public partial class BadStateDictName
            {
                [Linear(3, [|Name = "0 weight"|]), ReLU] public partial Linear Fc1 { get; }
                [Linear(2)] public partial Linear Fc2 { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0035",
            """
            [Model(Inputs = 4)]
            public partial class EmptySegment
            {
                [Linear(3, [|Name = "features..0"|]), ReLU] public partial Linear Fc1 { get; }
                [Linear(2)] public partial Linear Fc2 { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0035",
            """
            [Model(Inputs = 4)]
            public partial class TwoLayersNamedZero
            {
                [Linear(3, Name = "0"), ReLU] public partial Linear Fc1 { get; }
                [LayerNorm([|Name = "0"|])] public partial LayerNorm Norm { get; }
                [Linear(2)] public partial Linear Fc2 { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0035",
            """
            [Model(Inputs = 4)]
            public partial class OverrideTakesAMemberName
            {
                [Linear(3), ReLU] public partial Linear Fc1 { get; }
                [BatchNorm1d([|Name = "fc1"|])] public partial BatchNorm1d Norm { get; }
                [Linear(2)] public partial Linear Fc2 { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0023",
            """
            [Model(Inputs = 4)]
            public partial class MemberNameTakesAnOverride
            {
                [Linear(3, Name = "fc2"), ReLU] public partial Linear Fc1 { get; }
                [Linear(2)] public partial Linear [|Fc2|] { get; }
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
            // A ref-returning member used to be accepted: its generated implementation did not return by ref (CS8818 in
            // the generated file). So did the four below, with CS9251 and CS0102, CS0500 and CS0513, or some forty
            // syntax errors ('partial Linear System.IDisposable.A' became a field '__sg_System.IDisposable').
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class RefMember
            {
                [Linear(3)] public partial ref Linear [|A|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class RefReadonlyLoss
            {
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial ref readonly SoftmaxCrossEntropyLoss [|Loss|] { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class ImplementedMember
            {
                [Linear(3)] public partial Linear [|A|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
                public partial Linear A => null!;
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class AbstractMember
            {
                [Linear(3)] public abstract partial Linear [|A|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class ExplicitMember
            {
                [Linear(3)] partial Linear System.IDisposable.[|A|] { get; }
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
            // The Softmax is both a second activation and an output activation on a hidden layer: it used to get SG0006 too.
            "SG0011",
            """
            [Model(Inputs = 4)]
            public partial class ReluThenSoftmaxOnAHiddenLayer
            {
                [Linear(3), ReLU, [|Softmax|]] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
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
            "SG0027",
            """
            [Model(Inputs = 4)]
            public partial class DropoutOutOfRange
            {
                [Linear(3)] public partial Linear A { get; }
                [Dropout([|1.5f|])] public partial Dropout Drop { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroKernel
            {
                [Conv2d(4, [|0|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroAdaptiveWidth
            {
                [AdaptiveAvgPool2d(3, [|0|])] public partial AdaptiveAvgPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroAdaptiveHeight
            {
                [AdaptiveAvgPool2d([|0|], 3)] public partial AdaptiveAvgPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Inputs = 4)]
            public partial class UnknownGelu
            {
                [Linear(3), GELU([|Approximate = "fast"|])] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 1, Height = 4, Width = 4)]
            public partial class SizeAndScale
            {
                [Upsample([|ScaleFactor = 2|], Size = 7)] public partial Upsample Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 1, Height = 4, Width = 4)]
            public partial class EmptySize
            {
                [Upsample(SizeHeight = 7, [|SizeWidth = 0|])] public partial Upsample Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0028",
            """
            [Model(Inputs = 4)]
            public partial class ForwardReference
            {
                [Linear(3)] public partial Linear A { get; }
                [[|Add(nameof(B))|]] public partial Residual Skip { get; }
                [Linear(3)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0028",
            """
            [Model(Inputs = 4)]
            public partial class BranchFromLater
            {
                [Linear(3)] public partial Linear A { get; }
                [[|From(nameof(B))|], Linear(3)] public partial Linear Branch { get; }
                [Linear(3)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0036",
            """
            [Model(Inputs = 4)]
            public partial class LostBranch
            {
                [Linear(3)] public partial Linear A { get; }
                [[|Linear(5)|]] public partial Linear B { get; }
                [From(nameof(A)), Linear(5)] public partial Linear C { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0037",
            """
            [Model(Inputs = 4)]
            public partial class LossFrom
            {
                [Linear(3)] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [[|From(nameof(A))|], SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0037",
            """
            [Model(Inputs = 4)]
            public partial class LoneFrom
            {
                [Linear(3)] public partial Linear A { get; }
                [[|From(nameof(A))|]] public partial Linear B { get; }
                [Linear(2)] public partial Linear C { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 6, Width = 6)]
            public partial class FlatBranchIntoConvolution
            {
                [Conv2d(3, 3)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(5)] public partial Linear Fc { get; }
                [From(nameof(Fc)), [|Conv2d(4, 1)|]] public partial Conv2d Branch { get; }
                [Flatten] public partial Flatten Flat2 { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0037",
            """
            [Model(Inputs = 4)]
            public partial class NamelessFrom
            {
                [Linear(3)] public partial Linear A { get; }
                [[|From("")|], Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0029",
            """
            [Model(Inputs = 4)]
            public partial class SkipWidths
            {
                [Linear(3)] public partial Linear A { get; }
                [Linear(5)] public partial Linear B { get; }
                [[|Add(nameof(A))|]] public partial Residual Skip { get; }
                [Linear(2)] public partial Linear C { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0030",
            """
            [Model(Inputs = 4)]
            public partial class TwoLayers
            {
                [Linear(3), [|LayerNorm|]] public partial Linear A { get; }
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
        {
            "SG0002",
            """
            [Model(Inputs = 4)]
            public partial class [|ReluOutputWithoutLoss|]
            {
                [Linear(3), ReLU] public partial Linear A { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class HiddenSoftmax
            {
                [Linear(3), [|Softmax|]] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class DoubleSoftmax
            {
                [Linear(3), [|LogSoftmax|]] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0006",
            """
            [Model(Inputs = 4)]
            public partial class SigmoidBeforeBce
            {
                [Linear(1), [|Sigmoid|]] public partial Linear A { get; }
                [BinaryCrossEntropyWithLogits] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class NllWrongType
            {
                [Linear(3), LogSoftmax] public partial Linear A { get; }
                [NllLoss] public partial SoftmaxCrossEntropyLoss [|Loss|] { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class BceWrongTypeAfterBareLayer
            {
                [Linear(1)] public partial Linear A { get; }
                [BinaryCrossEntropyWithLogits] public partial SoftmaxCrossEntropyLoss [|Loss|] { get; }
            }
            """
        },
        {
            "SG0013",
            """
            [Model(Inputs = 4)]
            public partial class TwoLossesOnOneMember
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy, BinaryCrossEntropyWithLogits] public partial SoftmaxCrossEntropyLoss [|Loss|] { get; }
            }
            """
        },
        {
            "SG0015",
            """
            [Model(Inputs = 4)]
            public partial class ShortWeights
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy([|Weights = new[] { 1f, 2f }|])] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0015",
            """
            [Model(Inputs = 4)]
            public partial class ShortPosWeight
            {
                [Linear(2)] public partial Linear A { get; }
                [BinaryCrossEntropyWithLogits([|PosWeight = new[] { 3f }|])] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
            }
            """
        },
        {
            "SG0015",
            """
            [Model(Inputs = 4)]
            public partial class LongNllWeights
            {
                [Linear(3), LogSoftmax] public partial Linear A { get; }
                [NllLoss([|Weights = new[] { 1f, 1f, 1f, 1f }|])] public partial NllLoss Loss { get; }
            }
            """
        },
        {
            "SG0016",
            """
            [Model(Inputs = 4)]
            public partial class NegativeWeight
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy([|Weights = new[] { 1f, -2f, 1f }|])] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0016",
            """
            [Model(Inputs = 4)]
            public partial class NaNPosWeight
            {
                [Linear(1)] public partial Linear A { get; }
                [BinaryCrossEntropyWithLogits([|PosWeight = new[] { float.NaN }|])] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
            }
            """
        },
        {
            "SG0017",
            """
            [Model(Inputs = 4)]
            public partial class IgnoredProbabilities
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities, [|IgnoreIndex = 0|])] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0018",
            """
            [Model(Inputs = 4)]
            public partial class WideBinaryHead
            {
                [Linear(2)] public partial Linear A { get; }
                [[|BinaryCrossEntropyWithLogits(Outputs = 1)|]] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
            }
            """
        },
        {
            "SG0019",
            """
            [Model(Inputs = 4)]
            public partial class OneLogitSoftmax
            {
                [Linear(1)] public partial Linear A { get; }
                [[|SoftmaxCrossEntropy|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0019",
            """
            [Model(Inputs = 4)]
            public partial class OneOutputSoftmaxInference
            {
                [Linear(1), [|Softmax|]] public partial Linear A { get; }
            }
            """
        },
        {
            "SG0020",
            """
            [Model(Inputs = 4)]
            public partial class NllOnLogits
            {
                [Linear(3)] public partial Linear A { get; }
                [[|NllLoss|]] public partial NllLoss Loss { get; }
            }
            """
        },
        {
            "SG0020",
            """
            [Model(Inputs = 4)]
            public partial class NllOnProbabilities
            {
                [Linear(3), Softmax] public partial Linear A { get; }
                [[|NllLoss(Reduction = Reduction.Sum)|]] public partial NllLoss Loss { get; }
            }
            """
        },
        {
            "SG0022",
            """
            [Model(Inputs = 4)]
            public partial class BadTargets
            {
                [Linear(3)] public partial Linear A { get; }
                [[|SoftmaxCrossEntropy(Targets = (TargetKind)3)|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0023",
            """
            [Model(Inputs = 4)]
            public partial class SameParameterNames
            {
                [Linear(3), ReLU] public partial Linear HiddenLayer { get; }
                [Linear(3), ReLU] public partial Linear [|Hidden_Layer|] { get; }
                [Linear(2)] public partial Linear Output { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class NoGetter
            {
                [Linear(3)] public partial Linear [|A|] { }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0008",
            """
            [Model(Inputs = 4)]
            public partial class [|OnlyALoss|]
            {
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class LayerNotPartial
            {
                [Linear(2)] public Linear [|A|] { get; } = null!;
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0009",
            """
            [Model(Inputs = 4)]
            public partial class NullableLayer
            {
                [Linear(3)] public partial Linear? [|A|] { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0010",
            """
            [Model(Inputs = 4)]
            public partial record [|RecordModel|]
            {
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0010",
            """
            [Model(Inputs = 4)]
            public partial class [|PrimaryConstructor|](int width)
            {
                public int Width => width;
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0010",
            """
            [Model(Inputs = 4)]
            public static partial class [|StaticModel|]
            {
            }
            """
        },
        {
            "SG0024",
            """
            [Model(Inputs = 784)]
            public partial class Huge
            {
                [[|Linear(100000000)|], ReLU] public partial Linear A { get; }
                [Linear(10)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0025",
            """
            public partial class [|NoModelAttribute|]
            {
                [Linear(3), ReLU] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0026",
            """
            [Model(Inputs = 4)]
            public partial class LayerNamedParameters
            {
                [Linear(2)] public partial Linear [|Parameters|] { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0026",
            """
            [Model(Inputs = 4)]
            public partial class LossNamedTrainStep
            {
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss [|TrainStep|] { get; }
            }
            """
        },
        {
            "SG0026",
            """
            [Model(Inputs = 4)]
            public partial class UserTrainStep
            {
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }

            public partial class UserTrainStep
            {
                public void [|TrainStep|]() { }
            }
            """
        },
        {
            "SG0026",
            """
            [Model(Inputs = 4)]
            public partial class UserEvaluateLoss
            {
                [Linear(2)] public partial Linear A { get; }
                [BinaryCrossEntropyWithLogits] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
                public float [|EvaluateLoss|](float x) => x;
            }
            """
        },
        {
            "SG0038",
            """
            [Model(Inputs = 4)]
            public partial class UserConstructor
            {
                public [|UserConstructor|](int seed, int maxBatch) { }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0038",
            """
            [Model(Inputs = 4)]
            public partial class UnchainedConstructor
            {
                public [|UnchainedConstructor|]() { }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0039",
            """
            [Model(Inputs = 4)]
            public partial class BceOnLogits
            {
                [Linear(3)] public partial Linear A { get; }
                [[|BinaryCrossEntropy|]] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0039",
            """
            [Model(Inputs = 4)]
            public partial class BceOnTanh
            {
                [Linear(3)] public partial Linear A { get; }
                [Tanh] public partial ActivationLayer Squash { get; }
                [[|BinaryCrossEntropy(Reduction = Reduction.Sum)|]] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0039",
            """
            [Model(Inputs = 4)]
            public partial class BceOnSoftmax
            {
                [Linear(3), Softmax] public partial Linear A { get; }
                [[|BinaryCrossEntropy|]] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0041",
            """
            [Model(Inputs = 4)]
            public partial class SplitLayers
            {
                [Linear(3), ReLU] public partial Linear A { get; }
            }

            public partial class SplitLayers
            {
                [[|Linear(2)|]] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0041",
            """
            [Model(Inputs = 4)]
            public partial class SplitLoss
            {
                [Linear(3), ReLU] public partial Linear A { get; }
                [Linear(2)] public partial Linear B { get; }
            }

            public partial class SplitLoss
            {
                public int Answer => 42;
                [[|SoftmaxCrossEntropy|]] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0018",
            """
            [Model(Inputs = 4)]
            public partial class WideSigmoidHead
            {
                [Linear(2), Sigmoid] public partial Linear A { get; }
                [[|BinaryCrossEntropy(Outputs = 3)|]] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0026",
            """
            [Model(Inputs = 4)]
            public partial class ReservedPrefix
            {
                private int [|__sgArena|];
                public int Arena => __sgArena;
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0031",
            """
            [[|Model(Inputs = 4, InferenceOnly = true)|]]
            public partial class InferenceOnlyWithLoss
            {
                [Linear(2)] public partial Linear A { get; }
                [MseLoss] public partial MseLoss Loss { get; }
            }
            """
        },
        {
            "SG0032",
            """
            [[|Model(Channels = 1, Height = 28)|]]
            public partial class NoWidth
            {
                [Conv2d(4, 3)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0032",
            """
            [[|Model(Channels = 1, Height = 28, Width = 28, Inputs = 728)|]]
            public partial class InputsDisagree
            {
                [Conv2d(4, 3)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 1, Height = 8, Width = 8)]
            public partial class ImageIntoLinear
            {
                [Conv2d(4, 3)] public partial Conv2d Conv { get; }
                [[|Linear(2)|]] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Inputs = 8)]
            public partial class UnflattenTheWrongCount
            {
                [Linear(32)] public partial Linear Fc { get; }
                [[|Unflatten(2, 4, 5)|]] public partial Unflatten Grid { get; }
                [Flatten] public partial Flatten Flat { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 4, Width = 4)]
            public partial class UnflattenAnImage
            {
                [Conv2d(2, 1)] public partial Conv2d Conv { get; }
                [[|Unflatten(2, 4, 4)|]] public partial Unflatten Grid { get; }
                [Flatten] public partial Flatten Flat { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Inputs = 8)]
            public partial class UnflattenToNothing
            {
                [Linear(32)] public partial Linear Fc { get; }
                [Unflatten(2, [|0|], 4)] public partial Unflatten Grid { get; }
                [Flatten] public partial Flatten Flat { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Inputs = 64)]
            public partial class FlatIntoConv
            {
                [[|Conv2d(4, 3)|]] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 1, Height = 8, Width = 8)]
            public partial class KernelTooLarge
            {
                [Conv2d(4, 3)] public partial Conv2d Conv1 { get; }
                [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
                [[|Conv2d(4, 5)|]] public partial Conv2d Conv2 { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 3, Height = 8, Width = 8)]
            public partial class GroupsDoNotDivide
            {
                [[|Conv2d(4, 3, Groups = 2)|]] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class PoolPaddingTooLarge
            {
                [MaxPool2d(2, [|Padding = 2|])] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class UnknownPaddingMode
            {
                [Conv2d(4, 3, Padding = 1, [|PaddingMode = (PaddingMode)7|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroStride
            {
                [Conv2d(4, 3, [|Stride = 0|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroKernelWidth
            {
                [Conv2d(4, 3, [|0|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroKernelHeight
            {
                [MaxPool2d([|0|], 2)] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroStrideWidth
            {
                [Conv2d(4, 3, Stride = 2, [|StrideWidth = 0|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class NegativePaddingHeight
            {
                [Conv2d(4, 3, [|PaddingHeight = -1|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroDilationWidth
            {
                [Conv2d(4, 3, [|DilationWidth = 0|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class PoolPaddingWidthTooLarge
            {
                [MaxPool2d(4, 2, [|PaddingWidth = 2|])] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class AvgPoolPaddingHeightTooLarge
            {
                [AvgPool2d(1, 3, [|PaddingHeight = 1|])] public partial AvgPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class SamePaddingWithStride
            {
                [Conv2d(4, 3, Stride = 2, [|SamePadding = true|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class SamePaddingAndPadding
            {
                [Conv2d(4, 3, SamePadding = true, [|PaddingWidth = 1|])] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class RectangularKernelTooWide
            {
                [[|Conv2d(4, 1, 9)|]] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 2, Width = 8)]
            public partial class RectangularPoolTooTall
            {
                [[|MaxPool2d(3, 1, StrideHeight = 2, PaddingWidth = 0)|]] public partial MaxPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroGroups
            {
                [GroupNorm([|0|])] public partial GroupNorm Norm { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class GroupNormEps
            {
                [GroupNorm(2, [|Eps = 0f|])] public partial GroupNorm Norm { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class GroupsDoNotDivideChannels
            {
                [Conv2d(6, 3)] public partial Conv2d Conv { get; }
                [[|GroupNorm(4)|]] public partial GroupNorm Norm { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class CropToNothing
            {
                [[|ZeroPad2d(0, 0, -4, -4)|]] public partial ZeroPad2d Crop { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 1, Width = 1)]
            public partial class InstanceNormOfOnePixel
            {
                [[|InstanceNorm2d|]] public partial InstanceNorm2d Norm { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Inputs = 8)]
            public partial class InstanceNormOfFeatures
            {
                [[|InstanceNorm2d|]] public partial InstanceNorm2d Norm { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class OutputPaddingNotBelowStride
            {
                [ConvTranspose2d(4, 3, Stride = 2, [|OutputPadding = 2|])] public partial ConvTranspose2d Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class OutputPaddingWidthAtStrideOne
            {
                [ConvTranspose2d(4, 3, [|OutputPaddingWidth = 1|])] public partial ConvTranspose2d Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class TransposedGroupsDoNotDivideOutput
            {
                [ConvTranspose2d(3, 3, [|Groups = 2|])] public partial ConvTranspose2d Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class TransposedGroupsDoNotDivideInput
            {
                [[|ConvTranspose2d(4, 3, Groups = 4)|]] public partial ConvTranspose2d Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0033",
            """
            [Model(Channels = 2, Height = 2, Width = 2)]
            public partial class TransposedPaddingTooLarge
            {
                [[|ConvTranspose2d(4, 3, Padding = 6)|]] public partial ConvTranspose2d Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Inputs = 4)]
            public partial class CumulativeAverageWithAMomentum
            {
                [Linear(8)] public partial Linear A { get; }
                [BatchNorm1d(CumulativeAverage = true, [|Momentum = 0.2f|])] public partial BatchNorm1d Norm { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class InstanceNormMomentumAboveOne
            {
                [InstanceNorm2d(TrackRunningStats = true, [|Momentum = 1.5f|])] public partial InstanceNorm2d Norm { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class AlignedNearestUpsample
            {
                [Upsample([|AlignCorners = true|])] public partial Upsample Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class UnknownUpsampleMode
            {
                [Upsample([|Mode = (UpsampleMode)2|])] public partial Upsample Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0027",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ZeroUpsample
            {
                [Upsample([|ScaleFactorWidth = 0|])] public partial Upsample Up { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0029",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class ConcatImageAndFlat
            {
                [Conv2d(4, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [[|Concat(nameof(Conv))|]] public partial Residual Join { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0029",
            """
            [Model(Channels = 4, Height = 8, Width = 8)]
            public partial class MultiplyByTooFewChannels
            {
                [Conv2d(4, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Squeeze { get; }
                [Conv2d(2, 1), Sigmoid] public partial Conv2d Expand { get; }
                [[|Multiply(nameof(Conv))|]] public partial Residual Excite { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0029",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class MultiplyImagesOfTwoSizes
            {
                [Conv2d(4, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
                [[|Multiply(nameof(Conv))|]] public partial Residual Gated { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0029",
            """
            [Model(Channels = 2, Height = 8, Width = 8)]
            public partial class MultiplyByAMapOfAnotherSize
            {
                [Conv2d(4, 3, Padding = 1)] public partial Conv2d Conv { get; }
                [Conv2d(1, 3), Sigmoid] public partial Conv2d Map { get; }
                [[|Multiply(nameof(Conv))|]] public partial Residual Gated { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
        {
            "SG0034",
            """
            [Model(Channels = 1, Height = 8, Width = 8)]
            public partial class EndsInAnImage
            {
                [[|Conv2d(4, 3)|]] public partial Conv2d Conv { get; }
                [MseLoss] public partial MseLoss Loss { get; }
            }
            """
        },
    };

    [Fact]
    public void BadGeometryNamesTheComputedSizes()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Model(Channels = 1, Height = 8, Width = 8)]
            public partial class KernelTooLarge
            {
                [Conv2d(4, 3)] public partial Conv2d Conv1 { get; }
                [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
                [Conv2d(4, 5, Dilation = 2)] public partial Conv2d Conv2 { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(
            "[Conv2d] on 'Conv2' cannot take its input [B, 4, 3, 3]: its dilated kernel spans 9 x 9 but the padded input is 3 x 3, so the output would be 0 x 0",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Upsample(SizeHeight = 50000, SizeWidth = 50000)]", "[Upsample] on 'Layer' cannot take its input [B, 1, 6, 8]: its output [B, 1, 50000, 50000] holds 2500000000 values per sample, more than one buffer holds (2147483591)")]
    [InlineData("[Upsample(SizeHeight = 10)]", "[Upsample] on 'Layer' has SizeHeight = 10; PyTorch's size=(oh, ow) gives both sides: set SizeWidth too, or Size for a square output")]
    public void UpsamplingSizesNameTheProblem(string attribute, string message)
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + $$"""
            [Model(Channels = 1, Height = 6, Width = 8)]
            public partial class Sizes
            {
                {{attribute}} public partial Upsample Layer { get; }
                [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Pool { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Linear(3)]", "no activation")]
    [InlineData("[Linear(3), Hardsigmoid]", "[Hardsigmoid]")]
    [InlineData("[Linear(3), LogSoftmax]", "[LogSoftmax]")]
    public void BinaryCrossEntropyWithoutSigmoid_SaysWhatTheLastLayerHasAndWhatToDo(string layer, string has)
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + $$"""
            [Model(Inputs = 4)]
            public partial class Reconstruction
            {
                {{layer}} public partial Linear Pixels { get; }
                [BinaryCrossEntropy] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SG0039", diagnostic.Id);
        Assert.Equal(
            $"Loss 'Loss' is a [BinaryCrossEntropy], which takes probabilities in [0, 1], but the last layer 'Pixels' has {has}; put [Sigmoid] on it (PyTorch's nn.Sigmoid() before nn.BCELoss()), or use [BinaryCrossEntropyWithLogits] on raw logits",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void BinaryCrossEntropyAfterASigmoidThenAFlatten_SaysToMoveTheSigmoidOntoTheFlatten()
    {
        // PyTorch's decoder order nn.ConvTranspose2d(...), nn.Sigmoid(), nn.Flatten() + nn.BCELoss(): the message said only
        // that the Flatten "has no activation".
        string Model(string convolution, string flatten) => Usings + $$"""
            [Model(Channels = 1, Height = 4, Width = 4)]
            public partial class Decoder
            {
                {{convolution}} public partial ConvTranspose2d Up { get; }
                {{flatten}} public partial Flatten Pixels { get; }
                [BinaryCrossEntropy] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """;

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(Model("[ConvTranspose2d(1, 2, Stride = 2), Sigmoid]", "[Flatten]")).GeneratorDiagnostics);
        Assert.Equal("SG0039", diagnostic.Id);
        Assert.Equal(
            "Loss 'Loss' is a [BinaryCrossEntropy], which takes probabilities in [0, 1], but the last layer 'Pixels' has no activation (the [Sigmoid] is on 'Up', before this [Flatten]: StaticGrad takes the output activation from the last member, so write [Flatten, Sigmoid] here and drop it there); put [Sigmoid] on it (PyTorch's nn.Sigmoid() before nn.BCELoss()), or use [BinaryCrossEntropyWithLogits] on raw logits",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));

        // The way out it gives compiles.
        GeneratorRun fixedRun = GeneratorHarness.Run(Model("[ConvTranspose2d(1, 2, Stride = 2)]", "[Flatten, Sigmoid]"));
        Assert.Empty(fixedRun.GeneratorDiagnostics);
        Assert.Empty(fixedRun.CompilationErrors);
    }

    [Theory]
    [InlineData("[Linear(3), Sigmoid] public partial Linear Pixels { get; }")]
    [InlineData("[Linear(3)] public partial Linear Pixels { get; }\n[Sigmoid] public partial ActivationLayer Probabilities { get; }")]
    public void BinaryCrossEntropyAfterASigmoid_OnTheLayerOrAsItsOwnMember_HasNoDiagnostic(string members)
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + $$"""
            [Model(Inputs = 4)]
            public partial class Reconstruction
            {
                {{members}}
                [BinaryCrossEntropy(Weights = new[] { 1f, 2f, 0f })] public partial BinaryCrossEntropyLoss Loss { get; }
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void ProbabilityTargetsWithTheDefaultIgnoreIndexWrittenOut_HaveNoDiagnostic()
    {
        // PyTorch's cross_entropy accepts ignore_index=-100 (its default) with probability targets and refuses any other.
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Model(Inputs = 4)]
            public partial class SoftLabels
            {
                [Linear(3)] public partial Linear A { get; }
                [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities, IgnoreIndex = -100)] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void ABranchOfTheWrongKindNamesItsSource()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Model(Channels = 2, Height = 6, Width = 6)]
            public partial class FlatBranch
            {
                [Conv2d(3, 3)] public partial Conv2d Conv { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(5)] public partial Linear Fc { get; }
                [From(nameof(Fc)), Conv2d(4, 1)] public partial Conv2d Branch { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(
            "[Conv2d] on 'Branch' cannot take its input [B, 5]: it takes images [B, C, H, W], and its input is the flat output of 'Fc' ([From]); name a member whose output is an image",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Conv2d(4, 1, 9)]", "[Conv2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its kernel spans 1 x 9 but the padded input is 6 x 8, so the output would be 6 x 0")]
    [InlineData("[Conv2d(4, 9, 1, PaddingHeight = 1)]", "[Conv2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its kernel spans 9 x 1 but the padded input is 8 x 8, so the output would be 0 x 8")]
    [InlineData("[MaxPool2d(2, 3, DilationWidth = 4)]", "[MaxPool2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its dilated kernel spans 2 x 9 but the padded input is 6 x 8, so the output would be 3 x 0")]
    [InlineData("[GroupNorm(3)]", "[GroupNorm] on 'Layer' cannot take its input [B, 1, 6, 8]: its 1 channels are not divisible by numGroups = 3")]
    [InlineData("[ZeroPad2d(-3, -5, 1, 0)]", "[ZeroPad2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding (-3, -5, 1, 0) (left, right, top, bottom) leaves 7 x 0 of the 6 x 8 input")]
    [InlineData("[ReflectionPad2d(0, 8, 0, 0)]", "[ReflectionPad2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding (0, 8, 0, 0) (left, right, top, bottom) reflects the 6 x 8 input, which takes at most 7 columns and 5 rows on a side (each amount below the input's size along its axis)")]
    [InlineData("[ReflectionPad2d(6)]", "[ReflectionPad2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding (6, 6, 6, 6) (left, right, top, bottom) reflects the 6 x 8 input, which takes at most 7 columns and 5 rows on a side (each amount below the input's size along its axis)")]
    [InlineData("[Conv2d(4, 3, Padding = 6, PaddingMode = PaddingMode.Reflect)]", "[Conv2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding_mode=reflect pads (left, right, top, bottom) = (6, 6, 6, 6) around the 6 x 8 input, which reflects at most 7 columns and 5 rows on a side")]
    [InlineData("[Conv2d(4, 3, PaddingHeight = 7, PaddingMode = PaddingMode.Circular)]", "[Conv2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding_mode=circular pads (left, right, top, bottom) = (0, 0, 7, 7) around the 6 x 8 input, which wraps around at most 8 columns and 6 rows on a side")]
    [InlineData("[ReplicationPad2d(0, 0, -3, -3)]", "[ReplicationPad2d] on 'Layer' cannot take its input [B, 1, 6, 8]: its padding (0, 0, -3, -3) (left, right, top, bottom) leaves 0 x 8 of the 6 x 8 input")]
    [InlineData("[Conv2d(4, 3, SamePadding = true, Dilation = 1073741824)]", "[Conv2d] on 'Layer' has SamePadding = true; PyTorch's padding='same' adds dilation·(kernel - 1) = 2147483648 rows of padding, more than an image's side can be (2147483647)")]
    [InlineData("[Conv2d(4, 1, 3, SamePadding = true, DilationWidth = 1073741824)]", "[Conv2d] on 'Layer' has SamePadding = true; PyTorch's padding='same' adds dilation·(kernel - 1) = 2147483648 columns of padding, more than an image's side can be (2147483647)")]
    [InlineData("[Conv2d(4, 3, StrideWidth = 2, SamePadding = true)]", "[Conv2d] on 'Layer' has SamePadding = true; PyTorch's padding='same' needs stride 1, and the stride is (1, 2)")]
    [InlineData("[MaxPool2d(2, Stride = 0)]", "[MaxPool2d] on 'Layer' has Stride = 0; it must be positive")]
    [InlineData("[AvgPool2d(2, StrideHeight = 0)]", "[AvgPool2d] on 'Layer' has StrideHeight = 0; it must be positive")]
    [InlineData("[ConvTranspose2d(4, 3, Dilation = 2, OutputPadding = 1)]", "[ConvTranspose2d] on 'Layer' has OutputPadding = 1; StaticGrad takes an output padding from 0 to the stride less one (0); PyTorch's other case, an output padding below the dilation, is not supported")]
    [InlineData("[ConvTranspose2d(4, 3, Stride = 2, OutputPadding = 2)]", "[ConvTranspose2d] on 'Layer' has OutputPadding = 2; it must be from 0 to the stride less one (1), as PyTorch requires (or below the dilation, which StaticGrad does not support)")]
    [InlineData("[ConvTranspose2d(4, 3, StrideWidth = 2, OutputPadding = 1)]", "[ConvTranspose2d] on 'Layer' has OutputPadding = 1; it must be from 0 to the vertical stride less one (0), as PyTorch requires (or below the dilation, which StaticGrad does not support)")]
    public void RectangularWindowsNameTheirSizes(string attribute, string message)
    {
        string type = attribute.Substring(1, attribute.IndexOf('(', System.StringComparison.Ordinal) - 1);
        GeneratorRun run = GeneratorHarness.Run(Usings + $$"""
            [Model(Channels = 1, Height = 6, Width = 8)]
            public partial class Rectangles
            {
                {{attribute}} public partial {{type}} Layer { get; }
                [Flatten] public partial Flatten Flat { get; }
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

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
        AssertNoFollowOnErrors(source, run);
    }

    /// <summary>
    /// One mistake, one error: with the generator, the compiler reports exactly the errors the user's code has on its
    /// own, less CS9248 ("partial property must have an implementation part"): models with errors get throwing stubs
    /// for their partial members and nothing else.
    /// </summary>
    private static void AssertNoFollowOnErrors(string source, GeneratorRun run)
    {
        AssertOnlyTheUsersOwnErrors(source, run);
        Assert.DoesNotContain(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
    }

    /// <summary>The compiler reports the errors the user's code has on its own (less CS9248), and none in generated code.</summary>
    [Theory]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3)] public partial Linear Stem { get; }\n[Add(nameof(Stme))] public partial Residual Skip { get; }\n[Linear(2)] public partial Linear Head { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3)] public partial Linear Stem { get; }\n[From(nameof(Aa)), Linear(4)] public partial Linear Branch { get; }\n[Linear(2)] public partial Linear Head { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }")]
    [InlineData("[Model(Inputs = 4)]", "public static float X = 2f;\n[Linear(3)] public partial Linear Head { get; }\n[SoftmaxCrossEntropy(Weights = new[] { 1f, X, 1f })] public partial SoftmaxCrossEntropyLoss Loss { get; }")]
    [InlineData("[Model(Inputs = 4, InferenceOnly = Flag)]", "[Linear(3)] public partial Linear Head { get; }")]
    [InlineData("[Model(Inputs = Width)]", "[Linear(3)] public partial Linear Head { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }")]
    public void AnAttributeArgumentTheCompilerRejects_IsTheCompilersErrorOnly(string model, string members)
    {
        // An unknown name in nameof, an undefined or non-constant value: the generator read a made-up value (a NaN class
        // weight, InferenceOnly false) and added SG0028, SG0016 or SG0002 beside the compiler's CS0103 or CS0182.
        string source = Usings + $"{model}\npublic partial class M\n{{\n{members}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.NotEmpty(run.CompilationErrors);
        AssertOnlyTheUsersOwnErrors(source, run);
    }

    [Theory]
    [InlineData("[Linear(3)]")]
    [InlineData("[Linear(0)]")]
    public void BeforeCSharp13_EachPartialPropertyIsTheCompilersCS8703Only(string layer)
    {
        // Partial properties are C# 13; a project pinned to C# 12 got CS8703 at each member and again in the generated file.
        var options = new CSharpParseOptions(LanguageVersion.CSharp12);
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{layer} public partial Linear A {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(options, source);

        Assert.Empty(run.GeneratorDiagnostics);
        string[] own = GeneratorHarness.CreateCompilation(options, source).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToArray();
        Assert.Contains(own, d => d.Contains("CS8703", System.StringComparison.Ordinal));
        Assert.Equal(own, run.CompilationErrors.Select(d => d.ToString()).ToArray());
    }

    [Theory]
    [InlineData("[Linear(8)] public partial Lineer Typo { get; }")]
    [InlineData("[Linear(8)] public Linear OnAField;")]
    [InlineData("[Linear(8)] public Linear OnAField = null!;")]
    public void AMemberTheCompilerRejects_GetsNoSGDiagnostic(string member)
    {
        // A member type the compiler cannot find (CS0246) got SG0009 as well; a layer attribute on a field (CS0592) got
        // SG0040, a second message at the member that it is not a layer.
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n[Linear(3)] public partial Linear A {{ get; }}\n{member}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        // The compiler's own errors, less CS9248 at the members the generator implements (all but the rejected one, line 6).
        string[] own = GeneratorHarness.CreateCompilation(source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && (d.Id != "CS9248" || d.Location.GetLineSpan().StartLinePosition.Line == 5))
            .Select(d => d.ToString())
            .OrderBy(d => d, System.StringComparer.Ordinal)
            .ToArray();
        Assert.NotEmpty(own);
        Assert.Equal(own, run.CompilationErrors.Select(d => d.ToString()).OrderBy(d => d, System.StringComparer.Ordinal).ToArray());
    }

    private static void AssertOnlyTheUsersOwnErrors(string source, GeneratorRun run)
    {
        Diagnostic[] own = GeneratorHarness.CreateCompilation(source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS9248")
            .ToArray();

        // A member the compiler itself rejects (a property with no accessors) cannot get a matching stub.
        string[] after = run.CompilationErrors
            .Where(d => !(d.Id == "CS9248" && own.Any(o => o.Location.GetLineSpan().Equals(d.Location.GetLineSpan()))))
            .Select(d => d.ToString())
            .ToArray();
        Assert.Equal(own.Select(d => d.ToString()).ToArray(), after);
    }

    [Theory]
    [InlineData("public sealed class Linear { }", "[Linear(2)] public partial Linear A { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }", "Member 'A' must be declared as 'partial Linear A { get; }'; 'Linear' here is 'M.Linear', which hides StaticGrad.Linear: rename that type or write 'global::StaticGrad.Linear'")]
    [InlineData("public sealed class SoftmaxCrossEntropyLoss { }", "[Linear(2)] public partial Linear A { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }", "Member 'Loss' must be declared as 'partial SoftmaxCrossEntropyLoss Loss { get; }'; 'SoftmaxCrossEntropyLoss' here is 'M.SoftmaxCrossEntropyLoss', which hides StaticGrad.SoftmaxCrossEntropyLoss: rename that type or write 'global::StaticGrad.SoftmaxCrossEntropyLoss'")]
    [InlineData("public interface Linear { }", "[Linear(2)] public partial Linear A { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }", "Member 'A' must be declared as 'partial Linear A { get; }'; 'Linear' here is 'M.Linear', which hides StaticGrad.Linear: rename that type or write 'global::StaticGrad.Linear'")]
    public void AMemberTypedWithANestedTypeOfTheRuntimeTypesNameIsSG0009NamingIt(string nested, string members, string message)
    {
        // The member reads 'partial Linear A { get; }', exactly what SG0009 asked for, because 'Linear' there is the
        // model's own nested class.
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{nested}\n{members}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SG0009", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        AssertNoFollowOnErrors(source, run);
    }

    [Fact]
    public void NestedTypesNamedLikeRuntimeTypesDoNotCaptureTheGeneratedCode()
    {
        string nested = string.Join("\n", new[] { "Linear", "SoftmaxCrossEntropyLoss", "StaticGrad", "System", "Kernels", "ParameterSet", "ParameterTensor", "Rng", "ModelGuard", "ArenaPool", "Activation", "Math", "MathF", "Span", "InvalidOperationException" }
            .Select(name => $"public sealed class {name} {{ }}"));
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{nested}\n[Linear(3), ReLU] public partial global::StaticGrad.Linear A {{ get; }}\n[Dropout(0.1f)] public partial global::StaticGrad.Dropout D {{ get; }}\n[Linear(2)] public partial global::StaticGrad.Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial global::StaticGrad.SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
    }

    [Fact]
    public void LayersInTwoFilesAreOneErrorNamingBothMembers_AndOtherMembersMayLiveInAnotherFile()
    {
        string first = Usings + """
            [Model(Inputs = 4)]
            public partial class Net
            {
                [Linear(8), ReLU] public partial Linear Fc1 { get; }
            }
            """;
        string second = Usings + """
            public partial class Net
            {
                [Linear(6), ReLU] public partial Linear Fc2 { get; }
                [Linear(3)] public partial Linear Out { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;

        // Either file order: the error is at the first member outside the first layer's part, and the model gets no
        // TrainStep (no architecture that renaming a file would change).
        foreach (string[] files in new[] { new[] { first, second }, new[] { second, first } })
        {
            GeneratorRun run = GeneratorHarness.Run(files);
            Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
            Assert.Equal("SG0041", diagnostic.Id);
            string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            string expectedStart = files[0] == first
                ? "'Fc2' is declared in another part of partial class 'Net' than 'Fc1'"
                : "'Fc1' is declared in another part of partial class 'Net' than 'Fc2'";
            Assert.StartsWith(expectedStart, message, System.StringComparison.Ordinal);
            Assert.EndsWith("so declare every layer and the loss in one part", message, System.StringComparison.Ordinal);
            Assert.DoesNotContain(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
        }

        string layers = Usings + """
            [Model(Inputs = 4)]
            public partial class Net
            {
                [Linear(8), ReLU] public partial Linear Fc1 { get; }
                [Linear(3)] public partial Linear Out { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;
        string rest = Usings + """
            public partial class Net
            {
                public Net() : this(seed: 1) { }
                public override string ToString() => "Net";
            }
            """;
        GeneratorRun fine = GeneratorHarness.Run(rest, layers);
        Assert.Empty(fine.GeneratorDiagnostics);
        Assert.Empty(fine.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    public static TheoryData<string, string> WarningCases => new()
    {
        {
            "SG0040",
            """
            [Model(Inputs = 4)]
            public partial class Named
            {
                private string [|_name|];
                [Linear(2)] public partial Linear A { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(WarningCases))]
    public void ReportsOneWarningAtTheMember(string id, string markup)
    {
        (string source, TextSpan expectedSpan) = Markup.Parse(Usings + markup);

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        Assert.Equal("Non-nullable field '_name' is left null by the generated constructor Named(int seed, int maxBatch); initialize it where it is declared, or declare it nullable", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        var generated = run.Result.GeneratedTrees.ToHashSet();
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree));
        Assert.Contains(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("private string _name;", "[Linear(2)]", "")]
    [InlineData("public string Title { get; set; }", "[Linear(2)]", "")]
    [InlineData("public string Id { get; }", "[Linear(2)]", "")]
    [InlineData("public string Init { get; init; }", "[Linear(2)]", "")]
    [InlineData("private readonly object _lock;", "[Linear(2)]", "")]
    [InlineData("public event System.Action Changed;", "[Linear(2)]", "")]
    [InlineData("public System.Collections.Generic.List<int> Items;", "[Linear(2)]", "")]
    [InlineData("public int[] Sizes, More;", "[Linear(2)]", "")]
    [InlineData("public dynamic Anything;", "[Linear(2)]", "")]
    [InlineData("public static string Shared;", "[Linear(2)]", "")]
    [InlineData("private string? _maybe;", "[Linear(2)]", "")]
    [InlineData("private string _set = \"\";", "[Linear(2)]", "")]
    [InlineData("public string Named { get; set; } = \"\";", "[Linear(2)]", "")]
    [InlineData("public required string Required { get; set; }", "[Linear(2)]", "")]
    [InlineData("[System.Diagnostics.CodeAnalysis.AllowNull] public string AllowsNull;", "[Linear(2)]", "")]
    [InlineData("[System.Diagnostics.CodeAnalysis.MaybeNull] public string MaybeNull;", "[Linear(2)]", "")]
    [InlineData("[System.Diagnostics.CodeAnalysis.AllowNull] public string AllowsNullProperty { get; set; }", "[Linear(2)]", "")]
    [InlineData("public string Computed => \"\";", "[Linear(2)]", "")]
    [InlineData("public string Getter { get => \"\"; }", "[Linear(2)]", "")]
    [InlineData("public event System.Action Custom { add { } remove { } }", "[Linear(2)]", "")]
    [InlineData("#nullable disable\npublic string Oblivious;\n#nullable restore", "[Linear(2)]", "")]
    [InlineData("#nullable disable warnings\npublic string Quiet { get; set; }\n#nullable restore warnings", "[Linear(2)]", "")]
    [InlineData("#nullable disable warnings\nprivate string _quiet;\n#nullable restore warnings\nprivate string _loud;", "[Linear(2)]", "")]
    [InlineData("#nullable enable annotations\n#nullable disable warnings\npublic string Annotated;\n#nullable restore", "[Linear(2)]", "")]
    [InlineData("public int Count;", "[Linear(2)]", "")]
    [InlineData("public int? Maybe;", "[Linear(2)]", "")]
    [InlineData("public const string Constant = \"\";", "[Linear(2)]", "")]
    [InlineData("public System.Func<int> Factory { get; private set; }", "[Linear(2)]", "")]
    [InlineData("private string _name;\npublic string Title { get; set; }", "[Linear(0)]", "SG0004")]
    public void AMemberTheGeneratedConstructorLeavesNullIsWarnedWhereTheCompilerWouldWarnWithoutIt(string member, string layer, string errors)
    {
        // The generated constructor is the class's one constructor that does not chain to another, so the compiler reported
        // CS8618 (an error with TreatWarningsAsErrors) in it, in the generated file, for each such member; without the
        // generator the class's implicit constructor puts CS8618 at the member. SG0040 is that warning, there.
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{member}\n{layer} public partial Linear A {{ get; }}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        string[] own = GeneratorHarness.CreateCompilation(source).GetDiagnostics()
            .Where(d => d.Id == "CS8618")
            .Select(d => d.Location.GetLineSpan().ToString())
            .OrderBy(x => x, System.StringComparer.Ordinal)
            .ToArray();
        string[] after = run.GeneratorDiagnostics.Where(d => d.Id == "SG0040")
            .Concat(run.Output.GetDiagnostics().Where(d => d.Id == "CS8618"))
            .Select(d => d.Location.GetLineSpan().ToString())
            .OrderBy(x => x, System.StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(own, after);
        Assert.Equal(errors, string.Join(" ", run.GeneratorDiagnostics.Where(d => d.Id != "SG0040").Select(d => d.Id)));
        var generated = run.Result.GeneratedTrees.ToHashSet();
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree));
        AssertOnlyTheUsersOwnErrors(source, run);
    }

    [Theory]
    [InlineData("public string Semi { get => field; set => field = value; }")]
    [InlineData("public string Trimmed { get; set => field = value.Trim(); }")]
    [InlineData("public string Returned { get { return field; } set { field = value; } }")]
    [InlineData("public string Checked { get => field; set => field = value ?? throw new System.ArgumentNullException(nameof(value)); }")]
    [InlineData("public string Lazy { get => field ??= \"\"; }")]
    [InlineData("public string? Maybe { get => field; set => field = value; }")]
    [InlineData("public string Named { get => field; set => field = value; } = \"\";")]
    [InlineData("public int Count { get => field; set => field = value; }")]
    [InlineData("public string Computed { get => \"\"; set { } }")]
    public void AFieldBackedPropertyTheGeneratedConstructorLeavesNullIsWarnedWhereTheCompilerWouldWarnWithoutIt(string member)
    {
        // C# 14's 'field' keyword (the language version of .NET 10 projects) gives a property with accessor bodies a
        // backing field, which the generated constructor leaves null like an auto-property's; the compiler reports that as
        // CS9264 (CS8618's twin for such properties), in the generated file before SG0040 covered them.
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{member}\n[Linear(2)] public partial Linear A {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(options, source);

        string[] own = GeneratorHarness.CreateCompilation(options, source).GetDiagnostics()
            .Where(d => d.Id is "CS8618" or "CS9264")
            .Select(d => d.Location.GetLineSpan().ToString())
            .ToArray();
        string[] after = run.GeneratorDiagnostics.Where(d => d.Id == "SG0040")
            .Concat(run.Output.GetDiagnostics().Where(d => d.Id is "CS8618" or "CS9264"))
            .Select(d => d.Location.GetLineSpan().ToString())
            .ToArray();
        Assert.Equal(own, after);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Id != "SG0040"));
        Assert.Empty(run.CompilationErrors);
        var generated = run.Result.GeneratedTrees.ToHashSet();
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree));
    }

    [Theory]
    [InlineData("[Linear(2)]")]
    [InlineData("[Linear(0)]")]
    public void AnExternMemberIsTheCompilersErrorOnly(string layer)
    {
        // 'extern' makes the declaration the implementing part (the compiler's CS9249 asks for a defining one); the
        // generated part implemented it a second time, adding CS9251, CS0102 and CS0179 in the generated file.
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n[Linear(3)] public extern partial Linear A {{ get; }}\n{layer} public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.NotEmpty(run.CompilationErrors);
        AssertOnlyTheUsersOwnErrors(source, run);
    }

    [Theory]
    [InlineData("unsafe", "[Linear(2)]")]
    [InlineData("unsafe", "[Linear(0)]")]
    [InlineData("readonly", "[Linear(2)]")]
    [InlineData("async", "[Linear(0)]")]
    [InlineData("volatile", "[Linear(2)]")]
    public void AModifierTheCompilerRejectsOnAMemberIsTheCompilersErrorOnly(string modifier, string layer)
    {
        // The generated implementation repeated every modifier of the declaration, and with it the compiler's error:
        // CS0227 (unsafe without AllowUnsafeBlocks) or CS0106 a second time, in the generated file, whether the model was
        // generated or got stubs.
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n[Linear(3)] public {modifier} partial Linear A {{ get; }}\n{layer} public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Equal(layer == "[Linear(0)]" ? new[] { "SG0004" } : System.Array.Empty<string>(), run.GeneratorDiagnostics.Select(d => d.Id).ToArray());
        Assert.NotEmpty(run.CompilationErrors);
        AssertOnlyTheUsersOwnErrors(source, run);
    }

    [Theory]
    [InlineData("Add(null!)", "Add")]
    [InlineData("Concat(null!)", "Concat")]
    [InlineData("Multiply(null!)", "Multiply")]
    public void ASkipConnectionThatNamesNullIsSG0028NotAGeneratorCrash(string attribute, string name)
    {
        // The op's parse rule used to return nothing without a diagnostic, so the member reached the emitter without an
        // op, which threw IndexOutOfRangeException: CS8785, and CS9248 on every member.
        (string source, TextSpan expectedSpan) = Markup.Parse(Usings + $$"""
            [Model(Inputs = 4)]
            public partial class M
            {
                [Linear(4)] public partial Linear A { get; }
                [[|{{attribute}}|]] public partial Residual R { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """);

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SG0028", diagnostic.Id);
        Assert.Equal(expectedSpan, diagnostic.Location.SourceSpan);
        Assert.Equal(
            $"[{name}] on 'R' names 'null', which is not a member's name; name an earlier member with nameof(...), or ModelAttribute.Input for the model input",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        AssertNoFollowOnErrors(source, run);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Concat(5)")]
    [InlineData("Multiply(nameof(A), 2)")]
    public void ASkipConnectionTheCompilerRejectsDoesNotCrashTheGenerator(string attribute)
    {
        string source = Usings + $$"""
            [Model(Inputs = 4)]
            public partial class M
            {
                [Linear(4)] public partial Linear A { get; }
                [{{attribute}}] public partial Residual R { get; }
                [Linear(2)] public partial Linear B { get; }
                [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        AssertNoFollowOnErrors(source, run);
    }

    [Theory]
    [InlineData("[Model(Inputs = 4)]", "[Linear(\"3\")] public partial Linear A { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear] public partial Linear A { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3), GELU(Approximate = 1)] public partial Linear A { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3), Dropout(0.1f, 0.2f)] public partial Linear A { get; }")]
    [InlineData("[Model(Inputs = \"4\")]", "[Linear(3)] public partial Linear A { get; }")]
    [InlineData("[Model(4)]", "[Linear(3)] public partial Linear A { get; }")]
    [InlineData("[Model(Channels = 1, Height = 4, Width = 4)]", "[Conv2d] public partial Conv2d A { get; }\n[Flatten] public partial Flatten F { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3), ReLU(1)] public partial Linear A { get; }")]
    [InlineData("[Model(Inputs = 4)]", "[Linear(3)] public partial Linear A { get; }\n[From(7), Linear(3)] public partial Linear C { get; }")]
    public void AnAttributeArgumentTheCompilerRejectsIsTheCompilersErrorOnly(string model, string members)
    {
        // The generator read a rejected argument as its default or 0 and added a misleading error of its own beside the
        // compiler's: [Linear("3")] was also SG0004 "Layer 'A' has 0 outputs", [Model(Inputs = "4")] SG0007 "Inputs = 0",
        // and [Conv2d] SG0027 "outChannels = 0".
        string source = Usings + $"{model}\npublic partial class M\n{{\n{members}\n[Linear(2)] public partial Linear B2 {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.NotEmpty(run.CompilationErrors);
        AssertNoFollowOnErrors(source, run);
    }

    [Theory]
    [InlineData("[Linear(-2000000001)] public partial Linear A { get; }", "Layer 'A' has -2000000001 outputs; a layer needs at least 1 output")]
    [InlineData("[Linear(unchecked(int.MaxValue + 2))] public partial Linear A { get; }", "Layer 'A' has -2147483647 outputs; a layer needs at least 1 output")]
    [InlineData("[Conv2d(-123456789, 3)] public partial Conv2d A { get; }", "[Conv2d] on 'A' has outChannels = -123456789; a convolution needs at least one output channel")]
    [InlineData("[Conv2d(4, 3, Groups = -16777217)] public partial Conv2d A { get; }", "[Conv2d] on 'A' has Groups = -16777217; it must be positive and divide the 4 output channels")]
    [InlineData("[AdaptiveAvgPool2d(-2000000001)] public partial AdaptiveAvgPool2d A { get; }", "[AdaptiveAvgPool2d] on 'A' has outputSize = -2000000001; it must be positive")]
    public void IntArgumentsArePrintedWithEveryDigit(string layer, string message)
    {
        // Int arguments were printed through the float formatter: "-2.1474836E+09 outputs", "outChannels = -1.2345679E+08".
        string source = Usings + $"[Model(Channels = 1, Height = 4, Width = 4)]\npublic partial class M\n{{\n{layer}\n[Flatten] public partial Flatten F {{ get; }}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("public class Base { public Base(int width) { } }", "derived from 'Base', which has no parameterless constructor for the generated constructor to call")]
    [InlineData("public class Base { public float[] Parameters => new float[0]; }", "derived from 'Base', whose member 'Parameters' has the name of a generated member")]
    [InlineData("public class Base : Middle { } public class Middle { protected void __sgHelper() { } }", "derived from 'Base', whose member '__sgHelper' has the name of a generated member")]
    [InlineData("[Model(Inputs = 4)] public partial class Base { [Linear(2)] public partial Linear A { get; } [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss L { get; } }", "derived from the model 'Base' (the generated members of both would collide)")]
    [InlineData("public class Base : Net { } [Model(Inputs = 4)] public partial class Net { [Linear(2)] public partial Linear A { get; } [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss L { get; } }", "derived from 'Base', which derives from the model 'Net' (the generated members of both would collide)")]
    public void AModelDerivedFromAClassItCannotExtendIsSG0010AtTheClass(string baseClass, string problem)
    {
        // These compiled into generated code that did not: CS7036 in the generated constructor (it calls base()), and
        // CS0108 (a warning, an error with TreatWarningsAsErrors) on each generated member that hides an inherited one.
        string source = Usings + baseClass + "\n[Model(Inputs = 4)]\npublic partial class M : Base\n{\n[Linear(2)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SG0010", diagnostic.Id);
        Assert.Equal("M", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(
            $"Model class 'M' cannot be {problem}; declare it as a non-generic, top-level partial class",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        var generated = run.Result.GeneratedTrees.ToHashSet();
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree));
    }

    [Theory]
    [InlineData("[Linear(2)]", "[Model(Inputs = 4)]\npublic partial class D : M\n{\n[Linear(2)] public partial Linear A2 { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss2 { get; }\n}\n", "SG0010")]
    [InlineData("[Linear(2)]", "[Model(Inputs = 4)]\npublic abstract partial class D : M\n{\n[Linear(2)] public partial Linear A2 { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss2 { get; }\n}\n", "SG0010")]
    [InlineData("[Linear(2)]", "[Model(Inputs = 4)]\npublic partial class D : M\n{\n}\n", "SG0010")]
    [InlineData("[Linear(2)]", "public partial class D : M\n{\n[Linear(2)] public partial Linear A2 { get; }\n}\n", "SG0025")]
    [InlineData("[Linear(0)]", "[Model(Inputs = 4)]\npublic partial class D : M\n{\n[Linear(2)] public partial Linear A2 { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss2 { get; }\n}\n", "SG0004 SG0010")]
    public void AClassDerivedFromAModelIsItsSGDiagnosticAlone(string baseLayer, string derived, string ids)
    {
        // The derived class declares no constructor, so the compiler gave it one that calls the model's parameterless
        // constructor, which a generated model does not have: CS7036 beside SG0010. (A model with errors is not
        // generated and keeps its parameterless constructor, so its derived class must not call another.)
        string source = Usings + $"[Model(Inputs = 4)]\npublic partial class M\n{{\n{baseLayer} public partial Linear A {{ get; }}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n" + derived;

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.Equal(ids, string.Join(" ", run.GeneratorDiagnostics.Select(d => d.Id).OrderBy(id => id, System.StringComparer.Ordinal)));
        AssertOnlyTheUsersOwnErrors(source, run);
    }

    [Theory]
    [InlineData("public abstract class Base { protected Base(int unused = 0) { } protected void Helper() { } public virtual string Describe() => \"\"; }")]
    [InlineData("public class Base : System.Exception { private int Parameters => 0; }")]
    public void AModelDerivedFromAnOrdinaryClassCompiles(string baseClass)
    {
        string source = Usings + baseClass + "\n[Model(Inputs = 4)]\npublic partial class M : Base\n{\n[Linear(2)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains(run.Result.Results[0].GeneratedSources, s => s.SourceText.ToString().Contains("public float TrainStep(", System.StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnflattenTooLargeForABufferNamesItsSize()
    {
        // The message said the image "holds more values than one buffer" without the count or the limit.
        string source = Usings + "[Model(Inputs = 8)]\npublic partial class M\n{\n[Unflatten(65536, 65536, 2)] public partial Unflatten U { get; }\n[Flatten] public partial Flatten F { get; }\n[Linear(2)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        Assert.Equal(
            "[Unflatten] on 'U' has width = 2; an image of 65536 x 65536 x 2 holds 8589934592 values per sample, more than one buffer holds (2147483591)",
            SingleDiagnosticMessage(source, "SG0027"));
    }

    [Theory]
    [InlineData(784, "[Linear(100000000)]", "Layer 'A' brings the model to 78500000000 parameters (100000000 x 784 weights and 100000000 biases); a model holds at most 2147483591")]
    [InlineData(int.MaxValue, "[Linear(1)]", "Layer 'A' brings the model to 2147483648 parameters (1 x 2147483647 weights and 1 biases); a model holds at most 2147483591")]
    [InlineData(46341, "[Linear(46341)]", "Layer 'A' brings the model to 2147534622 parameters (46341 x 46341 weights and 46341 biases); a model holds at most 2147483591")]
    public void TooLargeAModelIsOneErrorAtTheLayerThatOverflows(int inputs, string layer, string message)
    {
        string source = Usings + $"[Model(Inputs = {inputs})]\npublic partial class M\n{{\n{layer} public partial Linear A {{ get; }}\n[Linear(10)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        Assert.StartsWith(message, SingleDiagnosticMessage(source, "SG0024"), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Conv2d(65536, 3, Padding = 1)]", "Layer 'A' brings the model to 38655033344 parameters (65536 x 65536 x 3 x 3 weights and 65536 biases); a model holds at most 2147483591")]
    [InlineData("[Conv2d(65536, 3, Padding = 1, Bias = false)]", "Layer 'A' brings the model to 38654967808 parameters (65536 x 65536 x 3 x 3 weights); a model holds at most 2147483591")]
    [InlineData("[Conv2d(65536, 3, Padding = 1, Groups = 4)]", "Layer 'A' brings the model to 9664004096 parameters (65536 x 16384 x 3 x 3 weights and 65536 biases); a model holds at most 2147483591")]
    public void TooLargeAConvolutionIsSG0024WithItsOwnWeightShape(string layer, string message)
    {
        // The stem (262144 parameters) makes 65536 channels of 2 x 2, a small output; the layer after it has too many weights.
        // SG0024 used to describe a convolution as a Linear over flattened images ("262144 x 262144 weights and 262144 biases").
        string source = Usings + $"[Model(Channels = 3, Height = 2, Width = 2)]\npublic partial class M\n{{\n[Conv2d(65536, 1)] public partial Conv2d Stem {{ get; }}\n{layer} public partial Conv2d A {{ get; }}\n[Flatten] public partial Flatten F {{ get; }}\n[Linear(10)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        Assert.StartsWith(message, SingleDiagnosticMessage(source, "SG0024"), System.StringComparison.Ordinal);
    }

    [Fact]
    public void AConvolutionWhoseOutputIsTooLargeIsSG0033NotAParameterCount()
    {
        // 1024 channels of 2048 x 2048 are 4294967296 values per sample, from 28672 parameters: SG0024 used to say the
        // model had 4294967296 parameters ("4294967296 x 12582912 weights").
        string source = Usings + "[Model(Channels = 3, Height = 2048, Width = 2048)]\npublic partial class M\n{\n[Conv2d(1024, 3, Padding = 1)] public partial Conv2d A { get; }\n[AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d G { get; }\n[Flatten] public partial Flatten F { get; }\n[Linear(10)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        Assert.Equal(
            "[Conv2d] on 'A' cannot take its input [B, 3, 2048, 2048]: its output [B, 1024, 2048, 2048] holds 4294967296 values per sample, more than one buffer holds (2147483591)",
            SingleDiagnosticMessage(source, "SG0033"));
    }

    [Theory]
    [InlineData(
        "[AdaptiveAvgPool2d(2000000000)] public partial AdaptiveAvgPool2d A { get; }",
        "[AdaptiveAvgPool2d] on 'A' cannot take its input [B, 3, 8, 8]: its output [B, 3, 2000000000, 2000000000] holds 12000000000000000000 values per sample, more than one buffer holds (2147483591)")]
    [InlineData(
        "[AdaptiveMaxPool2d(2000000000, 3)] public partial AdaptiveMaxPool2d A { get; }",
        "[AdaptiveMaxPool2d] on 'A' cannot take its input [B, 3, 8, 8]: its output [B, 3, 2000000000, 3] holds 18000000000 values per sample, more than one buffer holds (2147483591)")]
    [InlineData(
        "[Conv2d(4, 3, Padding = 2000000000)] public partial Conv2d A { get; }",
        "[Conv2d] on 'A' cannot take its input [B, 3, 8, 8]: its padded input is 4000000008 x 4000000008, so the output would be 4000000006 x 4000000006, more than an image plane holds")]
    [InlineData(
        "[Conv2d(4, 3, Padding = 1073741824, Dilation = 1073741825)] public partial Conv2d A { get; }",
        "[Conv2d] on 'A' cannot take its input [B, 3, 8, 8]: its padded input is 2147483656 x 2147483656, more than an image's side can be (2147483647)")]
    [InlineData(
        "[ConvTranspose2d(4, 3, Stride = 1000000000)] public partial ConvTranspose2d A { get; }",
        "[ConvTranspose2d] on 'A' cannot take its input [B, 3, 8, 8]: (H - 1)·stride - 2·padding + dilation·(kernel - 1) + output_padding + 1 gives 7000000003 x 7000000003 for its 8 x 8 input")]
    [InlineData(
        "[MaxPool2d(2, Stride = 1, Padding = 1, DilationHeight = 1, PaddingWidth = 1)] public partial MaxPool2d P { get; }\n[AvgPool2d(1, Padding = 0)] public partial AvgPool2d A { get; }",
        null)]
    public void AnOutputOfBillionsIsSG0033WithItsTrueSize(string layer, string? message)
    {
        // Sizes of billions used to wrap: C·H·W past 2^63 to a negative count the size check let through (the model
        // compiled with a [B, -659554304] Flatten and a Linear of -659554304 inputs), a padded height past 2^31 to a
        // negative height, and SG0024 then counted 348022808679776400 parameters.
        string source = Usings + $"[Model(Channels = 3, Height = 8, Width = 8)]\npublic partial class M\n{{\n{layer}\n[Flatten] public partial Flatten F {{ get; }}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        if (message is null)
        {
            // A model of ordinary sizes beside them: no diagnostic.
            GeneratorRun run = GeneratorHarness.Run(source);
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Empty(run.CompilationErrors);
            return;
        }

        Assert.Equal(message, SingleDiagnosticMessage(source, "SG0033"));
    }

    [Theory]
    [InlineData(2097152, 2097152, 4194304, "Channels x Height x Width = 18446744073709551616 values per sample, more than 2147483591")]
    [InlineData(2147483647, 2147483647, 2147483647, "Channels x Height x Width = 9903520300447984150353281023 values per sample, more than 2147483591")]
    public void AnImageInputOfBillionsIsSG0032WithItsTrueSize(int channels, int height, int width, string problem)
    {
        // 2^21 x 2^21 x 2^22 = 2^64 wrapped to 0 values per sample in 64 bits, which passed the size check: the model
        // compiled with an input of 0 features.
        string source = Usings + $"[Model(Channels = {channels}, Height = {height}, Width = {width})]\npublic partial class M\n{{\n[AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d G {{ get; }}\n[Flatten] public partial Flatten F {{ get; }}\n[Linear(2)] public partial Linear B {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        Assert.Equal($"Model 'M' has an invalid image input: {problem}", SingleDiagnosticMessage(source, "SG0032"));
    }

    /// <summary>The message of the generator's one diagnostic on <paramref name="source"/>, which must have <paramref name="id"/> and leave the compilation clean.</summary>
    private static string SingleDiagnosticMessage(string source, string id)
    {
        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Empty(run.CompilationErrors);
        return diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void ModelAttributeOnTwoPartsIsTheCompilersOneErrorNotAGeneratorCrash()
    {
        string source = Usings + "[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(2)] public partial Linear A { get; }\n}\n[Model(Inputs = 4)]\npublic partial class M\n{\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal("CS0579", Assert.Single(run.CompilationErrors).Id);
    }

    [Theory]
    [InlineData("[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(3)] public partial Linear A { get; }\n[Linear(3)] public partial Linear A { get; }\n[Linear(2)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n")]
    [InlineData("[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(3)] public partial Linear A { get; }\n[Linear(2)] public partial Linear B { get; }\n}\npublic partial class M\n{\n[Linear(3)] public partial Linear A { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n")]
    [InlineData("[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(2)] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n")]
    public void AMemberDeclaredTwiceIsTheCompilersErrorOnly(string model)
    {
        // The second declaration used to be read as a layer of its own: SG0023 ("maps to the parameter names 'a.weight'
        // and 'a.bias', which layer 'A' already uses") or SG0013 ("a second loss"), beside the compiler's CS0102 and
        // CS9250, and the generated file implemented the property twice (CS9251 and CS0102 there).
        string source = Usings + model;

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Results[0].Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.CompilationErrors, d => d.Id == "CS0102");
        AssertNoFollowOnErrors(source, run);
    }

    [Fact]
    public void ClassOfTwoUnsupportedKindsIsOneError()
    {
        string source = Usings + "[Model(Inputs = 4)]\npublic partial record M(int Width)\n{\n[Linear(2)] public partial Linear A { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Equal("SG0010", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void ZeroWidthLayerIsTheOnlyError()
    {
        string source = Usings + "[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(0)] public partial Linear A { get; }\n[Linear(3), ReLU] public partial Linear B { get; }\n[Linear(2)] public partial Linear C { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Equal("SG0004", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void ClassWithLayerAttributesInSeveralPartsButNoModelIsOneError()
    {
        string source = Usings + "namespace N;\npublic partial class Plain\n{\n[Linear(3)] public partial Linear A { get; }\n}\npublic partial class Plain\n{\n[Linear(2), Tanh] public partial Linear B { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        GeneratorRun run = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("SG0025", diagnostic.Id);
        Assert.Equal("Class 'Plain' declares StaticGrad layers or losses ('A') but is not a model; add [Model(Inputs = N)] to the class", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(run.CompilationErrors);
    }

    /// <summary>
    /// SG0021 is reported by the C# compiler at the call: each generated model carries the TrainStep overload
    /// its loss does not take, marked [Obsolete(error: true, DiagnosticId = "SG0021")].
    /// </summary>
    public static TheoryData<string, string, string, string> CallSiteCases => new()
    {
        {
            "SG0021",
            TestModels.MnistClassifier128,
            "static float Call(Seeds.MnistClassifier128 model) => [|model.TrainStep(new float[784], new float[10], 1)|];",
            "Model 'MnistClassifier128' is trained on class indices (its loss 'Loss' is [SoftmaxCrossEntropy]); pass the labels as int class indices. For float targets declare [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities)] or [BinaryCrossEntropyWithLogits]."
        },
        {
            "SG0021",
            TestModels.NllClassifier,
            "static float Call(Losses.NllClassifier model, float[] soft) => [|model.TrainStep(new float[8], soft, 1)|];",
            "Model 'NllClassifier' is trained on class indices (its loss 'Loss' is [NllLoss]); pass the labels as int class indices. For float targets declare [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities)] or [BinaryCrossEntropyWithLogits]."
        },
        {
            "SG0021",
            TestModels.SoftTargetClassifier,
            "static float Call(Losses.SoftTargetClassifier model, int[] labels) => [|model.TrainStep(new float[8], labels, 1)|];",
            "Model 'SoftTargetClassifier' is trained on class probabilities (its loss 'Loss' has Targets = TargetKind.Probabilities); pass float targets, 5 per sample. For int class indices remove Targets = TargetKind.Probabilities."
        },
        {
            "SG0021",
            TestModels.BinaryHead,
            "static float Call(Losses.BinaryHead model) => [|model.TrainStep(new float[8], new[] { 1 }, 1)|];",
            "Model 'BinaryHead' is trained with [BinaryCrossEntropyWithLogits] (loss 'Loss') on float targets in [0, 1], 1 per sample; convert the labels to floats."
        },
        {
            "SG0021",
            TestModels.InferenceSoftmax,
            "static float Call(Inference.InferenceSoftmax model) => [|model.TrainStep(new float[8], new[] { 1 }, 1)|];",
            "Model 'InferenceSoftmax' declares no loss, so it is inference-only and has no TrainStep; add a loss member after its last layer to train it."
        },
        {
            "SG0021",
            TestModels.InferenceSigmoid,
            "static float Call(Inference.InferenceSigmoid model) => [|model.TrainStep(new float[8], new[] { 1f }, 1)|];",
            "Model 'InferenceSigmoid' declares no loss, so it is inference-only and has no TrainStep; add a loss member after its last layer to train it."
        },
        {
            "SG0021",
            TestModels.InferenceSoftmax,
            "static void Call(Inference.InferenceSoftmax model) => [|model.ForwardForBackward(new float[8], new float[3], 1)|];",
            "Model 'InferenceSoftmax' declares no loss, so it is inference-only and has no training arena for ForwardForBackward and Backward; add a loss member after its last layer (any loss: Backward replaces its gradient with yours) to train it with a loss of your own."
        },
        {
            "SG0021",
            TestModels.InferenceSigmoid,
            "static void Call(Inference.InferenceSigmoid model) => [|model.Backward(new float[1], 1)|];",
            "Model 'InferenceSigmoid' declares no loss, so it is inference-only and has no training arena for ForwardForBackward and Backward; add a loss member after its last layer (any loss: Backward replaces its gradient with yours) to train it with a loss of your own."
        },
        {
            "SG0021",
            TestModels.InferenceSigmoid,
            "static void Call(Inference.InferenceSigmoid model) => [|model.AccumulateBackward(new float[1], 1, 0.5f)|];",
            "Model 'InferenceSigmoid' declares no loss, so it is inference-only and has no training arena for ForwardForBackward and Backward; add a loss member after its last layer (any loss: Backward replaces its gradient with yours) to train it with a loss of your own."
        },
    };

    [Theory]
    [MemberData(nameof(CallSiteCases))]
    public void TrainStepWithTheWrongTargetsIsACompileErrorAtTheCall(string id, string model, string callMarkup, string message)
    {
        (string call, TextSpan expectedSpan) = Markup.Parse("public static class Caller\n{\n    public " + callMarkup + "\n}\n");

        GeneratorRun run = GeneratorHarness.Run(model, call);

        Assert.Empty(run.GeneratorDiagnostics);
        Diagnostic error = Assert.Single(run.CompilationErrors);
        Assert.Equal(id, error.Id);
        Assert.Equal(GeneratorHarness.PathOf(1), error.Location.SourceTree?.FilePath);
        Assert.Equal(expectedSpan, error.Location.SourceSpan);
        Assert.EndsWith($"' is obsolete: '{message}'", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Equal("https://github.com/staticgrad/staticgrad/blob/main/docs/diagnostics.md#sg0021", error.Descriptor.HelpLinkUri);
    }

    [Theory]
    [InlineData("static float Call(Seeds.MnistClassifier128 model) => model.TrainStep(new float[784], new[] { 3 }, 1);")]
    [InlineData("static float Call(Losses.WeightedClassifier model, float[] losses) => model.TrainStep(new float[8], new[] { 3 }, losses, 1);")]
    [InlineData("static float Call(Losses.SoftTargetClassifier model) => model.TrainStep(new float[8], new float[5], 1);")]
    [InlineData("static float Call(Losses.MultiLabelHead model, float[] losses) => model.TrainStep(new float[8], new float[5], losses, 1);")]
    [InlineData("static void Call(Seeds.MnistClassifier128 model, float[] outputs) { model.ForwardForBackward(new float[784], outputs, 1); model.Backward(outputs, 1); model.AccumulateBackward(outputs, 1, 0.5f); }")]
    public void TrainStepWithTheRightTargetsCompiles(string call)
    {
        GeneratorRun run = GeneratorHarness.Run(
            TestModels.MnistClassifier128 + "\n",
            TestModels.WeightedClassifier,
            TestModels.SoftTargetClassifier,
            TestModels.MultiLabelHead,
            "public static class Caller\n{\n    public " + call + "\n}\n");

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void EveryDescriptorIsCoveredByACase()
    {
        string[] declared = Descriptors()
            .Select(d => d.Id)
            .OrderBy(x => x, System.StringComparer.Ordinal)
            .ToArray();
        string[] covered = Cases.Select(row => (string)row[0])
            .Concat(CallSiteCases.Select(row => (string)row[0]))
            .Concat(WarningCases.Select(row => (string)row[0]))
            .Distinct()
            .OrderBy(x => x, System.StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(declared, covered);
    }

    [Fact]
    public void EveryHelpLinkIsAnAbsoluteUrlToItsSectionOfTheDiagnosticsPage()
    {
        string page = System.IO.File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor descriptor in Descriptors())
        {
            Assert.True(System.Uri.TryCreate(descriptor.HelpLinkUri, System.UriKind.Absolute, out System.Uri? uri), descriptor.HelpLinkUri);
            Assert.Equal("https", uri!.Scheme);
            Assert.Equal("https://github.com/staticgrad/staticgrad/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.Contains("\n## " + descriptor.Id + "\n", page.Replace("\r\n", "\n", System.StringComparison.Ordinal), System.StringComparison.Ordinal);
        }
    }

    private static DiagnosticDescriptor[] Descriptors()
        => typeof(ModelGenerator).Assembly.GetType("StaticGrad.Generator.Diagnostics")!
            .GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();

    private static string RepositoryRoot()
    {
        string? directory = System.AppContext.BaseDirectory;
        while (directory is not null && !System.IO.File.Exists(System.IO.Path.Combine(directory, "StaticGrad.slnx")))
        {
            directory = System.IO.Path.GetDirectoryName(directory);
        }

        return directory ?? throw new System.InvalidOperationException("StaticGrad.slnx not found above " + System.AppContext.BaseDirectory);
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
        Assert.Equal("https://github.com/staticgrad/staticgrad/blob/main/docs/diagnostics.md#sg0005", diagnostic.Descriptor.HelpLinkUri);
    }

    [Theory]
    [InlineData("", "[Conv2d(6, 3)] public partial Conv2d Conv { get; }", "Model 'M' has Inputs = 0; its first layer 'Conv' (Conv2d) takes images: set [Model(Channels = C, Height = H, Width = W)] with each sample's channels, height and width")]
    [InlineData("", "[BatchNorm2d] public partial BatchNorm2d Bn { get; }", "Model 'M' has Inputs = 0; its first layer 'Bn' (BatchNorm2d) takes images: set [Model(Channels = C, Height = H, Width = W)] with each sample's channels, height and width")]
    [InlineData("(Inputs = -3)", "[ReLU] public partial ActivationLayer Act { get; }\n[MaxPool2d(2)] public partial MaxPool2d Pool { get; }", "Model 'M' has Inputs = -3; its first layer 'Pool' (MaxPool2d) takes images: set [Model(Channels = C, Height = H, Width = W)] with each sample's channels, height and width")]
    [InlineData("", "[Linear(4)] public partial Linear Fc { get; }", "Model 'M' has Inputs = 0; set [Model(Inputs = N)] with N >= 1 input features per sample")]
    [InlineData("", "[Dropout(0.5f)] public partial Dropout Drop { get; }\n[Linear(4)] public partial Linear Fc { get; }", "Model 'M' has Inputs = 0; set [Model(Inputs = N)] with N >= 1 input features per sample")]
    public void AMissingInputShapeAsksForTheKindTheFirstLayerTakes(string model, string firstLayers, string message)
    {
        string source = Usings + $"[Model{model}]\npublic partial class M\n{{\n{firstLayers}\n[Flatten] public partial Flatten Flat {{ get; }}\n[Linear(3)] public partial Linear Out {{ get; }}\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}\n}}\n";

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics);

        Assert.Equal("SG0007", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Linear(3, Name = \"\"), ReLU]", "[Linear] on 'Fc1' has Name = \"\", it is empty; leave Name out to use the member's name")]
    [InlineData("[Linear(3, Name = \".0\"), ReLU]", "[Linear] on 'Fc1' has Name = \".0\", it has an empty segment; a name is segments separated by single dots, such as 'features.0'")]
    [InlineData("[Linear(3, Name = \"a\\nb\"), ReLU]", "[Linear] on 'Fc1' has Name = \"a\\u000Ab\", it holds a character other than ASCII letters, digits, '_', '-' and '.'")]
    [InlineData("[Linear(3, Name = \"fc2\"), ReLU]", "[Linear] on 'Fc1' has Name = \"fc2\", which member 'Fc2' already uses; every layer needs its own name")]
    public void StateDictNameMessagesSayWhatIsWrong(string firstLayer, string message)
    {
        string source = Usings + "[Model(Inputs = 4)]\npublic partial class M\n{\n[Linear(3, Name = \"fc2\")] public partial Linear Fc2 { get; }\n"
            + firstLayer + " public partial Linear Fc1 { get; }\n[Linear(2)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }\n}\n";

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics);

        Assert.Equal("SG0035", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(
        "[Linear(3)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy(Weights = new[] { 1f, 2f })] public partial SoftmaxCrossEntropyLoss Loss { get; }",
        "Loss 'Loss' has 2 values in Weights but the last layer 'Out' has 3 outputs; give exactly one per output")]
    [InlineData(
        "[Linear(3)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy(Weights = new[] { 1f, 1f, -0.5f })] public partial SoftmaxCrossEntropyLoss Loss { get; }",
        "Loss 'Loss' has Weights[2] = -0.5; weights must be finite and non-negative")]
    [InlineData(
        "[Linear(3)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy(Targets = TargetKind.Probabilities, IgnoreIndex = -1)] public partial SoftmaxCrossEntropyLoss Loss { get; }",
        "Loss 'Loss' sets IgnoreIndex = -1 but is trained on class probabilities (Targets = TargetKind.Probabilities); an ignore index only applies to class-index targets")]
    [InlineData(
        "[Linear(4)] public partial Linear Out { get; }\n[BinaryCrossEntropyWithLogits(Outputs = 1)] public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }",
        "Loss 'Loss' declares Outputs = 1 but the last layer 'Out' has 4 outputs")]
    [InlineData(
        "[Linear(1)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }",
        "Loss 'Loss' takes a softmax over the single output of layer 'Out', which is always 1 (a loss of 0 and no gradient); for a one-logit binary head use [BinaryCrossEntropyWithLogits] (training) or [Sigmoid] (inference)")]
    [InlineData(
        "[Linear(3), Softmax] public partial Linear Out { get; }\n[NllLoss] public partial NllLoss Loss { get; }",
        "Loss 'Loss' is an [NllLoss], which takes log-probabilities, but the last layer 'Out' has [Softmax]; put [LogSoftmax] on it (or use [SoftmaxCrossEntropy] on raw logits)")]
    [InlineData(
        "[Linear(3)] public partial Linear Out { get; }",
        "Model 'M' declares no loss and its last layer 'Out' has no output activation; add a loss member after it to train the model, or put [Softmax], [LogSoftmax] or [Sigmoid] on it for an inference-only model")]
    [InlineData(
        "[Linear(3)] public partial Linear Out { get; }\n[SoftmaxCrossEntropy(Reduction = (Reduction)7)] public partial SoftmaxCrossEntropyLoss Loss { get; }",
        "Loss 'Loss' has Reduction = 7; use Reduction.Mean, Reduction.Sum or Reduction.None")]
    public void LossMessagesNameTheValuesInvolved(string members, string message)
    {
        string source = Usings + "[Model(Inputs = 4)]\npublic partial class M\n{\n" + members + "\n}\n";

        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics);

        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
