using System;

namespace StaticGrad;

/// <summary>
/// Declares 2-d average pooling over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.AvgPool2d(kernel_size, stride,
/// padding, ceil_mode, count_include_pad)</c>. By default (PyTorch's
/// <c>count_include_pad=True</c>) every window divides by <c>kernel²</c>, padding included; with
/// <see cref="CountIncludePad"/> = false by the number of its positions inside the input. The member's type is
/// <see cref="AvgPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AvgPool2dAttribute : Attribute
{
    private int? _strideHeight, _strideWidth, _paddingHeight, _paddingWidth;

    /// <summary>Declares average pooling over <paramref name="kernelSize"/> × <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's height and width; positive.</param>
    public AvgPool2dAttribute(int kernelSize)
        : this(kernelSize, kernelSize)
    {
    }

    /// <summary>Declares average pooling over <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> windows (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="kernelHeight">The window's height; positive.</param>
    /// <param name="kernelWidth">The window's width; positive.</param>
    public AvgPool2dAttribute(int kernelHeight, int kernelWidth)
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

    /// <summary>Zero padding on each side of both axes (0 by default); at most half the window's size along the axis, as in PyTorch.</summary>
    public int Padding { get; set; }

    /// <summary>Zero rows above and below; <see cref="Padding"/> unless set; at most half the window's height.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>Zero columns left and right; <see cref="Padding"/> unless set; at most half the window's width.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }

    /// <summary>
    /// PyTorch's <c>count_include_pad</c>: whether the padding counts in a window's divisor (true, the default) or only the
    /// window's positions inside the input do (false). The same without padding.
    /// </summary>
    public bool CountIncludePad { get; set; } = true;

    /// <summary>
    /// PyTorch's <c>ceil_mode</c>: the output sizes round up instead of down (false by default), so a last window that runs
    /// past the padded input still gives an output; it divides, as PyTorch's does, by its part inside the padded input (or
    /// inside the input without <see cref="CountIncludePad"/>). A window must start inside the input or its leading padding.
    /// </summary>
    public bool CeilMode { get; set; }
}
