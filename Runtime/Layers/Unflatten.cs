using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>The member type of an <see cref="UnflattenAttribute"/> layer: <c>[B, C·H·W]</c> read as <c>[B, C, H, W]</c>.</summary>
public sealed class Unflatten
{
    /// <summary>Creates the layer; called by generated code.</summary>
    /// <param name="channels">Channels of the image; positive.</param>
    /// <param name="height">Height of the image; positive.</param>
    /// <param name="width">Width of the image; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Unflatten(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels of the image.</summary>
    public int Channels { get; }

    /// <summary>Height of the image.</summary>
    public int Height { get; }

    /// <summary>Width of the image.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"Unflatten(dim=1, unflattened_size=({Channels}, {Height}, {Width}))");
}
