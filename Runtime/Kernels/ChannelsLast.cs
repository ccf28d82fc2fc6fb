namespace StaticGrad.Kernels;

/// <summary>
/// Copies one sample between its channel planes <c>[channels, height, width]</c> and a padded channels-last plane
/// <c>[height + 2·paddingHeight, width + 2·paddingWidth, channels]</c>, the layout of the sparse convolution paths, where a
/// kernel row's window is consecutive floats. Position by position: AVX2 masked gathers and AVX-512 16 × 16 transposes
/// of 16 positions took as long or longer on LeNet's conv2 (2026-12-07, Zen 4).
/// </summary>
internal static unsafe class ChannelsLast
{
    /// <summary>Writes the inner positions of <paramref name="plane"/> from <paramref name="x"/>; the padding is left as it is.</summary>
    public static void FromPlanes(float* x, float* plane, int channels, int height, int width, int paddingHeight, int paddingWidth)
    {
        nint rowStep = (nint)(width + (2 * paddingWidth)) * channels, planeStep = (nint)height * width;
        float* origin = plane + (paddingHeight * rowStep) + ((nint)paddingWidth * channels);
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
    public static void ToPlanes(float* plane, float* x, int channels, int height, int width, int paddingHeight, int paddingWidth)
    {
        nint rowStep = (nint)(width + (2 * paddingWidth)) * channels, planeStep = (nint)height * width;
        float* origin = plane + (paddingHeight * rowStep) + ((nint)paddingWidth * channels);
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
