namespace StaticGrad;

/// <summary>The member type of an <see cref="AdaptiveAvgPool2dAttribute"/> layer: its output size.</summary>
/// <param name="outputSize">The output's height and width.</param>
public sealed class AdaptiveAvgPool2d(int outputSize)
{
    /// <summary>The output's height and width.</summary>
    public int OutputSize { get; } = outputSize;

    /// <inheritdoc/>
    public override string ToString() => $"AdaptiveAvgPool2d(output_size={OutputSize})";
}
