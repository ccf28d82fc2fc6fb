using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.Conv2d.BackwardWeightFromMaxPool"/>, a convolution's weight and bias gradients from the max pool
/// after it, through a ReLU and without, on 1, 2 and 3 threads: over the routed positions
/// (<see cref="Conv2dWeightGradientRouted"/>) bit for bit the scalar transcription of its documented order and within
/// float32 rounding of the two passes; for shapes that run the two passes (or a non-finite input), bit for bit the max
/// pool's backward pass followed by <see cref="Kernels.Conv2d.BackwardWeight"/>. Also its argument checks, an index
/// outside its plane, and no allocation. Run under each instruction-set setting in CI (the category), like the paths it uses.
/// </summary>
[Trait("Category", "InstructionSet")]
public sealed class Conv2dWeightGradientFromMaxPoolTests
{
    private static readonly (ConvShape Conv, Window Pool)[] AllCases =
    [
        (ConvShape.Square(64, 1, 28, 28, 6, 5, 1, 2, 1, 1), new Window(2, 2, 0, 1)),        // LeNet conv1 and its pool
        (ConvShape.Square(7, 1, 12, 12, 6, 5, 1, 2, 1, 1), new Window(2, 2, 0, 1)),         // odd batch
        (ConvShape.Square(5, 3, 16, 16, 8, 3, 1, 1, 1, 1), new Window(3, 2, 1, 1)),         // overlapping 3 × 3 windows, padding: the scatter
        (ConvShape.Square(3, 2, 4, 4, 13, 3, 1, 1, 1, 1), new Window(2, 1, 0, 1)),          // stride-1 windows over 13 channels (5 + 4 + 4 per tile)
        (ConvShape.Square(2, 4, 8, 8, 6, 3, 1, 1, 1, 2), new Window(2, 2, 1, 2)),           // groups, dilated windows
        (ConvShape.Square(1, 2, 8, 6, 7, 5, 1, 2, 1, 1), new Window(2, 2, 0, 1)),           // batch 1, 6-wide rows (3 windows)
        (ConvShape.Square(4, 6, 14, 14, 16, 5, 1, 0, 1, 1), new Window(2, 2, 0, 1)),        // LeNet conv2: two passes
        (ConvShape.Square(3, 3, 16, 16, 4, 3, 2, 1, 1, 1), new Window(2, 2, 0, 1)),         // stride 2: two passes
        (ConvShape.Square(3, 1, 8, 8, 16, 3, 1, 1, 1, 1), new Window(2, 2, 0, 1)),          // 16 output channels: the gradient over channels, two passes
    ];

