using System;

namespace StaticGrad.Kernels;

/// <summary>
/// One k block of a register tile of the forward kernels that vectorize over samples (<see cref="Conv2dForwardBySamples"/>,
/// <see cref="Conv2dForwardBySamplesAvx2"/>): where its operands are and where its outputs go.
/// </summary>
internal readonly unsafe struct SampleChainTile(
    float* input, nint position, float* weights, int outChannels, int* offsets, int steps, float* sum, nint sumPlane, bool first)
{
    /// <summary>The first position's input, <c>[row][column][channel][sample lanes]</c> from its first tap on.</summary>
    public readonly float* Input = input;

    /// <summary>Floats between two neighbouring positions' inputs.</summary>
    public readonly nint Position = position;

    /// <summary>The repacked weights (<see cref="Conv2dForwardBySamples.PackWeights"/>) of the block's first step and the tile's first channel.</summary>
    public readonly float* Weights = weights;

    /// <summary>The output channels (floats between two steps' weights).</summary>
    public readonly int OutChannels = outChannels;

    /// <summary>The block's steps' input offsets.</summary>
    public readonly int* Offsets = offsets;

    /// <summary>The block's steps.</summary>
    public readonly int Steps = steps;

    /// <summary>The tile's first channel's output at the first position.</summary>
    public readonly float* Sum = sum;

    /// <summary>Floats between two output channels' outputs.</summary>
    public readonly nint SumPlane = sumPlane;

    /// <summary>Whether this is the first k block (its chains are stored, later blocks' added).</summary>
    public readonly bool First = first;

    /// <summary>
    /// Where each step of the reduction (input channel, kernel row, kernel column) reads, from the input position of an
    /// output's first tap, in the zero-padded input of <paramref name="lanes"/> samples side by side.
    /// </summary>
    public static void StepOffsets(in Conv2dGeometry g, int lanes, int* offsets)
    {
        int taps = g.KernelHeight * g.KernelWidth, rowPositions = g.Width + (2 * g.PaddingWidth);
        nint position = (nint)g.Channels * lanes;
        for (int c = 0, k = 0; c < g.Channels; c++)
        {
            for (int t = 0; t < taps; t++, k++)
            {
                (int i, int j) = Math.DivRem(t, g.KernelWidth);
                offsets[k] = (int)((((nint)i * rowPositions) + j) * position) + (c * lanes);
            }
        }
    }
}
