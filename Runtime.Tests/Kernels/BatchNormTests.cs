using System;
using System.Linq;
using StaticGrad.Kernels;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="BatchNorm"/> against a naive scalar double-precision reference with PyTorch's semantics (biased variance
/// to normalize, unbiased variance for <c>running_var</c>, <c>running = (1 - f)·running + f·batch</c>, a cumulative
/// average <c>f = 1/num_batches_tracked</c> after the increment when the momentum is NaN), finite differences of the
/// reference for the backward pass, and argument validation.
/// </summary>
public sealed class BatchNormTests
{
    private const float Eps = 1e-5f;

    /// <summary>A per-element tolerance for float kernels against the double reference.</summary>
    private const double Tolerance = 2e-6;

    [Theory]
    [InlineData(2, 1, 1, true, true, false, 0.1f)]
    [InlineData(7, 7, 1, false, true, true, 0.1f)]
    [InlineData(33, 33, 1, true, false, false, 0.1f)]
    [InlineData(2, 785, 1, true, true, true, float.NaN)]
    [InlineData(33, 785, 1, false, false, true, 0.1f)]
    [InlineData(7, 7, 3, true, true, false, float.NaN)]
    [InlineData(33, 7, 3, false, true, true, 0.3f)]
    [InlineData(2, 33, 3, true, true, false, 1f)]
    [InlineData(7, 785, 3, false, true, false, 0f)]
    [InlineData(1, 7, 3, true, true, true, 0.1f)]
    [InlineData(2, 1, 3, true, false, true, float.NaN)]
    public void ForwardTraining_MatchesTheReference_OverThreeBatches(int outer, int channels, int inner, bool affine, bool track, bool inPlace, float momentum)
    {
        int length = outer * channels * inner;
        float[] weight = affine ? KernelReference.Random(channels, seed: 11, low: 0.5f, high: 2f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 12) : [];
        float[] runningMean = track ? KernelReference.Random(channels, seed: 13) : [];
        float[] runningVar = track ? KernelReference.Random(channels, seed: 14, low: 0.5f, high: 2f) : [];
        long[] counter = track ? [4] : [];
        double[] expectedRunningMean = ToDouble(runningMean);
        double[] expectedRunningVar = ToDouble(runningVar);
        long expectedCounter = track ? 4 : 0;
        float[] mean = new float[channels];
        float[] rstd = new float[channels];

        for (int step = 0; step < 3; step++)
        {
            float[] input = Shifted(KernelReference.Random(length, seed: (ulong)(20 + step), low: -2f, high: 2f), channels, inner);
            float[] original = (float[])input.Clone();
            float[] output = inPlace ? input : new float[length];

            BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, runningMean, runningVar, counter, outer, channels, inner, Eps, momentum);

            Reference.Stats[] stats = Reference.Statistics(original, outer, channels, inner, Eps);
            double[] expected = Reference.Normalize(original, stats, weight, bias, outer, channels, inner);
            AssertClose(expected, output, Reference.Magnitude(original, stats, weight, bias, outer, channels, inner), $"output, step {step}");
            if (!inPlace)
            {
                Assert.Equal(original, input);
            }

            for (int c = 0; c < channels; c++)
            {
                AssertClose(stats[c].Mean, mean[c], Tolerance * (1 + Math.Abs(stats[c].Mean)), $"mean[{c}], step {step}");
                AssertClose(stats[c].Rstd, rstd[c], Tolerance * stats[c].Rstd, $"rstd[{c}], step {step}");
            }

            if (track)
            {
                expectedCounter++;
                double factor = float.IsNaN(momentum) ? 1.0 / expectedCounter : momentum;
                for (int c = 0; c < channels; c++)
                {
                    expectedRunningMean[c] = ((1 - factor) * expectedRunningMean[c]) + (factor * stats[c].Mean);
                    expectedRunningVar[c] = ((1 - factor) * expectedRunningVar[c]) + (factor * stats[c].UnbiasedVariance);
                    AssertClose(expectedRunningMean[c], runningMean[c], Tolerance * (1 + Math.Abs(expectedRunningMean[c])), $"running_mean[{c}], step {step}");
                    AssertClose(expectedRunningVar[c], runningVar[c], Tolerance * (1 + expectedRunningVar[c]), $"running_var[{c}], step {step}");
                }

                Assert.Equal(expectedCounter, counter[0]);
            }
        }
    }

    [Fact]
    public void ForwardTraining_NormalizesWithTheBiasedVariance_AndTracksTheUnbiasedOne()
    {
        // One channel, values 1 and 3: mean 2, biased variance 1, unbiased variance 2.
        float[] input = [1f, 3f];
        float[] output = new float[2];
        float[] runningMean = [0f];
        float[] runningVar = [1f];
        long[] counter = [0];

        BatchNorm.ForwardTraining(input, [], [], output, [], [], runningMean, runningVar, counter, 2, 1, 1, 1e-5f, 0.1f);

        float y = (float)(1 / Math.Sqrt(1 + 1e-5));
        Assert.Equal(-y, output[0], 6);
        Assert.Equal(y, output[1], 6);
        Assert.Equal(0.2f, runningMean[0], 6);
        Assert.Equal(1.1f, runningVar[0], 6);
        Assert.Equal(1L, counter[0]);
    }

    [Fact]
    public void ForwardTraining_CumulativeAverage_IsThePlainMeanOfTheBatchStatistics()
    {
        const int Outer = 5, Channels = 3;
        float[] runningMean = [7f, 7f, 7f];
        float[] runningVar = [9f, 9f, 9f];
        long[] counter = [0];
        double[] sumMean = new double[Channels];
        double[] sumVar = new double[Channels];
        for (int step = 0; step < 4; step++)
        {
            float[] input = KernelReference.Random(Outer * Channels, seed: (ulong)(40 + step), low: -3f, high: 5f);
            Reference.Stats[] stats = Reference.Statistics(input, Outer, Channels, 1, Eps);
            for (int c = 0; c < Channels; c++)
            {
                sumMean[c] += stats[c].Mean;
                sumVar[c] += stats[c].UnbiasedVariance;
            }

            BatchNorm.ForwardTraining(input, [], [], new float[input.Length], [], [], runningMean, runningVar, counter, Outer, Channels, 1, Eps, float.NaN);
            Assert.Equal(step + 1, counter[0]);
            for (int c = 0; c < Channels; c++)
            {
                // The initial values (7 and 9) weigh nothing: the first batch's factor is 1/1.
                AssertClose(sumMean[c] / (step + 1), runningMean[c], 1e-5, $"running_mean[{c}] after {step + 1} batches");
                AssertClose(sumVar[c] / (step + 1), runningVar[c], 1e-5, $"running_var[{c}] after {step + 1} batches");
            }
        }
    }

    [Fact]
    public void ForwardTraining_WithoutSavingStatistics_GivesTheSameOutput()
    {
        const int Outer = 7, Channels = 33, Inner = 3;
        float[] input = KernelReference.Random(Outer * Channels * Inner, seed: 50);
        float[] weight = KernelReference.Random(Channels, seed: 51);
        float[] bias = KernelReference.Random(Channels, seed: 52);
        float[] saved = new float[input.Length];
        float[] unsaved = new float[input.Length];
        BatchNorm.ForwardTraining(input, weight, bias, saved, new float[Channels], new float[Channels], [], [], [], Outer, Channels, Inner, Eps, 0.1f);
        BatchNorm.ForwardTraining(input, weight, bias, unsaved, [], [], [], [], [], Outer, Channels, Inner, Eps, 0.1f);
        Assert.Equal(saved, unsaved);
        Assert.Contains(saved, v => v != 0f);
    }

    [Theory]
    [InlineData(2, 1, 1, true, true, false)]
    [InlineData(7, 7, 1, false, true, true)]
    [InlineData(33, 33, 1, true, false, false)]
    [InlineData(1, 785, 1, true, true, true)]
    [InlineData(7, 785, 3, false, false, true)]
    [InlineData(33, 7, 3, true, true, false)]
    [InlineData(2, 33, 3, true, false, true)]
    [InlineData(1, 7, 1, false, true, false)]
    public void ForwardInference_MatchesTheReference(int outer, int channels, int inner, bool affine, bool track, bool inPlace)
    {
        int length = outer * channels * inner;
        float[] input = Shifted(KernelReference.Random(length, seed: 60, low: -2f, high: 2f), channels, inner);
        float[] original = (float[])input.Clone();
        float[] weight = affine ? KernelReference.Random(channels, seed: 61, low: 0.5f, high: 2f) : [];
        float[] bias = affine ? KernelReference.Random(channels, seed: 62) : [];
        float[] runningMean = track ? KernelReference.Random(channels, seed: 63) : [];
        float[] runningVar = track ? KernelReference.Random(channels, seed: 64, low: 0.1f, high: 3f) : [];
        float[] runningMeanBefore = (float[])runningMean.Clone();
        float[] runningVarBefore = (float[])runningVar.Clone();
        float[] output = inPlace ? input : new float[length];

        BatchNorm.ForwardInference(input, weight, bias, output, runningMean, runningVar, outer, channels, inner, Eps);

        Reference.Stats[] stats = track
            ? Reference.Running(runningMean, runningVar, Eps)
            : Reference.Statistics(original, outer, channels, inner, Eps);
        double[] expected = Reference.Normalize(original, stats, weight, bias, outer, channels, inner);
        AssertClose(expected, output, Reference.Magnitude(original, stats, weight, bias, outer, channels, inner), "output");
        Assert.Equal(runningMeanBefore, runningMean);
        Assert.Equal(runningVarBefore, runningVar);
        if (!inPlace)
        {
            Assert.Equal(original, input);
        }
    }

    [Fact]
    public void ForwardInference_OfNoSamples_DoesNothing()
    {
        float[] output = [42f, 43f];
        BatchNorm.ForwardInference([], [1f, 1f], [0f, 0f], output, [0f, 0f], [1f, 1f], 0, 2, 1, Eps);
        BatchNorm.ForwardInference([], [], [], output, [], [], 0, 2, 3, Eps);
        Assert.Equal([42f, 43f], output);
    }

    [Theory]
    [InlineData(2, 1, 1, true)]
    [InlineData(7, 7, 1, false)]
    [InlineData(33, 33, 1, true)]
    [InlineData(7, 785, 1, true)]
    [InlineData(2, 7, 3, true)]
    [InlineData(33, 7, 3, false)]
    [InlineData(1, 33, 3, true)]
    public void Backward_MatchesTheReferenceGradients(int outer, int channels, int inner, bool affine)
    {
        (float[] x, float[] w, float[] b, float[] r) = GradientCase(outer, channels, inner, affine, seed: 70);
        (float[] dx, float[] dw, float[] db) = KernelGradients(x, w, b, r, outer, channels, inner);

        Reference.Stats[] stats = Reference.Statistics(x, outer, channels, inner, Eps);
        int count = outer * inner;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXhat = 0, sumAbs = 0;
            foreach (int i in Reference.Indices(c, outer, channels, inner))
            {
                double xhat = (x[i] - stats[c].Mean) * stats[c].Rstd;
                sumDy += r[i];
                sumDyXhat += r[i] * xhat;
                sumAbs += Math.Abs(r[i]) * (1 + Reference.Spread(x[i], stats[c]));
            }

            if (affine)
            {
                AssertClose(sumDyXhat, dw[c], Tolerance * (1 + sumAbs), $"weight gradient[{c}]");
                AssertClose(sumDy, db[c], Tolerance * (1 + sumAbs), $"bias gradient[{c}]");
            }

            double scale = (affine ? w[c] : 1) * stats[c].Rstd;
            foreach (int i in Reference.Indices(c, outer, channels, inner))
            {
                double xhat = (x[i] - stats[c].Mean) * stats[c].Rstd;
                double expected = scale / count * ((count * r[i]) - sumDy - (xhat * sumDyXhat));
                double magnitude = Math.Abs(scale) * (Math.Abs(r[i]) + ((sumAbs / count) * (1 + Reference.Spread(x[i], stats[c]))));
                AssertClose(expected, dx[i], 1e-5 * (1e-2 + magnitude), $"input gradient[{i}]");
            }
        }
    }

    [Theory]
    [InlineData(2, 1, 1, true)]
    [InlineData(7, 7, 1, true)]
    [InlineData(33, 33, 1, false)]
    [InlineData(7, 785, 1, true)]
    [InlineData(2, 7, 3, true)]
    [InlineData(33, 7, 3, true)]
    [InlineData(7, 33, 3, false)]
    public void Backward_MatchesFiniteDifferencesOfTheReferenceForward(int outer, int channels, int inner, bool affine)
    {
        (float[] x, float[] w, float[] b, float[] r) = GradientCase(outer, channels, inner, affine, seed: 80);
        (float[] dx, float[] dw, float[] db) = KernelGradients(x, w, b, r, outer, channels, inner);

        // L = Σ r ⊙ y with y the training-mode output (batch statistics), all in double.
        double Loss()
        {
            double[] y = Reference.Normalize(x, Reference.Statistics(x, outer, channels, inner, Eps), w, b, outer, channels, inner);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += r[i] * y[i];
            }

            return sum;
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", relativeTolerance: 1e-3, absoluteTolerance: 1e-4);
        if (affine)
        {
            GradientCheck.AssertGradientMatches(Loss, w, dw, "weight", relativeTolerance: 1e-3, absoluteTolerance: 1e-4);
            GradientCheck.AssertGradientMatches(Loss, b, db, "bias", relativeTolerance: 1e-3, absoluteTolerance: 1e-4);
        }
    }

    [Fact]
    public void Backward_GradientCheckDetectsAGradientOfTheWrongVariance()
    {
        // The unbiased variance in the normalization (a plausible bug) gives other input gradients; the check sees it.
        const int Outer = 7, Channels = 3, Inner = 1;
        (float[] x, float[] w, float[] b, float[] r) = GradientCase(Outer, Channels, Inner, affine: true, seed: 90);
        (float[] dx, _, _) = KernelGradients(x, w, b, r, Outer, Channels, Inner);
        double Loss()
        {
            double[] y = Reference.Normalize(x, Reference.Statistics(x, Outer, Channels, Inner, Eps), w, b, Outer, Channels, Inner);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += r[i] * y[i];
            }

            return sum;
        }

        float[] wrong = (float[])dx.Clone();
        for (int i = 0; i < wrong.Length; i++)
        {
            wrong[i] *= MathF.Sqrt((Outer - 1f) / Outer);
        }

        GradientCheck.AssertGradientMatches(Loss, x, dx, "input", relativeTolerance: 1e-3, absoluteTolerance: 1e-4);
        Assert.ThrowsAny<Exception>(() => GradientCheck.AssertGradientMatches(Loss, x, wrong, "input", relativeTolerance: 1e-3, absoluteTolerance: 1e-4));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(0, 3)]
    public void ForwardTraining_WithOneValuePerChannel_IsRefusedLikePyTorch_AndChangesNothing(int outer, int channels)
    {
        float[] input = KernelReference.Random(outer * channels, seed: 100);
        float[] output = new float[input.Length];
        float[] runningMean = new float[channels];
        float[] runningVar = new float[channels];
        runningVar.AsSpan().Fill(1f);
        long[] counter = [3];

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining(
            input, [], [], output, new float[channels], new float[channels], runningMean, runningVar, counter, outer, channels, 1, Eps, 0.1f));

        Assert.Equal("outer", e.ParamName);
        Assert.StartsWith("Expected more than 1 value per channel when training", e.Message);
        Assert.Contains($"[{outer}, {channels}]", e.Message);
        Assert.Equal(3L, counter[0]);
        Assert.All(runningMean, v => Assert.Equal(0f, v));
        Assert.All(runningVar, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void ForwardTraining_OneSampleWithSeveralValuesPerChannel_IsAccepted()
    {
        // PyTorch refuses only when a channel has a single value: [1, C, H·W] with H·W > 1 trains.
        float[] input = KernelReference.Random(7 * 3, seed: 101);
        float[] output = new float[input.Length];
        BatchNorm.ForwardTraining(input, [], [], output, [], [], [], [], [], 1, 7, 3, Eps, 0.1f);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(output, v => v != 0f);
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(-0.1f)]
    [InlineData(float.PositiveInfinity)]
    public void ForwardTraining_MomentumOutsideZeroToOne_IsRefused_AndChangesNothing(float momentum)
    {
        float[] input = KernelReference.Random(4 * 2, seed: 102);
        float[] runningMean = [0.5f, -0.5f];
        float[] runningVar = [2f, 3f];
        long[] counter = [1];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining(
            input, [], [], new float[input.Length], [], [], runningMean, runningVar, counter, 4, 2, 1, Eps, momentum));
        Assert.Equal("momentum", e.ParamName);
        Assert.Equal(1L, counter[0]);
        Assert.Equal([0.5f, -0.5f], runningMean);
        Assert.Equal([2f, 3f], runningVar);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Forward_EpsMustBeFiniteAndPositive(float eps)
    {
        float[] input = new float[4];
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining(input, [], [], new float[4], [], [], [], [], [], 2, 2, 1, eps, 0.1f)).ParamName);
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardInference(input, [], [], new float[4], [], [], 2, 2, 1, eps)).ParamName);
    }

    public static TheoryData<string, int> TrainingSpanCases => new()
    {
        { "input", 0 },
        { "output", 1 },
        { "weight", 2 },
        { "bias", 3 },
        { "bias", 4 },
        { "weight", 5 },
        { "rstd", 6 },
        { "mean", 7 },
        { "rstd", 8 },
        { "runningVar", 9 },
        { "runningMean", 10 },
        { "runningVar", 11 },
        { "numBatchesTracked", 12 },
        { "numBatchesTracked", 13 },
        { "output", 14 },
    };

    [Theory]
    [MemberData(nameof(TrainingSpanCases))]
    public void ForwardTraining_AMismatchedSpan_IsRefusedByName(string name, int variant)
    {
        const int Outer = 3, Channels = 4, Inner = 2, Length = Outer * Channels * Inner;
        float[] input = new float[Length];
        float[] output = new float[Length];
        float[] weight = new float[Channels];
        float[] bias = new float[Channels];
        float[] mean = new float[Channels];
        float[] rstd = new float[Channels];
        float[] runningMean = new float[Channels];
        float[] runningVar = new float[Channels];
        long[] counter = new long[1];
        float[] shared = new float[Length + 1];
        var e = Assert.Throws<ArgumentException>(() =>
        {
            switch (variant)
            {
                case 0: BatchNorm.ForwardTraining(input.AsSpan(1), weight, bias, output, mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 1: BatchNorm.ForwardTraining(input, weight, bias, output.AsSpan(1), mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 2: BatchNorm.ForwardTraining(input, weight.AsSpan(1), bias, output, mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 3: BatchNorm.ForwardTraining(input, weight, bias.AsSpan(1), output, mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 4: BatchNorm.ForwardTraining(input, weight, [], output, mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 5: BatchNorm.ForwardTraining(input, [], bias, output, mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 6: BatchNorm.ForwardTraining(input, weight, bias, output, mean, [], runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 7: BatchNorm.ForwardTraining(input, weight, bias, output, mean.AsSpan(1), rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 8: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd.AsSpan(1), runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 9: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, runningMean, [], counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 10: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, runningMean.AsSpan(1), runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 11: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, runningMean, runningVar.AsSpan(1), counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 12: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, runningMean, runningVar, [], Outer, Channels, Inner, Eps, 0.1f); break;
                case 13: BatchNorm.ForwardTraining(input, weight, bias, output, mean, rstd, [], [], counter, Outer, Channels, Inner, Eps, 0.1f); break;
                case 14: BatchNorm.ForwardTraining(shared.AsSpan(0, Length), weight, bias, shared.AsSpan(1, Length), mean, rstd, runningMean, runningVar, counter, Outer, Channels, Inner, Eps, 0.1f); break;
                default: throw new ArgumentOutOfRangeException(nameof(variant));
            }
        });

        Assert.Equal(name, e.ParamName);
        Assert.Equal(0L, counter[0]);
    }

    [Fact]
    public void ForwardInference_WithoutRunningStatistics_RefusesOneValuePerChannel_ButNotWithThem()
    {
        float[] x = [1f, 2f, 3f];
        float[] c = [0f, 0f, 0f];
        float[] v = [1f, 1f, 1f];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardInference(x, [], [], new float[3], [], [], 1, 3, 1, Eps));
        Assert.Equal("outer", e.ParamName);
        Assert.StartsWith("Expected more than 1 value per channel", e.Message);
        float[] y = new float[3];
        BatchNorm.ForwardInference(x, [], [], y, c, v, 1, 3, 1, Eps);
        Assert.Equal(x[2] / MathF.Sqrt(1f + Eps), y[2], 6);
    }

    [Fact]
    public void Backward_AShortParameterGradient_IsRefusedWithOrWithoutAWeight_BeforeAnythingIsWritten()
    {
        // Without a weight the gradients were checked only when the weight was given, and the loop then wrote past them.
        float[] gradient = Enumerable.Range(0, 8).Select(i => (float)i).ToArray();
        float[] input = (float[])gradient.Clone();
        float[] short1 = [7f];
        var e = Assert.Throws<ArgumentException>(() => BatchNorm.Backward(gradient, input, new float[2], [1f, 1f], [], short1, [], 2, 2, 2));
        Assert.Equal("weightGradient", e.ParamName);
        Assert.Contains("Expected at least 2 elements (channels = 2) or none, got 1.", e.Message, StringComparison.Ordinal);
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(gradient, input, new float[2], [1f, 1f], [], [], short1, 2, 2, 2)).ParamName);
        float[] weightGradient = [5f, 5f];
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(gradient, input, new float[2], [1f, 1f], [1f, 1f], weightGradient, short1, 2, 2, 2)).ParamName);
        Assert.Equal(input, gradient);
        Assert.Equal([7f], short1);
        Assert.Equal([5f, 5f], weightGradient);
    }

    [Fact]
    public void ForwardInference_AndBackward_AMismatchedSpan_IsRefusedByName()
    {
        const int Outer = 3, Channels = 4, Inner = 2, Length = Outer * Channels * Inner;
        float[] x = new float[Length];
        float[] c = new float[Channels];
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x.AsSpan(1), c, c, new float[Length], c, c, Outer, Channels, Inner, Eps)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x, c, c, new float[Length - 1], c, c, Outer, Channels, Inner, Eps)).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x, c.AsSpan(1), c, new float[Length], c, c, Outer, Channels, Inner, Eps)).ParamName);
        Assert.Equal("runningVar", Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x, c, c, new float[Length], c, [], Outer, Channels, Inner, Eps)).ParamName);
        Assert.Equal("runningMean", Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(x, c, c, new float[Length], c.AsSpan(2), c, Outer, Channels, Inner, Eps)).ParamName);

        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length - 1], x, c, c, c, new float[Channels], new float[Channels], Outer, Channels, Inner)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length], x.AsSpan(1), c, c, c, new float[Channels], new float[Channels], Outer, Channels, Inner)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length], x, c.AsSpan(1), c, c, new float[Channels], new float[Channels], Outer, Channels, Inner)).ParamName);
        Assert.Equal("rstd", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length], x, c, c.AsSpan(1), c, new float[Channels], new float[Channels], Outer, Channels, Inner)).ParamName);
        Assert.Equal("weightGradient", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length], x, c, c, c, new float[Channels - 1], new float[Channels], Outer, Channels, Inner)).ParamName);

        // An empty parameter gradient is a frozen parameter: skipped, while the other one is still computed.
        float[] ones = Enumerable.Repeat(1f, Length).ToArray();
        float[] biasGradient = new float[Channels];
        BatchNorm.Backward(ones, x, c, c, c, [], biasGradient, Outer, Channels, Inner);
        Assert.All(biasGradient, g => Assert.Equal(Outer * Inner, g));
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(new float[Length], x, c, c, c, new float[Channels], new float[1], Outer, Channels, Inner)).ParamName);
        Assert.Equal("outer", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.Backward([], [], c, c, [], [], [], 0, Channels, Inner)).ParamName);
        Assert.Equal("channels", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardInference([], [], [], [], [], [], 2, 0, 1, Eps)).ParamName);
        Assert.Equal("inner", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining(x, [], [], new float[Length], [], [], [], [], [], Outer, Channels, 0, Eps, 0.1f)).ParamName);
        Assert.Equal("outer", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardInference([], [], [], [], [], [], -1, Channels, Inner, Eps)).ParamName);
    }

    /// <summary>Inputs, affine parameters and the fixed random weights r of <c>L = Σ r ⊙ y</c>.</summary>
    private static (float[] X, float[] W, float[] B, float[] R) GradientCase(int outer, int channels, int inner, bool affine, ulong seed)
    {
        int length = outer * channels * inner;
        float[] x = Shifted(KernelReference.Random(length, seed, low: -2f, high: 2f), channels, inner);
        float[] w = affine ? KernelReference.Random(channels, seed + 1, low: 0.5f, high: 2f) : [];
        float[] b = affine ? KernelReference.Random(channels, seed + 2) : [];
        float[] r = KernelReference.Random(length, seed + 3);
        return (x, w, b, r);
    }

    /// <summary>The kernel's gradients of <c>L = Σ r ⊙ y</c>: the training forward pass, then the backward pass.</summary>
    private static (float[] Dx, float[] Dw, float[] Db) KernelGradients(float[] x, float[] w, float[] b, float[] r, int outer, int channels, int inner)
    {
        bool affine = w.Length > 0;
        float[] mean = new float[channels];
        float[] rstd = new float[channels];
        BatchNorm.ForwardTraining(x, w, b, new float[x.Length], mean, rstd, [], [], [], outer, channels, inner, Eps, 0.1f);
        float[] dx = (float[])r.Clone();
        float[] dw = affine ? new float[channels] : [];
        float[] db = affine ? new float[channels] : [];
        if (affine)
        {
            dw.AsSpan().Fill(float.NaN); // overwritten, not accumulated
            db.AsSpan().Fill(float.NaN);
        }

        BatchNorm.Backward(dx, x, mean, rstd, w, dw, db, outer, channels, inner);
        return (dx, dw, db);
    }

    /// <summary>Gives each channel its own offset, so a mix-up of channels or of the layout shows.</summary>
    private static float[] Shifted(float[] values, int channels, int inner)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int c = i / inner % channels;
            values[i] += (c % 5) - 2f;
        }

        return values;
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static void AssertClose(double expected, float actual, double tolerance, string what)
    {
        double error = Math.Abs(expected - actual);
        Assert.True(error <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (error {error:E3} > {tolerance:E3})");
    }

    private static void AssertClose(double[] expected, float[] actual, double[] scale, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], Tolerance * (1 + scale[i]), $"{what}[{i}]");
        }
    }

    /// <summary>The naive scalar double-precision batch norm.</summary>
    private static class Reference
    {
        public static System.Collections.Generic.IEnumerable<int> Indices(int c, int outer, int channels, int inner)
        {
            for (int n = 0; n < outer; n++)
            {
                for (int i = 0; i < inner; i++)
                {
                    yield return (((n * channels) + c) * inner) + i;
                }
            }
        }

        /// <summary>Per channel: the mean, <c>1/sqrt(biased var + eps)</c>, and the unbiased variance.</summary>
        public static Stats[] Statistics(float[] x, int outer, int channels, int inner, float eps)
        {
            var stats = new Stats[channels];
            int count = outer * inner;
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                foreach (int i in Indices(c, outer, channels, inner))
                {
                    sum += x[i];
                }

                double mean = sum / count;
                double squares = 0;
                foreach (int i in Indices(c, outer, channels, inner))
                {
                    squares += (x[i] - mean) * (x[i] - mean);
                }

                stats[c] = new Stats(mean, 1 / Math.Sqrt((squares / count) + eps), count > 1 ? squares / (count - 1) : double.NaN);
            }

            return stats;
        }

        /// <summary>Eval-mode statistics from the running mean and variance.</summary>
        public static Stats[] Running(float[] runningMean, float[] runningVar, float eps)
        {
            var stats = new Stats[runningMean.Length];
            for (int c = 0; c < stats.Length; c++)
            {
                stats[c] = new Stats(runningMean[c], 1 / Math.Sqrt(runningVar[c] + (double)eps), double.NaN);
            }

            return stats;
        }

        /// <summary><c>y = (x - mean) · rstd · weight + bias</c> (no affine transform when weight is empty).</summary>
        public static double[] Normalize(float[] x, Stats[] stats, float[] weight, float[] bias, int outer, int channels, int inner)
        {
            double[] y = new double[x.Length];
            for (int c = 0; c < channels; c++)
            {
                double w = weight.Length > 0 ? weight[c] : 1;
                double b = bias.Length > 0 ? bias[c] : 0;
                foreach (int i in Indices(c, outer, channels, inner))
                {
                    y[i] = ((x[i] - stats[c].Mean) * stats[c].Rstd * w) + b;
                }
            }

            return y;
        }

        /// <summary>
        /// The magnitude a float kernel's rounding error in each output scales with:
        /// <c>(|x| + |mean|) · rstd · |weight| + |bias|</c> (the mean is rounded to float before the subtraction).
        /// </summary>
        public static double[] Magnitude(float[] x, Stats[] stats, float[] weight, float[] bias, int outer, int channels, int inner)
        {
            double[] m = new double[x.Length];
            for (int c = 0; c < channels; c++)
            {
                double w = weight.Length > 0 ? Math.Abs(weight[c]) : 1;
                double b = bias.Length > 0 ? Math.Abs(bias[c]) : 0;
                foreach (int i in Indices(c, outer, channels, inner))
                {
                    m[i] = (Spread(x[i], stats[c]) * w) + b;
                }
            }

            return m;
        }

        /// <summary><c>(|x| + |mean|) · rstd</c>: the scale of the rounding error of a float <c>xhat</c>.</summary>
        public static double Spread(float x, Stats stats) => (Math.Abs(x) + Math.Abs(stats.Mean)) * stats.Rstd;

        public readonly record struct Stats(double Mean, double Rstd, double UnbiasedVariance);
    }
}
