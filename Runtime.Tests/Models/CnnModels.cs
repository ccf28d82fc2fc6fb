namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// <see cref="StaticGrad.Models.NormalizedCnn"/> without its Dropout(0.25), so that a training step can be compared with
/// PyTorch's (our dropout draws from our own generator). The same <c>state_dict</c> names; scripts/golden_cnn.py.
/// </summary>
[Model(Channels = 1, Height = 28, Width = 28)]
public sealed partial class NormalizedCnnNoDropout
{
    [Conv2d(6, 5, Padding = 2)]
    public partial Conv2d Conv1 { get; }

    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Bn1 { get; }

    [MaxPool2d(2)]
    public partial MaxPool2d Pool1 { get; }

    [Conv2d(16, 5)]
    public partial Conv2d Conv2 { get; }

    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Bn2 { get; }

    [MaxPool2d(2)]
    public partial MaxPool2d Pool2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(120), ReLU]
    public partial Linear Fc1 { get; }

    [Linear(84), ReLU]
    public partial Linear Fc2 { get; }

    [Linear(10)]
    public partial Linear Fc3 { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// The image ops LeNet does not use, in one network (scripts/golden_cnn.py builds it in PyTorch): a convolution without
/// bias, a dilated grouped one, a residual Add of two images, Dropout2d(0) (the identity in training mode too), a strided
/// convolution, BatchNorm2d with another momentum, AvgPool2d with padding (counted in the average, PyTorch's default),
/// a channel Concat, MaxPool2d with padding and dilation, AdaptiveAvgPool2d(1).
/// </summary>
[Model(Channels = 2, Height = 12, Width = 12)]
public sealed partial class CnnOpsNet
{
    /// <summary>[B, 4, 12, 12].</summary>
    [Conv2d(4, 3, Padding = 1, Bias = false), Tanh]
    public partial Conv2d Stem { get; }

    /// <summary>[B, 4, 12, 12]: two groups of 2 channels, dilation 2.</summary>
    [Conv2d(4, 3, Padding = 2, Dilation = 2, Groups = 2), Sigmoid]
    public partial Conv2d Grouped { get; }

    /// <summary>Grouped + Stem.</summary>
    [Add(nameof(Stem))]
    public partial Residual Skip { get; }

    [Dropout2d(0f)]
    public partial Dropout2d Drop { get; }

    /// <summary>[B, 6, 6, 6].</summary>
    [Conv2d(6, 3, Stride = 2, Padding = 1), ReLU]
    public partial Conv2d Strided { get; }

    [BatchNorm2d(Momentum = 0.2f)]
    public partial BatchNorm2d Norm { get; }

    /// <summary>[B, 6, 6, 6].</summary>
    [AvgPool2d(3, Stride = 1, Padding = 1)]
    public partial AvgPool2d Avg { get; }

    /// <summary>[B, 12, 6, 6]: the pooled channels, then Strided's.</summary>
    [Concat(nameof(Strided))]
    public partial Residual Cat { get; }

    /// <summary>[B, 12, 6, 6].</summary>
    [MaxPool2d(2, Stride = 1, Padding = 1, Dilation = 2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 12, 1, 1].</summary>
    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Gap { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(5)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Convolutions with ReLU into max pools, for finite differences of the backward pass that applies ReLU's derivative in the
/// pool's (overlapping padded windows, then LeNet's 2 × 2), on inputs that stay away from the kinks.
/// </summary>
[Model(Channels = 1, Height = 7, Width = 7)]
public sealed partial class ReLUPoolCnn
{
    /// <summary>[B, 3, 7, 7].</summary>
    [Conv2d(3, 3, Padding = 1), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 3, 4, 4]: 3 x 3 windows of stride 2, overlapping.</summary>
    [MaxPool2d(3, Stride = 2, Padding = 1)]
    public partial MaxPool2d Pool1 { get; }

    /// <summary>[B, 4, 4, 4].</summary>
    [Conv2d(4, 3, Padding = 1), ReLU]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 4, 2, 2].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// A small image model of smooth ops only, for finite differences (ReLU and max pooling have kinks a perturbation can
/// cross): convolutions with bias and without, padded, dilated, grouped and strided, a residual Add, BatchNorm2d,
/// AvgPool2d, AdaptiveAvgPool2d(1), then a Linear head.
/// </summary>
[Model(Channels = 2, Height = 8, Width = 8)]
public sealed partial class SmoothCnn
{
    /// <summary>[B, 3, 8, 8].</summary>
    [Conv2d(3, 3, Padding = 1), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 3, 8, 8]: depthwise, dilation 2.</summary>
    [Conv2d(3, 3, Padding = 2, Dilation = 2, Groups = 3, Bias = false), Sigmoid]
    public partial Conv2d Grouped { get; }

    [Add(nameof(Conv1))]
    public partial Residual Skip { get; }

    [BatchNorm2d]
    public partial BatchNorm2d Norm { get; }

    /// <summary>[B, 3, 4, 4].</summary>
    [AvgPool2d(2)]
    public partial AvgPool2d Avg { get; }

    /// <summary>[B, 4, 2, 2].</summary>
    [Conv2d(4, 3, Stride = 2, Padding = 1), Tanh]
    public partial Conv2d Strided { get; }

    /// <summary>[B, 4, 1, 1].</summary>
    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Gap { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Average pools beyond PyTorch's defaults, smooth ops only (for finite differences): a padded 3 x 3 average whose
/// divisor counts only the positions inside the input (<c>count_include_pad=False</c>), then adaptive pools whose sizes
/// do not divide their inputs: 7 x 7 to 3 x 3 (overlapping windows), then to 4 x 5 (larger than its input: windows of
/// one or two rows and columns that repeat inputs), then a Linear head.
/// </summary>
[Model(Channels = 2, Height = 9, Width = 9)]
public sealed partial class AdaptivePoolCnn
{
    /// <summary>[B, 3, 7, 7].</summary>
    [Conv2d(3, 3), Tanh]
    public partial Conv2d Conv { get; }

    /// <summary>[B, 3, 7, 7].</summary>
    [AvgPool2d(3, Stride = 1, Padding = 1, CountIncludePad = false)]
    public partial AvgPool2d Smooth { get; }

    /// <summary>[B, 3, 3, 3].</summary>
    [AdaptiveAvgPool2d(3)]
    public partial AdaptiveAvgPool2d Pool { get; }

    /// <summary>[B, 2, 3, 3].</summary>
    [Conv2d(2, 1), Sigmoid]
    public partial Conv2d Mix { get; }

    /// <summary>[B, 2, 4, 5].</summary>
    [AdaptiveAvgPool2d(4, 5)]
    public partial AdaptiveAvgPool2d Up { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// The pools' <c>ceil_mode</c>: a 2 x 2 max pool over a 9 x 16 map (5 x 8 out: the last row of windows holds one input
/// row), right after a padded ReLU convolution of the input whose weight gradient forms the pool's backward pass itself
/// (the shifted-planes path: rows as long as the input's, a plane of 9 x 16), and a padded 3 x 3 average pool of stride
/// 2 whose last windows run past the padded input (their divisor counts only the part inside it, as PyTorch's does).
/// Summed cross-entropy, as the finite differences take it.
/// </summary>
[Model(Channels = 1, Height = 9, Width = 16)]
public sealed partial class CeilPoolCnn
{
    /// <summary>[B, 4, 9, 16].</summary>
    [Conv2d(4, 3, Padding = 1), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 5, 8].</summary>
    [MaxPool2d(2, CeilMode = true)]
    public partial MaxPool2d Pool1 { get; }

    /// <summary>[B, 6, 4, 7].</summary>
    [Conv2d(6, 2), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 6, 3, 4].</summary>
    [AvgPool2d(3, Stride = 2, Padding = 1, CeilMode = true)]
    public partial AvgPool2d Pool2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Rectangular windows, PyTorch's tuple options: a 3 x 5 convolution with <c>padding='same'</c> and a dilation of 3 along
/// the height (padding 3 x 2), whose ReLU feeds a 2 x 3 max pool of stride 2 with one column of padding; a 1 x 3
/// convolution of stride (2, 1), padding (1, 0) and dilation (1, 2); a 2 x 1 average pool with a row of padding that does
/// not count. The input is 10 x 13, so no size agrees with its transpose. Summed cross-entropy, as the finite
/// differences take it.
/// </summary>
[Model(Channels = 2, Height = 10, Width = 13)]
public sealed partial class RectangularCnn
{
    /// <summary>[B, 4, 10, 13].</summary>
    [Conv2d(4, 3, 5, SamePadding = true, DilationHeight = 3), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 5, 7].</summary>
    [MaxPool2d(2, 3, Stride = 2, PaddingWidth = 1)]
    public partial MaxPool2d Pool1 { get; }

    /// <summary>[B, 6, 4, 3].</summary>
    [Conv2d(6, 1, 3, StrideHeight = 2, PaddingHeight = 1, DilationWidth = 2), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 6, 3, 3].</summary>
    [AvgPool2d(2, 1, PaddingHeight = 1, CountIncludePad = false)]
    public partial AvgPool2d Pool2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Zero padding and PyTorch's asymmetric <c>padding='same'</c>: <c>nn.ZeroPad2d((1, 2, 0, 1))</c> of the input, a 4 x 4
/// convolution with padding='same' (1 row and column before, 2 after: the kernels convolve a copy with the extra row and
/// column, and its weight gradient forms the max pool's backward pass itself), a 2 x 3 one (padding='same': one more row
/// below, columns alike), then <c>nn.ZeroPad2d((-1, 0, 1, -1))</c>, which crops a column and a row. Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 9, Width = 10)]
public sealed partial class PaddedCnn
{
    /// <summary>[B, 2, 10, 13].</summary>
    [ZeroPad2d(1, 2, 0, 1)]
    public partial ZeroPad2d Pad { get; }

    /// <summary>[B, 4, 10, 13].</summary>
    [Conv2d(4, 4, SamePadding = true), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 5, 6].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 6, 5, 6].</summary>
    [Conv2d(6, 2, 3, SamePadding = true), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 6, 5, 5].</summary>
    [ZeroPad2d(-1, 0, 1, -1)]
    public partial ZeroPad2d Crop { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Group normalization: <c>nn.GroupNorm(4, 8)</c> after a convolution, with the following ReLU fused in and a max pool
/// after it; <c>nn.GroupNorm(3, 6, affine=False)</c>; <c>nn.GroupNorm(2, 24)</c> over flat features. Summed cross-entropy.
/// </summary>
[Model(Channels = 3, Height = 8, Width = 8)]
public sealed partial class GroupNormCnn
{
    /// <summary>[B, 8, 8, 8].</summary>
    [Conv2d(8, 3, Padding = 1)]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 8, 8, 8].</summary>
    [GroupNorm(4), ReLU]
    public partial GroupNorm Norm1 { get; }

    /// <summary>[B, 8, 4, 4].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 6, 2, 2].</summary>
    [Conv2d(6, 3)]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 6, 2, 2].</summary>
    [GroupNorm(3, Affine = false)]
    public partial GroupNorm Norm2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    /// <summary>[B, 24].</summary>
    [GroupNorm(2, Eps = 1e-3f), Tanh]
    public partial GroupNorm Norm3 { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Instance normalization (<c>nn.InstanceNorm2d</c>, no running statistics): PyTorch's default without affine parameters
/// and a Tanh member after it, then one with them, eps 1e-3 and a fused Tanh. Smooth activations only: a ReLU after a
/// norm puts a few of its 576 unit-variance inputs within a finite difference's step of its kink for most seeds. Summed
/// cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 6, Width = 6)]
public sealed partial class InstanceNormCnn
{
    /// <summary>[B, 4, 6, 6].</summary>
    [Conv2d(4, 3, Padding = 1)]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 6, 6].</summary>
    [InstanceNorm2d]
    public partial InstanceNorm2d Norm1 { get; }

    [Tanh]
    public partial ActivationLayer Act { get; }

    /// <summary>[B, 4, 4, 4].</summary>
    [Conv2d(4, 3)]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 4, 4, 4].</summary>
    [InstanceNorm2d(Affine = true, Eps = 1e-3f), Tanh]
    public partial InstanceNorm2d Norm2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Transposed convolutions (a decoder's upsampling): a strided convolution down to 4 x 4, <c>nn.ConvTranspose2d(4, 4, 3,
/// stride=2, padding=1, output_padding=1)</c> back to 8 x 8 with a fused Tanh, then a grouped, rectangular one of stride
/// (1, 2) without bias to 9 x 17. Summed cross-entropy.
/// </summary>
[Model(Channels = 1, Height = 8, Width = 8)]
public sealed partial class TransposedCnn
{
    /// <summary>[B, 4, 4, 4].</summary>
    [Conv2d(4, 3, Stride = 2, Padding = 1), Tanh]
    public partial Conv2d Down { get; }

    /// <summary>[B, 4, 8, 8].</summary>
    [ConvTranspose2d(4, 3, Stride = 2, Padding = 1, OutputPadding = 1), Tanh]
    public partial ConvTranspose2d Up { get; }

    /// <summary>[B, 2, 9, 17].</summary>
    [ConvTranspose2d(2, 2, 3, StrideWidth = 2, Groups = 2, Bias = false)]
    public partial ConvTranspose2d Widen { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Nearest-neighbour upsampling: <c>nn.Upsample(scale_factor=2)</c> between two convolutions, then
/// <c>nn.Upsample(scale_factor=(1, 3))</c> and an average pool. Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 5, Width = 6)]
public sealed partial class UpsampleCnn
{
    /// <summary>[B, 4, 5, 6].</summary>
    [Conv2d(4, 3, Padding = 1), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 10, 12].</summary>
    [Upsample]
    public partial Upsample Up { get; }

    /// <summary>[B, 3, 8, 10].</summary>
    [Conv2d(3, 3), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 3, 8, 30].</summary>
    [Upsample(ScaleFactorHeight = 1, ScaleFactorWidth = 3)]
    public partial Upsample Widen { get; }

    /// <summary>[B, 3, 4, 15].</summary>
    [AvgPool2d(2)]
    public partial AvgPool2d Pool { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Reflection and replication padding around two convolutions: <c>nn.ReflectionPad2d(2)</c>,
/// <c>nn.ReplicationPad2d((1, 0, 2, 1))</c> and <c>nn.ReflectionPad2d((-1, 2, 1, -1))</c>, which crops a column and a row.
/// Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 7, Width = 8)]
public sealed partial class EdgePaddedCnn
{
    /// <summary>[B, 2, 11, 12].</summary>
    [ReflectionPad2d(2)]
    public partial ReflectionPad2d Pad1 { get; }

    /// <summary>[B, 4, 9, 10].</summary>
    [Conv2d(4, 3), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 12, 11].</summary>
    [ReplicationPad2d(1, 0, 2, 1)]
    public partial ReplicationPad2d Pad2 { get; }

    /// <summary>[B, 3, 5, 5].</summary>
    [Conv2d(3, 3, Stride = 2), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 3, 5, 6].</summary>
    [ReflectionPad2d(-1, 2, 1, -1)]
    public partial ReflectionPad2d Pad3 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// PyTorch's <c>padding_mode</c>: <c>nn.Conv2d(2, 4, 3, padding=2, padding_mode='reflect')</c>, a <c>'replicate'</c> one
/// with <c>padding='same'</c> and a (2, 4) kernel (one more row below, one more column right), and a strided
/// <c>'circular'</c> one without bias. Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 8, Width = 9)]
public sealed partial class PaddingModeCnn
{
    /// <summary>[B, 4, 10, 11].</summary>
    [Conv2d(4, 3, Padding = 2, PaddingMode = PaddingMode.Reflect), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 3, 10, 11].</summary>
    [Conv2d(3, 2, 4, SamePadding = true, PaddingMode = PaddingMode.Replicate), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 2, 5, 6].</summary>
    [Conv2d(2, 3, Stride = 2, Padding = 1, PaddingMode = PaddingMode.Circular, Bias = false)]
    public partial Conv2d Conv3 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Bilinear upsampling: <c>nn.Upsample(scale_factor=2, mode='bilinear')</c> between two convolutions, then
/// <c>nn.Upsample(scale_factor=(1, 3), mode='bilinear', align_corners=True)</c> and an average pool. Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 5, Width = 6)]
public sealed partial class BilinearCnn
{
    /// <summary>[B, 4, 5, 6].</summary>
    [Conv2d(4, 3, Padding = 1), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 10, 12].</summary>
    [Upsample(Mode = UpsampleMode.Bilinear)]
    public partial Upsample Up { get; }

    /// <summary>[B, 3, 8, 10].</summary>
    [Conv2d(3, 3), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 3, 8, 30].</summary>
    [Upsample(ScaleFactorHeight = 1, ScaleFactorWidth = 3, Mode = UpsampleMode.Bilinear, AlignCorners = true)]
    public partial Upsample Widen { get; }

    /// <summary>[B, 3, 4, 15].</summary>
    [AvgPool2d(2)]
    public partial AvgPool2d Pool { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Instance norms with running statistics: <c>nn.InstanceNorm2d(4, momentum=0.3, affine=True, track_running_stats=True)</c>
/// and a Tanh, <c>nn.InstanceNorm2d(4, track_running_stats=True)</c> and a Tanh; eval mode normalizes with the running
/// statistics. Summed cross-entropy.
/// </summary>
[Model(Channels = 2, Height = 6, Width = 6)]
public sealed partial class TrackedInstanceNormCnn
{
    /// <summary>[B, 4, 6, 6].</summary>
    [Conv2d(4, 3, Padding = 1)]
    public partial Conv2d Conv1 { get; }

    [InstanceNorm2d(Momentum = 0.3f, Affine = true, TrackRunningStats = true), Tanh]
    public partial InstanceNorm2d Norm1 { get; }

    /// <summary>[B, 4, 4, 4].</summary>
    [Conv2d(4, 3)]
    public partial Conv2d Conv2 { get; }

    [InstanceNorm2d(TrackRunningStats = true), Tanh]
    public partial InstanceNorm2d Norm2 { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// A regression loss on an image: the flatten reads the convolution's output in place, so the loss's input is the
/// buffer whose Sigmoid values the convolution's backward pass needs (the loss must work on a copy).
/// </summary>
[Model(Channels = 1, Height = 4, Width = 4)]
public sealed partial class FlatSigmoidRegressor
{
    /// <summary>[B, 2, 4, 4].</summary>
    [Conv2d(2, 3, Padding = 1), Sigmoid]
    public partial Conv2d Conv { get; }

    /// <summary>[B, 32].</summary>
    [Flatten]
    public partial Flatten Flatten { get; }

    [MseLoss]
    public partial MseLoss Loss { get; }
}

/// <summary>A classifier whose logits are a max pool's output read flat: the pool's backward pass reads its maxima (ReLU before it).</summary>
[Model(Channels = 1, Height = 4, Width = 4)]
public sealed partial class FlatPoolClassifier
{
    /// <summary>[B, 3, 4, 4].</summary>
    [Conv2d(3, 3, Padding = 1), ReLU]
    public partial Conv2d Conv { get; }

    /// <summary>[B, 3, 2, 2].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 12].</summary>
    [Flatten]
    public partial Flatten Flatten { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>A classifier whose logits are a batch norm's ReLU output read flat.</summary>
[Model(Channels = 1, Height = 4, Width = 4)]
public sealed partial class FlatNormClassifier
{
    /// <summary>[B, 3, 2, 2].</summary>
    [Conv2d(3, 3)]
    public partial Conv2d Conv { get; }

    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Norm { get; }

    /// <summary>[B, 12].</summary>
    [Flatten]
    public partial Flatten Flatten { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// ResNet's downsampling block: the main path halves the image with a strided 3 × 3 convolution, and the shortcut, which
/// reads the stem's output (<see cref="FromAttribute"/>), with a strided 1 × 1 convolution; the two are added. The same
/// <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 3, Height = 8, Width = 8)]
public sealed partial class ResNetDownsampleCnn
{
    [Conv2d(4, 3, Padding = 1, Bias = false)]
    public partial Conv2d Stem { get; }

    /// <summary>[B, 4, 8, 8].</summary>
    [BatchNorm2d, ReLU]
    public partial BatchNorm2d StemBn { get; }

    /// <summary>[B, 8, 4, 4].</summary>
    [Conv2d(8, 3, Stride = 2, Padding = 1, Bias = false)]
    public partial Conv2d Conv1 { get; }

    [BatchNorm2d, ReLU]
    public partial BatchNorm2d Bn1 { get; }

    [Conv2d(8, 3, Padding = 1, Bias = false)]
    public partial Conv2d Conv2 { get; }

    [BatchNorm2d]
    public partial BatchNorm2d Bn2 { get; }

    /// <summary>[B, 8, 4, 4] from the stem's [B, 4, 8, 8].</summary>
    [From(nameof(StemBn)), Conv2d(8, 1, Stride = 2, Bias = false)]
    public partial Conv2d Shortcut { get; }

    [BatchNorm2d]
    public partial BatchNorm2d ShortcutBn { get; }

    /// <summary>ShortcutBn + Bn2.</summary>
    [Add(nameof(Bn2)), ReLU]
    public partial Residual Block { get; }

    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Pool { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Branches on smooth activations, for finite differences: a shortcut from the stem (<see cref="FromAttribute"/>) added to
/// a strided main path, and a branch from the model input concatenated at the end.
/// </summary>
[Model(Channels = 2, Height = 6, Width = 6)]
public sealed partial class SmoothBranchCnn
{
    /// <summary>[B, 3, 6, 6].</summary>
    [Conv2d(3, 3, Padding = 1), Tanh]
    public partial Conv2d Stem { get; }

    /// <summary>[B, 4, 3, 3].</summary>
    [Conv2d(4, 3, Stride = 2, Padding = 1), Tanh]
    public partial Conv2d Main { get; }

    /// <summary>[B, 4, 3, 3] from the stem's [B, 3, 6, 6].</summary>
    [From(nameof(Stem)), Conv2d(4, 1, Stride = 2)]
    public partial Conv2d Shortcut { get; }

    [Add(nameof(Main)), Tanh]
    public partial Residual Block { get; }

    /// <summary>[B, 2, 3, 3] from the model input.</summary>
    [From(ModelAttribute.Input), AvgPool2d(2)]
    public partial AvgPool2d Downscaled { get; }

    /// <summary>[B, 6, 3, 3].</summary>
    [Concat(nameof(Block))]
    public partial Residual Joined { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// MobileNetV2's inverted residual blocks: a 1 × 1 expansion, a depthwise 3 × 3 convolution (stride 1 with the block's
/// input added back, then stride 2) and a 1 × 1 projection, each with a batch norm, ReLU6 after the first two. The same
/// <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 3, Height = 8, Width = 8)]
public sealed partial class MobileNetV2Cnn
{
    [Conv2d(8, 3, Padding = 1, Bias = false)]
    public partial Conv2d Stem { get; }

    [BatchNorm2d, ReLU6]
    public partial BatchNorm2d StemBn { get; }

    [Conv2d(16, 1, Bias = false)]
    public partial Conv2d Expand1 { get; }

    [BatchNorm2d, ReLU6]
    public partial BatchNorm2d Expand1Bn { get; }

    [Conv2d(16, 3, Padding = 1, Groups = 16, Bias = false)]
    public partial Conv2d Depthwise1 { get; }

    [BatchNorm2d, ReLU6]
    public partial BatchNorm2d Depthwise1Bn { get; }

    [Conv2d(8, 1, Bias = false)]
    public partial Conv2d Project1 { get; }

    [BatchNorm2d]
    public partial BatchNorm2d Project1Bn { get; }

    [Add(nameof(StemBn))]
    public partial Residual Block1 { get; }

    [Conv2d(16, 1, Bias = false)]
    public partial Conv2d Expand2 { get; }

    [BatchNorm2d, ReLU6]
    public partial BatchNorm2d Expand2Bn { get; }

    /// <summary>[B, 16, 4, 4]: the strided depthwise convolution.</summary>
    [Conv2d(16, 3, Stride = 2, Padding = 1, Groups = 16, Bias = false)]
    public partial Conv2d Depthwise2 { get; }

    [BatchNorm2d, ReLU6]
    public partial BatchNorm2d Depthwise2Bn { get; }

    [Conv2d(12, 1, Bias = false)]
    public partial Conv2d Project2 { get; }

    [BatchNorm2d]
    public partial BatchNorm2d Project2Bn { get; }

    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Pool { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// <c>nn.Upsample(size=...)</c>: nearest to a size that is not a multiple of the input's, bilinear down, bilinear with
/// align_corners. The same <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 2, Height = 5, Width = 6)]
public sealed partial class SizedUpsampleCnn
{
    [Conv2d(4, 3, Padding = 1), Tanh]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 7, 9].</summary>
    [Upsample(SizeHeight = 7, SizeWidth = 9)]
    public partial Upsample Up { get; }

    [Conv2d(4, 3, Padding = 1), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 4, 4, 5].</summary>
    [Upsample(SizeHeight = 4, SizeWidth = 5, Mode = UpsampleMode.Bilinear)]
    public partial Upsample Down { get; }

    /// <summary>[B, 4, 5, 7].</summary>
    [Upsample(SizeHeight = 5, SizeWidth = 7, Mode = UpsampleMode.Bilinear, AlignCorners = true)]
    public partial Upsample Widen { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Adaptive max pooling: to 3 × 3 over 7 × 7 (overlapping windows), then fastai's concat pool head, the average and the
/// maximum of the same map side by side (<see cref="FromAttribute"/> and <see cref="ConcatAttribute"/>). The same
/// <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 2, Height = 7, Width = 7)]
public sealed partial class AdaptiveMaxPoolCnn
{
    /// <summary>[B, 4, 7, 7], no activation: a pool over saturated Tanh values would meet near-ties finite differences cannot step over.</summary>
    [Conv2d(4, 3, Padding = 1)]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 4, 3, 3].</summary>
    [AdaptiveMaxPool2d(3, 3)]
    public partial AdaptiveMaxPool2d Pool { get; }

    /// <summary>[B, 6, 3, 3].</summary>
    [Conv2d(6, 1), Tanh]
    public partial Conv2d Conv2 { get; }

    /// <summary>[B, 6, 1, 1].</summary>
    [AdaptiveMaxPool2d(1)]
    public partial AdaptiveMaxPool2d MaxHead { get; }

    /// <summary>[B, 6, 1, 1] of Conv2's output.</summary>
    [From(nameof(Conv2)), AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d AvgHead { get; }

    /// <summary>[B, 12, 1, 1]: the average, then the maximum.</summary>
    [Concat(nameof(MaxHead))]
    public partial Residual Pooled { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Products of two paths (<see cref="MultiplyAttribute"/>): a squeeze-and-excitation block of 1 × 1 convolutions whose
/// <c>[B, 8, 1, 1]</c> gate scales the map channel by channel, one of linear layers whose flat <c>[B, 8]</c> gate does the
/// same, and an elementwise sigmoid gate of the map's own shape. The same <c>state_dict</c> names as
/// scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 3, Height = 6, Width = 6)]
public sealed partial class SqueezeExciteCnn
{
    /// <summary>[B, 8, 6, 6].</summary>
    [Conv2d(8, 3, Padding = 1), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 8, 1, 1].</summary>
    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Squeeze { get; }

    /// <summary>[B, 2, 1, 1].</summary>
    [Conv2d(2, 1), ReLU]
    public partial Conv2d Reduce { get; }

    /// <summary>[B, 8, 1, 1], each channel's weight in (0, 1).</summary>
    [Conv2d(8, 1), Sigmoid]
    public partial Conv2d Expand { get; }

    /// <summary>[B, 8, 6, 6]: Conv1's planes, each times its channel's weight.</summary>
    [Multiply(nameof(Conv1))]
    public partial Residual Excite { get; }

    /// <summary>[B, 8, 3, 3].</summary>
    [MaxPool2d(2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 8, 1, 1].</summary>
    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Squeeze2 { get; }

    [Flatten]
    public partial Flatten Flat { get; }

    [Linear(4), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>[B, 8], flat.</summary>
    [Linear(8), Sigmoid]
    public partial Linear Fc2 { get; }

    /// <summary>[B, 8, 3, 3]: Pool's planes times the flat gate (the image is the second factor).</summary>
    [Multiply(nameof(Pool))]
    public partial Residual Excite2 { get; }

    /// <summary>[B, 8, 3, 3], in (0, 1).</summary>
    [Conv2d(8, 1), Sigmoid]
    public partial Conv2d Gate { get; }

    /// <summary>[B, 8, 3, 3]: elementwise.</summary>
    [Multiply(nameof(Excite2))]
    public partial Residual Gated { get; }

    [Flatten]
    public partial Flatten Flat2 { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// MobileNetV3's bottleneck: a 1 × 1 expansion and a depthwise 3 × 3 convolution with batch norms and Hardswish, a
/// squeeze-and-excitation block gated by Hardsigmoid (<see cref="MultiplyAttribute"/>), a 1 × 1 projection with a batch
/// norm, and the block's input added back. The same <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 3, Height = 8, Width = 8)]
public sealed partial class MobileNetV3Cnn
{
    [Conv2d(8, 3, Padding = 1, Bias = false)]
    public partial Conv2d Stem { get; }

    [BatchNorm2d, Hardswish]
    public partial BatchNorm2d StemBn { get; }

    [Conv2d(16, 1, Bias = false)]
    public partial Conv2d Expand { get; }

    [BatchNorm2d, Hardswish]
    public partial BatchNorm2d ExpandBn { get; }

    [Conv2d(16, 3, Padding = 1, Groups = 16, Bias = false)]
    public partial Conv2d Depthwise { get; }

    [BatchNorm2d, Hardswish]
    public partial BatchNorm2d DepthwiseBn { get; }

    /// <summary>[B, 16, 1, 1].</summary>
    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Squeeze { get; }

    [Conv2d(4, 1), ReLU]
    public partial Conv2d Reduce { get; }

    /// <summary>[B, 16, 1, 1], each channel's weight in [0, 1].</summary>
    [Conv2d(16, 1), Hardsigmoid]
    public partial Conv2d Excite { get; }

    /// <summary>[B, 16, 8, 8]: DepthwiseBn's planes times their weights.</summary>
    [Multiply(nameof(DepthwiseBn))]
    public partial Residual Scale { get; }

    [Conv2d(8, 1, Bias = false)]
    public partial Conv2d Project { get; }

    [BatchNorm2d]
    public partial BatchNorm2d ProjectBn { get; }

    [Add(nameof(StemBn))]
    public partial Residual Block { get; }

    [AdaptiveAvgPool2d(1)]
    public partial AdaptiveAvgPool2d Pool { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(4)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Spatial attention gates (CBAM's): a one-channel sigmoid map <c>[B, 1, H, W]</c> times every channel of an image
/// (<see cref="MultiplyAttribute"/>), once with the map as the previous output and once with the image. The same
/// <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 3, Height = 6, Width = 6)]
public sealed partial class SpatialGateCnn
{
    [Conv2d(6, 3, Padding = 1), ReLU]
    public partial Conv2d Conv1 { get; }

    /// <summary>[B, 1, 6, 6], each pixel's weight in (0, 1).</summary>
    [Conv2d(1, 3, Padding = 1), Sigmoid]
    public partial Conv2d Attention { get; }

    /// <summary>[B, 6, 6, 6]: every channel of Conv1 times the map.</summary>
    [Multiply(nameof(Conv1))]
    public partial Residual Gated { get; }

    [MaxPool2d(2)]
    public partial MaxPool2d Pool { get; }

    /// <summary>[B, 1, 3, 3].</summary>
    [Conv2d(1, 1), Sigmoid]
    public partial Conv2d Map2 { get; }

    /// <summary>[B, 4, 3, 3] of Pool's output.</summary>
    [From(nameof(Pool)), Conv2d(4, 1), ReLU]
    public partial Conv2d Feat { get; }

    /// <summary>[B, 4, 3, 3]: the image first, the map second.</summary>
    [Multiply(nameof(Map2))]
    public partial Residual Gated2 { get; }

    [Flatten]
    public partial Flatten Flat { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Bilinear resizing to a side of 1 (PyTorch reads the middle of the input there, <c>in / 2 - 0.5</c>), for the ONNX
/// export: <c>pytorch_half_pixel</c> coordinates would read input 0.
/// </summary>
[Model(Channels = 2, Height = 7, Width = 4)]
public sealed partial class SideOfOneUpsampleNet
{
    /// <summary>[B, 2, 1, 2].</summary>
    [Upsample(SizeHeight = 1, SizeWidth = 2, Mode = UpsampleMode.Bilinear)]
    public partial Upsample Squash { get; }

    [Flatten]
    public partial Flatten Flatten { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// A decoder's way back to images (<see cref="UnflattenAttribute"/>): a linear layer's features read as a 1 x 4 x 8 image,
/// upsampled by a transposed convolution and convolved again; the linear layer's output is also read by a later
/// <see cref="ConcatAttribute"/>, so the unflattening copies it. The same <c>state_dict</c> names as scripts/golden_cnn.py's twin.
/// </summary>
[Model(Channels = 2, Height = 5, Width = 6)]
public sealed partial class DecoderCnn
{
    [Flatten]
    public partial Flatten Flat { get; }

    /// <summary>[B, 32].</summary>
    [Linear(32), ReLU]
    public partial Linear Fc1 { get; }

    /// <summary>[B, 1, 4, 8]: Fc1's features as an image.</summary>
    [Unflatten(1, 4, 8)]
    public partial Unflatten Grid { get; }

    /// <summary>[B, 3, 8, 16].</summary>
    [ConvTranspose2d(3, 3, Stride = 2, Padding = 1, OutputPadding = 1), Tanh]
    public partial ConvTranspose2d Up { get; }

    /// <summary>[B, 4, 3, 7].</summary>
    [Conv2d(4, 3, Stride = 2), ReLU]
    public partial Conv2d Down { get; }

    [Flatten]
    public partial Flatten Flat2 { get; }

    /// <summary>[B, 116]: Down's 84 features, then Fc1's 32.</summary>
    [Concat(nameof(Fc1))]
    public partial Residual Joined { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy(Reduction = Reduction.Sum)]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}

/// <summary>
/// Ceil-mode pools whose kernel is longer than the padded input by less than the stride, so each has one window along
/// that axis, as in PyTorch (the kernels are held to PyTorch's values in ConvGoldenTests; ONNX Runtime runs the export).
/// </summary>
[Model(Channels = 2, Height = 5, Width = 3)]
public sealed partial class CeilPastTheInputCnn
{
    /// <summary>[B, 2, 2, 1].</summary>
    [AvgPool2d(4, CeilMode = true, CountIncludePad = false)]
    public partial AvgPool2d Pool { get; }

    /// <summary>[B, 2, 1, 1].</summary>
    [MaxPool2d(2, CeilMode = true)]
    public partial MaxPool2d Pool2 { get; }

    [Flatten]
    public partial Flatten Flat { get; }

    [Linear(3)]
    public partial Linear Head { get; }

    [SoftmaxCrossEntropy]
    public partial SoftmaxCrossEntropyLoss Loss { get; }
}
