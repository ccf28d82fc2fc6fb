using System;

namespace StaticGrad;

/// <summary>
/// Declares 2-d max pooling over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.MaxPool2d(kernel_size, stride,
/// padding, dilation, ceil_mode)</c>: each output is the maximum of its window (padding counts as -∞), and the
/// backward pass sends the gradient to the position of that maximum (the first one in scan order on ties; a NaN wins).
/// The member's type is <see cref="MaxPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MaxPool2dAttribute : PoolAttribute
{
    private int? _dilationHeight, _dilationWidth;

    /// <summary>Declares max pooling over <paramref name="kernelSize"/> × <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's height and width; positive.</param>
    public MaxPool2dAttribute(int kernelSize)
        : base(kernelSize, kernelSize)
    {
    }

    /// <summary>Declares max pooling over <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> windows (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="kernelHeight">The window's height; positive.</param>
    /// <param name="kernelWidth">The window's width; positive.</param>
    public MaxPool2dAttribute(int kernelHeight, int kernelWidth)
        : base(kernelHeight, kernelWidth)
    {
    }

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
