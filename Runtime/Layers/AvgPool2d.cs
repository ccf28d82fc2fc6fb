namespace StaticGrad;

/// <summary>The member type of an <see cref="AvgPool2dAttribute"/> layer: its window.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">The step between windows.</param>
/// <param name="padding">The zero padding on each side.</param>
/// <param name="countIncludePad">Whether the padding counts in a window's divisor (PyTorch's <c>count_include_pad</c>).</param>
public sealed class AvgPool2d(int kernelSize, int stride, int padding, bool countIncludePad = true)
{
    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>The step between windows.</summary>
    public int Stride { get; } = stride;

    /// <summary>The zero padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <summary>Whether the padding counts in a window's divisor (PyTorch's <c>count_include_pad</c>, true by default).</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc/>
    public override string ToString()
        => $"AvgPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding}{(CountIncludePad ? string.Empty : ", count_include_pad=False")})";
}
