using System;
using System.Linq;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// Freezing a layer (PyTorch's <c>requires_grad_(False)</c>): its gradients stay zero, the other layers' gradients are
/// unchanged, optimizers leave it alone (and step the rest exactly as before), and unfreezing restores training.
/// </summary>
public sealed class FreezingTests
{
    private const int Batch = 16;

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void AFrozenLayerKeepsItsWeights_AndTheOthersTrainAsWithoutTheFreeze(string optimizer)
    {
        float[] inputs = KernelReference.Random(Batch * 784, seed: 21);
        int[] labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        var reference = new MnistClassifier128(seed: 3, maxBatch: Batch);
        var frozen = new MnistClassifier128(seed: 3, maxBatch: Batch);
        Assert.Equal(2, frozen.Parameters.Freeze("fc1"));
        Assert.False(frozen.Parameters.AllTrainable);
        Assert.Equal(1_290, frozen.Parameters.TrainableCount);
        float[] fc1Before = frozen.Parameters.ValuesOf(frozen.Parameters["fc1.weight"]).ToArray();

        IOptimizer referenceOptimizer = Create(optimizer, reference.Parameters);
        IOptimizer frozenOptimizer = Create(optimizer, frozen.Parameters);
        for (int step = 0; step < 3; step++)
        {
            // fc1's parameters are left alone in the reference too, so fc2 sees the same inputs: compare fc2 only.
            reference.Parameters.ValuesOf(reference.Parameters["fc1.weight"]).CopyTo(frozen.Parameters.ValuesOf(frozen.Parameters["fc1.weight"]));
            reference.Parameters.ValuesOf(reference.Parameters["fc1.bias"]).CopyTo(frozen.Parameters.ValuesOf(frozen.Parameters["fc1.bias"]));
            float referenceLoss = reference.TrainStep(inputs, labels, Batch);
            float frozenLoss = frozen.TrainStep(inputs, labels, Batch);
            Assert.Equal(referenceLoss, frozenLoss);
            Assert.All(frozen.Parameters.GradientsOf(frozen.Parameters["fc1.weight"]).ToArray(), g => Assert.Equal(0f, g));
            Assert.All(frozen.Parameters.GradientsOf(frozen.Parameters["fc1.bias"]).ToArray(), g => Assert.Equal(0f, g));
            Assert.Equal(
                reference.Parameters.GradientsOf(reference.Parameters["fc2.weight"]).ToArray(),
                frozen.Parameters.GradientsOf(frozen.Parameters["fc2.weight"]).ToArray());

            float[] fc1Values = frozen.Parameters.ValuesOf(frozen.Parameters["fc1.weight"]).ToArray();
            referenceOptimizer.Step();
            frozenOptimizer.Step();
            Assert.Equal(fc1Values, frozen.Parameters.ValuesOf(frozen.Parameters["fc1.weight"]).ToArray());
            Assert.Equal(
                reference.Parameters.ValuesOf(reference.Parameters["fc2.weight"]).ToArray(),
                frozen.Parameters.ValuesOf(frozen.Parameters["fc2.weight"]).ToArray());
        }

        Assert.NotEqual(fc1Before, reference.Parameters.ValuesOf(reference.Parameters["fc1.weight"]).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AccumulatingAfterAFreeze_LeavesTheFrozenGradientZero_AndAddsTheRestAsBefore(bool customGradient)
    {
        // AccumulateGradients and AccumulateBackward compute into a buffer of the model's own, where the generated step
        // skips a frozen tensor: a call before the freeze left fc1's gradient there, which was added to the frozen
        // (zeroed) gradient again. PyTorch's backward leaves a requires_grad=False tensor's .grad alone.
        float[] inputs = KernelReference.Random(Batch * 784, seed: 22);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 3) % 10).ToArray();
        var model = new MnistClassifier128(seed: 4, maxBatch: Batch);
        var reference = new MnistClassifier128(seed: 4, maxBatch: Batch);
        reference.Parameters.Freeze("fc1");
        Accumulate(model);
        model.Parameters.Freeze("fc1");
        model.Parameters.ZeroGradients();
        Accumulate(model);
        Accumulate(reference);

        Assert.All(model.Parameters.GradientsOf(model.Parameters["fc1.weight"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.All(model.Parameters.GradientsOf(model.Parameters["fc1.bias"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal(reference.Parameters.Gradients.ToArray(), model.Parameters.Gradients.ToArray());
        Assert.Equal(GradientClipping.TotalNorm(reference.Parameters), GradientClipping.TotalNorm(model.Parameters));

        void Accumulate(MnistClassifier128 m)
        {
            if (customGradient)
            {
                float[] logits = new float[Batch * MnistClassifier128.OutputSize];
                m.ForwardForBackward(inputs, logits, Batch);
                for (int i = 0; i < logits.Length; i++)
                {
                    logits[i] = 0.01f * logits[i]; // any gradient: a logit penalty's
                }

                m.AccumulateBackward(logits, Batch, 0.5f);
            }
            else
            {
                m.AccumulateGradients(inputs, labels, Batch, 0.5f);
            }
        }
    }

    [Theory]
    [InlineData("conv1.weight")]
    [InlineData("conv2.weight")]
    public void AFrozenConvolutionWeightWhoseBiasTrains_KeepsAZeroGradient_AndClippingLeavesItOut(string frozenName)
    {
        // One kernel call writes a convolution's weight and bias gradients; it runs while either trains, and used to
        // leave the frozen weight's gradient in place, which GradientClipping then counted.
        const int batch = 8;
        float[] inputs = KernelReference.Random(batch * LeNet5.InputSize, seed: 23);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7) % 10).ToArray();
        var reference = new LeNet5(seed: 6, maxBatch: batch);
        var model = new LeNet5(seed: 6, maxBatch: batch);
        Assert.Equal(1, model.Parameters.Freeze(frozenName));
        ParameterTensor frozen = model.Parameters[frozenName];

        Assert.Equal(reference.TrainStep(inputs, labels, batch), model.TrainStep(inputs, labels, batch));

        Assert.All(model.Parameters.GradientsOf(frozen).ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(reference.Parameters.GradientsOf(reference.Parameters[frozenName]).ToArray(), g => g != 0f);
        foreach (ParameterTensor tensor in model.Parameters.Tensors.Where(t => t.Name != frozenName))
        {
            Assert.Equal(reference.Parameters.GradientsOf(reference.Parameters[tensor.Name]).ToArray(), model.Parameters.GradientsOf(tensor).ToArray());
        }

        reference.Parameters.GradientsOf(reference.Parameters[frozenName]).Clear();
        Assert.Equal(GradientClipping.TotalNorm(reference.Parameters), GradientClipping.TotalNorm(model.Parameters));

        model.Parameters.ZeroGradients();
        model.AccumulateGradients(inputs, labels, batch, 0.5f);
        Assert.All(model.Parameters.GradientsOf(frozen).ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(model.Parameters.GradientsOf(model.Parameters[frozenName.Replace("weight", "bias", StringComparison.Ordinal)]).ToArray(), g => g != 0f);
    }

    [Fact]
    public void AddScaledGradients_AddsToTheTrainableTensorsOnly_AndChecksItsArguments()
    {
        var model = new MnistClassifier128(seed: 5, maxBatch: 1);
        ParameterSet parameters = model.Parameters;
        float[] source = Enumerable.Range(0, parameters.Count).Select(i => (i % 7) - 3f).ToArray();
        parameters.AddScaledGradients(source, 2f);
        Assert.Equal(source.Select(v => 2f * v).ToArray(), parameters.Gradients.ToArray());

        parameters.Freeze("fc2");
        parameters.AddScaledGradients(source, -1f);
        ParameterTensor fc1 = parameters["fc1.weight"];
        Assert.Equal(source.AsSpan(fc1.Offset, fc1.Length).ToArray(), parameters.GradientsOf(fc1).ToArray());
        Assert.All(parameters.GradientsOf(parameters["fc2.weight"]).ToArray(), g => Assert.Equal(0f, g));

        var error = Assert.Throws<ArgumentException>(() => parameters.AddScaledGradients(new float[3], 1f));
        Assert.Equal("gradients", error.ParamName);
        Assert.Contains($"gradients has 3 values; expected {parameters.Count} (one per parameter).", error.Message, StringComparison.Ordinal);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => parameters.AddScaledGradients(source, float.NaN)).ParamName);

        // Refused before anything is added: an overlap (found by the kernel only at the tensor that overlaps), and a bad
        // scale when every tensor is frozen (no kernel runs at all).
        float[] before = parameters.Gradients.ToArray();
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => parameters.AddScaledGradients(parameters.Gradients, 1f)).ParamName);
        Assert.Equal(before, parameters.Gradients.ToArray());
        parameters.Freeze("fc1");
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => parameters.AddScaledGradients(source, float.PositiveInfinity)).ParamName);
    }

