using System;

namespace StaticGrad;

/// <summary>
/// Declares upsampling of an image <c>[B, C, H, W]</c> by whole factors, PyTorch's <c>nn.Upsample(scale_factor=s,
/// mode='nearest')</c> (<c>nn.UpsamplingNearest2d</c>) or, with <see cref="Mode"/> = <see cref="UpsampleMode.Bilinear"/>,
/// <c>mode='bilinear'</c> (and <see cref="AlignCorners"/>, PyTorch's <c>align_corners</c>): the output is
/// <c>[B, C, H · ScaleFactorHeight, W · ScaleFactorWidth]</c>, every input pixel repeated over its block, or each output
/// pixel the weighted mean of the four input pixels around its source position. Fractional factors and the other modes
/// (bicubic, area) are not supported. The member's type is <see cref="Upsample"/>.
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

    /// <summary>How the new pixels are filled: <see cref="UpsampleMode.Nearest"/> (the default) or <see cref="UpsampleMode.Bilinear"/>.</summary>
    public UpsampleMode Mode { get; set; }

    /// <summary>
    /// PyTorch's <c>align_corners</c> (false by default), for <see cref="UpsampleMode.Bilinear"/> only (SG0027 otherwise, as
    /// PyTorch refuses it): output pixel <c>i</c> reads input position <c>i · (H - 1) / (H' - 1)</c>, so the corner pixels'
    /// centres line up, instead of <c>(i + 0.5) / s - 0.5</c>.
    /// </summary>
    public bool AlignCorners { get; set; }
}
