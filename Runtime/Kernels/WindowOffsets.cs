using System.Runtime.Intrinsics;

namespace StaticGrad.Kernels;

/// <summary>
/// The offsets of eight output positions' windows in a convolution's copied input plane (what
/// <see cref="Conv2dWeightGradientSparse.Windows"/> tabulates: <c>row · strideHeight · paddedWidth + column ·
/// strideWidth</c> for the flat position <c>row · outWidth + column</c>), computed in the lanes. Looking them up in
/// that table took an AVX2 gather per eight windows, which cost a tenth of <see cref="Conv2dWeightGradientRouted"/>'s
/// time on LeNet's conv1 (2026-12-07, Zen 4: 145 µs a call with the gathers, 131 µs computed, one thread).
/// </summary>
/// <remarks>
/// The row is <c>(position + 0.5) · (1 / outWidth)</c> truncated: the exact quotient lies at least <c>0.5 / outWidth</c>
/// from an integer, and in float32 its error stays below <c>(position + 1) · 2⁻²² / outWidth</c>, so the truncation is
/// exact for positions below 2²¹ (<see cref="MaxPositions"/>, with room to spare).
/// </remarks>
internal readonly struct WindowOffsets
{
    /// <summary>Output planes of at most this many positions take <see cref="Of"/>; the float row is exact below 2²¹.</summary>
    public const int MaxPositions = 1 << 20;

    private readonly Vector256<float> _inverseWidth, _half;
    private readonly Vector256<int> _width, _rowStep, _columnStep;

    /// <summary>The offsets of <paramref name="g"/>'s windows in its copied plane, rows <see cref="Conv2dWeightGradientSparse.PaddedWidth"/> apart.</summary>
    public WindowOffsets(in Conv2dGeometry g)
    {
        _inverseWidth = Vector256.Create(1f / g.OutWidth);
        _half = Vector256.Create(0.5f / g.OutWidth);
        _width = Vector256.Create(g.OutWidth);
        _rowStep = Vector256.Create(g.StrideHeight * Conv2dWeightGradientSparse.PaddedWidth(g));
        _columnStep = Vector256.Create(g.StrideWidth);
    }

    /// <summary>Whether <paramref name="g"/>'s output plane is small enough for <see cref="Of"/>.</summary>
    public static bool Fits(in Conv2dGeometry g) => g.OutputPlane <= MaxPositions;

    /// <summary>The windows' offsets of eight flat output positions, each in <c>[0, <see cref="MaxPositions"/>)</c>.</summary>
    public Vector256<int> Of(Vector256<int> positions)
    {
        Vector256<int> row = Vector256.ConvertToInt32((Vector256.ConvertToSingle(positions) * _inverseWidth) + _half);
        Vector256<int> column = positions - (row * _width);
        return (row * _rowStep) + (column * _columnStep);
    }
}
