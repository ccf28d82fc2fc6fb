using System;

namespace StaticGrad;

/// <summary>
/// Declares adaptive average pooling of an image <c>[B, C, H, W]</c> to <c>[B, C, OutputSize, OutputSize]</c>,
/// PyTorch's <c>nn.AdaptiveAvgPool2d(output_size)</c>. <c>AdaptiveAvgPool2d(1)</c> is the global average pool of a
/// classifier head. Any input size works, as in PyTorch: output row <c>i</c> averages input rows
/// <c>[⌊i·H/OutputSize⌋, ⌈(i+1)·H/OutputSize⌉)</c> (columns likewise), so the windows are equal when the sizes divide
/// and overlap by a row or column where they do not; an output larger than the input repeats inputs. The member's type
/// is <see cref="AdaptiveAvgPool2d"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class AdaptiveAvgPool2dAttribute : Attribute
{
    /// <summary>Declares pooling to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    /// <param name="outputSize">The output's height and width; positive.</param>
    public AdaptiveAvgPool2dAttribute(int outputSize) => OutputSize = outputSize;

    /// <summary>The output's height and width.</summary>
    public int OutputSize { get; }
}
