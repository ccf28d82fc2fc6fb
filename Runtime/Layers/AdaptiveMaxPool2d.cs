namespace StaticGrad;

/// <summary>The member type of an <see cref="AdaptiveMaxPool2dAttribute"/> layer: its output size.</summary>
public sealed class AdaptiveMaxPool2d
{
    /// <summary>A pool to <paramref name="outputHeight"/> × <paramref name="outputWidth"/>; called by generated code.</summary>
    /// <param name="outputHeight">The output's height.</param>
    /// <param name="outputWidth">The output's width.</param>
    public AdaptiveMaxPool2d(int outputHeight, int outputWidth) => (OutputHeight, OutputWidth) = (outputHeight, outputWidth);

    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }

    /// <summary>PyTorch's description, <c>AdaptiveMaxPool2d(output_size=1)</c> or <c>AdaptiveMaxPool2d(output_size=(7, 5))</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => OutputHeight == OutputWidth
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"AdaptiveMaxPool2d(output_size={OutputHeight})")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"AdaptiveMaxPool2d(output_size=({OutputHeight}, {OutputWidth}))");
}
