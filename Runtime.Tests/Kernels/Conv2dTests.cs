using System;
using System.Linq;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Conv2d"/> against the scalar double-precision definition (<see cref="ConvShape.ForEachTerm"/>) on odd sizes
/// and every kind of window (1 × 1, strided, padded, dilated, grouped, depthwise, rectangular), finite differences of the
/// reference loss <c>Σ dy·conv(x)</c>, bit-identical results for 1, 2 and 3 threads, zero allocation, and validation.
/// </summary>
public sealed class Conv2dTests
{
    private static readonly ConvShape[] AllShapes =
    [
        ConvShape.Square(3, 3, 5, 7, 4, 1, 1, 0, 1, 1),       // 1 × 1 (the input is the column matrix)
        ConvShape.Square(2, 3, 9, 7, 5, 3, 2, 1, 1, 1),       // 3 × 3, stride 2, padding 1
        ConvShape.Square(2, 2, 8, 9, 3, 5, 1, 2, 1, 1),       // 5 × 5, padding 2
        ConvShape.Square(3, 3, 9, 10, 4, 3, 1, 1, 2, 1),      // dilation 2
        ConvShape.Square(2, 4, 7, 6, 6, 3, 1, 1, 1, 2),       // groups 2
        ConvShape.Square(3, 5, 6, 7, 5, 3, 1, 1, 1, 5),       // depthwise
        ConvShape.Square(2, 4, 5, 5, 8, 1, 1, 0, 1, 2),       // grouped 1 × 1
        ConvShape.Square(1, 1, 1, 1, 1, 1, 1, 0, 1, 1),       // one value
        ConvShape.Square(5, 1, 13, 11, 6, 5, 1, 2, 1, 1),     // LeNet's first layer, smaller
        ConvShape.Square(4, 6, 7, 9, 16, 5, 1, 0, 1, 1),      // LeNet's second layer, smaller
        ConvShape.Square(2, 3, 7, 7, 2, 7, 3, 3, 1, 1),       // kernel as large as the input, stride 3
        new ConvShape(2, 2, 11, 9, 3, 2, 3, 3, 1, 2, 0, 1, 2, 1),   // rectangular everything
        ConvShape.Square(33, 2, 6, 5, 3, 3, 1, 1, 1, 1),      // more samples than reduction lanes
    ];

