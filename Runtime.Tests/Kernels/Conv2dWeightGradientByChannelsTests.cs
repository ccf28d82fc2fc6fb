using System;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The weight gradient with vectors over output channels (<see cref="Conv2dWeightGradientByChannels"/>): against the
/// float64 reference, bit for bit against a scalar transcription of its documented order, the same bits at every
/// vector width, and for 1, 2 and 3 threads; each with a dense output gradient and with one as a max pool's backward
/// pass leaves it, which takes the sparse chains (<see cref="Conv2dWeightGradientSparse"/>).
/// </summary>
public sealed class Conv2dWeightGradientByChannelsTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),                 // LeNet conv2
        ConvShape.Square(7, 6, 14, 14, 16, 5, 1, 0, 1, 1),                  // odd batch
        ConvShape.Square(1, 3, 9, 11, 32, 3, 1, 1, 1, 1),                   // batch 1 (one segment), two channel blocks, padding
        ConvShape.Square(5, 3, 11, 10, 16, 3, 2, 1, 1, 1),                  // stride 2
        ConvShape.Square(3, 4, 8, 7, 32, 3, 1, 1, 1, 2),                    // groups 2, one block per group
        ConvShape.Square(2, 2, 12, 10, 16, 7, 1, 3, 1, 1),                  // 7 × 7: tiles of 5 + 2 rows and columns
        ConvShape.Square(3, 5, 6, 7, 16, 1, 1, 0, 1, 1),                    // 1 × 1
        new ConvShape(4, 3, 13, 9, 48, 3, 2, 1, 2, 2, 0, 2, 1, 1),          // rectangular kernel and stride, row dilation 2, three blocks
        ConvShape.Square(3, 16, 7, 7, 64, 3, 1, 1, 1, 1),                   // cnn-style 16 -> 64 on 7 × 7
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    /// <summary>Every shape with a dense output gradient and with one as a max pool leaves it (the sparse chains' case).</summary>
    public static TheoryData<int, bool> ShapesAndGradients()
    {
        var data = new TheoryData<int, bool>();
        foreach (int shape in Enumerable.Range(0, AllShapes.Length))
        {
            data.Add(shape, false);
            data.Add(shape, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheReference(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dWeightGradientByChannels.Fits(s.Geometry));
        Conv2dWeightGradientTests.AssertMatchesReference(s, Data(s));
    }

    [Theory]
    [MemberData(nameof(ShapesAndGradients))]
    public void GivesTheBitsOfTheDocumentedOrder(int shape, bool pooled)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] dy) = pooled ? PooledData(s) : Data(s);
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(1)]);
        (float[] expectedW, float[] expectedB) = DocumentedOrder(s, x, dy);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient");
    }

    [Theory]
    [MemberData(nameof(ShapesAndGradients))]
    public void EveryWidth_GivesTheSameBits(int shape, bool pooled)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] dy) = pooled ? PooledData(s) : Data(s);
        Conv2dWeightGradientTests.AssertEveryWidthSameBits<ByChannelsPath>(s, x, dy);
    }

    [Theory]
    [MemberData(nameof(ShapesAndGradients))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape, bool pooled)
        => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape], pooled ? PooledData(AllShapes[shape]).Dy : null);

    [Fact]
    public void FromAMaxPool_TakesTheSparseChains_ForLeNetsConv2()
    {
        ConvShape s = AllShapes[0];
        (_, float[] dy) = PooledData(s);
        Assert.True(Conv2dWeightGradientSparse.Fits(s.Geometry));
        Assert.True(Conv2dWeightGradientSparse.PaysOff(dy.Count(v => v != 0f), dy.Length));
        Assert.False(Conv2dWeightGradientSparse.PaysOff(Data(s).Dy.Count(v => v != 0f), dy.Length));
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void FromAMaxPool_ANonFiniteInput_GivesTheNaNsOfTheDenseProducts(float bad)
    {
        // 0 · ∞ is NaN: every weight whose window reaches the value over a zero gradient is NaN, as in PyTorch's products.
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = PooledData(s);
        x[(((5 * s.In) + 2) * s.Height * s.Width) + (3 * s.Width) + 4] = bad;
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(2)]);
        (float[] expectedW, float[] expectedB) = DocumentedOrder(s, x, dy);
        Assert.Contains(expectedW, float.IsNaN);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient");
    }

    [Fact]
    public void WithoutABiasGradient_GivesTheSameWeightGradient()
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = Data(s);
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out), alone = Conv2dWeightGradientTests.Filled(s.WeightLength);
        s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(2)]);
        s.BackwardWeight(dy, x, alone, Span<float>.Empty, new float[s.WorkspaceFloats(2)]);
        GemmShapeTests.AssertSameBits(dw, alone, $"{s} weight gradient without the bias");
    }

    [Fact]
    public void TakesWhole16ChannelBlocksPerGroup_WithoutColumnDilation()
    {
        Assert.True(Conv2dWeightGradientByChannels.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dWeightGradientByChannels.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));   // LeNet conv1: 6 channels
        Assert.False(Conv2dWeightGradientByChannels.Fits(ConvShape.Square(1, 4, 8, 8, 32, 3, 1, 1, 1, 4).Geometry));    // 8 per group
        Assert.False(Conv2dWeightGradientByChannels.Fits(ConvShape.Square(1, 4, 9, 9, 16, 3, 1, 2, 2, 1).Geometry));    // dilated columns
        Assert.False(Conv2dWeightGradientByChannels.Fits(ConvShape.Square(1, 3, 64, 64, 16, 3, 1, 1, 1, 1).Geometry));  // 4096 positions × 16
    }

    /// <summary>
    /// The documented order in scalar code: per weight, per sample a chain from +0 fma-ed over the output positions in
    /// row-major order (+0 for the padding), added to its segment's sum from +0, samples in order; the segments added
    /// in order. The bias the same with additions. Without FMA (<see cref="Simd.HasFma"/>) each multiply-add rounds twice,
    /// as the kernels' do. Also <see cref="Conv2dWeightGradientByPositions"/>' order (with finite inputs, a zero
    /// gradient's term leaves a chain's bits as they are).
    /// </summary>
    internal static (float[] Dw, float[] Db) DocumentedOrder(ConvShape s, float[] x, float[] dy)
    {
        int oh = s.OutHeight, ow = s.OutWidth, groupIn = s.In / s.Groups, groupOut = s.Out / s.Groups;
        int segments = Math.Min(s.Batch, 2);
        float Input(int n, int c, int r, int col) =>
            r >= 0 && r < s.Height && col >= 0 && col < s.Width ? x[(((n * s.In) + c) * s.Height * s.Width) + (r * s.Width) + col] : 0f;
        float Gradient(int n, int o, int p, int q) => dy[(((n * s.Out) + o) * oh * ow) + (p * ow) + q];

        float Sum(Func<int, int, int, float, float> step)
        {
            float total = 0f;
            for (int segment = 0; segment < segments; segment++)
            {
                float sum = 0f;
                for (int n = segment * s.Batch / segments; n < (segment + 1) * s.Batch / segments; n++)
                {
                    float chain = 0f;
                    for (int p = 0; p < oh; p++)
                    {
                        for (int q = 0; q < ow; q++)
                        {
                            chain = step(n, p, q, chain);
                        }
                    }

                    sum += chain;
                }

                total = segment == 0 ? sum : total + sum;
            }

            return total;
        }

        float[] dw = new float[s.WeightLength], db = new float[s.Out];
        for (int o = 0; o < s.Out; o++)
        {
            for (int cl = 0; cl < groupIn; cl++)
            {
                int c = ((o / groupOut) * groupIn) + cl;
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        dw[(((((o * groupIn) + cl) * s.KernelHeight) + i) * s.KernelWidth) + j] = Sum((n, p, q, chain) =>
                        {
                            float input = Input(n, c, (p * s.StrideHeight) + (i * s.DilationHeight) - s.PaddingHeight, (q * s.StrideWidth) + (j * s.DilationWidth) - s.PaddingWidth);
                            return Simd.HasFma ? MathF.FusedMultiplyAdd(input, Gradient(n, o, p, q), chain) : (input * Gradient(n, o, p, q)) + chain;
                        });
                    }
                }
            }

            db[o] = Sum((n, p, q, chain) => chain + Gradient(n, o, p, q));
        }

        return (dw, db);
    }

    /// <summary>This path's whole call on the calling thread with vectors <typeparamref name="TVec"/>.</summary>
    private readonly struct ByChannelsPath : Conv2dWeightGradientTests.IWeightGradientPath
    {
        public static unsafe (float[] Dw, float[] Db) Run<TOps, TVec>(ConvShape s, float[] x, float[] dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => Conv2dWeightGradientTests.RunPart(s, x, dy, Conv2dWeightGradientByChannels.ItemCount(s.Geometry), &Conv2dWeightGradientByChannels.Part<TOps, TVec>, &Conv2dWeightGradientByChannels.SumSegments);
    }

    private static (float[] X, float[] Dy) Data(ConvShape s) =>
        (KernelReference.Random(s.InputLength, seed: 21), KernelReference.Random(s.OutputLength, seed: 22));

    private static (float[] X, float[] Dy) PooledData(ConvShape s)
    {
        (float[] x, float[] dy) = Data(s);
        return (x, Conv2dWeightGradientTests.PoolRouted(s, dy));
    }
}
