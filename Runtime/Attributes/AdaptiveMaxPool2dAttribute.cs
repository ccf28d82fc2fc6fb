using System;

namespace StaticGrad;

/// <summary>
/// Declares adaptive max pooling of an image <c>[B, C, H, W]</c> to <c>[B, C, OutputHeight, OutputWidth]</c>, PyTorch's
/// <c>nn.AdaptiveMaxPool2d(output_size)</c>: <c>[AdaptiveMaxPool2d(1)]</c> is the global max pool, <c>[AdaptiveMaxPool2d(7, 5)]</c>
/// is <c>output_size=(7, 5)</c>. Any input size works, with the windows of <see cref="AdaptiveAvgPool2dAttribute"/>; the
/// position of each maximum is kept for the backward pass. The member's type is <see cref="AdaptiveMaxPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AdaptiveMaxPool2dAttribute : Attribute
{
    /// <summary>Declares pooling to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    /// <param name="outputSize">The output's height and width; positive.</param>
    public AdaptiveMaxPool2dAttribute(int outputSize) => (OutputHeight, OutputWidth) = (outputSize, outputSize);

    /// <summary>Declares pooling to <paramref name="outputHeight"/> × <paramref name="outputWidth"/>.</summary>
    /// <param name="outputHeight">The output's height; positive.</param>
    /// <param name="outputWidth">The output's width; positive.</param>
    public AdaptiveMaxPool2dAttribute(int outputHeight, int outputWidth) => (OutputHeight, OutputWidth) = (outputHeight, outputWidth);

    /// <summary>The output's height and width when they are equal; 0 otherwise (see <see cref="OutputHeight"/>, <see cref="OutputWidth"/>).</summary>
    public int OutputSize => OutputHeight == OutputWidth ? OutputHeight : 0;

    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }
}
