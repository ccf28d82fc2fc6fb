using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="StaticGrad.Kernels.ReflectionPad2d"/>, <see cref="StaticGrad.Kernels.ReplicationPad2d"/> and
/// <see cref="StaticGrad.Kernels.CircularPad2d"/> against a scalar
/// transcription of PyTorch 1.13's CPU frames (<c>reflection_pad2d_out_frame</c> / <c>replication_pad2d_out_frame</c> and
/// their backward frames: each output position's source index from the padding and the <c>o_start</c>/<c>i_start</c>
/// offsets, gradients added in output scan order) and of autograd's way back through <c>_pad_circular</c>'s copies, bit
/// for bit: padding and cropping on every side, amounts up to one
/// below the input's size, rows shorter and longer than a vector, one to three threads; bad arguments and allocation.
/// ConvGoldenTests compares both with PyTorch itself.
/// </summary>
public sealed class EdgePad2dTests
{
    [Theory]
    [InlineData(PaddingMode.Reflect, 2, 3, 4, 5, 1, 1, 1, 1)]
    [InlineData(PaddingMode.Reflect, 1, 2, 5, 3, 0, 2, 4, 0)]
    [InlineData(PaddingMode.Reflect, 3, 1, 6, 7, -1, 2, 1, -2)]
    [InlineData(PaddingMode.Reflect, 2, 2, 3, 37, 36, 0, 0, 2)]
    [InlineData(PaddingMode.Reflect, 1, 4, 9, 20, -3, -4, -2, -6)]
    [InlineData(PaddingMode.Reflect, 1, 1, 4, 4, 2, -3, 3, 3)]
    [InlineData(PaddingMode.Reflect, 2, 1, 1, 1, 0, 0, 0, 0)]
    [InlineData(PaddingMode.Replicate, 2, 3, 4, 5, 1, 1, 1, 1)]
    [InlineData(PaddingMode.Replicate, 1, 2, 5, 3, 0, 7, 4, 0)]
    [InlineData(PaddingMode.Replicate, 3, 1, 6, 7, -1, 2, 1, -2)]
    [InlineData(PaddingMode.Replicate, 2, 2, 3, 37, 40, 0, 0, 9)]
    [InlineData(PaddingMode.Replicate, 2, 1, 1, 1, 17, 3, 2, 2)]
    [InlineData(PaddingMode.Replicate, 1, 2, 4, 4, -3, 5, 0, -2)]
    [InlineData(PaddingMode.Circular, 2, 3, 4, 5, 1, 1, 1, 1)]
    [InlineData(PaddingMode.Circular, 1, 2, 5, 3, 0, 3, 5, 0)]
    [InlineData(PaddingMode.Circular, 2, 2, 3, 37, 37, 5, 0, 3)]
    [InlineData(PaddingMode.Circular, 2, 1, 1, 1, 1, 1, 0, 1)]
    public void MatchesPyTorchsFrames_ForwardAndBackward_OnOneTwoAndThreeThreads(
        PaddingMode mode, int batch, int channels, int height, int width, int left, int right, int top, int bottom)
    {
        int outHeight = top + height + bottom, outWidth = left + width + right, planes = batch * channels;
        float[] x = KernelReference.Random(planes * height * width, seed: 17);
        float[] dy = KernelReference.Random(planes * outHeight * outWidth, seed: 18);
        float[] expectedY = new float[dy.Length], expectedDx = new float[x.Length];
        if (mode == PaddingMode.Circular)
        {
            expectedDx = CircularAutogradGradient(dy, planes, height, width, left, right, top, bottom);
        }

        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < outHeight; r++)
            {
                for (int c = 0; c < outWidth; c++)
                {
                    int sr = FrameSource(r, top, height, mode), sc = FrameSource(c, left, width, mode);
                    int from = (((p * height) + sr) * width) + sc, to = (((p * outHeight) + r) * outWidth) + c;
                    expectedY[to] = x[from];
                    if (mode != PaddingMode.Circular)
                    {
                        expectedDx[from] += dy[to];
                    }
                }
            }
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            // NaN-filled outputs: every value must be written.
            float[] y = new float[dy.Length], dx = new float[x.Length];
            Array.Fill(y, float.NaN);
            Array.Fill(dx, float.NaN);
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                switch (mode)
                {
                    case PaddingMode.Reflect:
                        Kernels.ReflectionPad2d.Forward(x, y, batch, channels, height, width, left, right, top, bottom);
                        Kernels.ReflectionPad2d.Backward(dy, dx, batch, channels, height, width, left, right, top, bottom);
                        break;
                    case PaddingMode.Replicate:
                        Kernels.ReplicationPad2d.Forward(x, y, batch, channels, height, width, left, right, top, bottom);
                        Kernels.ReplicationPad2d.Backward(dy, dx, batch, channels, height, width, left, right, top, bottom);
                        break;
                    default:
                        Kernels.CircularPad2d.Forward(x, y, batch, channels, height, width, left, right, top, bottom);
                        Kernels.CircularPad2d.Backward(dy, dx, batch, channels, height, width, left, right, top, bottom);
                        break;
                }
            }

            GemmShapeTests.AssertSameBits(expectedY, y, $"forward, {threads} threads");
            GemmShapeTests.AssertSameBits(expectedDx, dx, $"backward, {threads} threads");
        }
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 3 * 4 * 5], y = new float[2 * 3 * 5 * 7], dx = new float[x.Length];
        Kernels.ReflectionPad2d.Forward(x, y, 2, 3, 4, 5, 1, 1, 0, 1);
        Kernels.ReplicationPad2d.Forward(x, y, 2, 3, 4, 5, 1, 1, 0, 1);
        Assert.Throws<ArgumentException>("input", () => Kernels.ReflectionPad2d.Forward(x.AsSpan(1), y, 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.ReplicationPad2d.Forward(x, y.AsSpan(1), 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.ReflectionPad2d.Backward(y.AsSpan(1), dx, 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.ReplicationPad2d.Backward(y, dx.AsSpan(1), 2, 3, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentException>("output", () => Kernels.ReflectionPad2d.Forward(y.AsSpan(0, x.Length), y, 2, 3, 4, 5, 1, 1, 0, 1));

        // Reflection takes at most size - 1 on a side; replication any amount.
        float[] wide = new float[2 * 3 * 4 * 10];
        Assert.Throws<ArgumentOutOfRangeException>("left", () => Kernels.ReflectionPad2d.Forward(x, wide, 2, 3, 4, 5, 5, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("right", () => Kernels.ReflectionPad2d.Backward(wide, dx, 2, 3, 4, 5, 0, 5, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("top", () => Kernels.ReflectionPad2d.Forward(x, wide, 2, 3, 4, 5, 0, 0, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>("bottom", () => Kernels.ReflectionPad2d.Forward(x, wide, 2, 3, 4, 5, 0, 0, 0, 4));
        Kernels.ReplicationPad2d.Forward(x, wide, 2, 3, 4, 5, 5, 0, 0, 0);
        Kernels.CircularPad2d.Forward(x, wide, 2, 3, 4, 5, 5, 0, 0, 0);

        // Circular padding wraps around at most once and takes no negative amounts.
        float[] wider = new float[2 * 3 * 4 * 11];
        Assert.Throws<ArgumentOutOfRangeException>("left", () => Kernels.CircularPad2d.Forward(x, wider, 2, 3, 4, 5, 6, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("bottom", () => Kernels.CircularPad2d.Backward(wide, dx, 2, 3, 4, 5, 5, 0, 1, -1));
        Assert.Throws<ArgumentOutOfRangeException>("top", () => Kernels.CircularPad2d.Forward(x, new float[2 * 3 * 9 * 5], 2, 3, 4, 5, 0, 0, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>("left", () => Kernels.ReplicationPad2d.Forward(x, y, 2, 3, 4, 5, -3, -2, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("top", () => Kernels.ReflectionPad2d.Forward(x, y, 2, 3, 4, 5, 1, 1, -4, 0));
        Assert.Throws<ArgumentOutOfRangeException>("width", () => Kernels.ReflectionPad2d.Forward(x, y, 2, 3, 4, 0, 0, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("channels", () => Kernels.ReplicationPad2d.Forward(x, y, 2, 0, 4, 5, 1, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => Kernels.ReflectionPad2d.Backward(y, dx, -1, 3, 4, 5, 1, 1, 0, 1));

        const int Batch = 16, Channels = 6, Size = 28;
        float[] big = KernelReference.Random(Batch * Channels * Size * Size, seed: 3), padded = new float[Batch * Channels * 31 * 31], back = new float[big.Length];
        AllocationAssert.None("ReflectionPad2d.Forward", () => Kernels.ReflectionPad2d.Forward(big, padded, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        AllocationAssert.None("ReplicationPad2d.Backward", () => Kernels.ReplicationPad2d.Backward(padded, back, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("ReflectionPad2d.Backward, 2 threads", () => Kernels.ReflectionPad2d.Backward(padded, back, Batch, Channels, Size, Size, 1, 2, 2, 1), calls: 20);
        }
    }

    /// <summary>
    /// The gradient autograd gives through PyTorch 1.13's <c>_pad_circular</c>, which copies the input into the padded
    /// output's middle, then, along the width and then the height, the last columns (rows) to the left (top) padding and
    /// the first to the right (bottom): backward, each copy in reverse order adds its destination's gradient to its source
    /// and clears it, and the input's gradient is what the middle holds at the end.
    /// </summary>
    private static float[] CircularAutogradGradient(float[] dy, int planes, int height, int width, int left, int right, int top, int bottom)
    {
        int outHeight = top + height + bottom, outWidth = left + width + right;
        float[] dx = new float[planes * height * width];
        for (int p = 0; p < planes; p++)
        {
            float[,] g = new float[outHeight, outWidth];
            for (int r = 0; r < outHeight; r++)
            {
                for (int c = 0; c < outWidth; c++)
                {
                    g[r, c] = dy[(((p * outHeight) + r) * outWidth) + c];
                }
            }

            // Forward copies: (is a row copy, destination start, source start, count), in order.
            var copies = new (bool Rows, int To, int From, int Count)[]
            {
                (false, 0, outWidth - left - right, left), (false, outWidth - right, left, right),
                (true, 0, outHeight - top - bottom, top), (true, outHeight - bottom, top, bottom),
            };
            for (int k = copies.Length - 1; k >= 0; k--)
            {
                (bool rows, int to, int from, int count) = copies[k];
                for (int i = 0; i < count; i++)
                {
                    for (int j = 0; j < (rows ? outWidth : outHeight); j++)
                    {
                        (int tr, int tc, int fr, int fc) = rows ? (to + i, j, from + i, j) : (j, to + i, j, from + i);
                        g[fr, fc] += g[tr, tc];
                        g[tr, tc] = 0;
                    }
                }
            }

            for (int r = 0; r < height; r++)
            {
                for (int c = 0; c < width; c++)
                {
                    dx[(((p * height) + r) * width) + c] = g[top + r, left + c];
                }
            }
        }

        return dx;
    }

    /// <summary>
    /// PyTorch 1.13's source index along one axis (<c>ip_x</c> of the CPU frames; for circular padding, the index
    /// <c>F.pad</c>'s slices take, the last <c>padBefore</c> values first), for an output position <paramref name="j"/>.
    /// </summary>
    private static int FrameSource(int j, int padBefore, int size, PaddingMode mode)
    {
        if (mode == PaddingMode.Circular)
        {
            return j < padBefore ? size - padBefore + j : j < size + padBefore ? j - padBefore : j - padBefore - size;
        }

        bool reflect = mode == PaddingMode.Reflect;
        int inputStart = Math.Max(0, -padBefore), outputStart = Math.Max(0, padBefore);
        int index;
        if (reflect)
        {
            index = j < padBefore ? (padBefore * 2) - j : j < size + padBefore ? j : ((size + padBefore - 1) * 2) - j;
        }
        else
        {
            index = j < padBefore ? padBefore : j < size + padBefore ? j : size + padBefore - 1;
        }

        return index - outputStart + inputStart;
    }
}
