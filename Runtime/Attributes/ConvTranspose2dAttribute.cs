using System;

namespace StaticGrad;

/// <summary>
/// Declares a transposed 2-d convolution over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.ConvTranspose2d(in_channels,
/// out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation)</c> (the decoder's upsampling
/// layer): the output is <c>[B, OutChannels, H', W']</c> with <c>H' = (H - 1)·StrideHeight - 2·PaddingHeight +
/// DilationHeight·(KernelHeight - 1) + OutputPaddingHeight + 1</c> and <c>W'</c> alike. The weight is stored as
/// <c>[in_channels, out_channels/groups, kernel_height, kernel_width]</c>, PyTorch's layout, and weight and bias start in
/// <c>U(-1/sqrt(fan_in), 1/sqrt(fan_in))</c> with PyTorch's <c>fan_in = out_channels/groups · kernel_height ·
/// kernel_width</c> (its weight's second dimension); PyTorch's <c>padding</c> takes rows and columns off the full output.
/// Per-axis options as <see cref="ConvolutionAttribute"/>'s. The member's type is <see cref="ConvTranspose2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ConvTranspose2dAttribute : ConvolutionAttribute
{
    private int? _outputPaddingHeight, _outputPaddingWidth;

    /// <summary>Declares a transposed convolution with <paramref name="outChannels"/> output channels and a <paramref name="kernelSize"/> × <paramref name="kernelSize"/> kernel.</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of the groups.</param>
    /// <param name="kernelSize">The kernel's height and width; positive.</param>
    public ConvTranspose2dAttribute(int outChannels, int kernelSize)
        : base(outChannels, kernelSize, kernelSize)
    {
    }

    /// <summary>Declares a transposed convolution with a <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> kernel (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of the groups.</param>
    /// <param name="kernelHeight">The kernel's height; positive.</param>
    /// <param name="kernelWidth">The kernel's width; positive.</param>
    public ConvTranspose2dAttribute(int outChannels, int kernelHeight, int kernelWidth)
        : base(outChannels, kernelHeight, kernelWidth)
    {
    }

    /// <summary>Rows and columns added below and right of the output (0 by default), PyTorch's <c>output_padding</c>; below the stride.</summary>
    public int OutputPadding { get; set; }

    /// <summary>Rows added below; <see cref="OutputPadding"/> unless set; below the vertical stride.</summary>
    public int OutputPaddingHeight { get => _outputPaddingHeight ?? OutputPadding; set => _outputPaddingHeight = value; }

    /// <summary>Columns added right; <see cref="OutputPadding"/> unless set; below the horizontal stride.</summary>
    public int OutputPaddingWidth { get => _outputPaddingWidth ?? OutputPadding; set => _outputPaddingWidth = value; }
}
