using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Neighbouring input positions' taps for a tile of input channels, as the input-gradient kernels that vectorize over
/// samples (<see cref="Conv2dInputGradientBySamples"/>, <see cref="Conv2dInputGradientBySamplesAvx2"/>) sum them: where
/// the operands are and where the sums go.
/// </summary>
internal readonly unsafe struct SampleTapTile(
    float* gradients, float* weights, int* gradientOffsets, int* weightOffsets, int taps, int outChannels, int channels, float* sum, nint sumPlane)
{
    /// <summary>The block's output gradient, <c>[output row][column with margins][output channel][sample lanes]</c>.</summary>
    public readonly float* Gradients = gradients;

    /// <summary>The repacked weights (<see cref="Conv2dInputGradientBySamples.PackWeights"/>) from the tile's first input channel on.</summary>
    public readonly float* Weights = weights;

    /// <summary>Per tap, the offset in <see cref="Gradients"/> of the output position it reads for the first position.</summary>
    public readonly int* GradientOffsets = gradientOffsets;

    /// <summary>Per tap, the offset of its weights in <see cref="Weights"/>.</summary>
    public readonly int* WeightOffsets = weightOffsets;

    /// <summary>The taps.</summary>
    public readonly int Taps = taps;

    /// <summary>The output channels (each chain's length).</summary>
    public readonly int OutChannels = outChannels;

    /// <summary>The input channels (a weight row's length).</summary>
    public readonly int Channels = channels;

    /// <summary>The tile's first input channel's sum at the first position.</summary>
    public readonly float* Sum = sum;

    /// <summary>Floats between two input channels' sums.</summary>
    public readonly nint SumPlane = sumPlane;

    /// <summary>
    /// The taps that reach any of the <paramref name="positions"/> input positions from <c>(y, x)</c> on (tap <c>(i, j)</c>
    /// reaches input <c>(y, x)</c> from output <c>(y + ph - i, x + pw - j)</c> where that exists), in order, with their
    /// offsets for the first position: in the output gradient of <paramref name="lanes"/> samples side by side whose rows
    /// have <paramref name="margin"/> zero columns each side, and in the repacked weights. Returns how many there are.
    /// </summary>
    public static int Reaching(in Conv2dGeometry g, int y, int x, int positions, int margin, int lanes, int* gradientOffsets, int* weightOffsets)
    {
        // Locals, not g's fields: the stores through the int pointers below could alias g, so the JIT reloads the fields
        // on every tap (perf on LeNet's conv2 input gradient, Zen 2, one thread: 6.4% of its samples here, 4.8% now).
        int kernelWidth = g.KernelWidth, rowPositions = g.OutWidth + (2 * margin);
        int gradientStep = g.OutChannels * lanes, weightStep = g.OutChannels * g.Channels;
        int firstI = Math.Max(0, y + g.PaddingHeight - g.OutHeight + 1), endI = Math.Min(g.KernelHeight, y + g.PaddingHeight + 1);
        int firstJ = Math.Max(0, x + g.PaddingWidth - g.OutWidth + 1), endJ = Math.Min(kernelWidth, x + positions - 1 + g.PaddingWidth + 1);
        int rowStart = margin + x + g.PaddingWidth;
        int taps = 0;
        for (int i = firstI; i < endI; i++)
        {
            int row = ((y + g.PaddingHeight - i) * rowPositions) + rowStart;
            for (int j = firstJ; j < endJ; j++, taps++)
            {
                gradientOffsets[taps] = (row - j) * gradientStep;
                weightOffsets[taps] = ((i * kernelWidth) + j) * weightStep;
            }
        }

        return taps;
    }
}
