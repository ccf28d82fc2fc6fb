using System.Globalization;

namespace StaticGrad;

/// <summary>The member type of an <see cref="UpsampleAttribute"/> layer: its factors.</summary>
/// <param name="scaleFactor">The vertical and horizontal factors.</param>
public sealed class Upsample((int Height, int Width) scaleFactor)
{
    /// <summary>The vertical and horizontal factors.</summary>
    public (int Height, int Width) ScaleFactor { get; } = scaleFactor;

    /// <summary>PyTorch's description, <c>Upsample(scale_factor=2.0, mode='nearest')</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => ScaleFactor.Height == ScaleFactor.Width
            ? string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor={ScaleFactor.Height}.0, mode='nearest')")
            : string.Create(CultureInfo.InvariantCulture, $"Upsample(scale_factor=({ScaleFactor.Height}.0, {ScaleFactor.Width}.0), mode='nearest')");
}
