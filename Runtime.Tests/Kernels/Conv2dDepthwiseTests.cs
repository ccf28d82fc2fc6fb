using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2dDepthwise"/>, the depthwise path (one group and one kernel per channel, any stride): the same bits as the GEMM
/// path it replaces (per channel a 1-row product with its column matrix, then bias and activation; for the input gradient
/// <c>Wᵀ·dY</c> per channel scattered onto a cleared plane), computed here from <see cref="Im2Col"/> and <see cref="Gemm"/>
/// themselves, with finite and infinite weights; 1, 2 and 3 threads; and the shapes it takes.
/// </summary>
public sealed class Conv2dDepthwiseTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 5, 20, 23, 5, 3, 1, 1, 1, 5),                 // rows of 23: four vectors overlapping at the end
        ConvShape.Square(2, 4, 14, 14, 4, 5, 1, 2, 1, 4),                 // 5 × 5, padding 2
        ConvShape.Square(2, 3, 9, 40, 3, 3, 1, 0, 1, 3),                  // no padding, rows of 38: two blocks of four vectors
        ConvShape.Square(2, 6, 11, 13, 6, 3, 1, 2, 2, 6),                 // dilation 2
        new ConvShape(2, 4, 12, 17, 4, 3, 3, 2, 1, 1, 1, 1, 1, 4),        // stride 2 down the columns
        ConvShape.Square(2, 8, 28, 28, 8, 3, 2, 1, 1, 8),                 // stride 2: two column phases (MobileNet's downsampling)
        ConvShape.Square(2, 4, 23, 37, 4, 5, 2, 2, 1, 4),                 // stride 2, even padding, odd rows: the phases swap, a row tail
        ConvShape.Square(2, 3, 29, 31, 3, 5, 3, 2, 1, 3),                 // stride 3, 5 × 5: three phases, the last phase row shorter
        new ConvShape(2, 2, 15, 40, 2, 3, 3, 1, 2, 1, 1, 2, 2, 2),        // stride 2 along rows with dilation 2: every tap in phase 0
        ConvShape.Square(3, 2, 6, 5, 2, 3, 1, 1, 1, 2),                   // rows shorter than a vector: the scalar loop
        new ConvShape(2, 3, 8, 19, 3, 1, 3, 1, 1, 0, 1, 1, 1, 3),         // 1 × 3 kernel
        new ConvShape(1, 2, 16, 9, 2, 3, 2, 1, 1, 1, 0, 1, 2, 2),         // 3 × 2 kernel, column dilation 2, padding only above and below
        ConvShape.Square(2, 32, 28, 28, 32, 3, 1, 1, 1, 32),              // MobileNet's size
        ConvShape.Square(2, 3, 70, 70, 3, 3, 1, 1, 1, 3),                 // stride 1, but planes too large for the flat weight gradient
    ];

    public static TheoryData<int> Shapes() => new(System.Linq.Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(Shapes))]
    public void Forward_GivesTheBitsOfIm2ColAndGemm(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dDepthwise.Applies(s.Geometry));
        var rng = new Rng(31);
        float[] x = Random(rng, s.InputLength), w = Random(rng, s.WeightLength), b = Random(rng, s.Out);
        foreach ((Activation activation, bool bias) in new[] { (Activation.None, false), (Activation.ReLU, true), (Activation.Tanh, true) })
        {
            AssertForwardBits(s, x, w, bias ? b : [], activation, $"{activation}, bias {bias}");
        }

        // An infinite weight turns its padding taps into NaN: the path must multiply them as the column matrix does.
        w[w.Length / 3] = float.PositiveInfinity;
        AssertForwardBits(s, x, w, b, Activation.ReLU, "one infinite weight");
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(Shapes))]
    public void InputGradient_GivesTheBitsOfGemmAndScatter(int shape)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dDepthwise.Applies(s.Geometry));
        var rng = new Rng(37);
        float[] w = Random(rng, s.WeightLength), dy = Random(rng, s.OutputLength);
        AssertInputGradientBits(s, w, dy, "finite weights");

        // With an infinite weight the border's products would be NaN where the GEMM path adds nothing: the path steps aside.
        w[1] = float.NegativeInfinity;
        AssertInputGradientBits(s, w, dy, "one infinite weight");
    }

    [Theory]
    [Trait("Category", "InstructionSet")]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_GivesTheBitsOfTheGemmPath(int shape)
    {
        ConvShape s = AllShapes[shape];
        if (TakesAStrideOnePath(s.Geometry))
        {
            return;
        }

        foreach (int batch in new[] { s.Batch, 37 })
        {
            // 37 samples: 16 reduction lanes of 2 or 3 samples, which small planes take as one chunk.
            ConvShape b = s with { Batch = batch };
            var rng = new Rng(43);
            float[] x = Random(rng, b.InputLength), dy = Random(rng, b.OutputLength);
            float[] dw = new float[b.WeightLength], db = new float[b.Out];
            dw.AsSpan().Fill(float.NaN);
            db.AsSpan().Fill(float.NaN);
            b.BackwardWeight(dy, x, dw, db, new float[b.WorkspaceFloats(2)]);
            (float[] expectedWeight, float[] expectedBias) = GemmWeightGradient(b, x, dy);
            GemmShapeTests.AssertSameBits(expectedWeight, dw, $"{b}, weight gradient");
            GemmShapeTests.AssertSameBits(expectedBias, db, $"{b}, bias gradient");
        }
    }

    [Fact]
    public void WeightGradient_StridedShapesTakeThePath()
    {
        // The stride-1 shapes take the flat weight gradient (but for planes too large for it); the check above compares the others.
        int[] strided = System.Linq.Enumerable.Range(0, AllShapes.Length).Where(i => !TakesAStrideOnePath(AllShapes[i].Geometry)).ToArray();
        Assert.Equal([4, 5, 6, 7, 8, 13], strided);

        // And with 37 samples, 2 or 3 a lane, a chunk of the strided shapes holds several samples (and a lane of 3 in chunks
        // of 2 two chunks); the large plane's chunks are single samples.
        Assert.All(strided[..^1], i => Assert.True(Kernels.Conv2d.ChunkSamples(AllShapes[i].Geometry) >= 2, $"shape {i}"));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryPass_SameBitsForOneTwoAndThreeThreads(int shape)
        => Conv2dTests.AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape]);

    [Fact]
    public void EveryPass_AllocatesNothing()
    {
        foreach (ConvShape s in new[] { AllShapes[0], AllShapes[5] })
        {
            var rng = new Rng(41);
            float[] x = Random(rng, s.InputLength), w = Random(rng, s.WeightLength), b = Random(rng, s.Out), dy = Random(rng, s.OutputLength);
            float[] y = new float[s.OutputLength], dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.Out];
            float[] workspace = new float[s.WorkspaceFloats(2)];
            using (Threading.Partition.Override(2, splitAlways: true))
            {
                AllocationAssert.None($"{s} forward", () => s.Forward(x, w, b, y, workspace, Activation.ReLU), calls: 20);
                AllocationAssert.None($"{s} input gradient", () => s.BackwardData(dy, w, dx, workspace), calls: 20);
                AllocationAssert.None($"{s} weight gradient", () => s.BackwardWeight(dy, x, dw, db, workspace), calls: 20);
            }
        }
    }

    [Fact]
    public void TakesOneKernelPerChannel()
    {
        Assert.True(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(8, 10, 10, 8, 3, 1, 1, 1, 8)));
        Assert.False(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(8, 10, 10, 16, 3, 1, 1, 1, 8)));   // two kernels per channel
        Assert.False(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(8, 10, 10, 8, 3, 1, 1, 1, 4)));    // two channels per group
        Assert.False(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(1, 10, 10, 1, 3, 1, 1, 1, 1)));    // one channel: the ordinary paths
        Assert.True(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(8, 10, 10, 8, 3, 2, 1, 1, 8)));     // stride 2
        Assert.False(Conv2dDepthwise.Applies(Conv2dDirectTests.Geometry(8, 20, 20, 8, 17, 1, 0, 1, 8)));   // 289 taps
    }

    private static void AssertForwardBits(ConvShape s, float[] x, float[] w, float[] b, Activation activation, string what)
    {
        float[] y = new float[s.OutputLength];
        y.AsSpan().Fill(float.NaN);
        s.Forward(x, w, b, y, new float[s.WorkspaceFloats(2)], activation);
        GemmShapeTests.AssertSameBits(Im2ColForward(s, x, w, b, activation), y, $"{s}, {what}");
    }

    private static void AssertInputGradientBits(ConvShape s, float[] w, float[] dy, string what)
    {
        float[] dx = new float[s.InputLength];
        dx.AsSpan().Fill(float.NaN);
        s.BackwardData(dy, w, dx, new float[s.WorkspaceFloats(2)]);
        GemmShapeTests.AssertSameBits(GemmAndScatter(s, w, dy), dx, $"{s}, {what}");
    }

    /// <summary>The GEMM path's forward pass: per sample the column matrix, per channel its 1-row product, then bias and activation as their passes apply them.</summary>
    private static unsafe float[] Im2ColForward(ConvShape s, float[] x, float[] w, float[] b, Activation activation)
    {
        Conv2dGeometry g = s.Geometry;
        int plane = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        float[] columns = new float[s.In * taps * plane], expected = new float[s.OutputLength];
        for (int n = 0; n < s.Batch; n++)
        {
            fixed (float* px = x, pc = columns)
            {
                Im2Col.Gather(px + (n * s.In * s.Height * s.Width), s.In, g, pc, plane);
            }

            for (int c = 0; c < s.In; c++)
            {
                Span<float> output = expected.AsSpan(((n * s.Out) + c) * plane, plane);
                Gemm.Multiply(w.AsSpan(c * taps, taps), columns.AsSpan(c * taps * plane, taps * plane), output, 1, taps, plane);
                for (int i = 0; i < plane; i++)
                {
                    output[i] = b.Length == 0 ? output[i] : output[i] + b[c];
                }
            }
        }

        if (activation != Activation.None)
        {
            ElementwiseActivation.Forward(expected, expected, expected.Length, activation, 0f, 0f);
        }

        return expected;
    }

    /// <summary>The GEMM path's input gradient: per sample and channel <c>Wᵀ·dY</c>, scattered onto a cleared input gradient.</summary>
    private static unsafe float[] GemmAndScatter(ConvShape s, float[] w, float[] dy)
    {
        Conv2dGeometry g = s.Geometry;
        int plane = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth;
        float[] columns = new float[s.In * taps * plane], expected = new float[s.InputLength];
        for (int n = 0; n < s.Batch; n++)
        {
            for (int c = 0; c < s.In; c++)
            {
                Gemm.MultiplyTransposeA(w.AsSpan(c * taps, taps), dy.AsSpan(((n * s.Out) + c) * plane, plane), columns.AsSpan(c * taps * plane, taps * plane), taps, 1, plane);
            }

            fixed (float* pc = columns, pe = expected)
            {
                Im2Col.ScatterAdd(pc, plane, s.In, g, pe + (n * s.In * s.Height * s.Width));
            }
        }

        return expected;
    }

    /// <summary>Whether the weight gradient takes one of the stride-1 paths (the flat, shifted or by-channels one), not this one.</summary>
    private static bool TakesAStrideOnePath(in Conv2dGeometry g)
        => Conv2dWeightGradient.Fits(g) || Conv2dWeightGradientShifted.Fits(g) || Conv2dWeightGradientByChannels.Fits(g);

    /// <summary>
    /// The GEMM path's weight and bias gradients: the batch in <see cref="Kernels.Conv2d.ReductionLanes"/> lanes of consecutive
    /// samples, each lane in chunks of <see cref="Kernels.Conv2d.ChunkSamples"/>; per chunk and channel the 1-row product of the
    /// chunk's output gradient with its column matrix and a row of ones, stored for a lane's first chunk and added after;
    /// then the lanes added in order.
    /// </summary>
    private static unsafe (float[] Weight, float[] Bias) GemmWeightGradient(ConvShape s, float[] x, float[] dy)
    {
        Conv2dGeometry g = s.Geometry;
        int plane = s.OutHeight * s.OutWidth, taps = s.KernelHeight * s.KernelWidth, row = taps + 1;
        int lanes = Math.Min(s.Batch, Kernels.Conv2d.ReductionLanes), chunk = Kernels.Conv2d.ChunkSamples(g);
        float[][] partials = new float[lanes][];
        for (int lane = 0; lane < lanes; lane++)
        {
            partials[lane] = new float[s.In * row];
            int first = lane * s.Batch / lanes, end = (lane + 1) * s.Batch / lanes;
            for (int s0 = first; s0 < end; s0 += chunk)
            {
                int count = Math.Min(chunk, end - s0), length = count * plane;
                float[] all = new float[s.In * taps * length], columns = new float[row * length], gradient = new float[length], value = new float[row];
                fixed (float* px = x, pa = all)
                {
                    for (int n = 0; n < count; n++)
                    {
                        Im2Col.Gather(px + ((s0 + n) * s.In * s.Height * s.Width), s.In, g, pa + (n * plane), length);
                    }
                }

                for (int c = 0; c < s.In; c++)
                {
                    all.AsSpan(c * taps * length, taps * length).CopyTo(columns);
                    columns.AsSpan(taps * length).Fill(1f);
                    for (int n = 0; n < count; n++)
                    {
                        dy.AsSpan((((s0 + n) * s.Out) + c) * plane, plane).CopyTo(gradient.AsSpan(n * plane));
                    }

                    Gemm.MultiplyTransposeB(gradient, columns, value, 1, length, row);
                    for (int k = 0; k < row; k++)
                    {
                        ref float partial = ref partials[lane][(c * row) + k];
                        partial = s0 == first ? value[k] : partial + value[k];
                    }
                }
            }
        }

        float[] weight = new float[s.WeightLength], bias = new float[s.Out];
        for (int c = 0; c < s.In; c++)
        {
            for (int k = 0; k < row; k++)
            {
                float sum = partials[0][(c * row) + k];
                for (int lane = 1; lane < lanes; lane++)
                {
                    sum += partials[lane][(c * row) + k];
                }

                if (k < taps)
                {
                    weight[(c * taps) + k] = sum;
                }
                else
                {
                    bias[c] = sum;
                }
            }
        }

        return (weight, bias);
    }

    private static float[] Random(Rng rng, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = rng.NextSingle(-1f, 1f);
        }

        return values;
    }
}
