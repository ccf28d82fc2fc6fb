using System;

namespace StaticGrad;

/// <summary>
/// Declares <c>nn.Unflatten(1, (channels, height, width))</c>: flat features <c>[B, C·H·W]</c> become an image
/// <c>[B, C, H, W]</c>, read in channel-major order, the inverse of <see cref="FlattenAttribute"/>; the input must hold
/// exactly <c>C·H·W</c> features (SG0033 otherwise). A decoder's way from a <see cref="LinearAttribute"/> layer to
/// convolutions (an autoencoder's or a GAN generator's <c>x.view(B, C, H, W)</c>). It costs nothing: the values stay where
/// they are. The member's type is <see cref="Unflatten"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class UnflattenAttribute : Attribute
{
    /// <summary>Declares the image shape the features are read as.</summary>
    /// <param name="channels">Channels of the image; positive.</param>
    /// <param name="height">Height of the image; positive.</param>
    /// <param name="width">Width of the image; positive.</param>
    public UnflattenAttribute(int channels, int height, int width)
    {
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
}
