using System;

namespace StaticGrad;

/// <summary>
/// Declares 2-d average pooling over an image <c>[B, C, H, W]</c>, PyTorch's <c>nn.AvgPool2d(kernel_size, stride,
/// padding, ceil_mode, count_include_pad)</c>. By default (PyTorch's
/// <c>count_include_pad=True</c>) every window divides by <c>KernelHeight · KernelWidth</c>, padding included; with
/// <see cref="CountIncludePad"/> = false by the number of its positions inside the input. The member's type is
/// <see cref="AvgPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AvgPool2dAttribute : PoolAttribute
{
    /// <summary>Declares average pooling over <paramref name="kernelSize"/> × <paramref name="kernelSize"/> windows.</summary>
    /// <param name="kernelSize">The window's height and width; positive.</param>
    public AvgPool2dAttribute(int kernelSize)
        : base(kernelSize, kernelSize)
    {
    }

    /// <summary>Declares average pooling over <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/> windows (PyTorch's <c>kernel_size=(h, w)</c>).</summary>
    /// <param name="kernelHeight">The window's height; positive.</param>
    /// <param name="kernelWidth">The window's width; positive.</param>
    public AvgPool2dAttribute(int kernelHeight, int kernelWidth)
        : base(kernelHeight, kernelWidth)
    {
    }

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
