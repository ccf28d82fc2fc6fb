using System;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dWeightGradient"/>, the weight and bias gradients of stride-1 convolutions as flat dot products:
/// against the double-precision definition, bit for bit against a scalar transcription of its documented summation
/// order, the same bits at every vector width and for 1, 2 and 3 threads, and the shapes it takes.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dWeightGradientTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 1, 28, 28, 6, 5, 1, 2, 1, 1),    // LeNet conv1
        ConvShape.Square(7, 6, 14, 14, 16, 5, 1, 0, 1, 1),    // LeNet conv2, odd batch
        ConvShape.Square(1, 3, 9, 11, 5, 3, 1, 1, 1, 1),      // batch 1, odd sizes, padding 1: rows 2 + 1 output channels
        ConvShape.Square(3, 2, 7, 13, 7, 3, 1, 0, 1, 1),      // padding 0, 4 + 3 output channels
        ConvShape.Square(5, 4, 10, 9, 9, 5, 1, 2, 1, 1),      // padding 2, 3 × 3 output channels, 5 taps per tile
        ConvShape.Square(3, 2, 11, 10, 3, 3, 1, 1, 2, 1),     // dilation 2
        ConvShape.Square(3, 4, 8, 7, 6, 3, 1, 1, 1, 2),       // groups 2
        ConvShape.Square(2, 5, 6, 7, 5, 3, 1, 1, 1, 5),       // depthwise
        ConvShape.Square(9, 2, 5, 5, 4, 1, 1, 0, 1, 1),       // 1 × 1
        new ConvShape(3, 2, 9, 12, 3, 2, 4, 1, 1, 1, 2, 1, 1, 1),   // rectangular kernel and padding
        ConvShape.Square(2, 3, 40, 30, 2, 7, 1, 3, 1, 1),     // chunks of one sample, 49 taps
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheReference(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dWeightGradient.Fits(s.Geometry));
        AssertMatchesReference(s, Data(s));
    }

    /// <summary>
    /// Runs the weight gradient of <paramref name="s"/> on <paramref name="data"/> (into NaN-filled gradients, so every value must be written) and
    /// asserts it against the double-precision reference, within a tolerance scaled by each weight's sum of magnitudes.
    /// </summary>
    internal static void AssertMatchesReference(ConvShape s, (float[] X, float[] Dy) data)
    {
        (float[] x, float[] dy) = data;
        float[] dw = Filled(s.WeightLength), db = Filled(s.Out);
        s.BackwardWeight(dy, x, dw, db, new float[s.WorkspaceFloats(1)]);
        (_, _, double[] edw, double[] dwScale, double[] edb) = s.ReferenceGradients(x, new float[s.WeightLength], dy);
        for (int i = 0; i < dw.Length; i++)
        {
            KernelReference.AssertClose(edw[i], dw[i], (2e-6 * dwScale[i]) + 1e-6, $"{s} dw[{i}]");
        }

        for (int o = 0; o < s.Out; o++)
        {
            KernelReference.AssertClose(edb[o], db[o], (2e-6 * s.OutputLength) + 1e-6, $"{s} db[{o}]");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfTheDocumentedOrder(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] dy) = Data(s);
        (float[] dw, float[] db) = FlatPath.Run<ScalarOps, float>(s, x, dy);
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
        Conv2dWeightGradientTests.AssertEveryWidthSameBits<FlatPath>(s, x, dy);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SameBits_ForOneTwoAndThreeThreads(int shape) => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape]);

    [Fact]
    public void TakesStrideOneShapesWithSmallPlanes()
    {
        Assert.True(Conv2dWeightGradient.Fits(ConvShape.Square(1, 1, 28, 28, 6, 5, 1, 2, 1, 1).Geometry));
        Assert.True(Conv2dWeightGradient.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));
        Assert.False(Conv2dWeightGradient.Fits(ConvShape.Square(1, 3, 28, 28, 6, 3, 2, 1, 1, 1).Geometry));     // stride 2
        Assert.False(Conv2dWeightGradient.Fits(new ConvShape(1, 3, 28, 28, 6, 3, 3, 1, 2, 1, 1, 1, 1, 1).Geometry)); // stride 2 across
        Assert.False(Conv2dWeightGradient.Fits(ConvShape.Square(1, 3, 64, 64, 6, 3, 1, 1, 1, 1).Geometry));     // 64 × 66 plane
    }

    /// <summary>
    /// The documented order in scalar code: per weight and sample segment, 16 lanes from +0, lane <c>t mod 16</c> fma-ed
    /// with <c>dYs[t]·Xp[t + offset]</c> over the padded flat positions of the segment's samples in order; the segments'
    /// lanes added in order; then the fixed tree.
    /// </summary>
    private static (float[] Dw, float[] Db) DocumentedOrder(ConvShape s, float[] x, float[] dy)
    {
        int wp = s.Width + (2 * s.PaddingWidth), hp = s.Height + (2 * s.PaddingHeight), oh = s.OutHeight, ow = s.OutWidth;
        int positions = ((oh * wp) + 15) / 16 * 16, groupIn = s.In / s.Groups, groupOut = s.Out / s.Groups;
        float Gradient(int n, int o, int t) =>
            t / wp < oh && t % wp < ow ? dy[(((n * s.Out) + o) * oh * ow) + ((t / wp) * ow) + (t % wp)] : 0f;
        float Input(int n, int c, int u)
        {
            int r = (u / wp) - s.PaddingHeight, col = (u % wp) - s.PaddingWidth;
            return u / wp < hp && r >= 0 && r < s.Height && col >= 0 && col < s.Width ? x[(((n * s.In) + c) * s.Height * s.Width) + (r * s.Width) + col] : 0f;
        }

        float[] dw = new float[s.WeightLength], db = new float[s.Out];

        // Per segment (the batch in two halves, one segment for a single sample), 16 lanes from +0 over its samples in
        // order; then the segments' lanes added lane by lane in order.
        float[] SegmentLanes(Func<int, int, float, float> step)
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

            return total;
        }

        for (int o = 0; o < s.Out; o++)
        {
            for (int cl = 0; cl < groupIn; cl++)
            {
                int c = ((o / groupOut) * groupIn) + cl;
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        int offset = (i * s.DilationHeight * wp) + (j * s.DilationWidth);
                        dw[(((((o * groupIn) + cl) * s.KernelHeight) + i) * s.KernelWidth) + j] = Tree(SegmentLanes((n, t, lane) => ScalarOps.MultiplyAdd(Gradient(n, o, t), Input(n, c, t + offset), lane)));
                    }
                }
            }

            db[o] = Tree(SegmentLanes((n, t, lane) => lane + Gradient(n, o, t)));
        }

        return (dw, db);
    }

    /// <summary>Lane k + lane k+8, then + 4, then (0 + 2) + (1 + 3).</summary>
    private static float Tree(float[] l)
    {
        float a0 = l[0] + l[8], a1 = l[1] + l[9], a2 = l[2] + l[10], a3 = l[3] + l[11];
        float a4 = l[4] + l[12], a5 = l[5] + l[13], a6 = l[6] + l[14], a7 = l[7] + l[15];
        return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
    }

    /// <summary>This path's whole call on the calling thread with vectors <typeparamref name="TVec"/>.</summary>
    private readonly struct FlatPath : Conv2dWeightGradientTests.IWeightGradientPath
    {
        public static unsafe (float[] Dw, float[] Db) Run<TOps, TVec>(ConvShape s, float[] x, float[] dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            => RunPart(s, x, dy, Conv2dWeightGradient.TileCount(s.Geometry, TOps.Count), &Conv2dWeightGradient.Part<TOps, TVec>, &Conv2dWeightGradient.SumSegments<TOps, TVec>);
    }

    /// <summary>A weight-gradient path's whole call on the calling thread at one vector width, for the tests of each path.</summary>
    internal interface IWeightGradientPath
    {
        /// <summary>The weight and bias gradients with vectors <typeparamref name="TVec"/>.</summary>
        static abstract (float[] Dw, float[] Db) Run<TOps, TVec>(ConvShape s, float[] x, float[] dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    /// <summary>
    /// Runs <typeparamref name="TPath"/> with scalars and at every vector width (512, 256, 128 bits and
    /// <see cref="Vector{T}"/>), asserts every width gives the scalar run's bits, and returns the scalar run's gradients.
    /// </summary>
    internal static (float[] Dw, float[] Db) AssertEveryWidthSameBits<TPath>(ConvShape s, float[] x, float[] dy)
        where TPath : IWeightGradientPath
    {
        (float[] dw, float[] db) = TPath.Run<ScalarOps, float>(s, x, dy);
        (string Name, (float[] Dw, float[] Db) Result)[] widths =
        [
            ("Simd512", TPath.Run<Simd512, Vector512<float>>(s, x, dy)),
            ("Simd256", TPath.Run<Simd256, Vector256<float>>(s, x, dy)),
            ("Simd128", TPath.Run<Simd128, Vector128<float>>(s, x, dy)),
            ($"SimdVector ({Vector<float>.Count} lanes)", TPath.Run<SimdVector, Vector<float>>(s, x, dy)),
        ];
        foreach ((string name, (float[] w, float[] b)) in widths)
        {
            GemmShapeTests.AssertSameBits(dw, w, $"{s} weight gradient, {name} against scalar");
            GemmShapeTests.AssertSameBits(db, b, $"{s} bias gradient, {name} against scalar");
        }

        return (dw, db);
    }

    /// <summary>
    /// A weight-gradient path's whole call on the calling thread, for the tests of each path: its
    /// <paramref name="part"/> over all <paramref name="items"/>, then its <paramref name="sum"/> of the segments, into
    /// NaN-filled gradients.
    /// </summary>
    internal static unsafe (float[] Dw, float[] Db) RunPart(
        ConvShape s, float[] x, float[] dy, int items, delegate*<Conv2dJob*, int, void> part, delegate*<Conv2dJob*, void> sum)
    {
        Conv2dGeometry g = s.Geometry;
        float[] dw = Filled(s.WeightLength), db = Filled(s.Out), workspace = new float[s.WorkspaceFloats(1)];
        fixed (float* pdy = dy, px = x, pdw = dw, pdb = db, pw = workspace)
        {
            Conv2dJob job = new(g, s.Batch, pw + Kernels.Conv2d.PartialFloats(g), Kernels.Conv2d.SlotFloats(g))
            {
                Output = pdy,
                Input = px,
                Partials = pw,
                WeightGradient = pdw,
                BiasGradient = pdb,
                Parts = 1,
                Items = items,
            };
            part(&job, 0);
            sum(&job);
        }

        return (dw, db);
    }

    private static (float[] X, float[] Dy) Data(ConvShape s) =>
        (KernelReference.Random(s.InputLength, seed: 11), KernelReference.Random(s.OutputLength, seed: 12));

    /// <summary>A buffer of NaN: a path must write every value.</summary>
    /// <summary>
    /// <paramref name="dy"/> as a 2 × 2 max pool's backward pass through a ReLU leaves an output gradient, in place: in
    /// each window one position (chosen at random) keeps its value and, in about half the windows, none does; a few
    /// cleared positions get -0, which counts as a zero. The case of the sparse chains (<see cref="Conv2dWeightGradientSparse"/>).
    /// </summary>
    internal static float[] PoolRouted(ConvShape s, float[] dy)
    {
        var rng = new Rng(23);
        int oh = s.OutHeight, ow = s.OutWidth;
        for (int plane = 0; plane < s.Batch * s.Out; plane++)
        {
            for (int p = 0; p < oh; p += 2)
            {
                for (int q = 0; q < ow; q += 2)
                {
                    int keep = rng.NextInt32(8);
                    for (int k = 0; k < 4; k++)
                    {
                        int r = p + (k / 2), c = q + (k % 2);
                        if (r < oh && c < ow && k != keep)
                        {
                            dy[(plane * oh * ow) + (r * ow) + c] = k == 3 && keep == 7 ? -0f : 0f;
                        }
                    }
                }
            }
        }

        return dy;
    }

    internal static float[] Filled(int length)
    {
        float[] values = new float[length];
        values.AsSpan().Fill(float.NaN);
        return values;
    }
}
