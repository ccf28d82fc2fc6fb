namespace StaticGrad.Generator.Tests;

/// <summary>Model declarations the generator tests compile.</summary>
internal static class TestModels
{
    public const string MnistClassifier128 = """
        using StaticGrad;

        namespace Seeds;

        [Model(Inputs = 784)]
        public partial class MnistClassifier128
        {
            [Linear(128), ReLU] public partial Linear Fc1 { get; }
            [Linear(10)] public partial Linear Fc2 { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string MnistClassifier256 = """
        using StaticGrad;

        namespace Seeds;

        [Model(Inputs = 784)]
        internal partial class MnistClassifier256
        {
            [Linear(256), ReLU] partial Linear Layer1 { get; }
            [Linear(10)] partial Linear Layer2 { get; }
            [SoftmaxCrossEntropy(Classes = 10, LabelSmoothing = 0.1f, Reduction = Reduction.Sum)] partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string DeepClassifier = """
        using StaticGrad;

        [Model(Inputs = 784)]
        public partial class DeepClassifier
        {
            [Linear(256), ReLU] public partial Linear Hidden1 { get; }
            [Linear(128), Tanh] public partial Linear Hidden2 { get; }
            [Linear(64), Sigmoid] public partial Linear Hidden3 { get; }
            [Linear(10)] public partial Linear Output { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string WeightedClassifier = """
        using StaticGrad;

        namespace Losses;

        [Model(Inputs = 8)]
        public partial class WeightedClassifier
        {
            [Linear(16), ReLU] public partial Linear Hidden { get; }
            [Linear(4)] public partial Linear Output { get; }
            [SoftmaxCrossEntropy(Weights = new[] { 1f, 2.5f, 0.5f, 1f }, IgnoreIndex = -1, LabelSmoothing = 0.1f, Reduction = Reduction.None)]
            public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string SoftTargetClassifier = """
        using StaticGrad;

        namespace Losses;

        [Model(Inputs = 8)]
        public partial class SoftTargetClassifier
        {
            [Linear(16), Tanh] public partial Linear Hidden { get; }
            [Linear(5)] public partial Linear Output { get; }
            [SoftmaxCrossEntropy(Targets = TargetKind.Probabilities, LabelSmoothing = 0.05f)]
            public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string NllClassifier = """
        using StaticGrad;

        namespace Losses;

        [Model(Inputs = 8)]
        public partial class NllClassifier
        {
            [Linear(16), ReLU] public partial Linear Hidden { get; }
            [Linear(3), LogSoftmax] public partial Linear Output { get; }
            [NllLoss(Weights = new[] { 0.2f, 1f, 3f }, IgnoreIndex = 9, Reduction = Reduction.Sum)]
            public partial NllLoss Loss { get; }
        }
        """;

    public const string BinaryHead = """
        using StaticGrad;

        namespace Losses;

        [Model(Inputs = 8)]
        public partial class BinaryHead
        {
            [Linear(16), ReLU] public partial Linear Hidden { get; }
            [Linear(1)] public partial Linear Output { get; }
            [BinaryCrossEntropyWithLogits(PosWeight = new[] { 3f })]
            public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
        }
        """;

    public const string MultiLabelHead = """
        using StaticGrad;

        namespace Losses;

        [Model(Inputs = 8)]
        public partial class MultiLabelHead
        {
            [Linear(5)] public partial Linear Output { get; }
            [BinaryCrossEntropyWithLogits(Outputs = 5, Weights = new[] { 1f, 1f, 2f, 1f, 0f }, PosWeight = new[] { 1f, 4f, 1f, 1f, 1f }, Reduction = Reduction.None)]
            public partial BinaryCrossEntropyWithLogitsLoss Loss { get; }
        }
        """;

    /// <summary>
    /// PyTorch's <c>nn.Sequential(conv, ReLU, Flatten, Linear, Sigmoid)</c> + <c>nn.BCELoss(weight, reduction='sum')</c>:
    /// a convolutional autoencoder's decoder reconstructing pixels in [0, 1], the Sigmoid its own member.
    /// </summary>
    public const string SigmoidAutoencoder = """
        using StaticGrad;

        namespace Losses;

