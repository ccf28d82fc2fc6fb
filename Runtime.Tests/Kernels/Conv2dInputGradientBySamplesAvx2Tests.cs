using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dInputGradientBySamplesAvx2"/>, the input-gradient path with 8 samples in the lanes of every 256-bit
/// vector on machines without 512-bit vectors: the same bits as <c>Wᵀ·dY</c> followed by the col2im scatter (with finite
/// values, an infinite weight and a NaN in the output gradient), for full blocks, blocks of 1 to 8 samples and batches
/// that end in a block left to the per-sample paths; nothing written past a block's samples; the same bits for 1, 2 and
/// 3 threads; and the shapes it takes. Run again under each instruction-set setting in CI, where the input gradient takes
/// this path, the 512-bit one or the GEMM.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientBySamplesAvx2Tests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),                 // LeNet conv2, batch 64: eight blocks
        ConvShape.Square(17, 6, 14, 14, 16, 5, 1, 0, 1, 1),                 // two blocks and one sample left to the per-sample path
        ConvShape.Square(14, 5, 7, 7, 9, 3, 1, 1, 1, 1),                    // padding 1; the second block has 6 samples
        ConvShape.Square(8, 3, 6, 6, 4, 3, 1, 2, 1, 1),                     // padding 2 with a 3 × 3 kernel: outputs wider than inputs
        new ConvShape(8, 4, 6, 9, 7, 2, 4, 1, 1, 1, 2, 1, 1, 1),           // rectangular kernel, padding 1 × 2
        ConvShape.Square(8, 13, 5, 5, 8, 3, 1, 1, 1, 1),                    // 13 input channels: tiles of 5, 4 and 4
        ConvShape.Square(8, 2, 4, 4, 256, 3, 1, 0, 1, 1),                   // 256 output channels: one GEMM k block
        ConvShape.Square(8, 8, 12, 12, 3, 3, 1, 1, 1, 1),                   // 8 input channels: two tiles of 4; chains of 3 output channels
        ConvShape.Square(8, 1, 19, 19, 6, 5, 1, 2, 1, 1),                   // one input channel, planes of 361
        ConvShape.Square(8, 3, 9, 9, 5, 3, 1, 1, 1, 1),                     // rows of 9: the last position of each row alone
        new ConvShape(8, 2, 8, 8, 4, 3, 1, 1, 1, 1, 0, 1, 1, 1),           // kernel 3 × 1: no zero columns beside the rows
        new ConvShape(8, 7, 1, 2, 3, 1, 2, 1, 1, 0, 0, 1, 1, 1),           // planes of 2: a chunk spans several channels of a sample
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfTheGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradientBySamplesAvx2.Fits(s.Geometry), s.ToString());
        Assert.Equal(
            GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512),
            Conv2dInputGradientBySamplesAvx2.Applies(s.Geometry, s.Batch));
        float[] w = KernelReference.Random(s.WeightLength, seed: 61), dy = KernelReference.Random(s.OutputLength, seed: 62);
        unsafe
        {
            Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "finite values", null);

            // Non-finite column values: the scatter drops those outside the input, and so must the path. A NaN gradient
            // stays on this path; an infinite weight sends the call to the per-sample paths (a tap a position does not
            // reach would multiply it by a zero column).
            dy[dy.Length / 2] = float.NaN;
            Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "a NaN gradient", null);
            w[w.Length / 3] = float.PositiveInfinity;
            Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "an infinite weight and a NaN gradient", null);
        }
    }

    /// <summary>A block of any 1 to 8 samples, called directly: the lanes past its samples are neither read nor written.</summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 3)]
    [InlineData(0, 7)]
    [InlineData(0, 8)]
    [InlineData(3, 5)]
    [InlineData(9, 8)]
    [InlineData(11, 2)]
    [InlineData(11, 8)]
    public unsafe void BlockOfAnySize_GivesTheBitsOfTheGemmAndScatter(int shape, int samples)
    {
        if (!Conv2dInputGradientBySamplesAvx2.Applies(AllShapes[0].Geometry, Conv2dInputGradientBySamplesAvx2.MinSamples))
        {
            return;
        }

        ConvShape s = AllShapes[shape] with { Batch = samples };
        Conv2dGeometry g = s.Geometry;
        float[] w = KernelReference.Random(s.WeightLength, seed: 63), dy = KernelReference.Random(s.OutputLength, seed: 64);
        float[] packed = new float[w.Length], slot = Enumerable.Repeat(float.NaN, (int)Conv2dInputGradientBySamplesAvx2.SlotFloats(g)).ToArray();
        float[] dx = Enumerable.Repeat(float.NaN, s.InputLength + g.InputSample).ToArray();
        fixed (float* pw = w, pPacked = packed, pdy = dy, pdx = dx, pSlot = slot)
        {
            Assert.True(Conv2dInputGradientBySamples.PackWeights(pw, pPacked, g));
            Conv2dInputGradientBySamplesAvx2.Block(pdy, pPacked, pdx, samples, pSlot, g);
        }

        Assert.All(dx.Skip(s.InputLength), v => Assert.True(float.IsNaN(v), "a value past the block's samples was written"));
        float[] expected = Conv2dInputGradientTests.GemmAndScatter(s, w, dy);
        GemmShapeTests.AssertSameBits(expected, dx.AsSpan(0, s.InputLength).ToArray(), $"{s}, a block of {samples}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 45 });

    [Fact]
    public void TakesOnlyDenseShapesWhoseBlocksFitL2()
    {
        Assert.True(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM writes the input gradient itself
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 6, 10, 10, 257, 3, 1, 1, 1, 1).Geometry));  // two GEMM k blocks
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 16, 32, 32, 32, 3, 1, 1, 1, 1).Geometry));  // 8 × (16 + 32) planes of 1024: 1.6 MB a block
        Assert.False(Conv2dInputGradientBySamplesAvx2.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // LeNet conv1's shape: 8 × (6 rows of 28 × 30 + 784), 186 KB a block
        Assert.False(Conv2dInputGradientBySamplesAvx2.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, Conv2dInputGradientBySamplesAvx2.MinSamples - 1));
    }
}
