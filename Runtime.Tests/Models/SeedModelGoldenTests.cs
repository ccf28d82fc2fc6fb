using System;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The generated seed model against PyTorch on the same weights and batch.</summary>
public sealed class SeedModelGoldenTests
{
    private static readonly GoldenModel Golden = GoldenModel.Load();

    [Fact]
    public void ForwardMatchesPyTorchLogits()
    {
        var model = CreateModel();
        var logits = new float[Golden.Batch * 10];

        model.Forward(Golden.Inputs(), logits, Golden.Batch);

        AssertClose(Golden.Array("logits"), logits, relative: 1e-5, absolute: 1e-6, "logits");
    }

    [Fact]
    public void TrainStepMatchesPyTorchLossAndGradients()
    {
        var model = CreateModel();

        float loss = model.TrainStep(Golden.Inputs(), Golden.Labels, Golden.Batch);

        Assert.Equal(Golden.Array("loss")[0], loss, 1e-5f);
        AssertClose(Golden.Array("gradients"), model.Parameters.Gradients, relative: 1e-4, absolute: 1e-7, "gradients");
    }

    [Fact]
    public void LabelSmoothingMatchesPyTorch()
    {
        var model = new SmoothedClassifier128(seed: 0, maxBatch: Golden.Batch);
        GoldenModel.FillParameters(model.Parameters);

        float loss = model.TrainStep(Golden.Inputs(), Golden.Labels, Golden.Batch);

        Assert.Equal(Golden.Array("loss_smoothed")[0], loss, 1e-5f);
        AssertClose(Golden.Array("gradients_smoothed"), model.Parameters.Gradients, relative: 1e-4, absolute: 1e-7, "gradients");
    }

    [Fact]
    public void ThreeAdamStepsMatchPyTorch()
    {
        var model = CreateModel();
        var adam = new Adam(model.Parameters, learningRate: 1e-3f);

        RunSteps(model, adam, Golden.Array("losses_adam"));

        AssertClose(Golden.Array("params_after_adam"), model.Parameters.Values, relative: 0, absolute: 2e-6, "parameters");
    }

    [Fact]
    public void ThreeNesterovSgdStepsMatchPyTorch()
    {
        var model = CreateModel();
        var sgd = new Sgd(model.Parameters, learningRate: 0.1f, momentum: 0.9f, nesterov: true, weightDecay: 1e-4f);

        RunSteps(model, sgd, Golden.Array("losses_sgd"));

        AssertClose(Golden.Array("params_after_sgd"), model.Parameters.Values, relative: 0, absolute: 1e-6, "parameters");
    }

    private static MnistClassifier128 CreateModel()
    {
        var model = new MnistClassifier128(seed: 0, maxBatch: Golden.Batch);
        GoldenModel.FillParameters(model.Parameters);
        return model;
    }

    private static void RunSteps(IModel model, IOptimizer optimizer, ReadOnlySpan<float> expectedLosses)
    {
        float[] inputs = Golden.Inputs();
        for (int step = 0; step < expectedLosses.Length; step++)
        {
            float loss = model.TrainStep(inputs, Golden.Labels, Golden.Batch);
            Assert.Equal(expectedLosses[step], loss, 2e-5f);
            optimizer.Step();
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, double absolute, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            double allowed = absolute + (relative * Math.Abs(expected[i]));
            if (error - allowed > worstExcess)
            {
                worstExcess = error - allowed;
                worst = i;
            }
        }

        Assert.True(worst < 0, worst < 0 ? string.Empty : $"{name}[{worst}]: expected {expected[worst]:R}, got {actual[worst]:R}");
    }
}
