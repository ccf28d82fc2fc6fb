namespace StaticGrad;

/// <summary>The member type of a <see cref="MaxPool2dAttribute"/> layer: its window.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">The step between windows.</param>
/// <param name="padding">The -∞ padding on each side.</param>
/// <param name="dilation">The spacing between window taps.</param>
/// <param name="ceilMode">Whether the output sizes round up (PyTorch's <c>ceil_mode</c>).</param>
public sealed class MaxPool2d(int kernelSize, int stride, int padding, int dilation, bool ceilMode = false)
{
    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>The step between windows.</summary>
    public int Stride { get; } = stride;

    /// <summary>The -∞ padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <summary>The spacing between window taps.</summary>
    public int Dilation { get; } = dilation;

    /// <summary>Whether the output sizes round up (PyTorch's <c>ceil_mode</c>, false by default).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override string ToString() => $"MaxPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={(CeilMode ? "True" : "False")})";
}
