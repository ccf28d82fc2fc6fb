using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Kernels.GroupNorm"/>: the forward pass against a float64 transcription of PyTorch's definition, the backward
/// pass (with and without affine parameters, with a fused ReLU or Tanh) against central differences of
/// <c>Σ dy · f(y)</c>, and its argument checks. ConvGoldenTests compares both passes with PyTorch's.
/// </summary>
public sealed class GroupNormTests
{
    [Theory]
    [InlineData(2, 6, 3, 5, true)]
    [InlineData(3, 4, 1, 9, false)]
    [InlineData(1, 6, 6, 4, true)]
    [InlineData(4, 12, 4, 1, true)]
    public void Forward_MatchesTheDefinition(int batch, int channels, int groups, int plane, bool affine)
    {
        float[] x = KernelReference.Random(batch * channels * plane, seed: 3, low: -2f, high: 3f);
        float[] weight = affine ? KernelReference.Random(channels, seed: 4, low: 0.5f, high: 1.5f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 5) : [];
        float[] y = new float[x.Length], mean = new float[batch * groups], rstd = new float[batch * groups];
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, batch, channels, groups, plane, 1e-5f);
        int length = channels / groups * plane;
        for (int r = 0; r < batch * groups; r++)
        {
            double m = Enumerable.Range(0, length).Average(i => (double)x[(r * length) + i]);
            double variance = Enumerable.Range(0, length).Average(i => Math.Pow(x[(r * length) + i] - m, 2));
            KernelReference.AssertClose(m, mean[r], 1e-6, $"mean[{r}]");
            KernelReference.AssertClose(1 / Math.Sqrt(variance + 1e-5), rstd[r], 1e-5 / Math.Sqrt(variance + 1e-5), $"rstd[{r}]");
            for (int i = 0; i < length; i++)
            {
                int c = (((r % groups) * length) + i) / plane;
                double expected = ((x[(r * length) + i] - m) / Math.Sqrt(variance + 1e-5) * (affine ? weight[c] : 1)) + (affine ? bias[c] : 0);
                KernelReference.AssertClose(expected, y[(r * length) + i], 1e-5, $"y[{(r * length) + i}]");
            }
        }
    }

    [Theory]
    [InlineData(2, 6, 3, 5, true, Activation.None)]
    [InlineData(3, 4, 2, 3, false, Activation.None)]
    [InlineData(2, 6, 2, 4, true, Activation.Tanh)]
    [InlineData(2, 4, 4, 6, true, Activation.ReLU)]
    public void Backward_MatchesFiniteDifferences(int batch, int channels, int groups, int plane, bool affine, Activation activation)
    {
        float[] x = KernelReference.Random(batch * channels * plane, seed: 11, low: -2f, high: 2f);
        float[] weight = affine ? KernelReference.Random(channels, seed: 12, low: 0.5f, high: 1.5f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 13) : [];
        float[] dy = KernelReference.Random(x.Length, seed: 14);
        float[] y = new float[x.Length], mean = new float[batch * groups], rstd = new float[batch * groups];
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, batch, channels, groups, plane, 1e-5f, activation);
        float[] gradient = (float[])dy.Clone(), dweight = new float[weight.Length], dbias = new float[bias.Length];
        Kernels.GroupNorm.Backward(gradient, x, mean, rstd, weight, dweight, dbias, batch, channels, groups, plane, y, activation);

        float[] scratch = new float[x.Length];
        double Loss()
        {
            Kernels.GroupNorm.Forward(x, weight, bias, scratch, [], [], batch, channels, groups, plane, 1e-5f, activation);
            double sum = 0;
            for (int i = 0; i < scratch.Length; i++)
            {
                sum += (double)dy[i] * scratch[i];
            }

            return sum;
        }

        GradientCheck.AssertGradientMatches(Loss, x, gradient, "dx", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: x.Length);
        if (affine)
        {
            GradientCheck.AssertGradientMatches(Loss, weight, dweight, "dweight", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: channels);
            GradientCheck.AssertGradientMatches(Loss, bias, dbias, "dbias", eps: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 2e-3, maxElements: channels);
        }
    }

    [Fact]
    public void NamesBadArguments_AndAllocatesNothing()
    {
        float[] x = new float[2 * 6 * 4], y = new float[x.Length], weight = new float[6], bias = new float[6], mean = new float[4], rstd = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>("groups", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 4, 4, 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>("groups", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 0, 4, 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>("eps", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 0f));
        Assert.Throws<ArgumentException>("input", () => Kernels.GroupNorm.Forward(x.AsSpan(1), weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("weight", () => Kernels.GroupNorm.Forward(x, weight.AsSpan(1), bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("bias", () => Kernels.GroupNorm.Forward(x, weight, [], y, mean, rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("mean", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean.AsSpan(1), rstd, 2, 6, 2, 4, 1e-5f));
        Assert.Throws<ArgumentException>("rstd", () => Kernels.GroupNorm.Backward(y, x, mean, rstd.AsSpan(1), weight, new float[6], new float[6], 2, 6, 2, 4));
        Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f);
        AllocationAssert.None("GroupNorm.Forward", () => Kernels.GroupNorm.Forward(x, weight, bias, y, mean, rstd, 2, 6, 2, 4, 1e-5f), calls: 20);
        float[] dweight = new float[6], dbias = new float[6];
        AllocationAssert.None("GroupNorm.Backward", () => Kernels.GroupNorm.Backward(y, x, mean, rstd, weight, dweight, dbias, 2, 6, 2, 4), calls: 20);
    }
}
