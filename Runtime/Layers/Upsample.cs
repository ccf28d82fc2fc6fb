using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>The member type of an <see cref="UpsampleAttribute"/> layer: its factors and mode.</summary>
public sealed class Upsample
{
    /// <summary>Creates the layer; called by generated code.</summary>
    /// <param name="scaleFactor">The vertical and horizontal factors.</param>
    /// <param name="mode">How the new pixels are filled.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c> (bilinear mode only).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a member of the enum.</exception>
    /// <exception cref="ArgumentException"><paramref name="alignCorners"/> is set in nearest mode.</exception>
    public Upsample((int Height, int Width) scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Nearest or Bilinear.");
        }

        if (alignCorners && mode != UpsampleMode.Bilinear)
        {
            throw new ArgumentException("Expected alignCorners only with bilinear mode (PyTorch: align_corners can only be set with the interpolating modes).", nameof(alignCorners));
        }

        ScaleFactor = scaleFactor;
        Mode = mode;
        AlignCorners = alignCorners;
    }

    /// <summary>The vertical and horizontal factors.</summary>
    public (int Height, int Width) ScaleFactor { get; }

    /// <summary>How the new pixels are filled.</summary>
    public UpsampleMode Mode { get; }

    /// <summary>PyTorch's <c>align_corners</c>.</summary>
    public bool AlignCorners { get; }

    /// <summary>PyTorch 1.13's description, <c>Upsample(scale_factor=2.0, mode=nearest)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string mode = Mode.ToString().ToLowerInvariant();
        return ScaleFactor.Height == ScaleFactor.Width
            ? string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor={ScaleFactor.Height}.0, mode={mode})")
            : string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor=({ScaleFactor.Height}.0, {ScaleFactor.Width}.0), mode={mode})");
    }
}
