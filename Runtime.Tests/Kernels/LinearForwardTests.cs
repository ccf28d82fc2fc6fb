using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class LinearForwardTests
{
    public static TheoryData<Activation, int, int, int> Shapes()
    {
        var data = new TheoryData<Activation, int, int, int>();
        int[][] shapes = [[1, 1, 1], [7, 33, 5], [33, 785, 7], [3, 1, 129], [2, 7, 33], [1, 785, 785], [0, 3, 4]];
        foreach (Activation activation in KernelReference.EpilogueActivations)
        {
            foreach (int[] s in shapes)
            {
                data.Add(activation, s[0], s[1], s[2]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoubleReference(Activation activation, int batch, int inputs, int outputs)
    {
        float[] x = KernelReference.Random(batch * inputs, seed: (ulong)(batch + (100 * inputs)));
        float[] w = KernelReference.Random(outputs * inputs, seed: (ulong)(outputs + (100 * inputs) + 1));
        float[] b = KernelReference.Random(outputs, seed: (ulong)outputs + 2);
        float[] y = new float[(batch * outputs) + 3];
        y.AsSpan().Fill(float.NaN);
        y.AsSpan(batch * outputs).Fill(-7f);

        LinearForward.Run(x, w, b, y, batch, inputs, outputs, activation);

        double[] expected = KernelReference.Linear(x, w, b, batch, inputs, outputs, activation);
        (_, double[] scale) = KernelReference.Gemm(x, w, batch, inputs, outputs, transposeA: false, transposeB: true);
        for (int i = 0; i < batch * outputs; i++)
        {
            // The pre-activation's error bound (the activations' slopes are at most 1) plus the activation's own rounding.
            double tolerance = (1e-5 * (scale[i] + 1)) + (1e-6 * Math.Abs(expected[i]));
            KernelReference.AssertClose(expected[i], y[i], tolerance, $"{activation} ({batch},{inputs},{outputs}) y[{i}]");
        }

        for (int i = batch * outputs; i < y.Length; i++)
        {
            Assert.Equal(-7f, y[i]);
        }
    }

    /// <summary>Each activation over a wide range, through both the vector body and the scalar tail, to float accuracy.</summary>
    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void Activation_IsAccurateAcrossItsRange(Activation activation)
    {
        // One input of value 1 and weight[o] = x_o, so output[o] = act(x_o) with an exact pre-activation.
        float[] xs = new float[2003];
        for (int i = 0; i < 2000; i++)
        {
            xs[i] = -25f + (i * 0.025f);
        }

        xs[2000] = 1e-6f;
        xs[2001] = -3e-4f;
        xs[2002] = 0.6249f;
        float[] y = new float[xs.Length];
        LinearForward.Run([1f], xs, new float[xs.Length], y, 1, 1, xs.Length, activation);

        for (int i = 0; i < xs.Length; i++)
        {
            double expected = KernelReference.Activate(xs[i], activation);
            KernelReference.AssertClose(expected, y[i], (4e-7 * Math.Abs(expected)) + 1e-38, $"{activation}({xs[i]:R})");
        }
    }

    [Fact]
    public void Activations_SaturateWithoutNaN()
    {
        float[] xs = [-1e4f, -100f, -89f, 89f, 100f, 1e4f, float.NegativeInfinity, float.PositiveInfinity];
        float[] y = new float[xs.Length];
        LinearForward.Run([1f], xs, new float[xs.Length], y, 1, 1, xs.Length, Activation.Sigmoid);
        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f, 0f, 1f], y);
        LinearForward.Run([1f], xs, new float[xs.Length], y, 1, 1, xs.Length, Activation.Tanh);
        Assert.Equal([-1f, -1f, -1f, 1f, 1f, 1f, -1f, 1f], y);
    }

    [Fact]
    public void Validation_NamesTheArgument()
    {
        float[] x = new float[6], w = new float[6], b = new float[2], y = new float[4];
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => LinearForward.Run(x.AsSpan(0, 5), w, b, y, 2, 3, 2, Activation.None)).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => LinearForward.Run(x, w.AsSpan(0, 5), b, y, 2, 3, 2, Activation.None)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => LinearForward.Run(x, w, b.AsSpan(0, 1), y, 2, 3, 2, Activation.None)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => LinearForward.Run(x, w, b, y.AsSpan(0, 3), 2, 3, 2, Activation.None)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => LinearForward.Run(x, x, b, x.AsSpan(2, 4), 2, 3, 2, Activation.None)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => LinearForward.Run(x, w, b, y, -1, 3, 2, Activation.None)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentOutOfRangeException>(() => LinearForward.Run(x, w, b, y, 2, 0, 2, Activation.None)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentOutOfRangeException>(() => LinearForward.Run(x, w, b, y, 2, 3, 0, Activation.None)).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => LinearForward.Run(x, w, b, y, 2, 3, 2, (Activation)9)).ParamName);
    }
}
