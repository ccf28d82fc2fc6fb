using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="RMSprop"/> and <see cref="Adagrad"/>: PyTorch's argument checks and defaults, momentum changes, schedules, state checks, allocations.</summary>
public sealed class RMSpropAdagradTests
{
    private const int Length = 37;

    [Fact]
    public void RMSprop_Validation_NamesTheArgument_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, -0.01f)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, float.NaN)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, alpha: -0.1f)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, epsilon: -1e-8f)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, weightDecay: -1e-4f)).ParamName);
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p, momentum: -0.9f));
        Assert.Equal("momentum", error.ParamName);
        Assert.Contains("expected 0 <= value", error.Message, StringComparison.Ordinal);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new RMSprop(null!)).ParamName);
        _ = new RMSprop(p, 0f, alpha: 1.5f, epsilon: 0f); // PyTorch only asks alpha >= 0
        Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p).LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(p).Momentum = float.NaN);
    }

    [Fact]
    public void Adagrad_Validation_NamesTheArgument_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, -0.01f)).ParamName);
        Assert.Equal("lrDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, lrDecay: -0.1f)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, weightDecay: -1f)).ParamName);
        Assert.Equal("initialAccumulatorValue", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, initialAccumulatorValue: -0.1f)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, epsilon: float.NaN)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new Adagrad(null!)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p).LearningRate = float.NaN);
    }

    [Fact]
    public void Defaults_ArePyTorchs()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        var rmsprop = new RMSprop(p);
        Assert.Equal((0.01f, 0.99f, 1e-8f, 0f, 0f, false), (rmsprop.LearningRate, rmsprop.Alpha, rmsprop.Epsilon, rmsprop.WeightDecay, rmsprop.Momentum, rmsprop.Centered));
        Assert.Equal((Length, 0, 0), (rmsprop.SquareAverage.Length, rmsprop.MomentumBuffer.Length, rmsprop.GradientAverage.Length));
        var adagrad = new Adagrad(p, initialAccumulatorValue: 0.25f);
        Assert.Equal((0.01f, 0f, 0f, 0.25f, 1e-10f), (adagrad.LearningRate, adagrad.LrDecay, adagrad.WeightDecay, adagrad.InitialAccumulatorValue, adagrad.Epsilon));
        Assert.All(adagrad.Sum.ToArray(), v => Assert.Equal(0.25f, v));
    }

    [Fact]
    public void RMSprop_MomentumFromZero_IsAllowedBeforeTheFirstStepOnly_AsPyTorchCreatesTheBuffer()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        var early = new RMSprop(p) { Momentum = 0.9f };
        Assert.Equal(Length, early.MomentumBuffer.Length);
        early.Momentum = 0f; // the buffer stays, unused, as PyTorch's state keeps it
        OptimizerGoldenTests.FillGradient(p.Gradients, 1);
        early.Step();
        Assert.Equal(Length, early.MomentumBuffer.Length);
        early.Momentum = 0.5f;

        var late = new RMSprop(OptimizerGoldenTests.CreateParameters(Length));
        late.Step();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => late.Momentum = 0.9f);
        Assert.Contains("momentum_buffer", error.Message, StringComparison.Ordinal);
        Assert.Equal(0f, late.Momentum);
    }

    [Fact]
    public void OneCycle_CyclesRMSpropsMomentum_AndRefusesAdagrad_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        var rmsprop = new RMSprop(p);
        _ = new OneCycleLR(rmsprop, 0.1, 10);
        Assert.Equal(0.95f, rmsprop.Momentum);
        Assert.Equal(Length, rmsprop.MomentumBuffer.Length);
        Assert.Equal("optimizer", Assert.Throws<ArgumentException>(() => new OneCycleLR(new Adagrad(p), 0.1, 10)).ParamName);
        var adagrad = new Adagrad(p, 0.1f);
        _ = new OneCycleLR(adagrad, 0.1, 10, cycleMomentum: false);
        Assert.Equal(0.004f, adagrad.LearningRate, 1e-9f);
    }

    [Fact]
    public void ImportState_RefusesOtherHyperparameters_AndTakesTheSavedMomentum()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        OptimizerGoldenTests.FillGradient(p.Gradients, 1);
        var rmsprop = new RMSprop(p, momentum: 0.9f, centered: true);
        rmsprop.Step();
        rmsprop.Momentum = 0.8f;
        OptimizerState state = rmsprop.ExportState();
        Assert.Equal(["square_avg", "momentum_buffer", "grad_avg"], state.Buffers.Select(b => b.Key));

        var other = new RMSprop(OptimizerGoldenTests.CreateParameters(Length), momentum: 0.9f, centered: true);
        other.ImportState(state);
        Assert.Equal((0.8f, 1L), (other.Momentum, other.StepCount));
        Assert.Equal(rmsprop.GradientAverage.ToArray(), other.GradientAverage.ToArray());
        Assert.Contains("alpha = 0.99; this optimizer has alpha = 0.9", Assert.Throws<ArgumentException>(() =>
            new RMSprop(OptimizerGoldenTests.CreateParameters(Length), alpha: 0.9f, momentum: 0.9f, centered: true).ImportState(state)).Message, StringComparison.Ordinal);
        Assert.Contains("unexpected buffer 'grad_avg'", Assert.Throws<ArgumentException>(() =>
            new RMSprop(OptimizerGoldenTests.CreateParameters(Length), momentum: 0.9f).ImportState(WithSetting(state, "centered", "false"))).Message, StringComparison.Ordinal);
        Assert.Contains("'rmsprop' optimizer; this optimizer is Adagrad", Assert.Throws<ArgumentException>(() =>
            new Adagrad(OptimizerGoldenTests.CreateParameters(Length)).ImportState(state)).Message, StringComparison.Ordinal);

        var adagrad = new Adagrad(p, lrDecay: 0.1f);
        adagrad.Step();
        OptimizerState saved = adagrad.ExportState();
        Assert.Contains("lr_decay = 0.1; this optimizer has lr_decay = 0", Assert.Throws<ArgumentException>(() =>
            new Adagrad(OptimizerGoldenTests.CreateParameters(Length)).ImportState(saved)).Message, StringComparison.Ordinal);
        Assert.IsType<Adagrad>(saved.CreateOptimizer(OptimizerGoldenTests.CreateParameters(Length)));
    }

    [Fact]
    public void Steps_AllocateNothing_WithAFrozenTensor()
    {
        // Two threads: ParallelAllocationTests.
        var parameters = new ParameterSet([new ParameterTensor("a", 0, [300], fanIn: 10), new ParameterTensor("b", 300, [200], fanIn: 10)]);
        var rmsprop = new RMSprop(parameters, momentum: 0.9f, centered: true, weightDecay: 1e-4f);
        var adagrad = new Adagrad(parameters, lrDecay: 0.01f, weightDecay: 1e-4f);
        parameters.Freeze("b");
        rmsprop.Step();
        parameters.Unfreeze("b");
        AllocationAssert.None("RMSprop.Step", rmsprop.Step);
        AllocationAssert.None("Adagrad.Step", adagrad.Step);
    }

    private static OptimizerState WithSetting(OptimizerState state, string name, string value) => new(
        state.Algorithm, state.StepCount, state.LearningRate, state.Settings.Select(s => s.Key == name ? new KeyValuePair<string, string>(name, value) : s), state.Buffers, state.TensorSteps?.ToArray());
}
