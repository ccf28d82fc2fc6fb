using System;
using System.Linq;
using StaticGrad.Models;
using StaticGrad.Runtime.Tests.Losses;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// A loss of the caller's own, PyTorch's <c>out = model(x); my_loss(out).backward()</c>: ForwardForBackward then Backward
/// given the model's own loss gradient computes exactly what TrainStep computes (the same loss, the same parameter
/// gradients and batch norm buffers, bit for bit; dropout masks from the same generator), for classifiers, a CNN with batch
/// norm and dropout, a regression head whose loss works on a copy, a LogSoftmax + NLL model (a gradient with respect to
/// the log-probabilities) and a fused head; hand-written gradients ((softmax - onehot) / B, 2 (p - y) / n) match at float
/// tolerance; AccumulateBackward adds scaled micro-batches; and a Backward without its forward pass is refused.
/// </summary>
public sealed class CustomGradientTests
{
    [Fact]
    public void Classifier_WithTheLossGradient_IsTrainStepBitForBit()
    {
        const int Batch = 9;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 31, low: 0f, high: 1f);
        int[] labels = Labels(Batch, 10);
        var reference = new SmoothedClassifier128(seed: 3, maxBatch: 16);
        var model = new SmoothedClassifier128(seed: 3, maxBatch: 16);
        float expectedLoss = reference.TrainStep(inputs, labels, Batch);

        float[] outputs = new float[Batch * 10];
        model.Parameters.Gradients.Fill(123f);
        model.ForwardForBackward(inputs, outputs, Batch);
        float loss = model.Loss.ForwardBackward(outputs, labels, Batch); // outputs become the loss's own gradient
        model.Backward(outputs, Batch);

