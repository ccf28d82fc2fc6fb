using System;
using StaticGrad.Kernels;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>What a user of a generated model relies on: layout, initialization, argument checks, no allocation.</summary>
public sealed class GeneratedModelTests
{
    [Fact]
    public void ParametersUsePyTorchNamesLayoutsAndInitBounds()
    {
        var model = new MnistClassifier256(seed: 7, maxBatch: 4);

        Assert.Equal(new[] { "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias" }, Array.ConvertAll(ToArray(model.Parameters), t => t.Name));
        Assert.Equal(new[] { 256, 784 }, model.Parameters["layer1.weight"].Shape);
        Assert.Equal(784 * 256 + 256 + 256 * 10 + 10, model.Parameters.Count);
        Assert.Equal(MnistClassifier256.ParameterCount, model.Parameters.Count);
        Assert.Equal(784, model.Layer1.Inputs);
        Assert.Equal(10, model.Layer2.Outputs);

        AssertUniform(model.Layer1.Weight, 1 / MathF.Sqrt(784));
        AssertUniform(model.Layer1.Bias, 1 / MathF.Sqrt(784));
        AssertUniform(model.Layer2.Weight, 1 / MathF.Sqrt(256));
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        var a = new MnistClassifier128(seed: 3);
        var b = new MnistClassifier128(seed: 3);
        var c = new MnistClassifier128(seed: 4);

        Assert.True(a.Parameters.Values.SequenceEqual(b.Parameters.Values));
        Assert.False(a.Parameters.Values.SequenceEqual(c.Parameters.Values));
    }

