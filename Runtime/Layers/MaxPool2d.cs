namespace StaticGrad;

/// <summary>The member type of a <see cref="MaxPool2dAttribute"/> layer: its window, each option along the height and the width.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">The step between windows.</param>
/// <param name="padding">The -∞ padding on each side.</param>
/// <param name="dilation">The spacing between window taps.</param>
/// <param name="ceilMode">Whether the output sizes round up (PyTorch's <c>ceil_mode</c>).</param>
public sealed class MaxPool2d(
    (int Height, int Width) kernelSize, (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) dilation, bool ceilMode = false)
{
    /// <summary>The window's height and width.</summary>
    public (int Height, int Width) KernelSize { get; } = kernelSize;

    /// <summary>The step between windows.</summary>
    public (int Height, int Width) Stride { get; } = stride;

    /// <summary>The -∞ padding on each side.</summary>
    public (int Height, int Width) Padding { get; } = padding;

    /// <summary>The spacing between window taps.</summary>
    public (int Height, int Width) Dilation { get; } = dilation;

    /// <summary>Whether the output sizes round up (PyTorch's <c>ceil_mode</c>, false by default).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>PyTorch's description, each option one number when both axes agree (<c>kernel_size=2</c>), else a tuple.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => $"MaxPool2d(kernel_size={WindowOption.Format(KernelSize)}, stride={WindowOption.Format(Stride)}, padding={WindowOption.Format(Padding)}, "
            + $"dilation={WindowOption.Format(Dilation)}, ceil_mode={(CeilMode ? "True" : "False")})";
}
