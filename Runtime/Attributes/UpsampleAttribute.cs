using System;

namespace StaticGrad;

/// <summary>
/// Declares nearest-neighbour upsampling of an image <c>[B, C, H, W]</c> by whole factors, PyTorch's
/// <c>nn.Upsample(scale_factor=s, mode='nearest')</c> (<c>nn.UpsamplingNearest2d</c>): the output is
/// <c>[B, C, H · ScaleFactorHeight, W · ScaleFactorWidth]</c>, every input pixel repeated over its block. Other modes
/// (bilinear) and fractional factors are not supported. The member's type is <see cref="Upsample"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class UpsampleAttribute : Attribute
{
    private int? _scaleFactorHeight, _scaleFactorWidth;

    /// <summary>The factor along both axes (2 by default); positive.</summary>
    public int ScaleFactor { get; set; } = 2;

    /// <summary>The factor along the height; <see cref="ScaleFactor"/> unless set.</summary>
    public int ScaleFactorHeight { get => _scaleFactorHeight ?? ScaleFactor; set => _scaleFactorHeight = value; }

    /// <summary>The factor along the width; <see cref="ScaleFactor"/> unless set.</summary>
    public int ScaleFactorWidth { get => _scaleFactorWidth ?? ScaleFactor; set => _scaleFactorWidth = value; }
}
