using System;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dWeightGradientShifted"/>, the weight and bias gradients of stride-1 convolutions whose output rows are
/// as long as the input rows, against the unpadded output gradient and shifted input planes: against the
/// double-precision definition and finite differences, bit for bit against a scalar transcription of its documented
/// summation order, the same bits at every vector width and for 1, 2 and 3 threads, without a bias gradient, without
/// allocating, and the shapes it takes.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dWeightGradientShiftedTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 1, 28, 28, 6, 5, 1, 2, 1, 1),               // LeNet conv1
        ConvShape.Square(7, 1, 12, 12, 6, 5, 1, 2, 1, 1),                // odd batch
        ConvShape.Square(5, 3, 16, 16, 8, 3, 1, 1, 1, 1),                // 3 -> 8: two blocks of 4 output channels
        ConvShape.Square(1, 2, 8, 6, 7, 5, 1, 2, 1, 1),                  // batch 1 (one segment), 6-wide rows, 4 + 3 output channels
        new ConvShape(3, 2, 18, 8, 5, 3, 1, 1, 1, 0, 0, 1, 1, 1),        // padding 0 (a 3 × 1 kernel)
        new ConvShape(4, 1, 16, 5, 3, 3, 1, 1, 1, 2, 0, 2, 1, 1),        // odd width 5, row dilation 2
        ConvShape.Square(3, 1, 8, 10, 4, 7, 1, 3, 1, 1),                 // padding 3, 49 taps in 13 blocks
        ConvShape.Square(2, 2, 8, 8, 3, 3, 1, 2, 2, 1),                  // dilation 2
        ConvShape.Square(3, 4, 8, 8, 6, 3, 1, 1, 1, 2),                  // groups 2
        ConvShape.Square(3, 2, 4, 4, 13, 3, 1, 1, 1, 1),                 // 13 output channels: 5 + 4 + 4
        ConvShape.Square(2, 2, 16, 3, 5, 3, 1, 1, 1, 1),                 // rows of 3: several rows per vector
        ConvShape.Square(3, 1, 8, 2, 2, 5, 1, 2, 1, 1),                  // shifts of 2 on 2-wide rows: whole rows wrap
        new ConvShape(5, 3, 16, 1, 4, 3, 1, 1, 1, 1, 0, 1, 1, 1),        // one column
        ConvShape.Square(2, 1, 32, 32, 6, 1, 1, 0, 1, 1),                // 1 × 1, the largest plane
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheReference(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dWeightGradientShifted.Fits(s.Geometry));
        Conv2dWeightGradientTests.AssertMatchesReference(s, Data(s));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Gradients_MatchFiniteDifferences(int shape)
    {
        ConvShape s = AllShapes[shape];
        float[] x = KernelReference.Random(s.InputLength, seed: 31), w = KernelReference.Random(s.WeightLength, seed: 32);
        float[] b = KernelReference.Random(s.Out, seed: 33), r = KernelReference.Random(s.OutputLength, seed: 34); // L = Σ r·y
        double Loss()
        {
            double[] y = s.Reference(x, w, b).Output;
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += r[i] * y[i];
            }

            return sum;
        }

        float[] dw = new float[s.WeightLength], db = new float[s.Out];
        s.BackwardWeight(r, x, dw, db, new float[s.WorkspaceFloats(2)]);
        GradientCheck.AssertGradientMatches(Loss, w, dw, "weight", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, b, db, "bias", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfTheDocumentedOrder(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] dy) = Data(s);
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(1)]);
        (float[] expectedW, float[] expectedB) = DocumentedOrder(s, x, dy);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryWidth_GivesTheSameBits(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] dy) = Data(s);
        (float[] dw, float[] db) = Conv2dWeightGradientTests.AssertEveryWidthSameBits<ShiftedPath>(s, x, dy);
        (float[] expectedW, float[] expectedB) = DocumentedOrder(s, x, dy);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient, scalar");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient, scalar");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape]);

    [Fact]
    public void WithoutABiasGradient_GivesTheSameWeightGradient()
    {
        foreach (ConvShape s in new[] { AllShapes[1], AllShapes[9] })
        {
            (float[] x, float[] dy) = Data(s);
            float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out), alone = Conv2dWeightGradientTests.Filled(s.WeightLength);
            s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(2)]);
            s.BackwardWeight(dy, x, alone, Span<float>.Empty, new float[s.WorkspaceFloats(2)]);
            GemmShapeTests.AssertSameBits(dw, alone, $"{s} weight gradient without the bias");
        }
    }

    [Fact]
    public void AllocatesNothing()
    {
        ConvShape s = AllShapes[1];
        (float[] x, float[] dy) = Data(s);
        float[] dw = new float[s.WeightLength], db = new float[s.Out], workspace = new float[s.WorkspaceFloats(2)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.Conv2d.BackwardWeight", () => s.BackwardWeight(dy, x, dw, db, workspace), calls: 20);
        }
    }

    [Fact]
    public void TakesStrideOneShapesWithRowsAsLongAsTheInputs_InWholeVectors()
    {
        Assert.True(Conv2dWeightGradientShifted.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));
        Assert.False(Conv2dWeightGradientShifted.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));    // 10-wide output rows of 14-wide input rows
        Assert.False(Conv2dWeightGradientShifted.Fits(ConvShape.Square(1, 3, 14, 14, 6, 3, 1, 1, 1, 1).Geometry));     // 196 positions: not whole vectors
        Assert.False(Conv2dWeightGradientShifted.Fits(ConvShape.Square(1, 3, 32, 32, 6, 3, 2, 1, 1, 1).Geometry));     // stride 2
        Assert.False(Conv2dWeightGradientShifted.Fits(ConvShape.Square(1, 3, 48, 48, 6, 3, 1, 1, 1, 1).Geometry));     // 2304 positions
    }

    /// <summary>
    /// The documented order in scalar code: per weight and sample segment, 16 lanes from +0, lane <c>t mod 16</c> fma-ed
    /// with <c>dY[t]</c> times the tap's input at output position <c>t</c> (+0 in the padding), over the positions of the
    /// segment's samples in order; the segments' lanes added in order; then the fixed tree. The bias the same with
    /// additions.
    /// </summary>
    private static (float[] Dw, float[] Db) DocumentedOrder(ConvShape s, float[] x, float[] dy)
    {
        int oh = s.OutHeight, ow = s.OutWidth, positions = oh * ow, groupIn = s.In / s.Groups, groupOut = s.Out / s.Groups;
        float Input(int n, int c, int r, int col) =>
            r >= 0 && r < s.Height && col >= 0 && col < s.Width ? x[(((n * s.In) + c) * s.Height * s.Width) + (r * s.Width) + col] : 0f;
        float Gradient(int n, int o, int t) => dy[(((n * s.Out) + o) * positions) + t];

        float Sum(Func<int, int, float, float> step)
        {
            int segments = Math.Min(s.Batch, 2);
            float[] total = new float[16];
            for (int segment = 0; segment < segments; segment++)
            {
                float[] lanes = new float[16];
                for (int n = segment * s.Batch / segments; n < (segment + 1) * s.Batch / segments; n++)
                {
                    for (int t = 0; t < positions; t++)
                    {
                        lanes[t % 16] = step(n, t, lanes[t % 16]);
                    }
                }

                for (int l = 0; l < 16; l++)
                {
                    total[l] = segment == 0 ? lanes[l] : total[l] + lanes[l];
                }
            }

            float a0 = total[0] + total[8], a1 = total[1] + total[9], a2 = total[2] + total[10], a3 = total[3] + total[11];
            float a4 = total[4] + total[12], a5 = total[5] + total[13], a6 = total[6] + total[14], a7 = total[7] + total[15];
            return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
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
                        dw[(((((o * groupIn) + cl) * s.KernelHeight) + i) * s.KernelWidth) + j] = Sum((n, t, lane) => ScalarOps.MultiplyAdd(
                            Gradient(n, o, t),
                            Input(n, c, (t / ow) + (i * s.DilationHeight) - s.PaddingHeight, (t % ow) + (j * s.DilationWidth) - s.PaddingWidth),
                            lane));
                    }
                }
            }

            db[o] = Sum((n, t, lane) => lane + Gradient(n, o, t));
        }

        return (dw, db);
    }

    /// <summary>This path's whole call on the calling thread with vectors <typeparamref name="TVec"/>.</summary>
    private readonly struct ShiftedPath : Conv2dWeightGradientTests.IWeightGradientPath
    {
        public static unsafe (float[] Dw, float[] Db) Run<TOps, TVec>(ConvShape s, float[] x, float[] dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => Conv2dWeightGradientTests.RunPart(s, x, dy, Conv2dWeightGradientShifted.TileCount(s.Geometry, TOps.Count), &Conv2dWeightGradientShifted.Part<TOps, TVec>, &Conv2dWeightGradient.SumSegments<TOps, TVec>);
    }

    private static (float[] X, float[] Dy) Data(ConvShape s) =>
        (KernelReference.Random(s.InputLength, seed: 41), KernelReference.Random(s.OutputLength, seed: 42));
}
