using System;

namespace StaticGrad;

/// <summary>
/// Declares a 2-d convolution over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.Conv2d(in_channels, out_channels,
/// kernel_size, stride, padding, dilation, groups, bias)</c>. The input channels are the previous layer's (or the model's
/// <see cref="ModelAttribute.Channels"/>); the output is <c>[B, OutChannels, H', W']</c> with
/// <c>H' = (H + 2·PaddingHeight - DilationHeight·(KernelHeight - 1) - 1) / StrideHeight + 1</c> and <c>W'</c> alike. The
/// weight is stored as <c>[out_channels, in_channels/groups, kernel_height, kernel_width]</c>, PyTorch's layout, and weight
/// and bias start in <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> with <c>fan_in = in_channels/groups · kernel_height ·
/// kernel_width</c>, as PyTorch's defaults. The member's type is <see cref="Conv2d"/>.
/// <para>
/// PyTorch's tuples are per-axis properties (<see cref="ConvolutionAttribute"/>): <c>nn.Conv2d(c, 16, (1, 7),
/// stride=(2, 1), padding=(0, 3))</c> is <c>[Conv2d(16, 1, 7, StrideHeight = 2, PaddingWidth = 3)]</c>. PyTorch's
/// <c>padding='same'</c> is <see cref="SamePadding"/>, its <c>padding_mode</c> <see cref="PaddingMode"/>.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Conv2dAttribute : ConvolutionAttribute
{
    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>.</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of the groups.</param>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    public Conv2dAttribute(int outChannels, int kernelSize)
        : base(outChannels, kernelSize, kernelSize)
    {
    }

    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters of <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of the groups.</param>
    /// <param name="kernelHeight">The kernel's height; positive.</param>
    /// <param name="kernelWidth">The kernel's width; positive.</param>
    public Conv2dAttribute(int outChannels, int kernelHeight, int kernelWidth)
        : base(outChannels, kernelHeight, kernelWidth)
    {
    }

    /// <summary>
    /// PyTorch's <c>padding='same'</c> (false by default): the padding that keeps the input's height and width,
    /// <c>Dilation·(kernel - 1)</c> rows and columns in all, half on each side; an odd total (an even kernel) puts the odd
    /// one at the end (bottom, right), as PyTorch does. Needs stride 1, as in PyTorch; not together with a padding.
    /// </summary>
    public bool SamePadding { get; set; }

    /// <summary>
    /// PyTorch's <c>padding_mode</c>: what the padding holds, <see cref="PaddingMode.Zeros"/> by default. With
    /// <see cref="PaddingMode.Reflect"/>, <see cref="PaddingMode.Replicate"/> or <see cref="PaddingMode.Circular"/> the input
    /// is padded that way (as <c>F.pad</c>, the padding on both sides, with <see cref="SamePadding"/> its odd row and column at
    /// the end) and convolved without padding, as PyTorch does; reflection needs the padding below the input's size along
    /// each axis, circular padding at most the size (SG0033 otherwise).
    /// </summary>
    public PaddingMode PaddingMode { get; set; }
}
