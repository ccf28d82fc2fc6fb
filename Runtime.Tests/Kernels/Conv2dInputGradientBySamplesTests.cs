using System;
using System.Linq;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dInputGradientBySamples"/>, the input-gradient path with 16 samples in the lanes of every vector: the
/// same bits as <c>Wᵀ·dY</c> followed by the col2im scatter (with finite values, an infinite weight and a NaN in the
/// output gradient), for full blocks, blocks of 1 to 15 samples and batches that end in a block left to the per-sample
/// paths; the same bits for 1, 2 and 3 threads; and the shapes it takes. Run again under each instruction-set setting in
/// CI, where the input gradient takes the GEMM path or this one.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientBySamplesTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),                 // LeNet conv2, batch 64: four blocks
        ConvShape.Square(17, 6, 14, 14, 16, 5, 1, 0, 1, 1),                 // one block and one sample left to the per-sample path
        ConvShape.Square(28, 5, 7, 7, 9, 3, 1, 1, 1, 1),                    // padding 1; the second block has 12 samples
        ConvShape.Square(16, 3, 6, 6, 4, 3, 1, 2, 1, 1),                    // padding 2 with a 3 × 3 kernel: outputs wider than inputs
        new ConvShape(16, 4, 6, 9, 7, 2, 4, 1, 1, 1, 2, 1, 1, 1),          // rectangular kernel, padding 1 × 2
        ConvShape.Square(16, 13, 5, 5, 8, 3, 1, 1, 1, 1),                   // 13 input channels: tiles of 5, 4 and 4
        ConvShape.Square(16, 2, 4, 4, 256, 3, 1, 0, 1, 1),                  // 256 output channels: one GEMM k block
        ConvShape.Square(16, 8, 12, 12, 3, 3, 1, 1, 1, 1),                  // 8 input channels: two tiles of 4; chains of 3 output channels
        ConvShape.Square(16, 1, 19, 19, 6, 5, 1, 2, 1, 1),                  // one input channel, planes of 361
        ConvShape.Square(16, 3, 9, 9, 5, 3, 1, 1, 1, 1),                    // rows of 9: the last position of each row alone
        new ConvShape(16, 2, 8, 8, 4, 3, 1, 1, 1, 1, 0, 1, 1, 1),          // kernel 3 × 1: no zero columns beside the rows
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void GivesTheBitsOfTheGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradientBySamples.Fits(s.Geometry), s.ToString());
        Assert.Equal(Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Conv2dInputGradientBySamples.Applies(s.Geometry, s.Batch));
        float[] w = KernelReference.Random(s.WeightLength, seed: 51), dy = KernelReference.Random(s.OutputLength, seed: 52);
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "finite values", null);

        // Non-finite column values: the scatter drops those outside the input, and so must the path. A NaN gradient
        // stays on this path; an infinite weight sends the call to the per-sample paths (a tap a position does not
        // reach would multiply it by a zero column).
        dy[dy.Length / 2] = float.NaN;
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "a NaN gradient", null);
        w[w.Length / 3] = float.PositiveInfinity;
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "an infinite weight and a NaN gradient", null);
    }

    /// <summary>A block of any 1 to 16 samples, called directly: the lanes past its samples are neither read nor written.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(15)]
    [InlineData(16)]
    public unsafe void BlockOfAnySize_GivesTheBitsOfTheGemmAndScatter(int samples)
    {
        if (!Conv2dInputGradientBySamples.Applies(AllShapes[0].Geometry, Conv2dInputGradientBySamples.MinSamples))
        {
            return;
        }

        ConvShape s = ConvShape.Square(samples, 6, 14, 14, 16, 5, 1, 0, 1, 1);
        Conv2dGeometry g = s.Geometry;
        float[] w = KernelReference.Random(s.WeightLength, seed: 53), dy = KernelReference.Random(s.OutputLength, seed: 54);
        float[] packed = new float[w.Length], slot = new float[Conv2dInputGradientBySamples.SlotFloats(g)];
        float[] dx = Enumerable.Repeat(float.NaN, s.InputLength + g.InputSample).ToArray();
        fixed (float* pw = w, pPacked = packed, pdy = dy, pdx = dx, pSlot = slot)
        {
            Assert.True(Conv2dInputGradientBySamples.PackWeights(pw, pPacked, g));
            Conv2dInputGradientBySamples.Block(pdy, pPacked, pdx, samples, pSlot, g);
        }

        Assert.All(dx.Skip(s.InputLength), v => Assert.True(float.IsNaN(v), "a value past the block's samples was written"));
        float[] expected = Conv2dInputGradientTests.GemmAndScatter(s, w, dy);
        GemmShapeTests.AssertSameBits(expected, dx.AsSpan(0, s.InputLength).ToArray(), $"a block of {samples}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 45 });

    [Fact]
    public void TakesOnlyDenseShapesWhoseBlocksFitL2()
    {
        Assert.True(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM writes the input gradient itself
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 6, 10, 10, 257, 3, 1, 1, 1, 1).Geometry));  // two GEMM k blocks
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 16, 32, 32, 32, 3, 1, 1, 1, 1).Geometry));  // 16 × (16 + 32) planes of 1024: 3 MB a block
        Assert.False(Conv2dInputGradientBySamples.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // LeNet conv1's shape: 16 × 7 planes of 784, 345 KB a block
        Assert.False(Conv2dInputGradientBySamples.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry, Conv2dInputGradientBySamples.MinSamples - 1));
    }
}
