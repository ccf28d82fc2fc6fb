using System;
using System.Linq;
using StaticGrad.Runtime.Tests.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Losses;

/// <summary>
/// Generated models of every loss kind: the whole backward against finite differences of an independent double
/// forward + loss, per-sample losses, label checks, inference-only outputs, and no allocation.
/// </summary>
public sealed class LossModelTests
{
    private const int Batch = 5, Inputs = 6, Hidden = 5;

    [Fact]
    public void WeightedIgnoredSmoothedPerSampleModel_MatchesFiniteDifferences()
    {
        var model = new WeightedIgnoreModel(seed: 3, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 4);
        int[] labels = [0, -1, 3, 1, 2];
        float[] losses = new float[Batch];

        float loss = model.TrainStep(inputs, labels, losses, Batch);

        float[] weights = [1f, 2f, 0.5f, 3f];
        double[] expectedLosses = new double[Batch];
        Func<float[], double> reference = p => LossReference.CrossEntropy(Logits(p, inputs, 4, Math.Tanh), labels, Batch, 4, weights, -1, 0.1, Reduction.None, expectedLosses);
        AssertGradients(model.Parameters, loss, reference);
        reference(model.Parameters.Values.ToArray());
        for (int n = 0; n < Batch; n++)
        {
            Assert.Equal(expectedLosses[n], losses[n], 1e-5);
        }

        Assert.Equal(0f, losses[1]);
        Assert.Equal(loss, model.TrainStep(inputs, labels, Batch));
        Assert.Equal("losses", Assert.Throws<ArgumentException>(() => model.TrainStep(inputs, labels, new float[Batch - 1], Batch)).ParamName);
    }

    [Fact]
    public void ClassWeightsSetAtRunTime_AreUsedByTheNextStep()
    {
        var model = new WeightedIgnoreModel(seed: 5, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 6);
        int[] labels = [0, 1, 2, 3, 3];
        float[] weights = [0.1f, 5f, 1f, 0f];

        model.Loss.SetClassWeights(weights);
        float loss = model.TrainStep(inputs, labels, Batch);

        AssertGradients(model.Parameters, loss, p => LossReference.CrossEntropy(Logits(p, inputs, 4, Math.Tanh), labels, Batch, 4, weights, -1, 0.1, Reduction.None));
    }

    [Fact]
    public void SoftTargetModel_MatchesFiniteDifferences()
    {
        var model = new SoftTargetModel(seed: 7, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 8);
        float[] targets = LossKernelTests.SoftTargets(Batch, 4, seed: 9);
        targets.AsSpan(0, 4).Clear();
        targets[2] = 1f; // a one-hot row

        float loss = model.TrainStep(inputs, targets, Batch);

        AssertGradients(model.Parameters, loss, p => LossReference.ProbabilityCrossEntropy(Logits(p, inputs, 4, x => 1 / (1 + Math.Exp(-x))), targets, Batch, 4, [1f, 0.5f, 2f, 1f], 0.1, Reduction.Mean));
        Assert.IsAssignableFrom<IProbabilityTargetModel>(model);
        Assert.False(typeof(IModel).IsAssignableFrom(typeof(SoftTargetModel)));
    }

    [Fact]
    public void NllModel_MatchesFiniteDifferences_AndForwardGivesLogProbabilities()
    {
        var model = new NllModel(seed: 10, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 11);
        int[] labels = [0, 3, 2, 1, 0];

        float loss = model.TrainStep(inputs, labels, Batch);

        float[] weights = [2f, 1f, 1f, 0.5f];
        Func<double, double> relu = x => Math.Max(0, x);
        AssertGradients(model.Parameters, loss, p => LossReference.CrossEntropy(Logits(p, inputs, 4, relu), labels, Batch, 4, weights, 3, 0, Reduction.Mean));

        float[] logits = Logits(model.Parameters.Values.ToArray(), inputs, 4, relu);
        float[] outputs = new float[Batch * 4];
        model.Forward(inputs, outputs, Batch);
        float[] probabilities = new float[Batch * 4];
        model.Predict(inputs, probabilities, Batch);
        for (int n = 0; n < Batch; n++)
        {
            double[] logP = LossReference.LogSoftmax(logits.AsSpan(n * 4, 4));
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(logP[c], outputs[(n * 4) + c], 1e-5);
                Assert.Equal(Math.Exp(logP[c]), probabilities[(n * 4) + c], 1e-6);
            }
        }

