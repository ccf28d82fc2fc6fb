namespace StaticGrad;

/// <summary>The member type of an <see cref="AvgPool2dAttribute"/> layer: its window, each option along the height and the width.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">The step between windows.</param>
/// <param name="padding">The zero padding on each side.</param>
/// <param name="countIncludePad">Whether the padding counts in a window's divisor (PyTorch's <c>count_include_pad</c>).</param>
/// <param name="ceilMode">Whether the output sizes round up (PyTorch's <c>ceil_mode</c>).</param>
public sealed class AvgPool2d(
    (int Height, int Width) kernelSize, (int Height, int Width) stride, (int Height, int Width) padding, bool countIncludePad = true, bool ceilMode = false)
{
    /// <summary>The window's height and width.</summary>
    public (int Height, int Width) KernelSize { get; } = kernelSize;

    /// <summary>The step between windows.</summary>
    public (int Height, int Width) Stride { get; } = stride;

    /// <summary>The zero padding on each side.</summary>
    public (int Height, int Width) Padding { get; } = padding;

    /// <summary>Whether the padding counts in a window's divisor (PyTorch's <c>count_include_pad</c>, true by default).</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <summary>Whether the output sizes round up (PyTorch's <c>ceil_mode</c>, false by default).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>PyTorch's description, each option one number when both axes agree (<c>kernel_size=2</c>), else a tuple.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => $"AvgPool2d(kernel_size={WindowOption.Format(KernelSize)}, stride={WindowOption.Format(Stride)}, padding={WindowOption.Format(Padding)}"
            + $"{(CeilMode ? ", ceil_mode=True" : string.Empty)}{(CountIncludePad ? string.Empty : ", count_include_pad=False")})";
}
