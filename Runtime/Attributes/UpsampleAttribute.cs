using System;

namespace StaticGrad;

/// <summary>
/// Declares upsampling of an image <c>[B, C, H, W]</c> by whole factors, PyTorch's <c>nn.Upsample(scale_factor=s,
/// mode='nearest')</c> (<c>nn.UpsamplingNearest2d</c>) or, with <see cref="Mode"/> = <see cref="UpsampleMode.Bilinear"/>,
/// <c>mode='bilinear'</c> (and <see cref="AlignCorners"/>, PyTorch's <c>align_corners</c>): the output is
/// <c>[B, C, H · ScaleFactorHeight, W · ScaleFactorWidth]</c>, every input pixel repeated over its block, or each output
/// pixel the weighted mean of the four input pixels around its source position. <see cref="Size"/> (or
/// <see cref="SizeHeight"/> and <see cref="SizeWidth"/>) asks for an output size instead, PyTorch's <c>size=(oh, ow)</c>,
/// which need not be a multiple of the input's (nor larger). Fractional factors (give the size instead) and the other modes
/// (bicubic, area) are not supported. The member's type is <see cref="Upsample"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class UpsampleAttribute : Attribute
{
    private int? _scaleFactorHeight, _scaleFactorWidth, _sizeHeight, _sizeWidth;

    /// <summary>The factor along both axes (2 by default); positive.</summary>
    public int ScaleFactor { get; set; } = 2;

    /// <summary>The factor along the height; <see cref="ScaleFactor"/> unless set.</summary>
    public int ScaleFactorHeight { get => _scaleFactorHeight ?? ScaleFactor; set => _scaleFactorHeight = value; }

    /// <summary>The factor along the width; <see cref="ScaleFactor"/> unless set.</summary>
    public int ScaleFactorWidth { get => _scaleFactorWidth ?? ScaleFactor; set => _scaleFactorWidth = value; }

    /// <summary>
    /// The output's height and width, PyTorch's <c>size=n</c>; positive. 0 (the default) upsamples by the factors instead;
    /// PyTorch takes either a size or a scale factor, so setting both is SG0027.
    /// </summary>
    public int Size { get; set; }

    /// <summary>The output's height; <see cref="Size"/> unless set (PyTorch's <c>size=(oh, ow)</c>).</summary>
    public int SizeHeight { get => _sizeHeight ?? Size; set => _sizeHeight = value; }

    /// <summary>The output's width; <see cref="Size"/> unless set.</summary>
    public int SizeWidth { get => _sizeWidth ?? Size; set => _sizeWidth = value; }

    /// <summary>How the new pixels are filled: <see cref="UpsampleMode.Nearest"/> (the default) or <see cref="UpsampleMode.Bilinear"/>.</summary>
    public UpsampleMode Mode { get; set; }

    /// <summary>
    /// PyTorch's <c>align_corners</c> (false by default), for <see cref="UpsampleMode.Bilinear"/> only (SG0027 otherwise, as
    /// PyTorch refuses it): output pixel <c>i</c> reads input position <c>i · (H - 1) / (H' - 1)</c>, so the corner pixels'
    /// centres line up, instead of <c>(i + 0.5) / s - 0.5</c>.
    /// </summary>
    public bool AlignCorners { get; set; }
}
