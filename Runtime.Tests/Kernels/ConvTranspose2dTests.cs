using System;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.ConvTranspose2d"/> beyond ConvGoldenTests' PyTorch cases: the same bits for one, two and three threads
/// (it runs the convolution's kernels, whose splits never change a sum), its output size, and its argument checks.
/// </summary>
public sealed class ConvTranspose2dTests
{
    [Theory]
    [InlineData(6, 4, 5, 5, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1)]
    [InlineData(5, 6, 7, 4, 4, 2, 3, 1, 2, 0, 1, 0, 1, 2)]
    [InlineData(4, 2, 6, 6, 2, 4, 4, 2, 2, 1, 1, 1, 0, 1)]
    public void SameBitsForOneTwoAndThreeThreads(
        int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int paddingHeight, int paddingWidth, int outputPaddingHeight, int outputPaddingWidth, int groups)
    {
        (int oh, int ow) = Kernels.ConvTranspose2d.OutputSize(height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, 1, 1);
        float[] x = KernelReference.Random(batch * inChannels * height * width, seed: 1);
        float[] w = KernelReference.Random(inChannels * (outChannels / groups) * kernelHeight * kernelWidth, seed: 2);
        float[] b = KernelReference.Random(outChannels, seed: 3);
        float[] dy = KernelReference.Random(batch * outChannels * oh * ow, seed: 4);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(int threads)
        {
            float[] workspace = new float[Kernels.ConvTranspose2d.WorkspaceFloats(inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, 1, 1, groups, 3)];
            float[] y = new float[dy.Length], dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
            using (Partition.Override(threads, splitAlways: threads > 1))
            {
                Kernels.ConvTranspose2d.Forward(x, w, b, y, workspace, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, 1, 1, groups, Activation.Sigmoid);
                Kernels.ConvTranspose2d.BackwardData(dy, w, dx, workspace, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, 1, 1, groups);
                Kernels.ConvTranspose2d.BackwardWeight(dy, x, dw, db, workspace, batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight, paddingWidth, outputPaddingHeight, outputPaddingWidth, 1, 1, groups);
            }

            return (y, dx, dw, db);
        }

        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads);
            GemmShapeTests.AssertSameBits(one.Y, many.Y, $"forward, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Dx, many.Dx, $"input gradient, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Dw, many.Dw, $"weight gradient, {threads} threads");
            GemmShapeTests.AssertSameBits(one.Db, many.Db, $"bias gradient, {threads} threads");
        }
    }

    [Fact]
    public void OutputSize_IsPyTorchs_AndBadArgumentsAreNamed()
    {
        Assert.Equal((8, 9), Kernels.ConvTranspose2d.OutputSize(4, 5, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1));
        Assert.Equal((9, 17), Kernels.ConvTranspose2d.OutputSize(8, 8, 2, 3, 1, 2, 0, 0, 0, 0, 1, 1));
        Assert.Equal((10, 4), Kernels.ConvTranspose2d.OutputSize(4, 4, 3, 3, 1, 1, 0, 2, 0, 0, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>("outputPaddingHeight", () => Kernels.ConvTranspose2d.OutputSize(4, 4, 3, 3, 2, 2, 0, 0, 2, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("outputPaddingWidth", () => Kernels.ConvTranspose2d.OutputSize(4, 4, 3, 3, 1, 1, 0, 0, 0, 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("padding", () => Kernels.ConvTranspose2d.OutputSize(2, 2, 3, 3, 1, 1, 3, 0, 0, 0, 1, 1));
        float[] x = new float[2 * 4 * 4 * 4], w = new float[4 * 3 * 3 * 3], y = new float[2 * 3 * 8 * 8];
        float[] workspace = new float[Kernels.ConvTranspose2d.WorkspaceFloats(4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1)];
        Assert.Throws<ArgumentException>("bias", () => Kernels.ConvTranspose2d.Forward(x, w, new float[2], y, workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, Activation.None));
        Assert.Throws<ArgumentException>("output", () => Kernels.ConvTranspose2d.Forward(x, w, [], y.AsSpan(1), workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, Activation.None));
        Assert.Throws<ArgumentException>("input", () => Kernels.ConvTranspose2d.Forward(x.AsSpan(1), w, [], y, workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, Activation.None));
        Assert.Throws<ArgumentException>("weight", () => Kernels.ConvTranspose2d.BackwardData(y, w.AsSpan(1), x, workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>("outputGradient", () => Kernels.ConvTranspose2d.BackwardData(y.AsSpan(1), w, x, workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>("inputGradient", () => Kernels.ConvTranspose2d.BackwardData(y, w, x.AsSpan(1), workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>("groups", () => Kernels.ConvTranspose2d.BackwardWeight(y, x, w, [], workspace, 2, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2));
    }
}
