using System;

namespace StaticGrad;

/// <summary>
/// Declares 2-d max pooling over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.MaxPool2d(kernel_size, stride,
/// padding, dilation, ceil_mode)</c>: each output is the maximum of its window (padding counts as -∞), and the
/// backward pass sends the gradient to the position of that maximum (the first one in scan order on ties; a NaN wins).
/// The member's type is <see cref="MaxPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MaxPool2dAttribute : Attribute
{
    private int? _strideHeight, _strideWidth, _paddingHeight, _paddingWidth, _dilationHeight, _dilationWidth;

    /// <summary>Declares max pooling over <paramref name="kernelSize"/> × <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's height and width; positive.</param>
    public MaxPool2dAttribute(int kernelSize)
        : this(kernelSize, kernelSize)
    {
    }

    /// <summary>Declares max pooling over <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> windows (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="kernelHeight">The window's height; positive.</param>
    /// <param name="kernelWidth">The window's width; positive.</param>
    public MaxPool2dAttribute(int kernelHeight, int kernelWidth)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>The window's height.</summary>
    public int KernelHeight { get; }

    /// <summary>The window's width.</summary>
    public int KernelWidth { get; }

    /// <summary>The step between windows along both axes; 0 (the default) means the window's size, PyTorch's <c>stride=None</c>.</summary>
    public int Stride { get; set; }

    /// <summary>The step between windows along the height; <see cref="Stride"/> unless set (0: the window's height).</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The step between windows along the width; <see cref="Stride"/> unless set (0: the window's width).</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>-∞ padding on each side of both axes (0 by default); at most half the window's size along the axis, as in PyTorch.</summary>
    public int Padding { get; set; }

    /// <summary>-∞ rows above and below; <see cref="Padding"/> unless set; at most half the window's height.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>-∞ columns left and right; <see cref="Padding"/> unless set; at most half the window's width.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }

    /// <summary>The spacing between window taps along both axes (1 by default); positive.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>The spacing between window taps along the height; <see cref="Dilation"/> unless set.</summary>
    public int DilationHeight { get => _dilationHeight ?? Dilation; set => _dilationHeight = value; }

    /// <summary>The spacing between window taps along the width; <see cref="Dilation"/> unless set.</summary>
    public int DilationWidth { get => _dilationWidth ?? Dilation; set => _dilationWidth = value; }

    /// <summary>
    /// PyTorch's <c>ceil_mode</c>: the output sizes round up instead of down (false by default), so a last window that runs
    /// past the padded input still gives an output, the maximum of what it covers (a window must start inside the input
    /// or its leading padding, as in PyTorch).
    /// </summary>
    public bool CeilMode { get; set; }
}