    public static TheoryData<int, bool, int> Cases()
    {
        var data = new TheoryData<int, bool, int>();
        for (int c = 0; c < AllCases.Length; c++)
        {
            foreach (bool throughReLU in new[] { true, false })
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    data.Add(c, throughReLU, threads);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesTheBitsOfThePoolsBackwardThenTheWeightGradient(int index, bool throughReLU, int threads)
    {
        (ConvShape s, Window pool) = AllCases[index];
        Data d = Data.For(s, pool, seed: 60 + (ulong)index);
        float[] expectedW = new float[s.WeightLength], expectedB = new float[s.Out], dy = new float[s.OutputLength];
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out), scratch = Conv2dWeightGradientTests.Filled(s.OutputLength);
        using (Partition.Override(threads, splitAlways: true))
        {
            if (throughReLU)
            {
                Kernels.MaxPool2d.BackwardThroughReLU(d.PooledGradient, d.Pooled, d.Indices, dy, s.Batch, s.Out, s.OutHeight, s.OutWidth, pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation);
            }
            else
            {
                Kernels.MaxPool2d.Backward(d.PooledGradient, d.Indices, dy, s.Batch, s.Out, s.OutHeight, s.OutWidth, pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation);
            }

            s.BackwardWeight(dy, d.Input, expectedW, expectedB, new float[s.WorkspaceFloats(threads)]);
            FromMaxPool(s, pool, d, throughReLU, scratch, dw, db, new float[s.WorkspaceFloats(threads)]);
        }

        if (Routes(s, pool))
        {
            // Another order than the dense passes': the same sums within float32 rounding, and the documented order's bits.
            AssertClose(expectedW, dw, $"{s}, pool {pool}, weight gradient against the two passes");
            AssertClose(expectedB, db, $"{s}, pool {pool}, bias gradient against the two passes");
            (expectedW, expectedB) = RoutedOrder(s, pool, d, throughReLU);
        }

        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s}, pool {pool}, weight gradient");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s}, pool {pool}, bias gradient");
        if (FormsInTheWorkspace(s))
        {
            Assert.All(scratch, v => Assert.Equal(Conv2dWeightGradientTests.Filled(1)[0], v));
        }
        else
        {
            GemmShapeTests.AssertSameBits(dy, scratch, $"{s}, pool {pool}, the output gradient the two passes wrote");
        }
    }

    [Fact]
    public void TheCasesCoverBothRoutes()
    {
        Assert.Equal(6, AllCases.Count(c => FormsInTheWorkspace(c.Conv)));
        Assert.Equal(6, AllCases.Count(c => Routes(c.Conv, c.Pool)));
        Assert.Equal(3, AllCases.Count(c => !FormsInTheWorkspace(c.Conv)));
        Assert.True(Conv2dWeightGradientShifted.Fits(AllCases[^1].Conv.Geometry) && Conv2dWeightGradientByChannels.Fits(AllCases[^1].Conv.Geometry));
    }

    /// <summary>
    /// The routed path's parts check their own samples and decline on a non-finite one, the first sample's or the last's
    /// (after the other part has done its share), on one thread or two.
    /// </summary>
    [Theory]
    [InlineData(float.PositiveInfinity, false, 1)]
    [InlineData(float.NaN, false, 1)]
    [InlineData(float.PositiveInfinity, true, 2)]
    [InlineData(float.NaN, true, 2)]
    [InlineData(float.NegativeInfinity, false, 2)]
    public void ANonFiniteInput_TakesTheTwoPasses_WithTheNaNsOfTheDenseProducts(float bad, bool lastSample, int threads)
    {
        // Over the routed positions alone a zero gradient's x · 0 would be skipped; with x = ∞ it is NaN in PyTorch's products.
        (ConvShape s, Window pool) = AllCases[1];
        Data d = Data.For(s, pool, seed: 75);
        d.Input[(lastSample ? s.InputLength - (s.Height * s.Width) : 3 * s.Height * s.Width) + (5 * s.Width) + 6] = bad;
        using var split = Partition.Override(threads, splitAlways: true);
        float[] expectedW = new float[s.WeightLength], expectedB = new float[s.Out], dy = new float[s.OutputLength];
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        Kernels.MaxPool2d.BackwardThroughReLU(d.PooledGradient, d.Pooled, d.Indices, dy, s.Batch, s.Out, s.OutHeight, s.OutWidth, pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation);
        s.BackwardWeight(dy, d.Input, expectedW, expectedB, new float[s.WorkspaceFloats(2)]);
        FromMaxPool(s, pool, d, throughReLU: true, new float[s.OutputLength], dw, db, new float[s.WorkspaceFloats(2)]);
        Assert.Contains(expectedW, float.IsNaN);
        GemmShapeTests.AssertSameBits(expectedW, dw, $"{s} weight gradient");
        GemmShapeTests.AssertSameBits(expectedB, db, $"{s} bias gradient");
    }

    [Fact]
    public void WithoutABiasGradient_GivesTheSameWeightGradient()
    {
        (ConvShape s, Window pool) = AllCases[1];
        Data d = Data.For(s, pool, seed: 70);
        float[] dw = new float[s.WeightLength], alone = new float[s.WeightLength], scratch = new float[s.OutputLength];
        FromMaxPool(s, pool, d, throughReLU: true, scratch, dw, new float[s.Out], new float[s.WorkspaceFloats(2)]);
        FromMaxPool(s, pool, d, throughReLU: true, scratch, alone, Span<float>.Empty, new float[s.WorkspaceFloats(2)]);
        GemmShapeTests.AssertSameBits(dw, alone, $"{s} weight gradient without the bias");
    }

    [Fact]
    public void NoSamples_GiveZeroGradients()
    {
        (ConvShape s, Window pool) = AllCases[1];
        ConvShape empty = s with { Batch = 0 };
        float[] dw = Conv2dWeightGradientTests.Filled(s.WeightLength), db = Conv2dWeightGradientTests.Filled(s.Out);
        FromMaxPool(empty, pool, Data.For(empty, pool, seed: 71), throughReLU: true, Array.Empty<float>(), dw, db, new float[s.WorkspaceFloats(1)]);
        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.All(db, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(6)]
    public void AnIndexOutsideItsPlane_IsRefused(int index)
    {
        (ConvShape s, Window pool) = AllCases[index];
        Data d = Data.For(s, pool, seed: 72);
        d.Indices[^1] = s.OutHeight * s.OutWidth;
        ArgumentException e = Assert.Throws<ArgumentException>(
            "indices", () => FromMaxPool(s, pool, d, throughReLU: true, new float[s.OutputLength], new float[s.WeightLength], new float[s.Out], new float[s.WorkspaceFloats(2)]));
        Assert.Contains($"[0, {s.OutHeight * s.OutWidth})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadArguments_NameTheArgument()
    {
        (ConvShape s, Window pool) = AllCases[1];
        Data d = Data.For(s, pool, seed: 73);
        float[] scratch = new float[s.OutputLength], dw = new float[s.WeightLength], db = new float[s.Out], workspace = new float[s.WorkspaceFloats(1)];
        Assert.Throws<ArgumentException>("pooledGradient", () => Call(s, pool, d.PooledGradient.AsSpan(1), d.Pooled, d.Indices, scratch, d.Input, dw, db, workspace));
        Assert.Throws<ArgumentException>("pooled", () => Call(s, pool, d.PooledGradient, d.Pooled.AsSpan(1), d.Indices, scratch, d.Input, dw, db, workspace));
        Assert.Throws<ArgumentException>("indices", () => Call(s, pool, d.PooledGradient, d.Pooled, d.Indices.AsSpan(1), scratch, d.Input, dw, db, workspace));
        Assert.Throws<ArgumentException>("outputGradient", () => Call(s, pool, d.PooledGradient, d.Pooled, d.Indices, scratch.AsSpan(1), d.Input, dw, db, workspace));
        Assert.Throws<ArgumentException>("input", () => Call(s, pool, d.PooledGradient, d.Pooled, d.Indices, scratch, d.Input.AsSpan(1), dw, db, workspace));
        Assert.Throws<ArgumentException>("weightGradient", () => Call(s, pool, d.PooledGradient, d.Pooled, d.Indices, scratch, d.Input, dw.AsSpan(1), db, workspace));
        Assert.Throws<ArgumentException>("workspace", () => Call(s, pool, d.PooledGradient, d.Pooled, d.Indices, scratch, d.Input, dw, db, workspace.AsSpan(0, 8)));

        // What the pool's gradient is read from must not be written: the output-gradient room, the gradients, the workspace.
        Assert.Throws<ArgumentException>("outputGradient", () => Call(s, pool, scratch.AsSpan(0, d.PooledGradient.Length), d.Pooled, d.Indices, scratch, d.Input, dw, db, workspace));
        float[] shared = new float[d.Pooled.Length + s.WeightLength];
        Assert.Throws<ArgumentException>(
            "weightGradient", () => Call(s, pool, d.PooledGradient, shared.AsSpan(0, d.Pooled.Length), d.Indices, scratch, d.Input, shared.AsSpan(d.Pooled.Length - 1, s.WeightLength), db, workspace));
        Assert.Throws<ArgumentException>("workspace", () => Call(s, pool, workspace.AsSpan(0, d.PooledGradient.Length), d.Pooled, d.Indices, scratch, d.Input, dw, db, workspace));

        // The pool's window must fit the convolution's output, with PyTorch's rules.
        Assert.Throws<ArgumentOutOfRangeException>(
            "paddingHeight",
            () => Kernels.Conv2d.BackwardWeightFromMaxPool(
                d.PooledGradient, d.Pooled, d.Indices, scratch, d.Input, dw, db, workspace, s.Batch, s.In, s.Height, s.Width, s.Out,
                s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PaddingHeight, s.PaddingWidth, s.DilationHeight, s.DilationWidth, s.Groups,
                2, 2, 2, 2, 2, 2, 1, 1));
    }

    [Fact]
    public void AllocatesNothing()
    {
        (ConvShape s, Window pool) = AllCases[1];
        Data d = Data.For(s, pool, seed: 74);
        float[] scratch = new float[s.OutputLength], dw = new float[s.WeightLength], db = new float[s.Out], workspace = new float[s.WorkspaceFloats(2)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None(
                "Kernels.Conv2d.BackwardWeightFromMaxPool", () => FromMaxPool(s, pool, d, throughReLU: true, scratch, dw, db, workspace), calls: 20);
        }
    }

    /// <summary>Whether the call runs over the routed positions (<see cref="Conv2dWeightGradientRouted"/>), given finite inputs.</summary>
    private static bool Routes(ConvShape s, Window pool)
        => FormsInTheWorkspace(s) && Conv2dWeightGradientRouted.Fits(s.Geometry, PoolGeometry(s, pool));

    private static Pool2dGeometry PoolGeometry(ConvShape s, Window pool)
        => Pool2dGeometry.Create(s.Batch, s.Out, s.OutHeight, s.OutWidth, pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation, ceilMode: false);

    /// <summary>Each value within float32 rounding of a sum of its size: 1e-5 of the largest magnitude of the two.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        float scale = Math.Max(expected.Max(MathF.Abs), actual.Max(MathF.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f * scale, $"{what}: [{i}] {actual[i]} against {expected[i]}");
        }
    }

    /// <summary>
    /// <see cref="Conv2dWeightGradientRouted"/>'s documented order, one value at a time: per segment, per sample, a chain
    /// from +0 over the pool plane's windows in order (index -1 and gradient ±0 skipped, the ReLU's derivative applied
    /// through the maxima; the bias's in 8 lanes by window, summed in a fixed tree), added to the segment's sum; the
    /// segments' sums added in order.
    /// </summary>
    private static (float[] W, float[] B) RoutedOrder(ConvShape s, Window pool, Data d, bool throughReLU)
    {
        int poolPlane = pool.OutputSize(s.OutHeight) * pool.OutputSize(s.OutWidth);
        int segments = Math.Clamp(s.Batch, 1, Conv2dWeightGradient.Segments), groupIn = s.In / s.Groups, groupOut = s.Out / s.Groups;
        int taps = s.KernelHeight * s.KernelWidth;
        float[] dw = new float[s.WeightLength], db = new float[s.Out];
        for (int o = 0; o < s.Out; o++)
        {
            // Weight (cl, i, j) of output channel o at [cl * taps + i * kw + j], its bias at [groupIn * taps].
            float[] total = new float[(groupIn * taps) + 1];
            for (int segment = 0; segment < segments; segment++)
            {
                float[] sum = new float[total.Length];
                for (int n = segment * s.Batch / segments; n < (segment + 1) * s.Batch / segments; n++)
                {
                    float[] chain = new float[total.Length], biasLanes = new float[8];
                    for (int w = 0; w < poolPlane; w++)
                    {
                        int at = (((n * s.Out) + o) * poolPlane) + w, index = d.Indices[at];
                        float g = index == -1 || (throughReLU && d.Pooled[at] <= 0f) ? 0f : d.PooledGradient[at];
                        if (g == 0f)
                        {
                            continue;
                        }

                        int y = index / s.OutWidth, x = index % s.OutWidth;
                        for (int cl = 0; cl < groupIn; cl++)
                        {
                            int c = ((o / groupOut) * groupIn) + cl;
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    int h = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PaddingHeight, v = (x * s.StrideWidth) + j - s.PaddingWidth;
                                    float input = h >= 0 && h < s.Height && v >= 0 && v < s.Width ? d.Input[(((n * s.In) + c) * s.Height * s.Width) + (h * s.Width) + v] : 0f;
                                    int k = (cl * taps) + (i * s.KernelWidth) + j;
                                    chain[k] = Simd.HasFma ? MathF.FusedMultiplyAdd(input, g, chain[k]) : (input * g) + chain[k];
                                }
                            }
                        }

                        biasLanes[w % 8] += g;
                    }

                    chain[^1] = ((biasLanes[0] + biasLanes[1]) + (biasLanes[2] + biasLanes[3])) + ((biasLanes[4] + biasLanes[5]) + (biasLanes[6] + biasLanes[7]));

                    for (int k = 0; k < sum.Length; k++)
                    {
                        sum[k] += chain[k];
                    }
                }

                for (int k = 0; k < total.Length; k++)
                {
                    total[k] = segment == 0 ? sum[k] : total[k] + sum[k];
                }
            }

            Array.Copy(total, 0, dw, o * groupIn * taps, groupIn * taps);
            db[o] = total[^1];
        }

        return (dw, db);
    }

    /// <summary>Whether the shape forms each sample's output gradient in the workspace (the shifted weight-gradient path).</summary>
    private static bool FormsInTheWorkspace(ConvShape s) => Conv2dWeightGradientShifted.Fits(s.Geometry) && !Conv2dWeightGradientByChannels.Fits(s.Geometry);

    private static void FromMaxPool(ConvShape s, Window pool, Data d, bool throughReLU, Span<float> scratch, Span<float> dw, Span<float> db, Span<float> workspace)
        => Call(s, pool, d.PooledGradient, throughReLU ? d.Pooled : ReadOnlySpan<float>.Empty, d.Indices, scratch, d.Input, dw, db, workspace);

    private static void Call(
        ConvShape s, Window pool, ReadOnlySpan<float> pooledGradient, ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, Span<float> scratch, ReadOnlySpan<float> input,
        Span<float> dw, Span<float> db, Span<float> workspace)
    {
        Kernels.Conv2d.BackwardWeightFromMaxPool(
            pooledGradient, pooled, indices, scratch, input, dw, db, workspace, s.Batch, s.In, s.Height, s.Width, s.Out,
            s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PaddingHeight, s.PaddingWidth, s.DilationHeight, s.DilationWidth, s.Groups,
            pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation);
    }

    /// <summary>A square max-pool window.</summary>
    private readonly record struct Window(int Kernel, int Stride, int Padding, int Dilation)
    {
        public int OutputSize(int size) => SlidingWindow.OutputSize(size, Kernel, Stride, Padding, Dilation);
    }

    /// <summary>
    /// The convolution's input, and the pool's backward inputs as a training step has them: the maxima and indices of the
    /// pool's forward pass over a random output with negative values (so the ReLU's derivative drops some windows) and
    /// ties (so the first maximum must win), and a random gradient of the pool's output.
    /// </summary>
    private sealed record Data(float[] Input, float[] PooledGradient, float[] Pooled, int[] Indices)
    {
        public static Data For(ConvShape s, Window pool, ulong seed)
        {
            int pooledLength = s.Batch * s.Out * pool.OutputSize(s.OutHeight) * pool.OutputSize(s.OutWidth);
            float[] output = KernelReference.Random(s.OutputLength, seed: seed);
            for (int i = 0; i < output.Length; i += 7)
            {
                output[i] = output[Math.Max(0, i - 1)];
            }

            float[] pooled = new float[pooledLength];
            int[] indices = new int[pooledLength];
            Kernels.MaxPool2d.Forward(output, pooled, indices, s.Batch, s.Out, s.OutHeight, s.OutWidth, pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding, pool.Padding, pool.Dilation, pool.Dilation);
            return new Data(KernelReference.Random(s.InputLength, seed: seed + 1000), KernelReference.Random(pooledLength, seed: seed + 2000), pooled, indices);
        }
    }
}
