using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Conv2d.BackwardWeight"/> with an output gradient as a max pool leaves it, which runs
/// <see cref="Conv2dWeightGradientByPositions"/>: on 1, 2 and 3 threads bit for bit the scalar transcription of its
/// documented order (that of <see cref="Conv2dWeightGradientByChannels"/> and its transcription, also for shapes that path does not take),
/// within float32 rounding of the exact sums; a sample more than a quarter nonzero and a non-finite input decline to the
/// next path; no allocation. Run under each instruction-set setting in CI (the category): the order is the same at every
/// vector width.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dWeightGradientByPositionsTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // LeNet conv2: rows of 30 floats
        ConvShape.Square(7, 4, 10, 10, 10, 3, 1, 1, 1, 1),          // odd batch, 10 output channels, padding 1, rows of 12
        ConvShape.Square(3, 8, 7, 7, 5, 4, 1, 2, 1, 1),             // rows of exactly 32 floats, padding 2
        ConvShape.Square(1, 16, 7, 7, 40, 2, 1, 0, 1, 1),           // batch 1 (one segment), 40 output channels, two rows of 32
        ConvShape.Square(5, 3, 8, 8, 7, 1, 1, 0, 1, 1),             // 1 × 1
        new ConvShape(4, 2, 6, 12, 9, 5, 3, 1, 1, 2, 1, 1, 1, 1),  // rectangular kernel and input, padding 2 × 1
    ];

    public static TheoryData<int, int> Cases() => Conv2dTests.ShapesOnOneTwoAndThreeThreads(AllShapes.Length);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesTheBitsOfItsOrder_WithinRoundingOfTheExactSums(int shape, int threads)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dWeightGradientByPositions.Fits(s.Geometry), s.ToString());
        (float[] x, float[] dy) = PooledData(s, seed: 110 + (ulong)shape);
        (float[] dw, float[] db) = Run(s, x, dy, threads);
        (float[] expectedW, float[] expectedB) = Conv2dWeightGradientByChannelsTests.DocumentedOrder(s, x, dy);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient on {threads} threads");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient on {threads} threads");
        Conv2dWeightGradientTests.AssertMatchesReference(s, (x, dy));
    }

    [Fact]
    public void ASampleMoreThanAQuarterNonzero_DeclinesToTheNextPath()
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = PooledData(s, seed: 120);
        int sample = s.Out * s.OutHeight * s.OutWidth;
        Array.Copy(KernelReference.Random(sample, seed: 121), 0, dy, 4 * sample, sample);
        (float[] dw, float[] db) = Run(s, x, dy, threads: 2);
        (float[] flatW, float[] flatB) = FlatPath(s, x, dy);
        Assert.NotEqual(Conv2dWeightGradientByChannelsTests.DocumentedOrder(s, x, dy).Dw, flatW);
        GemmShapeTests.AssertSameBits(flatW, dw, $"{s} weight gradient, sample 4 dense");
        GemmShapeTests.AssertSameBits(flatB, db, $"{s} bias gradient, sample 4 dense");
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void ANonFiniteInput_DeclinesToTheNextPath_WithTheNaNsOfTheDenseProducts(float bad)
    {
        // 0 · ∞ is NaN: every weight whose window reaches the value over a zero gradient is NaN, as in PyTorch's products.
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = PooledData(s, seed: 122);
        x[(((5 * s.In) + 2) * s.Height * s.Width) + (3 * s.Width) + 4] = bad;
        (float[] dw, float[] db) = Run(s, x, dy, threads: 2);
        (float[] flatW, float[] flatB) = FlatPath(s, x, dy);
        Assert.Contains(flatW, float.IsNaN);
        GemmShapeTests.AssertSameBits(flatW, dw, $"{s} weight gradient, an input of {bad}");
        GemmShapeTests.AssertSameBits(flatB, db, $"{s} bias gradient, an input of {bad}");
    }

    [Fact]
    public void TakesOnlyItsShapes()
    {
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 6, 14, 14, 65, 5, 1, 0, 1, 1).Geometry));   // 65 output channels
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 7, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));   // rows of 35 floats
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 2, 14, 14, 16, 6, 1, 0, 1, 1).Geometry));   // six kernel rows
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 0, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dWeightGradientByPositions.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
    }

    [Fact]
    public void AllocatesNothing()
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = PooledData(s, seed: 123);
        float[] dw = new float[s.WeightLength], db = new float[s.Out], workspace = new float[s.WorkspaceFloats(2)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.Conv2d.BackwardWeight (by positions)", () => s.BackwardWeight(dy, x, dw, db, workspace), calls: 20);
        }
    }

    private static (float[] Dw, float[] Db) Run(ConvShape s, float[] x, float[] dy, int threads)
    {
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        using (Partition.Override(threads, splitAlways: true))
        {
            s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(threads)]);
        }

        return (dw, db);
    }

    /// <summary>The path after this one for <see cref="AllShapes"/>[1], <see cref="Conv2dWeightGradient"/> (its bits are the same at every width).</summary>
    private static unsafe (float[] Dw, float[] Db) FlatPath(ConvShape s, float[] x, float[] dy)
    {
        Assert.True(Conv2dWeightGradient.Fits(s.Geometry) && !Conv2dWeightGradientShifted.Fits(s.Geometry) && !Conv2dWeightGradientByChannels.Fits(s.Geometry));
        return Conv2dWeightGradientTests.RunPart(
            s, x, dy, Conv2dWeightGradient.TileCount(s.Geometry, 1), &Conv2dWeightGradient.Part<ScalarOps, float>, &Conv2dWeightGradient.SumSegments<ScalarOps, float>);
    }

    private static (float[] X, float[] Dy) PooledData(ConvShape s, ulong seed)
    {
        float[] x = KernelReference.Random(s.InputLength, seed: seed);
        return (x, Conv2dWeightGradientTests.PoolRouted(s, KernelReference.Random(s.OutputLength, seed: seed + 1000)));
    }
}
