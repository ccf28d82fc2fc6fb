using System;
using System.Linq;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dInputGradientByPlanes"/>, the input-gradient path for output planes of at most 7 vectors: the same
/// bits as <c>Wᵀ·dY</c> followed by the col2im scatter, so choosing it by shape and hardware never changes a result (with
/// finite values, an infinite weight and a NaN in the output gradient); the same bits for 1, 2 and 3 threads; and the
/// shapes it takes. Run again under each instruction-set setting in CI, where the input gradient takes the GEMM path or this one.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientByPlanesTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 6, 14, 14, 16, 5, 1, 0, 1, 1),                  // LeNet conv2: 10 × 10 planes, 7 vectors, 150 rows in blocks of 3
        ConvShape.Square(2, 5, 7, 7, 9, 3, 1, 1, 1, 1),                     // 7 × 7 planes with padding: 4 vectors, 45 rows = 11 blocks of 4 + 1
        ConvShape.Square(2, 3, 4, 4, 5, 3, 1, 1, 1, 1),                     // one vector: 4 × 4
        ConvShape.Square(1, 2, 11, 10, 3, 2, 1, 0, 1, 1),                   // 10 × 9 = 90: 6 vectors, rows of 9
        new ConvShape(2, 3, 7, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),          // rows of 16 exactly, 7 × 16 = 112: the plane fills 7 vectors
        new ConvShape(1, 4, 6, 9, 7, 2, 4, 1, 1, 1, 2, 1, 1, 1),           // rectangular kernel, padding 1 × 2: 7 × 10
        ConvShape.Square(1, 3, 6, 6, 4, 3, 1, 2, 1, 1),                     // padding 2 with a 3 × 3 kernel: outputs wider than inputs
        ConvShape.Square(1, 2, 5, 5, 256, 3, 1, 0, 1, 1),                   // 256 output channels: one GEMM k block
        ConvShape.Square(2, 1, 9, 9, 2, 5, 1, 0, 1, 1),                     // one input channel, 25 rows
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void GivesTheBitsOfTheGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradientByPlanes.Fits(s.Geometry), s.ToString());
        float[] w = KernelReference.Random(s.WeightLength, seed: 41), dy = KernelReference.Random(s.OutputLength, seed: 42);
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "finite values", Conv2dInputGradientByPlanes.Applies(s.Geometry) ? &Conv2dInputGradientByPlanes.Sample : null);

        // Non-finite column values: the scatter drops those outside the input, and so must the path.
        w[w.Length / 3] = float.PositiveInfinity;
        dy[dy.Length / 2] = float.NaN;
        Conv2dInputGradientTests.AssertGemmBits(s, w, dy, "an infinite weight and a NaN gradient", Conv2dInputGradientByPlanes.Applies(s.Geometry) ? &Conv2dInputGradientByPlanes.Sample : null);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape] with { Batch = 5 });

    [Fact]
    public void TakesOnlyStrideOneShapesWithSmallPlanes()
    {
        Assert.True(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 2, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 10, 10, 16, 1, 1, 0, 1, 1).Geometry));   // 1 × 1: the GEMM writes the input gradient itself
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 10, 10, 257, 3, 1, 1, 1, 1).Geometry));  // two GEMM k blocks
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 5, 19, 16, 3, 1, 0, 1, 1).Geometry));    // output rows of 17
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 5, 18, 16, 3, 1, 0, 1, 1).Geometry));    // input rows of 18
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 11, 15, 16, 3, 1, 0, 1, 1).Geometry));   // 9 × 13 = 117: 8 vectors
        Assert.False(Conv2dInputGradientByPlanes.Fits(ConvShape.Square(1, 6, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));    // 28 × 28: 49 vectors
        Assert.Equal(
            Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
            Conv2dInputGradientByPlanes.Applies(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
    }
}