        Assert.Equal(loss, model.Loss.Evaluate(outputs, labels, Batch), 1e-5f);
    }

    [Fact]
    public void MultiLabelModel_MatchesFiniteDifferences_AndPredictsSigmoids()
    {
        var model = new MultiLabelModel(seed: 12, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 13);
        float[] targets = [1, 0, 1, 0, 0, 1, 0.5f, 0.2f, 0.9f, 1, 1, 1, 0, 0, 0];

        float loss = model.TrainStep(inputs, targets, Batch);

        AssertGradients(model.Parameters, loss, p => LossReference.BinaryCrossEntropy(Logits(p, inputs, 3, Math.Tanh), targets, Batch, 3, [1f, 0.5f, 2f], [3f, 1f, 0.25f], Reduction.Sum));

        float[] logits = Logits(model.Parameters.Values.ToArray(), inputs, 3, Math.Tanh);
        float[] probabilities = new float[Batch * 3];
        model.Predict(inputs, probabilities, Batch);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-(double)logits[i])), probabilities[i], 1e-6);
        }
    }

    [Fact]
    public void OneLogitModel_ClassifiesBySignOfTheLogit()
    {
        var model = new OneLogitModel(seed: 14, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 15);
        float[] targets = [1, 0, 0, 1, 1];
        float loss = model.TrainStep(inputs, targets, Batch);
        AssertGradients(model.Parameters, loss, p => LossReference.BinaryCrossEntropy(Logits(p, inputs, 1, x => Math.Max(0, x)), targets, Batch, 1, null, null, Reduction.Mean));

        float[] logits = new float[Batch];
        model.Forward(inputs, logits, Batch);
        float[] probability = new float[1];
        for (int n = 0; n < Batch; n++)
        {
            Assert.Equal(logits[n] > 0 ? 1 : 0, model.Predict(inputs.AsSpan(n * Inputs, Inputs), probability));
        }
    }

    [Fact]
    public void LabelOutsideTheClassesAndNotIgnored_ThrowsBeforeTouchingAnything()
    {
        var model = new WeightedIgnoreModel(seed: 16, maxBatch: Batch);
        float[] inputs = Inputs01(seed: 17);
        model.TrainStep(inputs, [0, 1, 2, 3, -1], Batch);
        float[] values = model.Parameters.Values.ToArray();
        float[] gradients = model.Parameters.Gradients.ToArray();
        float[] losses = [7f, 7f, 7f, 7f, 7f];

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(inputs, [0, 1, -100, 3, -1], losses, Batch));

        Assert.Equal("labels", error.ParamName);
        Assert.StartsWith("labels[2] = -100 is outside [0, 4) and is not the ignore index -1.", error.Message, StringComparison.Ordinal);
        Assert.True(model.Parameters.Values.SequenceEqual(values));
        Assert.True(model.Parameters.Gradients.SequenceEqual(gradients));
        Assert.All(losses, l => Assert.Equal(7f, l));
    }

    [Fact]
    public void InferenceOnlyModels_ForwardTheirOutputActivation()
    {
        float[] inputs = Inputs01(seed: 18);
        Func<double, double> relu = x => Math.Max(0, x);

        var softmax = new SoftmaxInferenceModel(seed: 19, maxBatch: Batch);
        var logSoftmax = new LogSoftmaxInferenceModel(seed: 19, maxBatch: Batch);
        var sigmoid = new SigmoidInferenceModel(seed: 20, maxBatch: Batch);
        Assert.False(typeof(IModel).IsAssignableFrom(typeof(SoftmaxInferenceModel)) || typeof(IProbabilityTargetModel).IsAssignableFrom(typeof(SoftmaxInferenceModel)));
        Assert.IsAssignableFrom<IInferenceModel>(logSoftmax);

        float[] logits = Logits(softmax.Parameters.Values.ToArray(), inputs, 4, relu);
        float[] probabilities = new float[Batch * 4], logProbabilities = new float[Batch * 4], predicted = new float[Batch * 4];
        softmax.Forward(inputs, probabilities, Batch);
        logSoftmax.Forward(inputs, logProbabilities, Batch);
        logSoftmax.Predict(inputs, predicted, Batch);
        for (int n = 0; n < Batch; n++)
        {
            double[] logP = LossReference.LogSoftmax(logits.AsSpan(n * 4, 4));
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(Math.Exp(logP[c]), probabilities[(n * 4) + c], 1e-6);
                Assert.Equal(logP[c], logProbabilities[(n * 4) + c], 1e-5);
                Assert.Equal(Math.Exp(logP[c]), predicted[(n * 4) + c], 1e-6);
            }

            float[] single = new float[4];
            Assert.Equal(Kernels.ArgMax.Row(logits.AsSpan(n * 4, 4)), softmax.Predict(inputs.AsSpan(n * Inputs, Inputs), single));
        }

        float[] sigmoidLogits = Logits(sigmoid.Parameters.Values.ToArray(), inputs, 3, relu);
        float[] outputs = new float[Batch * 3];
        sigmoid.Forward(inputs, outputs, Batch);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-(double)sigmoidLogits[i])), outputs[i], 1e-6);
        }
    }

    [Fact]
    public void TrainingStepsOfEveryLossKind_AllocateNothing()
    {
        float[] inputs = Inputs01(seed: 21);
        int[] labels = [0, -1, 3, 1, 2];
        float[] soft = LossKernelTests.SoftTargets(Batch, 4, seed: 22);
        float[] binary = [1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0];
        float[] losses = new float[Batch];
        var weighted = new WeightedIgnoreModel(1, Batch);
        var softModel = new SoftTargetModel(1, Batch);
        var nll = new NllModel(1, Batch);
        var multi = new MultiLabelModel(1, Batch);
        var inference = new SoftmaxInferenceModel(1, Batch);
        float[] outputs = new float[Batch * 4];
        int[] nllLabels = [0, 3, 2, 1, 0];

        AllocationAssert.None("weighted TrainStep, reduction none", () => weighted.TrainStep(inputs, labels, losses, Batch));
        AllocationAssert.None("probability-target TrainStep", () => softModel.TrainStep(inputs, soft, Batch));
        AllocationAssert.None("NLL TrainStep", () => nll.TrainStep(inputs, nllLabels, Batch));
        AllocationAssert.None("multi-label TrainStep", () => multi.TrainStep(inputs, binary, Batch));
        AllocationAssert.None("multi-label Predict", () => multi.Predict(inputs, outputs, Batch));
        AllocationAssert.None("softmax inference Forward", () => inference.Forward(inputs, outputs, Batch));
    }

    private static float[] Inputs01(ulong seed) => KernelReference.Random(Batch * Inputs, seed, -2f, 2f);

    /// <summary>The two-layer MLP of the test models in double: <c>act(x W1^T + b1) W2^T + b2</c>, rounded to float logits.</summary>
    private static float[] Logits(float[] parameters, float[] inputs, int outputs, Func<double, double> activation)
    {
        int w2 = (Hidden * Inputs) + Hidden, b2 = w2 + (outputs * Hidden);
        float[] logits = new float[Batch * outputs];
        for (int n = 0; n < Batch; n++)
        {
            double[] h = new double[Hidden];
            for (int j = 0; j < Hidden; j++)
            {
                double z = parameters[(Hidden * Inputs) + j];
                for (int i = 0; i < Inputs; i++)
                {
                    z += (double)parameters[(j * Inputs) + i] * inputs[(n * Inputs) + i];
                }

                h[j] = activation(z);
            }

            for (int k = 0; k < outputs; k++)
            {
                double z = parameters[b2 + k];
                for (int j = 0; j < Hidden; j++)
                {
                    z += parameters[w2 + (k * Hidden) + j] * h[j];
                }

                logits[(n * outputs) + k] = (float)z;
            }
        }

        return logits;
    }

    /// <summary>Checks the step's loss against the reference and every parameter's gradient against central differences of it.</summary>
    private static void AssertGradients(ParameterSet parameters, float loss, Func<float[], double> reference)
    {
        float[] values = parameters.Values.ToArray();
        float[] analytic = parameters.Gradients.ToArray();
        Assert.Equal(reference(values), loss, 1e-4);
        int count = GradientCheck.AssertGradientMatches(() => reference(values), values, analytic, "parameters", eps: 1e-3, relativeTolerance: 2e-3, absoluteTolerance: 2e-5, maxElements: values.Length);
        Assert.Equal(values.Length, count);
    }
}
