using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Copies one sample of a convolution's input between its channel planes <c>[channels, height, width]</c> and a padded channels-last plane
/// <c>[height + 2·paddingHeight, width + 2·paddingWidth, channels]</c>, the layout of the sparse convolution paths, where a
/// kernel row's window is consecutive floats. Position by position: AVX2 masked gathers and AVX-512 16 × 16 transposes
/// of 16 positions took as long or longer on LeNet's conv2 (2026-12-07, Zen 4).
/// </summary>
internal static unsafe class ChannelsLast
{
    /// <summary>Floats of a convolution input's padded channels-last plane.</summary>
    public static long PlaneFloats(in Conv2dGeometry g) => (long)(g.Height + (2 * g.PaddingHeight)) * RowStep(g);

    /// <summary>Floats of one of its rows: <c>(width + 2·paddingWidth) · channels</c>.</summary>
    public static int RowStep(in Conv2dGeometry g) => (g.Width + (2 * g.PaddingWidth)) * g.Channels;

    /// <summary>Writes the inner positions of <paramref name="plane"/> from <paramref name="x"/>; the padding is left as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromPlanes(float* x, float* plane, in Conv2dGeometry g)
    {
        int channels = g.Channels, height = g.Height, width = g.Width;
        nint rowStep = RowStep(g), planeStep = (nint)height * width;
        float* origin = plane + (g.PaddingHeight * rowStep) + ((nint)g.PaddingWidth * channels);
        for (int y = 0; y < height; y++)
        {
            for (int v = 0; v < width; v++)
            {
                float* source = x + ((nint)y * width) + v;
                float* target = origin + (y * rowStep) + ((nint)v * channels);
                for (int c = 0; c < channels; c++)
                {
                    target[c] = source[c * planeStep];
                }
            }
        }
    }

    /// <summary>Writes <paramref name="x"/> from the inner positions of <paramref name="plane"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToPlanes(float* plane, float* x, in Conv2dGeometry g)
    {
        int channels = g.Channels, height = g.Height, width = g.Width;
        nint rowStep = RowStep(g), planeStep = (nint)height * width;
        float* origin = plane + (g.PaddingHeight * rowStep) + ((nint)g.PaddingWidth * channels);
        for (int y = 0; y < height; y++)
        {
            for (int v = 0; v < width; v++)
            {
                float* source = origin + (y * rowStep) + ((nint)v * channels);
                float* target = x + ((nint)y * width) + v;
                for (int c = 0; c < channels; c++)
                {
                    target[c * planeStep] = source[c];
                }
            }
        }
    }
}