        Assert.Equal(expectedLoss, loss);
        AssertSameState(reference.Parameters, model.Parameters);
    }

    [Fact]
    public void LeNet5_WithTheLossGradient_IsTrainStepBitForBit_AndTheHandWrittenGradientIsClose()
    {
        const int Batch = 5;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 32, low: 0f, high: 1f);
        int[] labels = Labels(Batch, 10);
        var reference = new LeNet5(seed: 4, maxBatch: 8);
        var model = new LeNet5(seed: 4, maxBatch: 8);
        var handWritten = new LeNet5(seed: 4, maxBatch: 8);
        float expectedLoss = reference.TrainStep(inputs, labels, Batch);

        float[] outputs = new float[Batch * 10];
        model.ForwardForBackward(inputs, outputs, Batch);
        float[] logits = outputs.ToArray();
        Assert.Equal(expectedLoss, model.Loss.ForwardBackward(outputs, labels, Batch));
        model.Backward(outputs, Batch);
        AssertSameState(reference.Parameters, model.Parameters);

        // (softmax - onehot) / B, written here: the same gradients within float rounding.
        float[] handOutputs = new float[Batch * 10];
        handWritten.ForwardForBackward(inputs, handOutputs, Batch);
        Assert.Equal(logits, handOutputs);
        handWritten.Backward(SoftmaxMinusOneHot(handOutputs, labels, Batch, 10), Batch);
        AssertClose(reference.Parameters.Gradients.ToArray(), handWritten.Parameters.Gradients.ToArray(), "LeNet5 gradients from (softmax - onehot) / B");
    }

    [Fact]
    public void NormalizedCnn_WithBatchNormAndDropout_IsTrainStepBitForBit_ForTwoSteps()
    {
        // Batch statistics, running statistics and counters, and dropout masks drawn from the model's generator: after
        // two steps (the second one's masks and statistics depend on the first), the same state as TrainStep's.
        const int Batch = 4;
        var reference = new NormalizedCnn(seed: 5, maxBatch: 8);
        var model = new NormalizedCnn(seed: 5, maxBatch: 8);
        var referenceAdam = new Adam(reference.Parameters, 1e-2f);
        var adam = new Adam(model.Parameters, 1e-2f);
        for (int step = 0; step < 2; step++)
        {
            float[] inputs = KernelReference.Random(Batch * 784, seed: 40UL + (ulong)step, low: 0f, high: 1f);
            int[] labels = Labels(Batch, 10, step);
            float expectedLoss = reference.TrainStep(inputs, labels, Batch);
            float[] outputs = new float[Batch * 10];
            model.ForwardForBackward(inputs, outputs, Batch);
            Assert.Equal(expectedLoss, model.Loss.ForwardBackward(outputs, labels, Batch));
            model.Backward(outputs, Batch);
            AssertSameState(reference.Parameters, model.Parameters);
            Assert.Equal(reference.DropoutGenerator.GetState(), model.DropoutGenerator.GetState());
            referenceAdam.Step();
            adam.Step();
        }

        Assert.Equal(ModelMode.Evaluation, model.Mode);
    }

    [Fact]
    public void RegressionHeadWhoseLossWorksOnACopy_IsTrainStepBitForBit_AndTwiceTheErrorOverNIsClose()
    {
        // Linear + Tanh as the head: its backward pass reads its outputs, so TrainStep's loss (and Backward) writes the
        // gradient into a copy.
        const int Batch = 7;
        float[] inputs = KernelReference.Random(Batch * 5, seed: 33);
        float[] targets = KernelReference.Random(Batch * 2, seed: 34, low: -0.5f, high: 0.5f);
        var reference = new TanhRegressor(seed: 6, maxBatch: 8);
        var model = new TanhRegressor(seed: 6, maxBatch: 8);
        var handWritten = new TanhRegressor(seed: 6, maxBatch: 8);
        float expectedLoss = reference.TrainStep(inputs, targets, Batch);

        float[] predictions = new float[Batch * 2];
        model.ForwardForBackward(inputs, predictions, Batch);
        float[] forward = new float[Batch * 2];
        model.Forward(inputs, forward, Batch); // evaluation mode, its own arena: the pending forward pass survives it
        Assert.Equal(forward, predictions);
        Assert.Equal(expectedLoss, model.Loss.ForwardBackward(predictions, targets, Batch));
        model.Backward(predictions, Batch);
        AssertSameState(reference.Parameters, model.Parameters);

        handWritten.ForwardForBackward(inputs, predictions, Batch);
        float[] gradient = predictions.Select((p, i) => 2f * (p - targets[i]) / (Batch * 2)).ToArray();
        handWritten.Backward(gradient, Batch);
        AssertClose(reference.Parameters.Gradients.ToArray(), handWritten.Parameters.Gradients.ToArray(), "TanhRegressor gradients from 2 (p - y) / n");
    }

    [Fact]
    public void BinaryCrossEntropyOnProbabilities_WithTheLossGradient_IsTrainStepBitForBit()
    {
        // [BinaryCrossEntropy] reads the Sigmoid's probabilities, which the Sigmoid's backward pass reads too: TrainStep's
        // loss works on a copy, and Backward writes the caller's gradient where that copy would be.
        const int Batch = 5;
        float[] inputs = KernelReference.Random(Batch * 16, seed: 41);
        float[] targets = KernelReference.Random(Batch * 16, seed: 42, low: 0f, high: 1f);
        var reference = new BceAutoencoder(seed: 3, maxBatch: 8);
        var model = new BceAutoencoder(seed: 3, maxBatch: 8);
        float expectedLoss = reference.TrainStep(inputs, targets, Batch);

        float[] probabilities = new float[Batch * 16];
        model.ForwardForBackward(inputs, probabilities, Batch);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(expectedLoss, model.Loss.ForwardBackward(probabilities, targets, Batch));
        model.Backward(probabilities, Batch);
        AssertSameState(reference.Parameters, model.Parameters);
    }

    [Fact]
    public void LogSoftmaxModel_TakesTheGradientOfItsLogProbabilities()
    {
        // NllModel ends in LogSoftmax: ForwardForBackward returns log-probabilities (what Forward returns), and Backward
        // takes dLoss/d(log-probabilities); for NLL, -w[y] / Σw at the label, which gives TrainStep's gradients.
        const int Batch = 8;
        float[] inputs = KernelReference.Random(Batch * 6, seed: 35);
        int[] labels = Labels(Batch, 4);
        float[] weights = [2f, 1f, 1f, 0.5f];
        var reference = new NllModel(seed: 7, maxBatch: 8);
        var model = new NllModel(seed: 7, maxBatch: 8);
        reference.TrainStep(inputs, labels, Batch);

        float[] logProbabilities = new float[Batch * 4];
        model.ForwardForBackward(inputs, logProbabilities, Batch);
        float[] forward = new float[Batch * 4];
        model.Forward(inputs, forward, Batch);
        AssertClose(forward, logProbabilities, "log-probabilities");

        float weightSum = labels.Where(y => y != 3).Sum(y => weights[y]);
        float[] gradient = new float[Batch * 4];
        for (int n = 0; n < Batch; n++)
        {
            if (labels[n] != 3)
            {
                gradient[(n * 4) + labels[n]] = -weights[labels[n]] / weightSum;
            }
        }

        model.Backward(gradient, Batch);
        AssertClose(reference.Parameters.Gradients.ToArray(), model.Parameters.Gradients.ToArray(), "NllModel gradients");
    }

    [Fact]
    public void FusedHead_RunsItsHeadUnfused_AndGivesTheUnfusedModelsGradients()
    {
        // TrainStep of WideHeadFused streams its head with the loss; ForwardForBackward returns all 3,000 logits, and
        // Backward runs the head's own backward pass: exactly WideHeadUnfused's TrainStep.
        const int Batch = 6;
        float[] inputs = KernelReference.Random(Batch * 24, seed: 36);
        int[] labels = [5, 7, 2999, 0, 1234, 7];
        var reference = new WideHeadUnfused(seed: 2, maxBatch: Batch);
        var model = new WideHeadFused(seed: 2, maxBatch: Batch);
        float expectedLoss = reference.TrainStep(inputs, labels, Batch);

        float[] logits = new float[Batch * 3000];
        model.ForwardForBackward(inputs, logits, Batch);
        Assert.Equal(expectedLoss, model.Loss.ForwardBackward(logits, labels, Batch));
        model.Backward(logits, Batch);
        AssertSameState(reference.Parameters, model.Parameters);
    }

    [Fact]
    public void AccumulateBackward_AddsScaledMicroBatches_LikeAccumulateGradients()
    {
        const int Batch = 12;
        int[] sizes = [5, 4, 3];
        float[] inputs = KernelReference.Random(Batch * 7, seed: 37);
        int[] labels = Labels(Batch, 3);
        var reference = new TinyDeepModel(seed: 8, maxBatch: 16);
        var model = new TinyDeepModel(seed: 8, maxBatch: 16);
        reference.Parameters.ZeroGradients();
        model.Parameters.ZeroGradients();
        int offset = 0;
        foreach (int size in sizes)
        {
            reference.AccumulateGradients(inputs.AsSpan(offset * 7), labels.AsSpan(offset), size, 0.5f);
            float[] outputs = new float[size * 3];
            model.ForwardForBackward(inputs.AsSpan(offset * 7), outputs, size);
            model.Loss.ForwardBackward(outputs, labels.AsSpan(offset, size), size);
            model.AccumulateBackward(outputs, size, 0.5f);
            offset += size;
        }

        Assert.Equal(reference.Parameters.Gradients.ToArray(), model.Parameters.Gradients.ToArray());
    }

    [Fact]
    public void Backward_WithoutItsForwardPass_IsRefused()
    {
        const int Batch = 4;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 38, low: 0f, high: 1f);
        int[] labels = Labels(Batch, 10);
        float[] outputs = new float[Batch * 10];
        float[] gradient = new float[Batch * 10];
        var model = new NormalizedCnn(seed: 9, maxBatch: 8);

        // Never a forward pass.
        InvalidOperationException none = Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch));
        Assert.Contains("call ForwardForBackward first", none.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => model.AccumulateBackward(gradient, Batch, 1f));

        // Another batch size.
        model.ForwardForBackward(inputs, outputs, Batch);
        InvalidOperationException batch = Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch - 1));
        Assert.Contains("batch 3", batch.Message, StringComparison.Ordinal);
        Assert.Contains("4 samples", batch.Message, StringComparison.Ordinal);

        // A refused Backward uses nothing up: the right one still runs, once.
        model.Backward(gradient, Batch);
        Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch));

        // Whatever reuses the training arena in between: TrainStep, AccumulateGradients, a training-mode Forward.
        model.ForwardForBackward(inputs, outputs, Batch);
        model.TrainStep(inputs, labels, Batch);
        Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch));

        model.ForwardForBackward(inputs, outputs, Batch);
        model.AccumulateGradients(inputs, labels, Batch, 1f);
        Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch));

        model.ForwardForBackward(inputs, outputs, Batch);
        model.Mode = ModelMode.Training;
        model.Forward(inputs, outputs, Batch);
        Assert.Throws<InvalidOperationException>(() => model.Backward(gradient, Batch));

        // An evaluation-mode Forward and Predict use their own arenas.
        model.ForwardForBackward(inputs, outputs, Batch);
        model.Mode = ModelMode.Evaluation;
        model.Forward(inputs, new float[Batch * 10], Batch);
        model.Predict(inputs, new float[Batch * 10], Batch);
        model.Backward(gradient, Batch);
    }

    [Fact]
    public void WrongLengthsAndBatches_AreRefused_NamingTheArgument()
    {
        const int Batch = 4;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 39, low: 0f, high: 1f);
        var model = new LeNet5(seed: 10, maxBatch: 8);
        float[] outputs = new float[Batch * 10];

        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => model.ForwardForBackward(inputs.AsSpan(1), outputs, Batch)).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => model.ForwardForBackward(inputs, new float[(Batch * 10) - 1], Batch)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardForBackward(inputs, outputs, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardForBackward(new float[9 * 784], new float[9 * 10], 9));

        model.ForwardForBackward(inputs, outputs, Batch);
        ArgumentException gradient = Assert.Throws<ArgumentException>(() => model.Backward(new float[(Batch * 10) - 1], Batch));
        Assert.Equal("outputGradient", gradient.ParamName);
        Assert.Contains("40", gradient.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Backward(outputs, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateBackward(outputs, Batch, float.NaN));

        // Longer spans are fine (the first batch rows are used), and none of the refusals used the forward pass up.
        model.Backward(new float[(Batch * 10) + 7], Batch);
    }

    [Fact]
    public void ForwardForBackward_AndBackward_AllocateNothing_AfterTheFirstCall()
    {
        const int Batch = 4;
        float[] inputs = KernelReference.Random(Batch * 784, seed: 41, low: 0f, high: 1f);
        float[] outputs = new float[Batch * 10];
        var model = new LeNet5(seed: 11, maxBatch: 8);
        model.ForwardForBackward(inputs, outputs, Batch);
        model.Backward(outputs, Batch);
        AllocationAssert.None("ForwardForBackward + Backward", () =>
        {
            model.ForwardForBackward(inputs, outputs, Batch);
            model.Backward(outputs, Batch);
        }, calls: 5, warmUp: 1);
    }

    private static int[] Labels(int batch, int classes, int shift = 0)
        => Enumerable.Range(0, batch).Select(i => ((i * 7) + shift) % classes).ToArray();

    /// <summary>Written out here: <c>(softmax(z) - onehot(y)) / B</c>, the mean cross-entropy's gradient.</summary>
    private static float[] SoftmaxMinusOneHot(float[] logits, int[] labels, int batch, int classes)
    {
        float[] gradient = new float[logits.Length];
        for (int n = 0; n < batch; n++)
        {
            double max = logits.Skip(n * classes).Take(classes).Max();
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.Exp(logits[(n * classes) + c] - max);
            }

            for (int c = 0; c < classes; c++)
            {
                double p = Math.Exp(logits[(n * classes) + c] - max) / sum;
                gradient[(n * classes) + c] = (float)((p - (c == labels[n] ? 1 : 0)) / batch);
            }
        }

        return gradient;
    }

    /// <summary>The same gradients, parameters, buffers and counters, bit for bit.</summary>
    private static void AssertSameState(ParameterSet expected, ParameterSet actual)
    {
        Assert.Equal(expected.Gradients.ToArray(), actual.Gradients.ToArray());
        Assert.Equal(expected.Values.ToArray(), actual.Values.ToArray());
        Assert.Equal(expected.BufferValues.ToArray(), actual.BufferValues.ToArray());
        Assert.Equal(expected.Counters.ToArray(), actual.Counters.ToArray());
    }

    /// <summary>Elementwise within 1e-6 plus 1e-5 of the largest magnitude.</summary>
    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v));
        double allowed = 1e-6 + (1e-5 * scale);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - (double)actual[i]);
            Assert.True(error <= allowed, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (error {error:G3}, allowed {allowed:G3})");
        }
    }
}