    [Fact]
    public void UnfreezingTrainsTheLayerAgain_AndANameThatMatchesNothingIsRefused()
    {
        float[] inputs = KernelReference.Random(Batch * 784, seed: 22);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 3) % 10).ToArray();
        var model = new MnistClassifier128(seed: 4, maxBatch: Batch);
        model.TrainStep(inputs, labels, Batch);
        float[] expected = model.Parameters.Gradients.ToArray();

        Assert.Equal(1, model.Parameters.Freeze("fc2.bias"));
        Assert.All(model.Parameters.GradientsOf(model.Parameters["fc2.bias"]).ToArray(), g => Assert.Equal(0f, g));
        model.TrainStep(inputs, labels, Batch);
        Assert.All(model.Parameters.GradientsOf(model.Parameters["fc2.bias"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal(
            expected.AsSpan(model.Parameters["fc2.weight"].Offset, 1280).ToArray(),
            model.Parameters.GradientsOf(model.Parameters["fc2.weight"]).ToArray());

        Assert.Equal(1, model.Parameters.Unfreeze("fc2.bias"));
        Assert.True(model.Parameters.AllTrainable);
        model.TrainStep(inputs, labels, Batch);
        Assert.Equal(expected, model.Parameters.Gradients.ToArray());

        var e = Assert.Throws<ArgumentException>(() => model.Parameters.Freeze("fc"));
        Assert.Equal("prefix", e.ParamName);
        Assert.Contains("fc1, fc2", e.Message);
    }

    [Fact]
    public void FrozenNormParameters_GetNoGradient_AndTheRestMatchesTheUnfrozenStep()
    {
        float[] inputs = KernelReference.Random(8 * 6, seed: 23);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        var reference = new BatchNormNet(seed: 5, maxBatch: 8);
        var frozen = new BatchNormNet(seed: 5, maxBatch: 8);
        frozen.Parameters.Freeze("bn1");
        reference.TrainStep(inputs, labels, 8);
        frozen.TrainStep(inputs, labels, 8);
        Assert.All(frozen.Parameters.GradientsOf(frozen.Parameters["bn1.weight"]).ToArray(), g => Assert.Equal(0f, g));
        Assert.All(frozen.Parameters.GradientsOf(frozen.Parameters["bn1.bias"]).ToArray(), g => Assert.Equal(0f, g));
        foreach (string name in new[] { "fc1.weight", "fc1.bias", "fc2.weight", "head.weight", "head.bias" })
        {
            Assert.Equal(
                reference.Parameters.GradientsOf(reference.Parameters[name]).ToArray(),
                frozen.Parameters.GradientsOf(frozen.Parameters[name]).ToArray());
        }
    }

    [Fact]
    public void ATrainStepAndAnOptimizerStepWithAFrozenLayer_AllocateNothing()
    {
        float[] inputs = KernelReference.Random(Batch * 784, seed: 24);
        int[] labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        var model = new MnistClassifier128(seed: 4, maxBatch: Batch);
        model.Parameters.Freeze("fc1");
        var adam = new Adam(model.Parameters, 1e-3f);
        AllocationAssert.None("TrainStep and Adam.Step with fc1 frozen", () =>
        {
            model.TrainStep(inputs, labels, Batch);
            adam.Step();
        });
    }

    private static IOptimizer Create(string optimizer, ParameterSet parameters)
        => optimizer == "adam" ? new Adam(parameters, 1e-2f, weightDecay: 0.1f) : new Sgd(parameters, 0.1f, momentum: 0.9f, weightDecay: 0.1f);
}
