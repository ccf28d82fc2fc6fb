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
            double sum = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                double d = outputs[i] - (double)targets[i];
                sum += d * d;
            }

            return sum / outputs.Length;
        }

        GradientCheck.AssertGradientMatches(Loss, model.Parameters.Values, gradients, "TanhRegressor parameters", relativeTolerance: 1e-3, absoluteTolerance: 1e-5, maxElements: 200);
    }

    private static float[] Forward(EveryOpModel model, float[] inputs)
    {
        float[] logits = new float[Batch * 4];
        model.Forward(inputs, logits, Batch);
        return logits;
    }
}