        [Model(Channels = 1, Height = 3, Width = 3)]
        public partial class SigmoidAutoencoder
        {
            [Conv2d(2, 3, Padding = 1), ReLU] public partial Conv2d Encoder { get; }
            [Flatten] public partial Flatten Flat { get; }
            [Linear(9)] public partial Linear Decoder { get; }
            [Sigmoid] public partial ActivationLayer Pixels { get; }
            [BinaryCrossEntropy(Weights = new[] { 1f, 1f, 1f, 1f, 2f, 1f, 1f, 1f, 0.5f }, Reduction = Reduction.Sum)]
            public partial BinaryCrossEntropyLoss Loss { get; }
        }
        """;

    public const string InferenceSoftmax = """
        using StaticGrad;

        namespace Inference;

        [Model(Inputs = 8)]
        public partial class InferenceSoftmax
        {
            [Linear(16), ReLU] public partial Linear Hidden { get; }
            [Linear(10), Softmax] public partial Linear Output { get; }
        }
        """;

    public const string InferenceLogSoftmax = """
        using StaticGrad;

        namespace Inference;

        [Model(Inputs = 8)]
        public partial class InferenceLogSoftmax
        {
            [Linear(10), LogSoftmax] public partial Linear Output { get; }
        }
        """;

    public const string InferenceSigmoid = """
        using StaticGrad;

        namespace Inference;

        [Model(Inputs = 8)]
        public partial class InferenceSigmoid
        {
            [Linear(6), Tanh] public partial Linear Hidden { get; }
            [Linear(1), Sigmoid] public partial Linear Output { get; }
        }
        """;

    /// <summary>
    /// Names that trip naive code generation: keywords (escaped with @), a keyword namespace, layers named like the
    /// generator's private constants, and a layer <c>Loss</c> beside a loss <c>loss</c>.
    /// </summary>
    public const string OddNames = """
        using StaticGrad;

        namespace @event.Models
        {
            [Model(Inputs = 4)]
            public partial class @class
            {
                [Linear(3), ReLU] public partial Linear @int { get; }
                [Linear(3), Tanh] public partial Linear LogitsOffset { get; }
                [Linear(3), ReLU] public partial Linear Fc1 { get; }
                [Linear(3), ReLU] public partial Linear Fc1OutputOffset { get; }
                [Linear(2)] public partial Linear Loss { get; }
                [SoftmaxCrossEntropy(Reduction = Reduction.None)] public partial SoftmaxCrossEntropyLoss loss { get; }

                public int ArenaFloatsPerSample => 0;

                private int _parameters;

                public int Touch() => _parameters++;
            }
        }
        """;

    public const string ResidualMlp = """
        using StaticGrad;

        namespace Graphs;

