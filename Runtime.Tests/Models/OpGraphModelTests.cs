using System;
using System.Linq;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>Generated models over the whole op vocabulary: allocation, train/eval mode, dropout reproducibility, gradients.</summary>
public sealed class OpGraphModelTests
{
    private const int Batch = 9;

    [Fact]
    public void TrainStepAndForwardOfEveryOpAllocateNothing()
    {
        var model = new EveryOpModel(seed: 1, maxBatch: 16);
        float[] inputs = KernelReference.Random(Batch * 12, seed: 2);
        int[] labels = Enumerable.Range(0, Batch).Select(i => i % 4).ToArray();
        float[] logits = new float[Batch * 4];

        AllocationAssert.None("EveryOpModel.TrainStep", () => model.TrainStep(inputs, labels, Batch));
        AllocationAssert.None("EveryOpModel.Forward", () => model.Forward(inputs, logits, Batch));
        model.Mode = ModelMode.Training;
        AllocationAssert.None("EveryOpModel.Forward in training mode", () => model.Forward(inputs, logits, Batch));
    }

    [Fact]
    public void EvalModeIgnoresDropout_TrainingModeAppliesIt_ReproduciblyFromTheSeed()
    {
        float[] inputs = KernelReference.Random(Batch * 12, seed: 3);
        var a = new EveryOpModel(seed: 4, maxBatch: 16);
        var b = new EveryOpModel(seed: 4, maxBatch: 16);
        Assert.Equal(ModelMode.Evaluation, a.Mode);

        float[] eval1 = Forward(a, inputs);
        float[] eval2 = Forward(a, inputs);
        Assert.Equal(eval1, eval2);

        a.Mode = ModelMode.Training;
        b.Mode = ModelMode.Training;
        float[] trainA = Forward(a, inputs);
        float[] trainB = Forward(b, inputs);
        Assert.Equal(trainA, trainB);
        Assert.NotEqual(eval1, trainA);
        Assert.NotEqual(trainA, Forward(a, inputs));

        a.Mode = ModelMode.Evaluation;
        Assert.Equal(eval1, Forward(a, inputs));
    }

    [Fact]
    public void TrainStepIsReproducibleFromTheSeed_AndDrawsNewMasksEachStep()
    {
        float[] inputs = KernelReference.Random(Batch * 12, seed: 5);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 3) % 4).ToArray();
        var a = new EveryOpModel(seed: 6, maxBatch: 16);
        var b = new EveryOpModel(seed: 6, maxBatch: 16);

        float first = a.TrainStep(inputs, labels, Batch);
        Assert.Equal(first, b.TrainStep(inputs, labels, Batch));
        Assert.Equal(a.Parameters.Gradients.ToArray(), b.Parameters.Gradients.ToArray());
        Assert.NotEqual(first, a.TrainStep(inputs, labels, Batch));
    }

    [Fact]
    public void ARegressionHeadWithAnActivationMatchesFiniteDifferences()
    {
        var model = new TanhRegressor(seed: 7, maxBatch: 8);
        float[] inputs = KernelReference.Random(6 * 5, seed: 8);
        float[] targets = KernelReference.Random(6 * 2, seed: 9, low: -0.5f, high: 0.5f);
        model.TrainStep(inputs, targets, 6);
        float[] gradients = model.Parameters.Gradients.ToArray();
        float[] outputs = new float[6 * 2];

        double Loss()
        {
            model.Forward(inputs, outputs, 6);
            return KernelReference.MeanSquaredError(outputs, targets);
        }

        GradientCheck.AssertGradientMatches(Loss, model.Parameters.Values, gradients, "TanhRegressor parameters", relativeTolerance: 1e-3, absoluteTolerance: 1e-5, maxElements: 200);
    }

    [Fact]
    public void AnInferenceOnlyModelWithRawOutputs_ReturnsTheLastLayersValues()
    {
        var model = new RawOutputRegressor(seed: 5, maxBatch: 4);
        Assert.IsNotAssignableFrom<IModel>(model);
        Assert.IsNotAssignableFrom<IProbabilityTargetModel>(model);
        float[] inputs = KernelReference.Random(3 * 3, seed: 6, low: -2f, high: 2f);
        float[] outputs = new float[3 * 2];
        model.Forward(inputs, outputs, 3);
        float[] predictions = new float[3 * 2];
        model.Predict(inputs, predictions, 3);
        Assert.Equal(outputs, predictions);

        // The same network by hand, in double: hidden = relu(x W1^T + b1), out = hidden W2^T + b2 (negative values survive).
        Span<float> w1 = model.Parameters.ValuesOf(model.Parameters["hidden.weight"]);
        Span<float> b1 = model.Parameters.ValuesOf(model.Parameters["hidden.bias"]);
        Span<float> w2 = model.Parameters.ValuesOf(model.Parameters["output.weight"]);
        Span<float> b2 = model.Parameters.ValuesOf(model.Parameters["output.bias"]);
        bool sawNegative = false;
        for (int n = 0; n < 3; n++)
        {
            double[] hidden = new double[4];
            for (int j = 0; j < 4; j++)
            {
                double sum = b1[j];
                for (int k = 0; k < 3; k++)
                {
                    sum += (double)inputs[(n * 3) + k] * w1[(j * 3) + k];
                }

                hidden[j] = Math.Max(0, sum);
            }

            for (int o = 0; o < 2; o++)
            {
                double sum = b2[o];
                for (int j = 0; j < 4; j++)
                {
                    sum += hidden[j] * w2[(o * 4) + j];
                }

                Assert.Equal(sum, outputs[(n * 2) + o], 1e-5);
                sawNegative |= sum < 0;
            }
        }

        Assert.True(sawNegative, "the check needs a negative output to tell raw values from a sigmoid or softmax");
    }

    private static float[] Forward(EveryOpModel model, float[] inputs)
    {
        float[] logits = new float[Batch * 4];
        model.Forward(inputs, logits, Batch);
        return logits;
    }
}
