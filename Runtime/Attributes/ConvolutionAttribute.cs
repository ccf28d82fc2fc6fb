using System;

namespace StaticGrad;

/// <summary>
/// What the convolution attributes (<see cref="Conv2dAttribute"/>, <see cref="ConvTranspose2dAttribute"/>) share: output
/// channels, a kernel of its own height and width, and PyTorch's window options, each for both axes or (its <c>…Height</c>
/// and <c>…Width</c> properties, which override it along their axis) per axis, as PyTorch's tuples:
/// <c>stride=(2, 1)</c> is <c>StrideHeight = 2</c>.
/// </summary>
public abstract class ConvolutionAttribute : Attribute
{
    private int? _strideHeight, _strideWidth, _paddingHeight, _paddingWidth, _dilationHeight, _dilationWidth;

    /// <summary>Sets the output channels and the kernel.</summary>
    /// <param name="outChannels">The output channels; positive, a multiple of <see cref="Groups"/>.</param>
    /// <param name="kernelHeight">The kernel's height; positive.</param>
    /// <param name="kernelWidth">The kernel's width; positive.</param>
    private protected ConvolutionAttribute(int outChannels, int kernelHeight, int kernelWidth)
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

    /// <summary>The stride along both axes (1 by default, as in PyTorch); positive.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>The stride along the height; <see cref="Stride"/> unless set.</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The stride along the width; <see cref="Stride"/> unless set.</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>PyTorch's <c>padding</c> on each side of both axes (0 by default); zero or more.</summary>
    public int Padding { get; set; }

    /// <summary>The padding above and below; <see cref="Padding"/> unless set.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>The padding left and right; <see cref="Padding"/> unless set.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }

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
