using System;

namespace StaticGrad;

/// <summary>
/// Declares 2-d max pooling over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.MaxPool2d(kernel_size, stride,
/// padding, dilation, ceil_mode)</c> with square windows: each output is the maximum of its window (padding counts as -∞), and the
/// backward pass sends the gradient to the position of that maximum (the first one in scan order on ties; a NaN wins).
/// The member's type is <see cref="MaxPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class MaxPool2dAttribute : Attribute
{
    /// <summary>Declares max pooling over <paramref name="kernelSize"/> × <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's height and width; positive.</param>
    public MaxPool2dAttribute(int kernelSize) => KernelSize = kernelSize;

    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows; 0 (the default) means the kernel size, PyTorch's <c>stride=None</c>.</summary>
    public int Stride { get; set; }

    /// <summary>-∞ padding on each side (0 by default); at most half the kernel size, as in PyTorch.</summary>
    public int Padding { get; set; }

    /// <summary>The spacing between window taps (1 by default); positive.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>
    /// PyTorch's <c>ceil_mode</c>: the output sizes round up instead of down (false by default), so a last window that runs
    /// past the padded input still gives an output, the maximum of what it covers (a window must start inside the input
    /// or its leading padding, as in PyTorch).
    /// </summary>
    public bool CeilMode { get; set; }
}