    public static TheoryData<int> Shapes() => new(Enumerable.Range(0, AllShapes.Length));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheReference(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] w, float[] b) = Data(s);
        float[] workspace = new float[s.WorkspaceFloats(1)];
        foreach (bool bias in new[] { true, false })
        {
            foreach (Activation activation in new[] { Activation.None, Activation.ReLU, Activation.Tanh })
            {
                float[] y = new float[s.OutputLength];
                y.AsSpan().Fill(float.NaN);
                s.Forward(x, w, bias ? b : [], y, workspace, activation);
                (double[] expected, double[] scale) = s.Reference(x, w, bias ? b : []);
                for (int i = 0; i < y.Length; i++)
                {
                    double e = activation switch
                    {
                        Activation.ReLU => Math.Max(0, expected[i]),
                        Activation.Tanh => Math.Tanh(expected[i]),
                        _ => expected[i],
                    };
                    KernelReference.AssertClose(e, y[i], (2e-5 * scale[i]) + 1e-6, $"{s} bias {bias} {activation} y[{i}]");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_MatchesTheReference(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] w, _) = Data(s);
        float[] dy = KernelReference.Random(s.OutputLength, seed: 7);
        float[] workspace = new float[s.WorkspaceFloats(1)];
        float[] dx = Filled(s.InputLength), dw = Filled(s.WeightLength), db = Filled(s.Out);
        s.BackwardData(dy, w, dx, workspace);
        s.BackwardWeight(dy, x, dw, db, workspace);

        (double[] edx, double[] dxScale, double[] edw, double[] dwScale, double[] edb) = s.ReferenceGradients(x, w, dy);
        for (int i = 0; i < dx.Length; i++)
        {
            KernelReference.AssertClose(edx[i], dx[i], (2e-5 * dxScale[i]) + 1e-6, $"{s} dx[{i}]");
        }

        for (int i = 0; i < dw.Length; i++)
        {
            KernelReference.AssertClose(edw[i], dw[i], (2e-5 * dwScale[i]) + 1e-6, $"{s} dw[{i}]");
        }

        for (int o = 0; o < s.Out; o++)
        {
            KernelReference.AssertClose(edb[o], db[o], (2e-5 * s.OutputLength) + 1e-6, $"{s} db[{o}]");
        }

        // Without a bias gradient, the weight gradient is the same.
        float[] dwOnly = Filled(s.WeightLength);
        s.BackwardWeight(dy, x, dwOnly, [], workspace);
        Assert.Equal(dw, dwOnly);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    public void Gradients_MatchFiniteDifferences(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] w, float[] b) = Data(s);
        float[] r = KernelReference.Random(s.OutputLength, seed: 9); // L = Σ r·y, so dL/dy = r
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

        float[] workspace = new float[s.WorkspaceFloats(2)];
        float[] dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.Out];
        s.BackwardData(r, w, dx, workspace);
        s.BackwardWeight(r, x, dw, db, workspace);
        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, w, dw, "weight", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
        GradientCheck.AssertGradientMatches(Loss, b, db, "bias", relativeTolerance: 1e-4, absoluteTolerance: 1e-5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(12)]
    public void EveryPass_SameBitsForOneTwoAndThreeThreads(int shape) => AssertEveryPassSameBitsForOneTwoAndThreeThreads(AllShapes[shape]);

    /// <summary>Every (shape index, thread count) pair of <paramref name="shapes"/> shapes and 1, 2 and 3 threads.</summary>
    internal static TheoryData<int, int> ShapesOnOneTwoAndThreeThreads(int shapes)
    {
        var data = new TheoryData<int, int>();
        for (int shape = 0; shape < shapes; shape++)
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                data.Add(shape, threads);
            }
        }

        return data;
    }

    /// <summary>
    /// The forward pass (with ReLU), the input gradient and the weight and bias gradients of <paramref name="s"/> on 2
    /// and 3 threads (every call split) and with a workspace of one slot give the bits of one thread; each kernel's tests
    /// call it with the shapes their path takes.
    /// </summary>
    internal static void AssertEveryPassSameBitsForOneTwoAndThreeThreads(ConvShape s, float[]? outputGradient = null)
    {
        (float[] x, float[] w, float[] b) = Data(s);
        float[] dy = outputGradient ?? KernelReference.Random(s.OutputLength, seed: 8);
        float[] workspace = new float[s.WorkspaceFloats(3)];
        Results single = Run(s, x, w, b, dy, workspace, threads: 1, splitAlways: false);
        foreach (int threads in new[] { 2, 3 })
        {
            AssertSameBits(single, Run(s, x, w, b, dy, workspace, threads, splitAlways: true), $"{s}, {threads} threads");
        }

        // A workspace with one slot runs on one thread, with the same bits.
        float[] small = new float[s.WorkspaceFloats(1)];
        AssertSameBits(single, Run(s, x, w, b, dy, small, threads: 3, splitAlways: true), $"{s}, one slot");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    public void EveryPass_SameBitsOnEveryMicrokernel(int shape)
    {
        ConvShape s = AllShapes[shape];
        (float[] x, float[] w, float[] b) = Data(s);
        float[] dy = KernelReference.Random(s.OutputLength, seed: 8);
        float[] workspace = new float[s.WorkspaceFloats(1)];
        Results? first = null;
        foreach (GemmIsa isa in GemmShapeTests.SupportedIsas())
        {
            GemmIsaSelector.Override(isa);
            try
            {
                Results result = Run(s, x, w, b, dy, workspace, threads: 1, splitAlways: false);
                first ??= result;
                AssertSameBits(first, result, $"{s}, {isa}");
            }
            finally
            {
                GemmIsaSelector.Override(null);
            }
        }
    }

    [Fact]
    public void EveryPass_AllocatesNothing()
    {
        ConvShape s = ConvShape.Square(8, 6, 14, 14, 16, 5, 1, 0, 1, 1);
        (float[] x, float[] w, float[] b) = Data(s);
        float[] y = new float[s.OutputLength], dy = KernelReference.Random(s.OutputLength, seed: 3);
        float[] dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.Out];
        float[] workspace = new float[s.WorkspaceFloats(2)];
        using (Partition.Override(2, splitAlways: true))
        {
            AllocationAssert.None("Kernels.Conv2d.Forward", () => s.Forward(x, w, b, y, workspace, Activation.ReLU), calls: 20);
            AllocationAssert.None("Kernels.Conv2d.BackwardData", () => s.BackwardData(dy, w, dx, workspace), calls: 20);
            AllocationAssert.None("Kernels.Conv2d.BackwardWeight", () => s.BackwardWeight(dy, x, dw, db, workspace), calls: 20);
        }
    }

    [Fact]
    public void NoSamples_WriteNothingForward_AndZeroParameterGradients()
    {
        ConvShape s = ConvShape.Square(0, 2, 5, 5, 3, 3, 1, 1, 1, 1);
        float[] w = KernelReference.Random(s.WeightLength, seed: 1);
        float[] workspace = new float[s.WorkspaceFloats(1)];
        s.Forward([], w, [], [], workspace);
        s.BackwardData([], w, [], workspace);
        float[] dw = Filled(s.WeightLength), db = Filled(s.Out);
        s.BackwardWeight([], [], dw, db, workspace);
        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.All(db, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void WorkspaceFloats_GrowsWithThreads_AndIgnoresTheBatch()
    {
        ConvShape s = ConvShape.Square(64, 1, 28, 28, 6, 5, 1, 2, 1, 1);
        int one = s.WorkspaceFloats(1), two = s.WorkspaceFloats(2);
        Assert.True(two > one);
        Assert.Equal(two - one, s.WorkspaceFloats(3) - two);
        Assert.Throws<ArgumentOutOfRangeException>("threads", () => s.WorkspaceFloats(0));
        Assert.Throws<ArgumentOutOfRangeException>("threads", () => s.WorkspaceFloats(Parallelism.ThreadLimit + 1));
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        ConvShape s = ConvShape.Square(2, 4, 6, 6, 6, 3, 1, 1, 1, 2);
        (float[] x, float[] w, float[] b) = Data(s);
        float[] y = new float[s.OutputLength];
        float[] workspace = new float[s.WorkspaceFloats(1)];
        Assert.Throws<ArgumentException>("input", () => s.Forward(x.AsSpan(1), w, b, y, workspace));
        Assert.Throws<ArgumentException>("weight", () => s.Forward(x, w.AsSpan(1), b, y, workspace));
        Assert.Throws<ArgumentException>("bias", () => s.Forward(x, w, b.AsSpan(1), y, workspace));
        Assert.Throws<ArgumentException>("output", () => s.Forward(x, w, b, y.AsSpan(1), workspace));
        Assert.Throws<ArgumentException>("workspace", () => s.Forward(x, w, b, y, workspace.AsSpan(1)));
        Assert.Throws<ArgumentException>("output", () => s.Forward(x, w, b, x, workspace));
        Assert.Throws<ArgumentException>("workspace", () => s.Forward(x, w, b, y, y));
        Assert.Throws<ArgumentOutOfRangeException>("activation", () => s.Forward(x, w, b, y, workspace, Activation.GELU));
        Assert.Throws<ArgumentException>("inChannels", () => (s with { Groups = 3 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentException>("outChannels", () => (s with { Out = 5 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentOutOfRangeException>("strideWidth", () => (s with { StrideWidth = 0 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentOutOfRangeException>("paddingHeight", () => (s with { PaddingHeight = -1 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentOutOfRangeException>("dilationWidth", () => (s with { DilationWidth = 0 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentOutOfRangeException>("batch", () => (s with { Batch = -1 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentException>("width", () => (s with { KernelWidth = 9 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentException>("height", () => (s with { DilationHeight = 4 }).Forward(x, w, b, y, workspace));
        Assert.Throws<ArgumentException>("inputGradient", () => s.BackwardData(y, w, new float[s.InputLength - 1], workspace));
        Assert.Throws<ArgumentException>("outputGradient", () => s.BackwardData(y.AsSpan(1), w, new float[s.InputLength], workspace));
        Assert.Throws<ArgumentException>("weightGradient", () => s.BackwardWeight(y, x, new float[s.WeightLength - 1], [], workspace));
        Assert.Throws<ArgumentException>("biasGradient", () => s.BackwardWeight(y, x, new float[s.WeightLength], new float[s.Out - 1], workspace));
        Assert.Throws<ArgumentException>("weightGradient", () => s.BackwardWeight(y, x, y.AsSpan(0, s.WeightLength), [], workspace));
    }

    private static void AssertSameBits(Results expected, Results actual, string what)
    {
        GemmShapeTests.AssertSameBits(expected.Y, actual.Y, $"forward, {what}");
        GemmShapeTests.AssertSameBits(expected.Dx, actual.Dx, $"input gradient, {what}");
        GemmShapeTests.AssertSameBits(expected.Dw, actual.Dw, $"weight gradient, {what}");
        GemmShapeTests.AssertSameBits(expected.Db, actual.Db, $"bias gradient, {what}");
    }

    private static Results Run(ConvShape s, float[] x, float[] w, float[] b, float[] dy, float[] workspace, int threads, bool splitAlways)
    {
        float[] y = Filled(s.OutputLength), dx = Filled(s.InputLength), dw = Filled(s.WeightLength), db = Filled(s.Out);
        using (Partition.Override(threads, splitAlways))
        {
            s.Forward(x, w, b, y, workspace, Activation.ReLU);
            s.BackwardData(dy, w, dx, workspace);
            s.BackwardWeight(dy, x, dw, db, workspace);
        }

        return new Results(y, dx, dw, db);
    }

    private static (float[] X, float[] W, float[] B) Data(ConvShape s) =>
        (KernelReference.Random(s.InputLength, seed: 1), KernelReference.Random(s.WeightLength, seed: 2), KernelReference.Random(s.Out, seed: 3));

    private static float[] Filled(int length)
    {
        float[] values = new float[length];
        values.AsSpan().Fill(float.NaN);
        return values;
    }

    /// <summary>What the three passes wrote.</summary>
    private sealed record Results(float[] Y, float[] Dx, float[] Dw, float[] Db);
}
