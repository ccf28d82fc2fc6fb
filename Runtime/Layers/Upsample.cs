using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>
/// The member type of an <see cref="UpsampleAttribute"/> layer: its factors (PyTorch's <c>scale_factor</c>) or its output
/// size (<c>size</c>), and its mode.
/// </summary>
public sealed class Upsample
{
    /// <summary>Creates the layer that upsamples by whole factors; called by generated code.</summary>
    /// <param name="scaleFactor">The vertical and horizontal factors; positive.</param>
    /// <param name="mode">How the new pixels are filled.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c> (bilinear mode only).</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is not positive, or <paramref name="mode"/> is not a member of the enum.</exception>
    /// <exception cref="ArgumentException"><paramref name="alignCorners"/> is set in nearest mode.</exception>
    public Upsample((int Height, int Width) scaleFactor, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
        : this(Positive(scaleFactor, nameof(scaleFactor)), null, mode, alignCorners)
    {
    }

    private Upsample((int Height, int Width)? scaleFactor, (int Height, int Width)? size, UpsampleMode mode, bool alignCorners)
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
        Size = size;
        Mode = mode;
        AlignCorners = alignCorners;
    }

    /// <summary>The vertical and horizontal factors, or null for a layer with an output <see cref="Size"/>.</summary>
    public (int Height, int Width)? ScaleFactor { get; }

    /// <summary>The output height and width (PyTorch's <c>size</c>), or null for a layer with a <see cref="ScaleFactor"/>.</summary>
    public (int Height, int Width)? Size { get; }

    /// <summary>How the new pixels are filled.</summary>
    public UpsampleMode Mode { get; }

    /// <summary>PyTorch's <c>align_corners</c>.</summary>
    public bool AlignCorners { get; }

    /// <summary>Creates the layer that resizes to an output size (PyTorch's <c>size=(oh, ow)</c>); called by generated code.</summary>
    /// <param name="size">The output height and width; positive.</param>
    /// <param name="mode">How the new pixels are filled.</param>
    /// <param name="alignCorners">PyTorch's <c>align_corners</c> (bilinear mode only).</param>
    /// <returns>The layer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="mode"/> is not a member of the enum.</exception>
    /// <exception cref="ArgumentException"><paramref name="alignCorners"/> is set in nearest mode.</exception>
    public static Upsample ToSize((int Height, int Width) size, UpsampleMode mode = UpsampleMode.Nearest, bool alignCorners = false)
        => new(null, Positive(size, nameof(size)), mode, alignCorners);

    /// <summary>
    /// PyTorch 1.13's description, <c>Upsample(scale_factor=2.0, mode=nearest)</c> or <c>Upsample(size=(7, 9), mode=bilinear)</c>.
    /// </summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string mode = Mode.ToString().ToLowerInvariant();
        if (Size is { } size)
        {
            return size.Height == size.Width
                ? string.Create(CultureInfo.InvariantCulture, $"Upsample(size={size.Height}, mode={mode})")
                : string.Create(CultureInfo.InvariantCulture, $"Upsample(size=({size.Height}, {size.Width}), mode={mode})");
        }

        (int height, int width) = ScaleFactor!.Value;
        return height == width
            ? string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor={height}.0, mode={mode})")
            : string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor=({height}.0, {width}.0), mode={mode})");
    }

    private static (int Height, int Width) Positive((int Height, int Width) value, string name)
    {
        if (value.Height <= 0 || value.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Expected a positive height and width.");
        }

        return value;
    }
}
