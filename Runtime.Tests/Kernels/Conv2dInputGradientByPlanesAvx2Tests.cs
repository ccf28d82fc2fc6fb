using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dInputGradientByPlanesAvx2"/>, the input-gradient path of small planes on machines with AVX2 and FMA
/// but no 512-bit vectors: the same bits as <c>Wᵀ·dY</c> followed by the col2im scatter (with finite values, an infinite
/// weight and a NaN in the output gradient), nothing written past the sample, the same bits for 1, 2 and 3 threads, and
/// the shapes it takes. Run again under each instruction-set setting in CI, where the input gradient takes this path, the
/// 512-bit ones or the GEMM.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientByPlanesAvx2Tests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 6, 14, 14, 16, 5, 1, 0, 1, 1),                  // LeNet conv2: 100 pixels in 13 vectors (tiles of 4, 4, 4, 1), rows of 14
        ConvShape.Square(2, 5, 7, 7, 9, 3, 1, 1, 1, 1),                     // 7 × 7 with padding: 7 vectors (4, 3), rows of one vector
        ConvShape.Square(2, 3, 4, 4, 5, 3, 1, 1, 1, 1),                     // 16 pixels: 2 whole vectors
        ConvShape.Square(1, 2, 11, 10, 3, 2, 1, 0, 1, 1),                   // 10 × 9 = 90: 12 vectors, rows of 9 (a second vector of one lane)
        new ConvShape(2, 3, 7, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),          // rows of 16 exactly, 7 × 16 = 112: 14 whole vectors
        new ConvShape(1, 2, 8, 16, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1),          // 8 × 16 = 128 pixels: the most, 16 vectors (4 tiles of 4)
        new ConvShape(1, 4, 6, 9, 7, 2, 4, 1, 1, 1, 2, 1, 1, 1),           // rectangular kernel, padding 1 × 2: 7 × 10
        ConvShape.Square(1, 3, 6, 6, 4, 3, 1, 2, 1, 1),                     // padding 2 with a 3 × 3 kernel: outputs wider than inputs
        ConvShape.Square(1, 2, 5, 5, 256, 3, 1, 0, 1, 1),                   // 256 output channels: one GEMM k block
        ConvShape.Square(2, 1, 9, 9, 2, 5, 1, 0, 1, 1),                     // one input channel, 25 taps: 8 tiles of 3 and one of 1
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void GivesTheBitsOfTheGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradientByPlanesAvx2.Fits(s.Geometry), s.ToString());
        float[] w = KernelReference.Random(s.WeightLength, seed: 43), dy = KernelReference.Random(s.OutputLength, seed: 44);
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "finite values", Conv2dInputGradientByPlanesAvx2.Applies(s.Geometry) ? &Conv2dInputGradientByPlanesAvx2.Sample : null);
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "through Conv2d.BackwardData", null);

        // Non-finite column values: the scatter drops those outside the input, and so must the path.
        w[w.Length / 3] = float.PositiveInfinity;
        dy[dy.Length / 2] = float.NaN;
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "an infinite weight and a NaN gradient", Conv2dInputGradientByPlanesAvx2.Applies(s.Geometry) ? &Conv2dInputGradientByPlanesAvx2.Sample : null);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void WritesNothingPastTheSample(int shape)
    {
        ConvShape s = AllShapes[shape] with { Batch = 1 };
        if (!Conv2dInputGradientByPlanesAvx2.Applies(s.Geometry))
        {
            return;
        }

        const int Guard = 64;
        float[] w = KernelReference.Random(s.WeightLength, seed: 45), dy = KernelReference.Random(s.OutputLength, seed: 46);
        float[] dx = new float[s.InputLength + Guard];
        dx.AsSpan(s.InputLength).Fill(-7f);
        Conv2dGeometry g = s.Geometry;
        fixed (float* pw = w, pdy = dy, pdx = dx)
        {
            Conv2dInputGradientByPlanesAvx2.Sample(pdy, pw, pdx, g);
        }

        Assert.All(dx.Skip(s.InputLength), value => Assert.Equal(-7f, value));
        GemmShapeTests.AssertSameBits(Conv2dInputGradientTests.GemmAndScatter(s, w, dy), dx.Take(s.InputLength).ToArray(), s.ToString());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 5 });

    [Fact]
    public void TakesOnlyStrideOneShapesWithSmallPlanes()
    {
        Assert.True(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM writes the input gradient itself
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 10, 10, 257, 3, 1, 1, 1, 1).Geometry));  // two GEMM k blocks
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 5, 19, 16, 3, 1, 0, 1, 1).Geometry));    // output rows of 17
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 5, 18, 16, 3, 1, 0, 1, 1).Geometry));    // input rows of 18
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 11, 16, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 6, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // 28 × 28: rows of 28
        Assert.False(Conv2dInputGradientByPlanesAvx2.Fits(ConvShape.Square(1, 2, 12, 16, 3, 3, 1, 1, 1, 1).Geometry));    // 12 × 16 = 192: 24 vectors
        Assert.Equal(
            GemmIsaSelector.IsSupported(GemmIsa.Avx2) && !GemmIsaSelector.IsSupported(GemmIsa.Avx512),
            Conv2dInputGradientByPlanesAvx2.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
    }
}