        [Model(Inputs = 784)]
        public partial class ResidualMlp
        {
            [Linear(64)] public partial Linear Stem { get; }
            [LayerNorm] public partial LayerNorm Norm1 { get; }
            [Linear(64), GELU] public partial Linear Fc1 { get; }
            [Dropout(0.1f)] public partial Dropout Drop1 { get; }
            [Linear(64)] public partial Linear Fc2 { get; }
            [Add(nameof(Stem))] public partial Residual Skip1 { get; }
            [LayerNorm(Eps = 1e-6f, ElementwiseAffine = false)] public partial LayerNorm Norm2 { get; }
            [Linear(10)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string ActivationZoo = """
        using StaticGrad;

        namespace Graphs;

        [Model(Inputs = 10)]
        public partial class ActivationZoo
        {
            [Linear(16, Bias = false), LeakyReLU(0.2f)] public partial Linear A { get; }
            [Linear(16), ELU] public partial Linear B { get; }
            [Linear(16), GELU(Approximate = "tanh")] public partial Linear C { get; }
            [SiLU] public partial ActivationLayer D { get; }
            [Linear(16), Softplus(Beta = 2f, Threshold = 10f)] public partial Linear E { get; }
            [Concat(ModelAttribute.Input)] public partial Residual Wide { get; }
            [Linear(8), Hardswish] public partial Linear F { get; }
            [Linear(8), ReLU6] public partial Linear G { get; }
            [Linear(8), Hardsigmoid] public partial Linear H { get; }
            [Linear(1)] public partial Linear Output { get; }
            [HuberLoss(Delta = 0.5f)] public partial HuberLoss Loss { get; }
        }
        """;

    public const string ParameterFreeStart = """
        using StaticGrad;

        namespace Inputs;

        [Model(Channels = 1, Height = 6, Width = 6)]
        public partial class ParameterFreeStart
        {
            [Dropout2d(0.2f)] public partial Dropout2d InputDrop { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
            [Flatten] public partial Flatten Flat { get; }
            [Dropout(0.1f)] public partial Dropout Drop { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string WideHead = """
        using StaticGrad;

        namespace Vocabulary;

        [Model(Inputs = 512)]
        public partial class WideHead
        {
            [Linear(256), ReLU] public partial Linear Fc1 { get; }
            [Linear(50000)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy(LabelSmoothing = 0.1f)] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string Regressor = """
        using StaticGrad;

        namespace Graphs;

        [Model(Inputs = 10)]
        public partial class Regressor
        {
            [Linear(32), ReLU] public partial Linear Hidden { get; }
            [Linear(2), Tanh] public partial Linear Output { get; }
            [MseLoss(Reduction = Reduction.Sum)] public partial MseLoss Loss { get; }
        }
        """;

    /// <summary>Models/LeNet5.cs (<c>train --model lenet</c>) as a user would declare it.</summary>
    public const string LeNet5 = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 1, Height = 28, Width = 28)]
        public sealed partial class LeNet5
        {
            [Conv2d(6, 5, Padding = 2), ReLU] public partial Conv2d Conv1 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool1 { get; }
            [Conv2d(16, 5), ReLU] public partial Conv2d Conv2 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool2 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(120), ReLU] public partial Linear Fc1 { get; }
            [Linear(84), ReLU] public partial Linear Fc2 { get; }
            [Linear(10)] public partial Linear Fc3 { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    /// <summary>Models/NormalizedCnn.cs (<c>train --model cnn-bn</c>): BatchNorm2d + ReLU after each convolution, Dropout before fc1.</summary>
    public const string NormalizedCnn = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 1, Height = 28, Width = 28)]
        public sealed partial class NormalizedCnn
        {
            [Conv2d(6, 5, Padding = 2)] public partial Conv2d Conv1 { get; }
            [BatchNorm2d, ReLU] public partial BatchNorm2d Bn1 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool1 { get; }
            [Conv2d(16, 5)] public partial Conv2d Conv2 { get; }
            [BatchNorm2d, ReLU] public partial BatchNorm2d Bn2 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool2 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Dropout(0.25f)] public partial Dropout Drop { get; }
            [Linear(120), ReLU] public partial Linear Fc1 { get; }
            [Linear(84), ReLU] public partial Linear Fc2 { get; }
            [Linear(10)] public partial Linear Fc3 { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    /// <summary>
    /// A padded average pool that divides by the positions inside the input (count_include_pad=False), then adaptive pools
    /// whose sizes do not divide: a 7 x 7 map to 3 x 3 (overlapping windows of 3, PyTorch's rows [0, 3), [2, 5), [4, 7)),
    /// then up to 5 x 4 (windows of 1 or 2 rows and columns), then a Linear head.
    /// </summary>
    public const string AdaptivePools = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 2, Height = 9, Width = 9)]
        public sealed partial class AdaptivePools
        {
            [Conv2d(4, 3), ReLU] public partial Conv2d Conv { get; }
            [AvgPool2d(3, Stride = 1, Padding = 1, CountIncludePad = false)] public partial AvgPool2d Smooth { get; }
            [AdaptiveAvgPool2d(3)] public partial AdaptiveAvgPool2d Pool { get; }
            [AdaptiveAvgPool2d(5, 4)] public partial AdaptiveAvgPool2d Up { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string CeilModePools = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 1, Height = 11, Width = 11)]
        public sealed partial class CeilModePools
        {
            [Conv2d(4, 3), ReLU] public partial Conv2d Conv1 { get; }
            [MaxPool2d(2, CeilMode = true)] public partial MaxPool2d Pool1 { get; }
            [Conv2d(6, 2), ReLU] public partial Conv2d Conv2 { get; }
            [MaxPool2d(3, Stride = 2, Padding = 1, CeilMode = true)] public partial MaxPool2d Pool2 { get; }
            [AvgPool2d(2, CeilMode = true, CountIncludePad = false)] public partial AvgPool2d Pool3 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string RectangularWindows = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 2, Height = 10, Width = 13)]
        public sealed partial class RectangularWindows
        {
            [Conv2d(4, 3, 5, SamePadding = true, DilationHeight = 3), ReLU] public partial Conv2d Conv1 { get; }
            [MaxPool2d(2, 3, Stride = 2, PaddingWidth = 1)] public partial MaxPool2d Pool1 { get; }
            [Conv2d(6, 1, 3, StrideHeight = 2, PaddingHeight = 1, DilationWidth = 2, Bias = false), Tanh] public partial Conv2d Conv2 { get; }
            [AvgPool2d(2, 1, PaddingHeight = 1, CountIncludePad = false)] public partial AvgPool2d Pool2 { get; }
            [Conv2d(6, 3, 1, SamePadding = true)] public partial Conv2d Conv3 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(4)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string PaddedImages = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 2, Height = 9, Width = 10)]
        public sealed partial class PaddedImages
        {
            [ZeroPad2d(1, 2, 0, 1)] public partial ZeroPad2d Pad { get; }
            [Conv2d(4, 4, SamePadding = true), ReLU] public partial Conv2d Conv1 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
            [Conv2d(6, 2, 3, SamePadding = true), Tanh] public partial Conv2d Conv2 { get; }
            [ZeroPad2d(-1, 0, 1, -1)] public partial ZeroPad2d Crop { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string EdgePaddedImages = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 2, Height = 7, Width = 8)]
        public sealed partial class EdgePaddedImages
        {
            [ReflectionPad2d(2)] public partial ReflectionPad2d Pad1 { get; }
            [Conv2d(4, 3), Tanh] public partial Conv2d Conv1 { get; }
            [ReplicationPad2d(1, 0, 2, 1)] public partial ReplicationPad2d Pad2 { get; }
            [Conv2d(3, 3, Stride = 2), Tanh] public partial Conv2d Conv2 { get; }
            [ReflectionPad2d(-1, 2, 1, -1)] public partial ReflectionPad2d Pad3 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string PaddingModes = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 2, Height = 8, Width = 9)]
        public sealed partial class PaddingModes
        {
            [Conv2d(4, 3, Padding = 2, PaddingMode = PaddingMode.Reflect), Tanh] public partial Conv2d Conv1 { get; }
            [Conv2d(3, 2, 4, SamePadding = true, PaddingMode = PaddingMode.Replicate), Tanh] public partial Conv2d Conv2 { get; }
            [Conv2d(2, 3, Stride = 2, Padding = 1, PaddingMode = PaddingMode.Circular, Bias = false)] public partial Conv2d Conv3 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string GroupNorms = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 3, Height = 8, Width = 8)]
        public sealed partial class GroupNorms
        {
            [Conv2d(8, 3, Padding = 1)] public partial Conv2d Conv1 { get; }
            [GroupNorm(4), ReLU] public partial GroupNorm Norm1 { get; }
            [MaxPool2d(2)] public partial MaxPool2d Pool { get; }
            [Conv2d(6, 3)] public partial Conv2d Conv2 { get; }
            [InstanceNorm2d(Affine = true), Sigmoid] public partial InstanceNorm2d Instance { get; }
            [InstanceNorm2d(Momentum = 0.2f, TrackRunningStats = true)] public partial InstanceNorm2d Tracked { get; }
            [GroupNorm(3, Affine = false)] public partial GroupNorm Norm2 { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [GroupNorm(2, Eps = 1e-3f), Tanh] public partial GroupNorm Norm3 { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string TransposedConvolutions = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 1, Height = 8, Width = 8)]
        public sealed partial class TransposedConvolutions
        {
            [Conv2d(4, 3, Stride = 2, Padding = 1), Tanh] public partial Conv2d Down { get; }
            [ConvTranspose2d(4, 3, Stride = 2, Padding = 1, OutputPadding = 1), ReLU] public partial ConvTranspose2d Up { get; }
            [ConvTranspose2d(2, 2, 3, StrideWidth = 2, OutputPaddingWidth = 1, Groups = 2, Bias = false)] public partial ConvTranspose2d Widen { get; }
            [Upsample(ScaleFactorHeight = 2, ScaleFactorWidth = 1)] public partial Upsample Up2 { get; }
            [Upsample(Mode = UpsampleMode.Bilinear)] public partial Upsample Smooth { get; }
            [Upsample(ScaleFactorWidth = 1, Mode = UpsampleMode.Bilinear, AlignCorners = true)] public partial Upsample Aligned { get; }
            [Upsample(SizeHeight = 13, SizeWidth = 20)] public partial Upsample Sized { get; }
            [Upsample(Size = 9, Mode = UpsampleMode.Bilinear)] public partial Upsample SizedDown { get; }
            [AdaptiveMaxPool2d(4, 3)] public partial AdaptiveMaxPool2d MaxPooled { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(3)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string Branches = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 3, Height = 8, Width = 8)]
        public sealed partial class Branches
        {
            [Conv2d(4, 3, Padding = 1, Bias = false)] public partial Conv2d Stem { get; }
            [BatchNorm2d, ReLU] public partial BatchNorm2d StemBn { get; }
            [Conv2d(8, 3, Stride = 2, Padding = 1, Bias = false)] public partial Conv2d Conv1 { get; }
            [BatchNorm2d, ReLU] public partial BatchNorm2d Bn1 { get; }
            [Conv2d(8, 3, Padding = 1, Bias = false)] public partial Conv2d Conv2 { get; }
            [BatchNorm2d] public partial BatchNorm2d Bn2 { get; }
            [From(nameof(StemBn)), Conv2d(8, 1, Stride = 2, Bias = false)] public partial Conv2d Shortcut { get; }
            [BatchNorm2d] public partial BatchNorm2d ShortcutBn { get; }
            [Add(nameof(Bn2)), ReLU] public partial Residual Block { get; }
            [From(ModelAttribute.Input), AvgPool2d(2)] public partial AvgPool2d Downscaled { get; }
            [Concat(nameof(Block))] public partial Residual Joined { get; }
            [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Pool { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(4)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string Gates = """
        using StaticGrad;

        namespace Images;

        [Model(Channels = 3, Height = 8, Width = 8)]
        public sealed partial class Gates
        {
            [Conv2d(3, 3, Padding = 1), Sigmoid] public partial Conv2d Attention { get; }
            [Multiply(ModelAttribute.Input)] public partial Residual Attended { get; }
            [Conv2d(8, 3, Padding = 1), ReLU] public partial Conv2d Conv1 { get; }
            [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Squeeze { get; }
            [Conv2d(2, 1), ReLU] public partial Conv2d Reduce { get; }
            [Conv2d(8, 1), Sigmoid] public partial Conv2d Expand { get; }
            [Multiply(nameof(Conv1))] public partial Residual Excite { get; }
            [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Squeeze2 { get; }
            [Flatten] public partial Flatten Flat { get; }
            [Linear(8), Sigmoid] public partial Linear Fc { get; }
            [Multiply(nameof(Excite))] public partial Residual Excite2 { get; }
            [Conv2d(1, 1), Sigmoid] public partial Conv2d Spatial { get; }
            [Multiply(nameof(Excite2))] public partial Residual Attended2 { get; }
            [AdaptiveAvgPool2d(1)] public partial AdaptiveAvgPool2d Pool { get; }
            [Flatten] public partial Flatten Flatten { get; }
            [Linear(4)] public partial Linear Head { get; }
            [SoftmaxCrossEntropy] public partial SoftmaxCrossEntropyLoss Loss { get; }
        }
        """;

    public const string ConvDecoder = """
        using StaticGrad;

        namespace Images;

        [Model(Inputs = 64)]
        public sealed partial class ConvDecoder
        {
            [Linear(16), ReLU] public partial Linear Encode { get; }
            [Linear(32), ReLU] public partial Linear Decode { get; }
            [Unflatten(2, 2, 8)] public partial Unflatten Grid { get; }
            [ConvTranspose2d(1, 4, Stride = 2, Padding = 1), Sigmoid] public partial ConvTranspose2d Up { get; }
            [Flatten] public partial Flatten Flat { get; }
            [MseLoss] public partial MseLoss Loss { get; }
        }
        """;
}
