using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The vectorized RMSprop, Adagrad, Adadelta, Adamax, NAdam and RAdam updates (<see cref="RMSpropKernel"/>,
/// <see cref="AdagradKernel"/>, <see cref="AdadeltaKernel"/>, <see cref="AdamaxKernel"/>, <see cref="NAdamKernel"/>,
/// <see cref="RAdamKernel"/>) against a scalar reference of PyTorch's operations element by element: the same bits in the vector lanes, in the tail, and split
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

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.01f, true)]
    public void Adadelta_MatchesTheScalarReference(float weightDecay, bool split)
    {
        var s = new AdadeltaCoefficients(0.9f, (float)(1.0 - 0.9), 1e-6f, weightDecay, -1f);
        float[] p = KernelReference.Random(Length, seed: 9), g = KernelReference.Random(Length, seed: 10);
        float[] square = KernelReference.Random(Length, seed: 11, low: 0f, high: 1f), delta = KernelReference.Random(Length, seed: 12, low: 0f, high: 0.01f);
        float[] wantP = (float[])p.Clone(), wantSquare = (float[])square.Clone(), wantDelta = (float[])delta.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantSquare[j] = MathF.FusedMultiplyAdd(s.OneMinusRho * grad, grad, wantSquare[j] * s.Rho);
            float std = MathF.Sqrt(wantSquare[j] + s.Epsilon);
            float update = MathF.Sqrt(wantDelta[j] + s.Epsilon) / std * grad;
            wantDelta[j] = MathF.FusedMultiplyAdd(s.OneMinusRho * update, update, wantDelta[j] * s.Rho);
            wantP[j] = MathF.FusedMultiplyAdd(update, s.NegativeLearningRate, wantP[j]);
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<AdadeltaKernel, AdadeltaCoefficients>(ref p[0], ref g[0], ref square[0], ref delta[0], ref square[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantSquare, square);
        Assert.Equal(wantDelta, delta);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.01f, true)]
    public void Adamax_MatchesTheScalarReference(float weightDecay, bool split)
    {
        var s = new AdamaxCoefficients(weightDecay, 0.9f, (float)(1.0 - 0.9), 0.999f, 1e-8f, -0.37f);
        float[] p = KernelReference.Random(Length, seed: 13), g = KernelReference.Random(Length, seed: 14);
        float[] m = KernelReference.Random(Length, seed: 15, low: -0.1f, high: 0.1f), u = KernelReference.Random(Length, seed: 16, low: 0f, high: 1.5f);
        float[] wantP = (float[])p.Clone(), wantM = (float[])m.Clone(), wantU = (float[])u.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantM[j] = MathF.FusedMultiplyAdd(grad, s.OneMinusBeta1, wantM[j] * s.Beta1);
            wantU[j] = MathF.Max(wantU[j] * s.Beta2, MathF.Abs(grad) + s.Epsilon);
            wantP[j] += s.NegativeStepSize * wantM[j] / wantU[j];
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<AdamaxKernel, AdamaxCoefficients>(ref p[0], ref g[0], ref m[0], ref u[0], ref m[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantM, m);
        Assert.Equal(wantU, u);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.01f, true)]
    public void NAdam_MatchesTheScalarReference(float weightDecay, bool split)
    {
        var s = new NAdamCoefficients(weightDecay, 0.9f, (float)(1.0 - 0.9), 0.999f, (float)(1.0 - 0.999), 0.0299f, 1e-8f, -0.13f, -0.71f);
        float[] p = KernelReference.Random(Length, seed: 17), g = KernelReference.Random(Length, seed: 18);
        float[] m = KernelReference.Random(Length, seed: 19, low: -0.1f, high: 0.1f), v = KernelReference.Random(Length, seed: 20, low: 0f, high: 0.05f);
        float[] wantP = (float[])p.Clone(), wantM = (float[])m.Clone(), wantV = (float[])v.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantM[j] = MathF.FusedMultiplyAdd(grad, s.OneMinusBeta1, wantM[j] * s.Beta1);
            wantV[j] = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * grad, grad, wantV[j] * s.Beta2);
            float denominator = MathF.Sqrt(wantV[j] / s.BiasCorrection2) + s.Epsilon;
            wantP[j] += s.GradientStepSize * grad / denominator;
            wantP[j] += s.MomentumStepSize * wantM[j] / denominator;
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<NAdamKernel, NAdamCoefficients>(ref p[0], ref g[0], ref m[0], ref v[0], ref m[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantM, m);
        Assert.Equal(wantV, v);
    }

    [Theory]
    [InlineData(0f, false, false)]
    [InlineData(0f, true, false)]
    [InlineData(0.01f, true, true)]
    public void RAdam_MatchesTheScalarReference(float weightDecay, bool rectified, bool split)
    {
        var s = new RAdamCoefficients(weightDecay, 0.9f, (float)(1.0 - 0.9), 0.999f, (float)(1.0 - 0.999), 0.41f, 1f, rectified, 0.3f, 1e-8f, 0.9f);
        float[] p = KernelReference.Random(Length, seed: 21), g = KernelReference.Random(Length, seed: 22);
        float[] m = KernelReference.Random(Length, seed: 23, low: -0.1f, high: 0.1f), v = KernelReference.Random(Length, seed: 24, low: 0f, high: 0.05f);
        float[] wantP = (float[])p.Clone(), wantM = (float[])m.Clone(), wantV = (float[])v.Clone();
        for (int j = 0; j < Length; j++)
        {
            float grad = weightDecay != 0f ? MathF.FusedMultiplyAdd(wantP[j], weightDecay, g[j]) : g[j];
            wantM[j] = MathF.FusedMultiplyAdd(grad, s.OneMinusBeta1, wantM[j] * s.Beta1);
            wantV[j] = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * grad, grad, wantV[j] * s.Beta2);
            float update = wantM[j] / s.BiasCorrection1 * s.LearningRate;
            if (rectified)
            {
                float adaptive = 1f / (MathF.Sqrt(wantV[j]) + s.Epsilon) * s.BiasCorrection2Sqrt;
                update = update * adaptive * s.Rectification;
            }

            wantP[j] -= update;
        }

        using (Partition.Override(2, splitAlways: split))
        {
            OptimizerKernels.Update<RAdamKernel, RAdamCoefficients>(ref p[0], ref g[0], ref m[0], ref v[0], ref m[0], Length, s);
        }

        Assert.Equal(wantP, p);
        Assert.Equal(wantM, m);
        Assert.Equal(wantV, v);
    }
}