    [Fact]
    public void BatchOverCapacityNamesBothNumbers()
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 8);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new float[9 * 784], new int[9], 9));

        Assert.Equal("batch", error.ParamName);
        Assert.Contains("9", error.Message, StringComparison.Ordinal);
        Assert.Contains("8", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[784], new float[10], 0));
    }

    [Fact]
    public void MaxBatchTooLargeForOneArenaIsRejectedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MnistClassifier128(seed: 1, maxBatch: int.MaxValue));

        Assert.Equal("maxBatch", error.ParamName);
        Assert.Contains(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortSpansAreRejectedByName()
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 8);

        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => model.TrainStep(new float[783], new int[1], 1)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => model.TrainStep(new float[2 * 784], new int[1], 2)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => model.Forward(new float[784], new float[9], 1)).ParamName);
    }

    /// <summary>
    /// An output span over the inputs (one buffer for both) is refused by the method's own names before anything runs:
    /// a kernel's check named its parameters, and a call whose layers read the inputs after the output is written would
    /// compute from overwritten values.
    /// </summary>
    [Fact]
    public void AnOutputSharingMemoryWithTheInputs_IsRefusedByTheMethodsNames()
    {
        var model = new WeightedIgnoreModel(seed: 1, maxBatch: 8);
        float[] buffer = new float[8 * 6];
        var rng = new Rng(2);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = rng.NextSingle(-1f, 1f);
        }

        float[] before = (float[])buffer.Clone();
        ArgumentException Refused(Action call) => Assert.Throws<ArgumentException>(call);

        Assert.Equal("logits", Refused(() => model.Forward(buffer, buffer.AsSpan(8, 2 * 4), 2)).ParamName);
        Assert.Equal("probabilities", Refused(() => model.Predict(buffer, buffer.AsSpan(6, 4), 2)).ParamName);
        Assert.Equal("probabilities", Refused(() => model.Predict(buffer.AsSpan(0, 6), buffer.AsSpan(2, 4))).ParamName);
        Assert.Equal("outputs", Refused(() => model.ForwardForBackward(buffer, buffer.AsSpan(8, 8), 2)).ParamName);
        Assert.Equal("losses", Refused(() => model.TrainStep(buffer, [0, 1], buffer.AsSpan(11, 2), 2)).ParamName);
        Assert.Equal(before, buffer);

        // Disjoint parts of one buffer are fine.
        model.Forward(buffer.AsSpan(0, 2 * 6), buffer.AsSpan(2 * 6, 2 * 4), 2);
        var separate = new float[2 * 4];
        model.Forward(before.AsSpan(0, 2 * 6), separate, 2);
        Assert.Equal(separate, buffer.AsSpan(2 * 6, 2 * 4).ToArray());
    }

    /// <summary>batch x inputs beyond int: the check is taken in 64 bits (it wrapped, and then a slice or a kernel threw without the method's argument name).</summary>
    [Fact]
    public void AShortSpanOfAWideModel_IsRejectedByName_WhenBatchTimesInputsPassesIntMax()
    {
        var model = new WideClassifier(seed: 1, maxBatch: 65537);

        var train = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[65536], new int[32769], 32769));
        Assert.Equal("inputs", train.ParamName);
        Assert.Contains("2147549184 elements (32769 x 65536), got 65536", train.Message, StringComparison.Ordinal);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => model.Forward(new float[65536], new float[2 * 65537], 65537)).ParamName);
    }

    [Fact]
    public void PredictRejectsShortSpansByItsOwnParameterNames()
    {
        // Softmax classifiers flat and on images, a sigmoid one-logit classifier, a regression model (Predict is its Forward).
        IInferenceModel[] models = [new MnistClassifier128(seed: 1, maxBatch: 4), new LeNet5(seed: 1, maxBatch: 4), new ZeroDigitDetector(seed: 1, maxBatch: 4), new DiabetesRegressor(seed: 1, maxBatch: 4)];
        foreach (IInferenceModel model in models)
        {
            int inputs = model.InputSize, outputs = model.OutputSize;
            Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => model.Predict(new float[(2 * inputs) - 1], new float[2 * outputs], 2)).ParamName);
            Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => model.Predict(new float[2 * inputs], new float[(2 * outputs) - 1], 2)).ParamName);
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new float[inputs], new float[outputs], 0)).ParamName);
        }

        var lenet = new LeNet5(seed: 1, maxBatch: 4);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => lenet.Predict(new float[LeNet5.InputSize - 1], new float[LeNet5.OutputSize])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => lenet.Predict(new float[LeNet5.InputSize], new float[LeNet5.OutputSize - 1])).ParamName);
        var detector = new ZeroDigitDetector(seed: 1, maxBatch: 4);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => detector.Predict(new float[ZeroDigitDetector.InputSize - 1], new float[1])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => detector.Predict(new float[ZeroDigitDetector.InputSize], Span<float>.Empty)).ParamName);
    }

    [Fact]
    public void LabelOutOfRangeThrowsBeforeTouchingParametersOrGradients()
    {
        var model = new MnistClassifier128(seed: 1, maxBatch: 4);
        var inputs = new float[4 * 784];
        inputs.AsSpan().Fill(0.5f);
        model.TrainStep(inputs, new[] { 1, 2, 3, 4 }, 4);
        float[] values = model.Parameters.Values.ToArray();
        float[] gradients = model.Parameters.Gradients.ToArray();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(inputs, new[] { 1, 2, 10, 4 }, 4));

        Assert.Equal("labels", error.ParamName);
        Assert.Contains("labels[2]", error.Message, StringComparison.Ordinal);
        Assert.Contains("10", error.Message, StringComparison.Ordinal);
        Assert.True(model.Parameters.Values.SequenceEqual(values));
        Assert.True(model.Parameters.Gradients.SequenceEqual(gradients));
    }

    [Fact]
    public void PredictGivesProbabilitiesAndTheArgmaxOfTheLogits()
    {
        var model = new MnistClassifier128(seed: 5, maxBatch: 3);
        var rng = new Rng(11);
        var inputs = new float[3 * 784];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle();
        }

        var logits = new float[30];
        var probabilities = new float[30];
        model.Forward(inputs, logits, 3);
        model.Predict(inputs, probabilities, 3);

        for (int n = 0; n < 3; n++)
        {
            Span<float> row = probabilities.AsSpan(n * 10, 10);
            double sum = 0;
            foreach (float p in row)
            {
                Assert.InRange(p, 0f, 1f);
                sum += p;
            }

            Assert.Equal(1.0, sum, 5);
            var single = new float[10];
            int predicted = model.Predict(inputs.AsSpan(n * 784, 784), single);
            Assert.Equal(ArgMax.Row(logits.AsSpan(n * 10, 10)), predicted);
            Assert.True(single.AsSpan().SequenceEqual(row));
        }
    }

    [Fact]
    public void TrainingStepsAndInferenceAllocateNothing()
    {
        const int batch = 64;
        var model = new MnistClassifier128(seed: 2, maxBatch: batch);
        var adam = new Adam(model.Parameters, learningRate: 1e-3f);
        var sgdModel = new MnistClassifier256(seed: 2, maxBatch: batch);
        var sgd = new Sgd(sgdModel.Parameters, 0.1f, momentum: 0.9f, nesterov: true, weightDecay: 1e-4f);
        var inputs = new float[batch * 784];
        var labels = new int[batch];
        var rng = new Rng(3);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle();
        }

        for (int i = 0; i < batch; i++)
        {
            labels[i] = rng.NextInt32(10);
        }

        var probabilities = new float[batch * 10];
        AllocationAssert.None("TrainStep, optimizer steps and Predict of the seed models", Step);

        void Step()
        {
            model.TrainStep(inputs, labels, batch);
            adam.Step();
            sgdModel.TrainStep(inputs, labels, batch);
            sgd.Step();
            model.Predict(inputs, probabilities, batch);
            model.Predict(inputs.AsSpan(0, 784), probabilities.AsSpan(0, 10));
        }
    }

    private static ParameterTensor[] ToArray(ParameterSet parameters)
    {
        var tensors = new ParameterTensor[parameters.Tensors.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i] = parameters.Tensors[i];
        }

        return tensors;
    }

    private static void AssertUniform(ReadOnlySpan<float> values, float bound)
    {
        float min = float.MaxValue;
        float max = float.MinValue;
        double sum = 0;
        foreach (float v in values)
        {
            min = MathF.Min(min, v);
            max = MathF.Max(max, v);
            sum += v;
        }

        Assert.InRange(min, -bound, -bound * 0.9f);
        Assert.InRange(max, bound * 0.9f, bound);
        Assert.InRange(sum / values.Length, -bound * 0.1, bound * 0.1);
    }
}
