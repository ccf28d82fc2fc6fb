using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Conv2d.BackwardData"/> with an output gradient as a max pool leaves it (at most one position of each
/// 2 × 2 window nonzero), which runs <see cref="Conv2dInputGradientSparse"/>: on 1, 2 and 3 threads bit for bit the scalar
/// transcription of its documented order, within float32 rounding of the exact sums; samples more than a quarter nonzero,
/// infinite weights and non-finite gradients; and no allocation. Run under each instruction-set setting in CI (the
/// category): the order is the same at every vector width.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dInputGradientSparseTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(64, 6, 14, 14, 16, 5, 1, 0, 1, 1),         // LeNet conv2: rows of 30 floats, 16 channels
        ConvShape.Square(7, 4, 10, 10, 10, 3, 1, 1, 1, 1),          // odd batch, 10 output channels, padding 1, rows of 12
        ConvShape.Square(3, 8, 7, 7, 5, 4, 1, 2, 1, 1),             // rows of exactly 32 floats, padding 2: outputs wider than inputs
        ConvShape.Square(2, 16, 7, 7, 16, 2, 1, 0, 1, 1),           // two kernel rows of 32 floats
        ConvShape.Square(5, 3, 8, 8, 7, 1, 1, 0, 1, 1),             // 1 × 1: one row of 3 floats
        new ConvShape(4, 2, 6, 12, 9, 5, 3, 1, 1, 2, 1, 1, 1, 1),  // rectangular kernel and input, padding 2 × 1
        new ConvShape(3, 5, 9, 5, 12, 4, 2, 1, 1, 1, 0, 1, 1, 1),  // four kernel rows of 10 floats, padding 1 × 0
    ];

    public static TheoryData<int, int> Cases() => Conv2dTests.ShapesOnOneTwoAndThreeThreads(AllShapes.Length);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesTheBitsOfItsOrder_WithinRoundingOfTheExactSums(int shape, int threads)
    {
        ConvShape s = AllShapes[shape];
        Assert.True(Conv2dInputGradientSparse.Fits(s.Geometry), s.ToString());
        float[] w = KernelReference.Random(s.WeightLength, seed: 81 + (ulong)shape), dy = Pooled(s, seed: 82 + (ulong)shape);
        int outputSample = s.Out * s.OutHeight * s.OutWidth;
        Assert.All(Enumerable.Range(0, s.Batch), n => Assert.True(dy.AsSpan(n * outputSample, outputSample).ToArray().Count(v => v != 0f) * 4 <= outputSample, $"sample {n} is dense"));
        float[] dx = Run(s, w, dy, threads);
        GemmShapeTests.AssertSameBits(SparseOrder(s, w, dy), dx, $"{s} on {threads} threads");
        AssertCloseToExact(s, w, dy, dx);
    }

    [Fact]
    public void ASampleMoreThanAQuarterNonzero_TakesTheDenseBits_TheOthersTheirOwnOrder()
    {
        ConvShape s = AllShapes[1];
        float[] w = KernelReference.Random(s.WeightLength, seed: 90), dy = Pooled(s, seed: 91);
        float[] dense = KernelReference.Random(s.OutputLength, seed: 92);
        int sample = s.Out * s.OutHeight * s.OutWidth;
        Array.Copy(dense, 2 * sample, dy, 2 * sample, sample);
        Array.Copy(dense, 5 * sample, dy, 5 * sample, sample);
        float[] dx = Run(s, w, dy, threads: 2);
        float[] expected = SparseOrder(s, w, dy);
        float[] gemm = Conv2dInputGradientTests.GemmAndScatter(s, w, dy);
        int input = s.In * s.Height * s.Width;
        foreach (int n in new[] { 2, 5 })
        {
            GemmShapeTests.AssertSameBits(gemm.AsSpan(n * input, input).ToArray(), expected.AsSpan(n * input, input).ToArray(), $"sample {n}: the reference's dense samples");
        }

        Assert.NotEqual(gemm, expected);
        GemmShapeTests.AssertSameBits(expected, dx, $"{s}, samples 2 and 5 dense");
    }

    [Fact]
    public void EverySampleDense_GivesTheBitsOfTheGemmAndScatter()
    {
        ConvShape s = AllShapes[0] with { Batch = 5 };
        float[] w = KernelReference.Random(s.WeightLength, seed: 93), dy = KernelReference.Random(s.OutputLength, seed: 94);
        GemmShapeTests.AssertSameBits(Conv2dInputGradientTests.GemmAndScatter(s, w, dy), Run(s, w, dy, threads: 2), $"{s}, dense gradient");
    }

    [Fact]
    public void AnInfiniteWeight_TakesTheDensePaths_WithTheNaNsOfTheZeroGradients()
    {
        // Left out, a zero gradient's product with ∞ would be missing: PyTorch's dense products make it NaN.
        ConvShape s = AllShapes[0] with { Batch = 4 };
        float[] w = KernelReference.Random(s.WeightLength, seed: 95), dy = Pooled(s, seed: 96);
        w[(3 * s.In * 25) + 12] = float.PositiveInfinity;
        float[] dx = Run(s, w, dy, threads: 2);
        double[] exact = Exact(s, w, dy);
        Assert.Contains(dx, float.IsNaN);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.True(double.IsNaN(exact[i]) == float.IsNaN(dx[i]), $"[{i}] {dx[i]} against {exact[i]}");
        }

        GemmShapeTests.AssertSameBits(Conv2dInputGradientTests.GemmAndScatter(s, w, dy), dx, $"{s}, an infinite weight");
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void ANonFiniteGradient_ReachesItsWindowOnly(float bad)
    {
        // The lanes past a window row take the zero weights' products, ∞ · 0 = NaN there: they must never be stored.
        ConvShape s = AllShapes[0] with { Batch = 3 };
        float[] w = KernelReference.Random(s.WeightLength, seed: 97), dy = Pooled(s, seed: 98);
        dy[(1 * s.Out * 100) + (4 * 100) + (3 * 10) + 2] = bad;
        float[] dx = Run(s, w, dy, threads: 2);
        double[] exact = Exact(s, w, dy);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.True(double.IsNaN(exact[i]) == float.IsNaN(dx[i]) && double.IsInfinity(exact[i]) == float.IsInfinity(dx[i]), $"[{i}] {dx[i]} against {exact[i]}");
        }

        GemmShapeTests.AssertSameBits(SparseOrder(s, w, dy), dx, $"{s}, a gradient of {bad}");
    }

    [Fact]
    public void TakesOnlyItsShapes()
    {
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 6, 14, 14, 17, 5, 1, 0, 1, 1).Geometry));   // 17 output channels
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 7, 14, 14, 16, 5, 1, 0, 1, 1).Geometry));   // rows of 35 floats
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 2, 14, 14, 16, 6, 1, 0, 1, 1).Geometry));   // six kernel rows
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 2, 0, 1, 1).Geometry));   // stride 2
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 6, 14, 14, 16, 3, 1, 0, 2, 1).Geometry));   // dilation 2
        Assert.False(Conv2dInputGradientSparse.Fits(ConvShape.Square(1, 6, 14, 14, 16, 5, 1, 0, 1, 2).Geometry));   // groups
    }

    [Fact]
    public void AllocatesNothing()
    {
        ConvShape s = AllShapes[1];
        float[] w = KernelReference.Random(s.WeightLength, seed: 99), dy = Pooled(s, seed: 100), dx = new float[s.InputLength];
        float[] workspace = new float[s.WorkspaceFloats(2)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.Conv2d.BackwardData (sparse)", () => s.BackwardData(dy, w, dx, workspace), calls: 20);
        }
    }

    private static float[] Run(ConvShape s, float[] w, float[] dy, int threads)
    {
        float[] dx = Enumerable.Repeat(float.NaN, s.InputLength).ToArray();
        using (Partition.Override(threads, splitAlways: true))
        {
            s.BackwardData(dy, w, dx, new float[s.WorkspaceFloats(threads)]);
        }

        return dx;
    }

    /// <summary>
    /// An output gradient as a 2 × 2 max pool's backward pass through a ReLU leaves it: per channel and window one
    /// position (random) with a random gradient, and one window in eight with none (its maximum at most 0).
    /// </summary>
    private static float[] Pooled(ConvShape s, ulong seed)
    {
        float[] values = KernelReference.Random(s.OutputLength, seed: seed);
        float[] kept = KernelReference.Random(s.OutputLength, seed: seed + 1000, low: 0f, high: 1f);
        float[] row = KernelReference.Random(s.OutputLength, seed: seed + 2000, low: 0f, high: 1f);
        float[] column = KernelReference.Random(s.OutputLength, seed: seed + 3000, low: 0f, high: 1f);
        float[] dy = new float[s.OutputLength];
        int oh = s.OutHeight, ow = s.OutWidth;
        for (int plane = 0; plane < s.Batch * s.Out; plane++)
        {
            for (int y = 0; y < oh; y += 2)
            {
                for (int x = 0; x < ow; x += 2)
                {
                    int at = (plane * oh * ow) + (y * ow) + x;
                    if (kept[at] < 0.125f)
                    {
                        continue;
                    }

                    int down = row[at] < 0.5f || y + 1 >= oh ? 0 : 1, right = column[at] < 0.5f || x + 1 >= ow ? 0 : 1;
                    int position = at + (down * ow) + right;
                    dy[position] = values[position];
                }
            }
        }

        return dy;
    }

    /// <summary>
    /// <see cref="Conv2dInputGradientSparse"/>'s documented order, one value at a time: per sample at most a quarter
    /// nonzero, each input element a chain from +0 over the output positions column by column, each column from the top,
    /// and within a position its nonzero channels in ascending order; a sample more than a quarter nonzero, the GEMM and
    /// scatter's bits (the dense paths').
    /// </summary>
    private static float[] SparseOrder(ConvShape s, float[] w, float[] dy)
    {
        float[] dx = Conv2dInputGradientTests.GemmAndScatter(s, w, dy);
        int oh = s.OutHeight, ow = s.OutWidth, outputSample = s.Out * oh * ow, inputSample = s.In * s.Height * s.Width;
        int paddedHeight = s.Height + (2 * s.PaddingHeight), paddedWidth = s.Width + (2 * s.PaddingWidth);
        for (int n = 0; n < s.Batch; n++)
        {
            if (dy.AsSpan(n * outputSample, outputSample).ToArray().Count(v => v != 0f) * 4 > outputSample)
            {
                continue;
            }

            float[] sums = new float[paddedHeight * paddedWidth * s.In];
            for (int x = 0; x < ow; x++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int o = 0; o < s.Out; o++)
                    {
                        float g = dy[(n * outputSample) + (o * oh * ow) + (y * ow) + x];
                        if (g == 0f)
                        {
                            continue;
                        }

                        for (int c = 0; c < s.In; c++)
                        {
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    ref float sum = ref sums[((((y + i) * paddedWidth) + x + j) * s.In) + c];
                                    float weight = w[(((((o * s.In) + c) * s.KernelHeight) + i) * s.KernelWidth) + j];
                                    sum = Simd.HasFma ? MathF.FusedMultiplyAdd(weight, g, sum) : (weight * g) + sum;
                                }
                            }
                        }
                    }
                }
            }

            for (int c = 0; c < s.In; c++)
            {
                for (int h = 0; h < s.Height; h++)
                {
                    for (int v = 0; v < s.Width; v++)
                    {
                        dx[(n * inputSample) + (((c * s.Height) + h) * s.Width) + v] = sums[((((h + s.PaddingHeight) * paddedWidth) + v + s.PaddingWidth) * s.In) + c];
                    }
                }
            }
        }

        return dx;
    }

    /// <summary>The input gradient in double over every term, zero gradients included.</summary>
    private static double[] Exact(ConvShape s, float[] w, float[] dy)
    {
        double[] dx = new double[s.InputLength];
        s.ForEachTerm((output, input, weight) => dx[input] += (double)dy[output] * w[weight]);
        return dx;
    }

    /// <summary>Each value within float32 rounding of a sum of its size: 1e-5 of the largest exact magnitude.</summary>
    private static void AssertCloseToExact(ConvShape s, float[] w, float[] dy, float[] dx)
    {
        double[] exact = Exact(s, w, dy);
        double scale = exact.Max(Math.Abs);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.True(Math.Abs(exact[i] - dx[i]) <= 1e-5 * scale, $"{s}: [{i}] {dx[i]} against {exact[i]}");
        }
    }
}
