namespace StaticGrad;

/// <summary>The member type of an <see cref="AvgPool2dAttribute"/> layer: its window.</summary>
/// <param name="kernelSize">The window's height and width.</param>
/// <param name="stride">The step between windows.</param>
/// <param name="padding">The zero padding on each side.</param>
public sealed class AvgPool2d(int kernelSize, int stride, int padding)
{
    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>The step between windows.</summary>
    public int Stride { get; } = stride;

    /// <summary>The zero padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc/>
    public override string ToString() => $"AvgPool2d(kernel_size={KernelSize}, stride={Stride}, padding={Padding})";
}
