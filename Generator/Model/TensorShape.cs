using System.Globalization;

namespace StaticGrad.Generator.Model;

/// <summary>
/// The shape of one sample of a tensor: flat features <c>[F]</c>, or an image <c>[C, H, W]</c> stored channel-major
/// (NCHW with the batch first), so an image's flat features are its <c>C·H·W</c> values in that order.
/// </summary>
/// <param name="Channels">The features of a flat tensor, or an image's channels.</param>
/// <param name="Height">An image's height; 1 for a flat tensor.</param>
/// <param name="Width">An image's width; 1 for a flat tensor.</param>
/// <param name="IsImage">Whether the tensor is an image.</param>
internal readonly record struct TensorShape(int Channels, int Height, int Width, bool IsImage)
{
    /// <summary>The most values one buffer (a parameter set, a tensor of one sample) holds: the longest .NET <c>float[]</c> (<c>Array.MaxLength</c>).</summary>
    public const long MaxBufferFloats = 0x7FFFFFC7;

    /// <summary><c>[B, features]</c>.</summary>
    public static TensorShape Flat(int features) => new(features, 1, 1, false);

    /// <summary><c>[B, channels, height, width]</c>.</summary>
    public static TensorShape Image(int channels, int height, int width) => new(channels, height, width, true);

    /// <summary>
    /// Values per sample, counted in 64 bits and saturated at <see cref="long.MaxValue"/> (shape inference compares it
    /// with the size limit first; three dimensions of up to 2^31 each can exceed 2^63, which must not wrap to a small or
    /// negative count: an <c>[AdaptiveAvgPool2d(2000000000)]</c>'s output).
    /// </summary>
    public long Elements
    {
        get
        {
            long plane = (long)Height * Width;
            return Channels > 0 && plane > long.MaxValue / Channels ? long.MaxValue : Channels * plane;
        }
    }

    /// <summary>Values per sample; the parser has checked that it fits an <see cref="int"/>.</summary>
    public int Features => (int)Elements;

    /// <summary>Values per channel of an image (<c>H·W</c>).</summary>
    public int Plane => Height * Width;

    /// <summary><c>[B, 784]</c> or <c>[B, 6, 28, 28]</c>, as the generated comments print shapes.</summary>
    public override string ToString() => IsImage
        ? string.Format(CultureInfo.InvariantCulture, "[B, {0}, {1}, {2}]", Channels, Height, Width)
        : string.Format(CultureInfo.InvariantCulture, "[B, {0}]", Channels);
}
