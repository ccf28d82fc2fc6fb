using System;
using System.Linq;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// AccumulateGradients: micro-batches scaled by their share of the batch add up to one TrainStep on the whole batch
/// (PyTorch's <c>(loss * b_i / B).backward()</c> without <c>zero_grad()</c>), for a label model and a float-target one;
/// the accumulated gradients then step an optimizer exactly like the big batch's; no allocation after the first call.
/// </summary>
public sealed class GradientAccumulationTests
{
    private static readonly int[] MicroBatches = [5, 4, 3];

    [Fact]
    public void MicroBatchesScaledByTheirShare_EqualOneBigBatch_ForAMeanLabelModel()
    {
        const int Batch = 12;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 11);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 7) % 10).ToArray();
        var whole = new SmoothedClassifier128(seed: 4, maxBatch: 16);
        float wholeLoss = whole.TrainStep(inputs, labels, Batch);

        var parts = new SmoothedClassifier128(seed: 4, maxBatch: 16);
        parts.Parameters.Gradients.Fill(123f);
        parts.Parameters.ZeroGradients();
        double lossSum = 0;
        int offset = 0;
        foreach (int size in MicroBatches)
        {
            lossSum += size * (double)parts.AccumulateGradients(inputs.AsSpan(offset * 784), labels.AsSpan(offset), size, size / (float)Batch);
            offset += size;
        }

        Assert.Equal(wholeLoss, lossSum / Batch, 1e-5);
        AssertClose(whole.Parameters.Gradients.ToArray(), parts.Parameters.Gradients.ToArray());

        var wholeAdam = new Adam(whole.Parameters, 1e-2f);
        var partsAdam = new Adam(parts.Parameters, 1e-2f);
        wholeAdam.Step();
        partsAdam.Step();
        AssertClose(whole.Parameters.Values.ToArray(), parts.Parameters.Values.ToArray());
    }

    [Fact]
    public void MicroBatchesWithScaleOne_EqualOneBigBatch_ForASumLabelModel()
    {
        const int Batch = 12;
        float[] inputs = KernelReference.Random(Batch * 7, seed: 16);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 7) % 3).ToArray();
        var whole = new TinyDeepModel(seed: 4, maxBatch: 16);
        float wholeLoss = whole.TrainStep(inputs, labels, Batch);

        var parts = new TinyDeepModel(seed: 4, maxBatch: 16);
        parts.Parameters.ZeroGradients();
        double lossSum = 0;
        int offset = 0;
        foreach (int size in MicroBatches)
        {
            lossSum += parts.AccumulateGradients(inputs.AsSpan(offset * 7), labels.AsSpan(offset), size, 1f);
            offset += size;
        }

        Assert.Equal(wholeLoss, lossSum, 1e-5);
        AssertClose(whole.Parameters.Gradients.ToArray(), parts.Parameters.Gradients.ToArray());
    }

    [Fact]
    public void MicroBatchesScaledByTheirShare_EqualOneBigBatch_ForARegressionModel()
    {
        const int Batch = 12;
        float[] inputs = KernelReference.Random(Batch * 5, seed: 12);
        float[] targets = KernelReference.Random(Batch * 2, seed: 13, low: -0.5f, high: 0.5f);
        var whole = new TanhRegressor(seed: 6, maxBatch: 16);
        whole.TrainStep(inputs, targets, Batch);

        var parts = new TanhRegressor(seed: 6, maxBatch: 16);
        parts.Parameters.ZeroGradients();
        int offset = 0;
        foreach (int size in MicroBatches)
        {
            parts.AccumulateGradients(inputs.AsSpan(offset * 5), targets.AsSpan(offset * 2), size, size / (float)Batch);
            offset += size;
        }

        AssertClose(whole.Parameters.Gradients.ToArray(), parts.Parameters.Gradients.ToArray());
    }

    [Fact]
    public void AccumulatingAddsToTheGradients_AndTrainStepStillOverwrites()
    {
        float[] inputs = KernelReference.Random(4 * 7, seed: 14);
        int[] labels = [0, 1, 2, 1];
        var model = new TinyDeepModel(seed: 9, maxBatch: 4);
        model.TrainStep(inputs, labels, 4);
        float[] once = model.Parameters.Gradients.ToArray();
        model.AccumulateGradients(inputs, labels, 4, 1f);
        Assert.Equal(once.Select(g => 2 * g), model.Parameters.Gradients.ToArray().Select(g => g), new ToleranceComparer(1e-6));
        model.TrainStep(inputs, labels, 4);
        Assert.Equal(once, model.Parameters.Gradients.ToArray());
    }

    [Fact]
    public void ABadScaleOrLabel_IsRefused_AndNothingChanges()
    {
        var model = new TinyDeepModel(seed: 9, maxBatch: 4);
        float[] inputs = new float[4 * 7];
        model.Parameters.Gradients.Fill(0.5f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(inputs, new[] { 0, 1, 2, 1 }, 4, float.NaN));
        Assert.Equal("scale", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(inputs, new[] { 0, 1, 99, 1 }, 4, 1f));
        Assert.All(model.Parameters.Gradients.ToArray(), g => Assert.Equal(0.5f, g));
    }

    [Fact]
    public void AccumulatingAllocatesNothingAfterTheFirstCall()
    {
        float[] inputs = KernelReference.Random(4 * 7, seed: 15);
        int[] labels = [0, 1, 2, 1];
        var model = new TinyDeepModel(seed: 9, maxBatch: 4);
        AllocationAssert.None("TinyDeepModel.AccumulateGradients", () => model.AccumulateGradients(inputs, labels, 4, 0.25f));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - (double)actual[i]) <= 1e-6 * Math.Max(1, scale), $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    private sealed class ToleranceComparer(double tolerance) : System.Collections.Generic.IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(float obj) => 0;
    }
}
