namespace StaticGrad;

/// <summary>The member type of an <see cref="AdaptiveAvgPool2dAttribute"/> layer: its output size.</summary>
public sealed class AdaptiveAvgPool2d
{
    /// <summary>A pool to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    /// <param name="outputSize">The output's height and width.</param>
    public AdaptiveAvgPool2d(int outputSize)
        : this(outputSize, outputSize)
    {
    }

    /// <summary>A pool to <paramref name="outputHeight"/> × <paramref name="outputWidth"/>.</summary>
    /// <param name="outputHeight">The output's height.</param>
    /// <param name="outputWidth">The output's width.</param>
    public AdaptiveAvgPool2d(int outputHeight, int outputWidth) => (OutputHeight, OutputWidth) = (outputHeight, outputWidth);

    /// <summary>The output's height and width when they are equal; 0 otherwise (see <see cref="OutputHeight"/>, <see cref="OutputWidth"/>).</summary>
    public int OutputSize => OutputHeight == OutputWidth ? OutputHeight : 0;

    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public override string ToString()
        => OutputHeight == OutputWidth ? $"AdaptiveAvgPool2d(output_size={OutputHeight})" : $"AdaptiveAvgPool2d(output_size=({OutputHeight}, {OutputWidth}))";
}
