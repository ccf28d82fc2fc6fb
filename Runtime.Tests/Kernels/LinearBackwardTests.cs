using System;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="LinearBackward.Run"/>: the weight and input gradients of a linear layer, side by side on two threads when each
/// product is a thread's worth of work but not two; bit for bit the two <see cref="Gemm"/> products on one thread, whatever
/// the thread count or path.
/// </summary>
public sealed class LinearBackwardTests
{
    /// <summary>Batch, inputs, outputs: the side-by-side band (LeNet-5's fc2, batch 64 and 65), split products (fc1), small ones, odd sizes.</summary>
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 64, 120, 84 },
        { 65, 120, 84 },
        { 64, 400, 120 },
        { 9, 37, 11 },
        { 5, 785, 3 },
        { 1, 7, 33 },
        { 33, 129, 257 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GivesTheBitsOfTheTwoProducts_ForOneTwoAndThreeThreads(int batch, int inputs, int outputs)
    {
        float[] dy = KernelReference.Random(batch * outputs, seed: 1);
        float[] x = KernelReference.Random(batch * inputs, seed: 2);
        float[] w = KernelReference.Random(outputs * inputs, seed: 3);
        float[] expectedWeight = new float[outputs * inputs];
        float[] expectedInput = new float[batch * inputs];
        using (Partition.Override(1, splitAlways: false))
        {
            Gemm.MultiplyTransposeA(dy, x, expectedWeight, outputs, batch, inputs);
            Gemm.Multiply(dy, w, expectedInput, batch, outputs, inputs);
        }

        foreach (int threads in new[] { 1, 2, 3 })
        {
            foreach (bool split in new[] { false, true })
            {
                float[] dw = new float[outputs * inputs];
                float[] dx = new float[batch * inputs];
                dw.AsSpan().Fill(float.NaN); // both outputs are overwritten
                dx.AsSpan().Fill(float.NaN);
                using (Partition.Override(threads, split))
                {
                    LinearBackward.Run(dy, x, w, dw, dx, batch, inputs, outputs);
                }

                AssertBits(expectedWeight, dw, $"weight gradient, {threads} threads, split {split}");
                AssertBits(expectedInput, dx, $"input gradient, {threads} threads, split {split}");
            }
        }
    }

    [Fact]
    public void SideBySide_MatchesTheDoubleReference()
    {
        const int Batch = 64, Inputs = 120, Outputs = 84; // 645 k multiply-adds a product: the side-by-side band
        float[] dy = KernelReference.Random(Batch * Outputs, seed: 4);
        float[] x = KernelReference.Random(Batch * Inputs, seed: 5);
        float[] w = KernelReference.Random(Outputs * Inputs, seed: 6);
        float[] dw = new float[Outputs * Inputs];
        float[] dx = new float[Batch * Inputs];
        using (Partition.Override(2, splitAlways: false))
        {
            LinearBackward.Run(dy, x, w, dw, dx, Batch, Inputs, Outputs);
        }

        (double[] weight, double[] weightScale) = KernelReference.Gemm(dy, x, Outputs, Batch, Inputs, transposeA: true, transposeB: false);
        (double[] input, double[] inputScale) = KernelReference.Gemm(dy, w, Batch, Outputs, Inputs, transposeA: false, transposeB: false);
        for (int i = 0; i < weight.Length; i++)
        {
            KernelReference.AssertClose(weight[i], dw[i], (1e-5 * weightScale[i]) + 1e-6, $"dW[{i / Inputs},{i % Inputs}]");
        }

        for (int i = 0; i < input.Length; i++)
        {
            KernelReference.AssertClose(input[i], dx[i], (1e-5 * inputScale[i]) + 1e-6, $"dX[{i / Inputs},{i % Inputs}]");
        }
    }

    [Fact]
    public void NoRows_ClearTheWeightGradient_AndLeaveTheInputGradient()
    {
        float[] w = KernelReference.Random(3 * 4, seed: 7);
        float[] dw = KernelReference.Random(3 * 4, seed: 8);
        float[] dx = [42f];
        LinearBackward.Run([], [], w, dw, dx, batch: 0, inputs: 4, outputs: 3);
        Assert.All(dw, v => Assert.Equal(0f, v));
        Assert.Equal(42f, dx[0]);
    }

    [Fact]
    public void BadArguments_NameTheArgument()
    {
        const int Batch = 2, Inputs = 3, Outputs = 4;
        float[] dy = new float[Batch * Outputs], x = new float[Batch * Inputs], w = new float[Outputs * Inputs];
        float[] dw = new float[Outputs * Inputs], dx = new float[Batch * Inputs];
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => LinearBackward.Run(dy, x, w, dw, dx, -1, Inputs, Outputs)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentOutOfRangeException>(() => LinearBackward.Run(dy, x, w, dw, dx, Batch, 0, Outputs)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentOutOfRangeException>(() => LinearBackward.Run(dy, x, w, dw, dx, Batch, Inputs, 0)).ParamName);
        Assert.Equal("outputGradient", Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy.AsSpan(1), x, w, dw, dx, Batch, Inputs, Outputs)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x.AsSpan(1), w, dw, dx, Batch, Inputs, Outputs)).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x, w.AsSpan(1), dw, dx, Batch, Inputs, Outputs)).ParamName);
        Assert.Equal("weightGradient", Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x, w, dw.AsSpan(1), dx, Batch, Inputs, Outputs)).ParamName);
        Assert.Equal("inputGradient", Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x, w, dw, dx.AsSpan(1), Batch, Inputs, Outputs)).ParamName);

        float[] shared = new float[Outputs * Inputs];
        Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x, w, shared, shared.AsSpan(0, Batch * Inputs), Batch, Inputs, Outputs));
        Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, x, dw, dw, dx, Batch, Inputs, Outputs));
        Assert.Throws<ArgumentException>(() => LinearBackward.Run(dy, dx, w, dw, dx, Batch, Inputs, Outputs));
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the one-thread product gives {expected[i]:R}");
            }
        }
    }
}
