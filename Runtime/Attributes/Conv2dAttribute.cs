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
    /// <summary>Declares a convolution with <paramref name="outChannels"/> filters of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>.</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of <see cref="Groups"/>.</param>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    public Conv2dAttribute(int outChannels, int kernelSize)
    {
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    /// <summary>The output channels.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows (1 by default, as in PyTorch); positive.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zero padding on each side (0 by default); zero or more.</summary>
    public int Padding { get; set; }

    /// <summary>The spacing between kernel taps (1 by default); positive.</summary>
    public int Dilation { get; set; } = 1;

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
