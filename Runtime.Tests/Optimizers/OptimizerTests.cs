using System;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class OptimizerTests
{
    private const int Length = 37;

    [Fact]
    public void Sgd_Validation_NamesTheArgument_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("learningRate", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, -0.1f)).ParamName);
        Assert.Equal("learningRate", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, float.NaN)).ParamName);
        Assert.Equal("momentum", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, 0.1f, momentum: -0.5f)).ParamName);
        Assert.Equal("weightDecay", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, 0.1f, weightDecay: -1e-4f)).ParamName);
        Assert.Equal("nesterov", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, 0.1f, nesterov: true)).ParamName);
        Assert.Equal("nesterov", Assert.ThrowsAny<ArgumentException>(() => new Sgd(p, 0.1f, momentum: 0.9f, dampening: 0.1f, nesterov: true)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new Sgd(null!, 0.1f)).ParamName);
        _ = new Sgd(p, 0f, momentum: 0.9f, nesterov: true);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, 0.1f).LearningRate = -1f);
    }

    [Fact]
    public void Adam_Validation_NamesTheArgument_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("learningRate", Assert.ThrowsAny<ArgumentException>(() => new Adam(p, -1e-3f)).ParamName);
        Assert.Equal("beta1", Assert.ThrowsAny<ArgumentException>(() => new Adam(p, beta1: 1f)).ParamName);
        Assert.Equal("beta1", Assert.ThrowsAny<ArgumentException>(() => new AdamW(p, beta1: -0.1f)).ParamName);
        Assert.Equal("beta2", Assert.ThrowsAny<ArgumentException>(() => new Adam(p, beta2: 1f)).ParamName);
        Assert.Equal("epsilon", Assert.ThrowsAny<ArgumentException>(() => new AdamW(p, epsilon: -1e-8f)).ParamName);
        Assert.Equal("weightDecay", Assert.ThrowsAny<ArgumentException>(() => new AdamW(p, weightDecay: -0.01f)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new Adam(null!)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p).LearningRate = float.NaN);
    }

    [Fact]
    public void Defaults_ArePyTorchs()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        var adam = new Adam(p);
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.Amsgrad));
        var adamW = new AdamW(p);
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, adamW.Amsgrad));
        var sgd = new Sgd(p, 0.1f);
        Assert.Equal((0f, 0f, false, 0f), (sgd.Momentum, sgd.Dampening, sgd.Nesterov, sgd.WeightDecay));
        Assert.Equal(0, sgd.MomentumBuffer.Length);
        Assert.Equal(0, adam.MaxSecondMoments.Length);
        Assert.Equal(Length, adam.FirstMoments.Length);
    }

    [Fact]
    public void Adam_State_AfterOneStep_IsTheFirstMoments()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        OptimizerGoldenTests.FillGradient(p.Gradients, 1);
        var adam = new Adam(p, amsgrad: true);
        adam.Step();
        for (int j = 0; j < Length; j++)
        {
            double g = p.Gradients[j];
            KernelReference.AssertClose(0.1 * g, adam.FirstMoments[j], 1e-7 * Math.Abs(g), $"m[{j}]");
            KernelReference.AssertClose(0.001 * g * g, adam.SecondMoments[j], 1e-6 * g * g, $"v[{j}]");
            Assert.Equal(adam.SecondMoments[j], adam.MaxSecondMoments[j]);
        }
    }

    [Fact]
    public void Sgd_MomentumBuffer_StartsAsTheGradient()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        OptimizerGoldenTests.FillGradient(p.Gradients, 2);
        var sgd = new Sgd(p, 0.1f, momentum: 0.9f, dampening: 0.5f);
        sgd.Step();
        Assert.Equal(p.Gradients.ToArray(), sgd.MomentumBuffer.ToArray());
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void AdamW_WithoutDecay_EqualsAdam()
    {
        ParameterSet a = OptimizerGoldenTests.CreateParameters(Length), b = OptimizerGoldenTests.CreateParameters(Length);
        var adam = new Adam(a, 1e-2f);
        var adamW = new AdamW(b, 1e-2f, weightDecay: 0f);
        for (int step = 1; step <= 3; step++)
        {
            OptimizerGoldenTests.FillGradient(a.Gradients, step);
            OptimizerGoldenTests.FillGradient(b.Gradients, step);
            adam.Step();
            adamW.Step();
        }

        Assert.Equal(a.Values.ToArray(), b.Values.ToArray());
    }

    [Fact]
    public void LearningRate_CanChangeBetweenSteps()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        float before = p.Values[0];
        OptimizerGoldenTests.FillGradient(p.Gradients, 1);
        var sgd = new Sgd(p, 0.1f) { LearningRate = 0.5f };
        sgd.Step();
        Assert.Equal(before - (0.5f * p.Gradients[0]), p.Values[0], 1e-7f);
    }
}
