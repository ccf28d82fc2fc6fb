using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dForwardBySamplesAvx2"/>, the forward path with 8 samples in the lanes of every 256-bit vector on
/// machines without 512-bit vectors: the same bits as im2col followed by the GEMM, the bias and ReLU
/// (<see cref="Conv2dDirectTests.Im2ColForward"/>), also for reductions of several GEMM k blocks, with an infinite weight
/// (its padding taps turn NaN as in the column matrix) and a NaN input, for full blocks, blocks of 1 to 8 samples called
/// directly and batches that end in samples left to the per-sample path; the same bits for 1, 2 and 3 threads; and the
/// shapes it takes. Run again under each instruction-set setting in CI, where
/// the forward pass takes this path or the others.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dForwardBySamplesAvx2Tests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // LeNet conv2, batch 64: eight blocks, rows of 10 as 5 pairs, channels as 6 + 5 + 5
        ConvShape.Square(17, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // two blocks and a last sample left to the per-sample path
        ConvShape.Square(15, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // a block and 7 samples left to the per-sample path
        ConvShape.Square(12, 3, 9, 11, 13, 3, 1, 2, 1, 1),          // odd sizes, padding 2, 13 channels: tiles of 5, 4 and 4; rows of 13
        ConvShape.Square(8, 32, 7, 7, 16, 3, 1, 1, 1, 1),           // reduction 288: two GEMM k blocks; rows of 7
        ConvShape.Square(8, 11, 6, 6, 4, 5, 1, 2, 1, 1),            // reduction 275: two k blocks (144 + 131) cut inside a kernel row
        new ConvShape(8, 3, 9, 12, 7, 3, 5, 1, 1, 2, 1, 1, 1, 1),   // rectangular kernel and padding
        ConvShape.Square(8, 2, 3, 3, 1, 3, 1, 0, 1, 1),             // one output position, one channel
        ConvShape.Square(8, 1, 20, 20, 6, 5, 1, 2, 1, 1),           // one input channel, rows of 20
        ConvShape.Square(8, 5, 4, 4, 3, 2, 1, 0, 1, 1),             // the smallest batch it takes; planes of 9 (a chunk spans two channels)
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfIm2ColAndGemm(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dForwardBySamplesAvx2.Fits(s.Geometry), s.ToString());
        Assert.Equal(
            GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512),
            Conv2dForwardBySamplesAvx2.Applies(s.Geometry, s.Batch, Activation.ReLU));
        float[] x = KernelReference.Random(s.InputLength, seed: 71), w = KernelReference.Random(s.WeightLength, seed: 72);
        float[] b = KernelReference.Random(s.Out, seed: 73);
        Conv2dForwardBySamplesTests.AssertIm2ColBits(s, x, w, b, "finite values");

        // An infinite weight turns its padding taps into NaN and a NaN input spreads: as in the column matrix.
        w[w.Length / 3] = float.NegativeInfinity;
        x[x.Length / 2] = float.NaN;
        Conv2dForwardBySamplesTests.AssertIm2ColBits(s, x, w, b, "an infinite weight and a NaN input");
    }

    /// <summary>A block of any 1 to 8 samples, called directly: the samples past it are neither read nor written.</summary>
    [Theory]
    [InlineData(0, 1, true)]
    [InlineData(0, 5, false)]
    [InlineData(0, 7, true)]
    [InlineData(0, 8, false)]
    [InlineData(3, 3, true)]
    [InlineData(9, 8, true)]
    [InlineData(9, 2, false)]
    public unsafe void BlockOfAnySize_GivesTheBitsOfIm2ColAndGemm(int shape, int samples, bool relu)
    {
        ConvShape s = AllShapes[shape] with { Batch = samples };
        if (!Conv2dForwardBySamplesAvx2.Applies(s.Geometry, Conv2dForwardBySamplesAvx2.MinSamples, Activation.ReLU))
        {
            return;
        }

        Conv2dGeometry g = s.Geometry;
        float[] x = KernelReference.Random(s.InputLength + g.InputSample, seed: 74), w = KernelReference.Random(s.WeightLength, seed: 75);
        float[] b = KernelReference.Random(s.Out, seed: 76);
        x.AsSpan(s.InputLength).Fill(float.NaN);
        float[] packed = new float[w.Length], slot = new float[Conv2dForwardBySamplesAvx2.SlotFloats(g)];
        slot.AsSpan().Fill(float.NaN);
        float[] y = Enumerable.Repeat(float.NaN, s.OutputLength + g.OutputSample).ToArray();
        fixed (float* px = x, pw = w, pb = b, pPacked = packed, py = y, pSlot = slot)
        {
            Conv2dForwardBySamples.PackWeights(pw, pPacked, g);
            Conv2dForwardBySamplesAvx2.Block(px, pPacked, pb, py, samples, pSlot, g, relu);
        }

        Assert.All(y.Skip(s.OutputLength), v => Assert.True(float.IsNaN(v), "a value past the block's samples was written"));
        float[] expected = Conv2dDirectTests.Im2ColForward(s, x.AsSpan(0, s.InputLength).ToArray(), w, b, relu);
        GemmShapeTests.AssertSameBits(expected, y.AsSpan(0, s.OutputLength).ToArray(), $"{s}, a block of {samples}, ReLU {relu}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 45 });

    [Fact]
    public void TakesOnlyDenseShapesWhoseBlocksFitL2()
    {
        Assert.True(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM multiplies the input itself
        Assert.False(Conv2dForwardBySamplesAvx2.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // LeNet conv1: 8 × (32 × 32 in + 6 × 784 out), 183 KB a block
        Assert.False(Conv2dForwardBySamplesAvx2.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, Conv2dForwardBySamplesAvx2.MinSamples - 1, Activation.ReLU));
        Assert.False(Conv2dForwardBySamplesAvx2.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, 64, Activation.Tanh));
    }
}
