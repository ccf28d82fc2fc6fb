using System;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// Eval mode skips dropout, so the op after it works on the buffer of whatever dropout read. The schedule used to decide
/// whether that op may run in place by counting the dropout's readers only: an in-place ReLU then overwrote the stem's
/// output, which a later skip connection still read (wrong eval outputs), and after input dropout it wrote into the
/// caller's read-only inputs (the generated code did not compile). With p = 0 training mode is the same function, so
/// both modes must agree.
/// </summary>
public sealed class EvalModeAliasingTests
{
    private const int Batch = 3;

    [Fact]
    public void AnInPlaceOpAfterDropout_LeavesTheTensorASkipStillReads()
    {
        var model = new DropoutBeforeInPlaceOpModel(seed: 1, maxBatch: Batch);
        float[] inputs = KernelReference.Random(Batch * DropoutBeforeInPlaceOpModel.InputSize, seed: 2);
        AssertModesAgree(inputs, model.Forward, mode => model.Mode = mode, DropoutBeforeInPlaceOpModel.OutputSize);
    }

    [Fact]
    public void AnInPlaceOpAfterChannelDropout_LeavesTheImageASkipStillReads()
    {
        var model = new Dropout2dBeforeInPlaceOpModel(seed: 3, maxBatch: Batch);
        float[] inputs = KernelReference.Random(Batch * Dropout2dBeforeInPlaceOpModel.InputSize, seed: 4);
        AssertModesAgree(inputs, model.Forward, mode => model.Mode = mode, Dropout2dBeforeInPlaceOpModel.OutputSize);
    }

    [Fact]
    public void AnInPlaceOpAfterInputDropout_LeavesTheCallersInputs()
    {
        var model = new InputDropoutModel(seed: 5, maxBatch: Batch);
        float[] inputs = KernelReference.Random(Batch * InputDropoutModel.InputSize, seed: 6);
        AssertModesAgree(inputs, model.Forward, mode => model.Mode = mode, InputDropoutModel.OutputSize);
    }

    private delegate void ForwardPass(ReadOnlySpan<float> inputs, Span<float> outputs, int batch);

    /// <summary>Eval mode (dropout skipped) and training mode (dropout with p = 0, the identity) give the same outputs, and neither changes the inputs.</summary>
    private static void AssertModesAgree(float[] inputs, ForwardPass forward, Action<ModelMode> setMode, int outputSize)
    {
        float[] original = (float[])inputs.Clone();
        float[] eval = new float[Batch * outputSize];
        float[] training = new float[Batch * outputSize];
        forward(inputs, eval, Batch);
        Assert.Equal(original, inputs);
        setMode(ModelMode.Training);
        forward(inputs, training, Batch);
        Assert.Equal(original, inputs);
        for (int i = 0; i < eval.Length; i++)
        {
            Assert.True(Math.Abs(eval[i] - training[i]) <= 1e-6f * (1 + Math.Abs(training[i])), $"output {i}: eval mode {eval[i]}, training mode {training[i]}");
        }
    }
}
