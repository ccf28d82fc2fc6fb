using System;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class SoftmaxTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 33)]
    [InlineData(33, 7)]
    [InlineData(3, 785)]
    [InlineData(2, 50_000)]
    [InlineData(0, 4)]
    public void Rows_MatchDoubleReference(int rows, int cols)
    {
        float[] values = KernelReference.Random((rows * cols) + 2, seed: (ulong)(rows + cols), -10f, 10f);
        float[] original = (float[])values.Clone();
        Softmax.Rows(values, rows, cols);

        for (int r = 0; r < rows; r++)
        {
            double[] logP = KernelReference.LogSoftmax(original.AsSpan(r * cols, cols));
            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                double expected = Math.Exp(logP[c]);
                // exp's own error plus the rounding of x - max, which grows with |x - max| ≈ |log p|.
                double relative = 4e-7 + (1.2e-7 * Math.Abs(logP[c]));
                KernelReference.AssertClose(expected, values[(r * cols) + c], (relative * expected) + 1e-30, $"p[{r},{c}]");
                sum += values[(r * cols) + c];
            }

            KernelReference.AssertClose(1.0, sum, 1e-5, $"row {r} sum");
        }

        Assert.Equal(original[rows * cols], values[rows * cols]);
        Assert.Equal(original[(rows * cols) + 1], values[(rows * cols) + 1]);
    }

    [Fact]
    public void Rows_AreStableForHugeLogits()
    {
        float[] values = [1e4f, -1e4f, 1e4f, 0f, float.NegativeInfinity, 3e38f, 3e38f, -3e38f];
        Softmax.Rows(values, 2, 4);
        Assert.Equal(0.5f, values[0], 1e-6f);
        Assert.Equal(0f, values[1]);
        Assert.Equal(0.5f, values[2], 1e-6f);
        Assert.Equal(0f, values[3]);
        Assert.Equal([0f, 0.5f, 0.5f, 0f], values.AsSpan(4).ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Rows_Validation_NamesTheArgument()
    {
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => Softmax.Rows(new float[5], 2, 3)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Rows(new float[6], -1, 3)).ParamName);
        Assert.Equal("cols", Assert.Throws<ArgumentOutOfRangeException>(() => Softmax.Rows(new float[6], 2, 0)).ParamName);
    }

    [Fact]
    public void ArgMax_FirstMaximumWins()
    {
        Assert.Equal(0, ArgMax.Row([3f]));
        Assert.Equal(2, ArgMax.Row([1f, 2f, 5f, 5f, -1f]));
        Assert.Equal(4, ArgMax.Row([-3f, -2f, -5f, -2f, -1f]));
        Assert.Equal(1, ArgMax.Row([float.NegativeInfinity, 0f]));

        float[] row = KernelReference.Random(785, seed: 5);
        int expected = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[expected])
            {
                expected = i;
            }
        }

        Assert.Equal(expected, ArgMax.Row(row));
    }

    [Fact]
    public void ArgMax_NaNCountsAsMaximum_AsPyTorch()
    {
        Assert.Equal(1, ArgMax.Row([1f, float.NaN, 9f, float.NaN]));
        Assert.Equal(0, ArgMax.Row([float.NaN, 9f]));
    }

    [Fact]
    public void ArgMax_OfEmptyRow_Throws()
    {
        Assert.Equal("row", Assert.Throws<ArgumentException>(() => ArgMax.Row([])).ParamName);
    }

    private sealed class FloatTolerance(float tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 7)]
    [InlineData(3, 130)]
    [InlineData(0, 4)]
    public void LogSoftmaxBackwardFromLogits_MatchesTheDoubleJacobian(int rows, int cols)
    {
        // d/dx_j of Σ_i g_i log_softmax(x)_i = g_j - softmax(x)_j Σ_i g_i.
        float[] logits = KernelReference.Random((rows * cols) + 1, seed: (ulong)(3 * rows + cols), -4f, 4f);
        float[] gradient = KernelReference.Random(rows * cols, seed: (ulong)(rows + (5 * cols)));
        float[] values = (float[])logits.Clone();
        LogSoftmax.BackwardFromLogits(values, gradient, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            double[] logP = KernelReference.LogSoftmax(logits.AsSpan(r * cols, cols));
            double sum = 0;
            for (int c = 0; c < cols; c++)
            {
                sum += gradient[(r * cols) + c];
            }

            for (int c = 0; c < cols; c++)
            {
                double expected = gradient[(r * cols) + c] - (Math.Exp(logP[c]) * sum);
                KernelReference.AssertClose(expected, values[(r * cols) + c], 1e-6 * (1 + Math.Abs(sum)), $"dx[{r},{c}]");
            }
        }

        Assert.Equal(logits[rows * cols], values[rows * cols]);
    }
}
