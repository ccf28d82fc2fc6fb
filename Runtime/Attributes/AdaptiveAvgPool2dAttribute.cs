using System;

namespace StaticGrad;

/// <summary>
/// Declares adaptive average pooling of an image <c>[B, C, H, W]</c> to <c>[B, C, OutputHeight, OutputWidth]</c>,
/// PyTorch's <c>nn.AdaptiveAvgPool2d(output_size)</c>: <c>[AdaptiveAvgPool2d(7)]</c> for <c>output_size=7</c>,
/// <c>[AdaptiveAvgPool2d(7, 5)]</c> for <c>output_size=(7, 5)</c>. <c>AdaptiveAvgPool2d(1)</c> (or <c>(1, 1)</c>) is the
/// global average pool of a classifier head. Any input size works, as in PyTorch: output row <c>i</c> averages input rows
/// <c>[⌊i·H/OutputHeight⌋, ⌈(i+1)·H/OutputHeight⌉)</c> (columns likewise), so the windows are equal when the sizes
/// divide and overlap by a row or column where they do not; an output larger than the input repeats inputs. The member's
/// type is <see cref="AdaptiveAvgPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AdaptiveAvgPool2dAttribute : Attribute
{
    /// <summary>Declares pooling to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    /// <param name="outputSize">The output's height and width; positive.</param>
    public AdaptiveAvgPool2dAttribute(int outputSize) => (OutputHeight, OutputWidth) = (outputSize, outputSize);

    /// <summary>Declares pooling to <paramref name="outputHeight"/> × <paramref name="outputWidth"/>.</summary>
    /// <param name="outputHeight">The output's height; positive.</param>
    /// <param name="outputWidth">The output's width; positive.</param>
    public AdaptiveAvgPool2dAttribute(int outputHeight, int outputWidth) => (OutputHeight, OutputWidth) = (outputHeight, outputWidth);

    /// <summary>The output's height and width when they are equal; 0 otherwise (see <see cref="OutputHeight"/>, <see cref="OutputWidth"/>).</summary>
    public int OutputSize => OutputHeight == OutputWidth ? OutputHeight : 0;

    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }
}
