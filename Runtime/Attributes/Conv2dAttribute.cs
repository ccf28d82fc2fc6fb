using System;

namespace StaticGrad;

/// <summary>
/// Declares a 2-d convolution over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.Conv2d(in_channels, out_channels,
/// kernel_size, stride, padding, dilation, groups, bias)</c> with square kernels, strides, padding and dilation. The
/// input channels are the previous layer's (or the model's <see cref="ModelAttribute.Channels"/>); the output is
/// <c>[B, OutChannels, H', W']</c> with <c>H' = (H + 2·Padding - Dilation·(KernelSize - 1) - 1) / Stride + 1</c>. The
/// weight is stored as <c>[out_channels, in_channels/groups, kernel, kernel]</c>, PyTorch's layout, and weight and bias
/// start in <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> with <c>fan_in = in_channels/groups · kernel²</c>, as PyTorch's
/// defaults. The member's type is <see cref="Conv2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class Conv2dAttribute : Attribute
{
    private int? _strideHeight, _strideWidth, _paddingHeight, _paddingWidth, _dilationHeight, _dilationWidth;

    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>.</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of <see cref="Groups"/>.</param>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    public Conv2dAttribute(int outChannels, int kernelSize)
        : this(outChannels, kernelSize, kernelSize)
    {
    }

    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters of <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of <see cref="Groups"/>.</param>
    /// <param name="kernelHeight">The kernel's height; positive.</param>
    /// <param name="kernelWidth">The kernel's width; positive.</param>
    public Conv2dAttribute(int outChannels, int kernelHeight, int kernelWidth)
    {
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>The output channels.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's height.</summary>
    public int KernelHeight { get; }

    /// <summary>The kernel's width.</summary>
    public int KernelWidth { get; }

    /// <summary>The step between windows along both axes (1 by default, as in PyTorch); positive.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>The step between windows along the height; <see cref="Stride"/> unless set.</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The step between windows along the width; <see cref="Stride"/> unless set.</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>Zero padding on each side of both axes (0 by default); zero or more.</summary>
    public int Padding { get; set; }

    /// <summary>Zero rows above and below; <see cref="Padding"/> unless set.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>Zero columns left and right; <see cref="Padding"/> unless set.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }

    /// <summary>
    /// PyTorch's <c>padding='same'</c> (false by default): the padding that keeps the input's height and width,
    /// <c>Dilation·(kernel - 1)</c> rows and columns in all, half on each side; an odd total (an even kernel) puts the odd
    /// one at the end (bottom, right), as PyTorch does. Needs stride 1, as in PyTorch; not together with a padding.
    /// </summary>
    public bool SamePadding { get; set; }

    /// <summary>The spacing between kernel taps along both axes (1 by default); positive.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>The spacing between kernel taps along the height; <see cref="Dilation"/> unless set.</summary>
    public int DilationHeight { get => _dilationHeight ?? Dilation; set => _dilationHeight = value; }

    /// <summary>The spacing between kernel taps along the width; <see cref="Dilation"/> unless set.</summary>
    public int DilationWidth { get => _dilationWidth ?? Dilation; set => _dilationWidth = value; }

    /// <summary>The channel groups (1 by default); both channel counts must be multiples of it.</summary>
    public int Groups { get; set; } = 1;

    /// <summary>Whether the layer has a bias (the default, as in PyTorch).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The layer's <c>state_dict</c> name, instead of the member's name in snake_case: <c>Name = "0"</c> gives
    /// <c>0.weight</c> and <c>0.bias</c>, so an <c>nn.Sequential</c> state_dict loads as is; a dotted path such as
    /// <c>"features.0"</c> matches a nested module. Segments of letters, digits, <c>_</c> and <c>-</c>, separated by
    /// single dots; unique in the model (diagnostic SG0035 otherwise). Null (the default) keeps the member's name.
    /// </summary>
    public string? Name { get; set; }
}
