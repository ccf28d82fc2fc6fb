using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The vectorized RMSprop and Adagrad updates (<see cref="RMSpropKernel"/>, <see cref="AdagradKernel"/>) against a scalar
/// reference of PyTorch's operations element by element: the same bits in the vector lanes, in the tail, and split
/// across threads.
/// </summary>
public sealed class UpdateKernelTests
{
    private const int Length = 1003;

    public static TheoryData<float, float, bool, bool> RMSpropVariants() => new()
    {
        { 0f, 0f, false, false },
        { 0.01f, 0f, false, true },
        { 0f, 0.9f, true, false },
        { 1e-3f, 0.5f, true, true },
    };

    [Theory]
    [MemberData(nameof(RMSpropVariants))]
    public void RMSprop_MatchesTheScalarReference(float weightDecay, float momentum, bool centered, bool split)
    {
        var s = new RMSpropCoefficients(0.9f, (float)(1.0 - 0.9), 1e-6f, weightDecay, momentum, centered, -0.01f);
        float[] p = KernelReference.Random(Length, seed: 1), g = KernelReference.Random(Length, seed: 2);
        float[] square = KernelReference.Random(Length, seed: 3, low: 0.5f, high: 1f), buffer = KernelReference.Random(Length, seed: 4);
        float[] average = KernelReference.Random(Length, seed: 5, low: -0.1f, high: 0.1f);
        float[] wantP = (float[])p.Clone(), wantSquare = (float[])square.Clone(), wantBuffer = (float[])buffer.Clone(), wantAverage = (float[])average.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantSquare[j] = MathF.FusedMultiplyAdd(s.OneMinusAlpha * grad, grad, wantSquare[j] * s.Alpha);
            float avg;
            if (centered)
            {
                wantAverage[j] = MathF.FusedMultiplyAdd(grad, s.OneMinusAlpha, wantAverage[j] * s.Alpha);
                avg = MathF.Sqrt(MathF.FusedMultiplyAdd(-wantAverage[j], wantAverage[j], wantSquare[j]));
            }
            else
            {
                avg = MathF.Sqrt(wantSquare[j]);
            }

            avg += s.Epsilon;
            if (momentum > 0f)
            {
                wantBuffer[j] = (wantBuffer[j] * momentum) + (grad / avg);
                wantP[j] = MathF.FusedMultiplyAdd(wantBuffer[j], s.NegativeLearningRate, wantP[j]);
            }
            else
            {
                wantP[j] += s.NegativeLearningRate * grad / avg;
            }
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<RMSpropKernel, RMSpropCoefficients>(ref p[0], ref g[0], ref square[0], ref buffer[0], ref average[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantSquare, square);
        Assert.Equal(wantBuffer, buffer);
        Assert.Equal(wantAverage, average);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.01f, true)]
    public void Adagrad_MatchesTheScalarReference(float weightDecay, bool split)
    {
        var s = new AdagradCoefficients(weightDecay, 1e-10f, -0.05f);
        float[] p = KernelReference.Random(Length, seed: 6), g = KernelReference.Random(Length, seed: 7);
        float[] sum = KernelReference.Random(Length, seed: 8, low: 0f, high: 1f);
        float[] wantP = (float[])p.Clone(), wantSum = (float[])sum.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantSum[j] = MathF.FusedMultiplyAdd(grad, grad, wantSum[j]);
            wantP[j] += s.NegativeStepSize * grad / (MathF.Sqrt(wantSum[j]) + s.Epsilon);
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<AdagradKernel, AdagradCoefficients>(ref p[0], ref g[0], ref sum[0], ref sum[0], ref sum[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantSum, sum);
    }
}
