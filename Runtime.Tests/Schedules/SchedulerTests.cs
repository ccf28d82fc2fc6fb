using System;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>Argument validation, PyTorch's edge behaviour and the allocation-free step of the schedulers.</summary>
public sealed class SchedulerTests
{
    [Fact]
    public void Constructors_RejectOutOfRangeArguments_NamingThem()
    {
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(o, 0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialLR(o, double.NaN)).ParamName);
        Assert.Equal("milestones", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiStepLR(o, [3, -1])).ParamName);
        Assert.Equal("tMax", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(o, 0)).ParamName);
        var startFactor = Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(o, startFactor: 0));
        Assert.Equal("startFactor", startFactor.ParamName);
        Assert.Contains("expected 0 < value <= 1", startFactor.Message, StringComparison.Ordinal);
        Assert.Equal("endFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(o, endFactor: 1.5)).ParamName);
        Assert.Equal("percentStart", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(o, 0.1, 10, percentStart: 1.2)).ParamName);
        Assert.Equal("maxLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(o, -1, 10)).ParamName);
        Assert.Equal("maxMomentum", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(o, 0.1, 10, baseMomentum: 0.9, maxMomentum: 0.8)).ParamName);
        Assert.Equal("optimizer", Assert.Throws<ArgumentException>(() => new OneCycleLR(new NoMomentum(), 0.1, 10)).ParamName);
        Assert.Equal(0.1f, new OneCycleLR(new NoMomentum(), 0.5, 10, cycleMomentum: false).Optimizer.LearningRate / 0.2f, 1e-6f);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(o, factor: 1)).ParamName);
        Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(o, patience: -1)).ParamName);
        Assert.Equal("t0", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingWarmRestarts(o, 0)).ParamName);
        var tMult = Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingWarmRestarts(o, 3, tMult: 0));
        Assert.Equal("tMult", tMult.ParamName);
        Assert.Contains("expected a value >= 1", tMult.Message, StringComparison.Ordinal);
        Assert.Equal("etaMin", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingWarmRestarts(o, 3, etaMin: double.NaN)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLR(o, factor: 0)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLR(o, factor: 1.5)).ParamName);
        Assert.Equal("totalIters", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantLR(o, totalIters: -1)).ParamName);
        Assert.Equal("totalIters", Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialLR(o, totalIters: 0)).ParamName);
        Assert.Equal("power", Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialLR(o, power: -1)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentNullException>(() => new LambdaLR(o, null!)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentNullException>(() => new MultiplicativeLR(o, null!)).ParamName);
        Assert.Equal("baseLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, -0.1, 0.1)).ParamName);
        Assert.Equal("maxLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.1, double.PositiveInfinity)).ParamName);
        Assert.Equal("stepSizeUp", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.01, 0.1, stepSizeUp: 0)).ParamName);
        Assert.Equal("stepSizeDown", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.01, 0.1, stepSizeDown: 0)).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.01, 0.1, mode: (CyclicMode)7)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.01, 0.1, gamma: -1)).ParamName);
        Assert.Equal("maxMomentum", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(o, 0.01, 0.1, baseMomentum: 0.9, maxMomentum: 0.8)).ParamName);
        var adam = new Adam(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f);
        var noMomentum = Assert.Throws<ArgumentException>(() => new CyclicLR(adam, 0.01, 0.1));
        Assert.Equal("optimizer", noMomentum.ParamName);
        Assert.Contains("cycleMomentum: false", noMomentum.Message, StringComparison.Ordinal);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(o, 3, gamma: -0.5));
        Assert.Contains("expected a finite value >= 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusedCyclicLR_LeavesTheOptimizersRateAndMomentumAsTheyWere()
    {
        var adam = new Adam(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 1e-3f);
        Assert.Throws<ArgumentException>(() => new CyclicLR(adam, 0.5, 1));
        Assert.Equal(1e-3f, adam.LearningRate);
        Sgd sgd = ScheduleGoldenTests.NewOptimizer();
        float rate = sgd.LearningRate, momentum = sgd.Momentum;
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(sgd, 0.5, 1, stepSizeUp: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(sgd, 0.5, 1, baseMomentum: 0.5, maxMomentum: 1.5));
        Assert.Equal(rate, sgd.LearningRate);
        Assert.Equal(momentum, sgd.Momentum);
    }

    [Fact]
    public void ARateBeyondFloatsRange_IsRefused_NotAnInfiniteStep()
    {
        Sgd sgd = ScheduleGoldenTests.NewOptimizer();
        var growth = new ExponentialLR(sgd, gamma: 10);
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            for (int i = 0; i < 60; i++)
            {
                growth.Step();
            }
        });
        Assert.StartsWith("ExponentialLR gives the learning rate 9.99", error.Message, StringComparison.Ordinal);
        Assert.Contains("that a float holds", error.Message, StringComparison.Ordinal);
        Assert.Contains("for epoch 40;", error.Message, StringComparison.Ordinal);
        Assert.True(float.IsFinite(sgd.LearningRate), "the optimizer kept the last finite rate");
        Assert.Equal("maxLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(ScheduleGoldenTests.NewOptimizer(), 1e39, 10)).ParamName);
        Assert.Equal("baseLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicLR(ScheduleGoldenTests.NewOptimizer(), 1e39, 1e39)).ParamName);
        Assert.Equal("etaMin", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(ScheduleGoldenTests.NewOptimizer(), 5, etaMin: 1e40)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = float.PositiveInfinity).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(sgd.Parameters, float.PositiveInfinity)).ParamName);
    }

    [Fact]
    public void OneCycleLR_WithAdam_RefusesAMaxMomentumOfOne_NamingIt()
    {
        var adam = new Adam(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 1e-3f);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(adam, 1, 10, baseMomentum: 0.9, maxMomentum: 1.0));
        Assert.Equal("maxMomentum", error.ParamName);
        Assert.Contains("beta1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0.9f, adam.Beta1);
        _ = new OneCycleLR(ScheduleGoldenTests.NewOptimizer(), 1, 10, baseMomentum: 0.9, maxMomentum: 1.0);
    }

    [Fact]
    public void SequentialLR_RejectsMismatchedMilestonesAndForeignSchedulers()
    {
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        var warm = new LinearLR(o, 0.1, 1, 3);
        var decay = new ExponentialLR(o, 0.9);
        Assert.Equal("milestones", Assert.Throws<ArgumentException>(() => new SequentialLR(o, [warm, decay], [3, 5])).ParamName);
        var foreign = new ExponentialLR(ScheduleGoldenTests.NewOptimizer(), 0.9);
        Assert.Equal("schedulers", Assert.Throws<ArgumentException>(() => new SequentialLR(o, [warm, foreign], [3])).ParamName);
        Assert.Equal("schedulers", Assert.Throws<ArgumentException>(() => new ChainedScheduler([warm, foreign])).ParamName);
    }

    [Fact]
    public void OneCycleLR_ThrowsWhenSteppedPastTotalSteps_LikePyTorch()
    {
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        var cycle = new OneCycleLR(o, 0.5, totalSteps: 4);
        for (int i = 0; i < 4; i++)
        {
            cycle.Step();
        }

        var error = Assert.Throws<InvalidOperationException>(cycle.Step);
        Assert.Contains("total steps is 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneCycleLR_Linear_HoldsTheFinalRateAfterTheLastStep_InsteadOfPyTorchsNegativeExtrapolation()
    {
        // PyTorch 1.13 sets -0.142857 after the 10th step (never used); every rate before it is PyTorch's.
        var o = new Sgd(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f, momentum: 0.9f);
        var cycle = new OneCycleLR(o, 1.0, 10, 0.3, AnnealStrategy.Linear);
        for (int i = 0; i < 9; i++)
        {
            o.Step();
            cycle.Step();
        }

        Assert.Equal(4e-6, cycle.LastLearningRate, 1e-12);
        o.Step();
        cycle.Step();

        Assert.Equal(cycle.MinLearningRate, cycle.LastLearningRate);
        Assert.Equal((float)cycle.MinLearningRate, o.LearningRate);
        Assert.Equal(0.95f, o.Momentum);
        Assert.Throws<InvalidOperationException>(cycle.Step);
    }

    [Fact]
    public void OneCycleLR_LinearThreePhase_HoldsTheFinalRateAfterTheLastStep()
    {
        var o = new Sgd(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), 0.1f, momentum: 0.9f);
        var cycle = new OneCycleLR(o, 1.0, 100, 0.3, AnnealStrategy.Linear, threePhase: true);
        double previous = double.PositiveInfinity;
        for (int i = 0; i < 100; i++)
        {
            o.Step();
            cycle.Step();
            if (i is >= 58 and < 99)
            {
                // The last phase: from the initial rate down to the minimum, reached at step 99.
                Assert.True(cycle.LastLearningRate < previous, $"step {i + 1}: {cycle.LastLearningRate} after {previous}");
                previous = cycle.LastLearningRate;
            }
        }

        Assert.Equal(cycle.MinLearningRate, previous, 1e-12);
        Assert.Equal(cycle.MinLearningRate, cycle.LastLearningRate);
        Assert.Equal(0.95f, o.Momentum);
        Assert.Throws<InvalidOperationException>(cycle.Step);
    }

    [Fact]
    public void OneCycleLR_Cosine_KeepsPyTorchsValueAfterTheLastStep()
    {
        var cycle = new OneCycleLR(ScheduleGoldenTests.NewOptimizer(), 0.5, 20, 0.3);
        for (int i = 0; i < 20; i++)
        {
            cycle.Step();
        }

        // onecycle_cos in Golden/schedules.json: PyTorch's never-used value, between the minimum and the peak.
        Assert.Equal(0.006269996882456277, cycle.LastLearningRate);
    }

    [Fact]
    public void CosineAnnealingWarmRestarts_KeepsPyTorchsCycleCounters()
    {
        // T_0 = 2, T_mult = 3: restarts after epochs 2, 8 (2 + 6) and 26 (8 + 18).
        var restarts = new CosineAnnealingWarmRestarts(ScheduleGoldenTests.NewOptimizer(), 2, 3);
        Assert.Equal((0L, 2L), (restarts.EpochInCycle, restarts.CycleLength));
        for (int i = 0; i < 8; i++)
        {
            restarts.Step();
        }

        Assert.Equal((0L, 18L), (restarts.EpochInCycle, restarts.CycleLength));
        Assert.Equal(0.1, restarts.LastLearningRate);
        for (int i = 0; i < 19; i++)
        {
            restarts.Step();
        }

        Assert.Equal((1L, 54L), (restarts.EpochInCycle, restarts.CycleLength));
    }

    [Fact]
    public void LambdaSchedules_GetTheEpochsPyTorchPasses()
    {
        // LambdaLR: 0 at construction, then 1, 2, ...; MultiplicativeLR: not at construction nor at the milestone
        // (its get_lr at epoch 0), then 1, 2, ...; after SequentialLR's step(0) LambdaLR gets 0 again.
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        var lambdaEpochs = new System.Collections.Generic.List<int>();
        var multiplicativeEpochs = new System.Collections.Generic.List<int>();
        var lambda = new LambdaLR(o, e => { lambdaEpochs.Add(e); return 1; });
        var multiplicative = new MultiplicativeLR(o, e => { multiplicativeEpochs.Add(e); return 1; });
        var sequential = new SequentialLR(o, [lambda, multiplicative], [2]);
        Assert.Equal([0, 0], lambdaEpochs);
        Assert.Empty(multiplicativeEpochs);
        for (int i = 0; i < 4; i++)
        {
            sequential.Step();
        }

        Assert.Equal([0, 0, 1], lambdaEpochs);
        Assert.Equal([1, 2], multiplicativeEpochs);
    }

    [Fact]
    public void ALearningRateSetOnTheOptimizer_IsWhatTheNextStepScales()
    {
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        var decay = new ExponentialLR(o, 0.5);
        decay.Step();
        Assert.Equal(0.05, decay.LastLearningRate);
        o.LearningRate = 0.3f;
        decay.Step();
        Assert.Equal(0.15, decay.LastLearningRate, 15);
        Assert.Equal(0.15f, o.LearningRate);
    }

    [Fact]
    public void Step_AllocatesNothing()
    {
        Sgd o = ScheduleGoldenTests.NewOptimizer();
        var sequential = new SequentialLR(o, [new LinearLR(o, 0.1, 1, 3), new CosineAnnealingLR(o, 50, 1e-3)], [3]);
        var plateau = new ReduceLROnPlateau(ScheduleGoldenTests.NewOptimizer(), patience: 0);
        var multi = new MultiStepLR(ScheduleGoldenTests.NewOptimizer(), [2, 4, 4]);
        var cycle = new OneCycleLR(ScheduleGoldenTests.NewOptimizer(), 0.5, 100, threePhase: true);
        var restarts = new CosineAnnealingWarmRestarts(ScheduleGoldenTests.NewOptimizer(), 3, 2);
        var cyclic = new CyclicLR(ScheduleGoldenTests.NewOptimizer(), 0.01, 0.1, 3, mode: CyclicMode.ExpRange, gamma: 0.99);
        sequential.Step();
        restarts.Step();
        cyclic.Step();
        plateau.Step(1);
        multi.Step();
        cycle.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            sequential.Step();
            plateau.Step(2 + i);
            multi.Step();
            cycle.Step();
            restarts.Step();
            cyclic.Step();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    /// <summary>An optimizer without momentum (PyTorch's one-cycle schedule refuses to cycle its momentum).</summary>
    /// <summary>A factor function returning NaN or a negative value: an error naming the scheduler and the epoch, and nothing counted, so a retry takes that epoch.</summary>
    [Fact]
    public void AFactorFunctionsBadValue_IsRefusedNamingTheEpoch_AndLeavesTheCounters()
    {
        var model = new Runtime.Tests.Models.TinyDeepModel(seed: 1, maxBatch: 1);
        var sgd = new Sgd(model.Parameters, 0.1f);
        bool broken = true;
        var lambda = new LambdaLR(sgd, e => e == 2 && broken ? double.NaN : 1.0 / (e + 1));
        lambda.Step();
        var error = Assert.Throws<InvalidOperationException>(lambda.Step);
        Assert.Contains("LambdaLR gives the learning rate NaN for epoch 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, lambda.LastEpoch);
        Assert.Equal(2, lambda.StepCount);
        Assert.Equal(0.05f, sgd.LearningRate);
        broken = false;
        lambda.Step();
        Assert.Equal(2, lambda.LastEpoch);
        Assert.Equal((float)(0.1 / 3), sgd.LearningRate);

        var multiplicative = new MultiplicativeLR(new Sgd(model.Parameters, 0.1f), _ => -1);
        Assert.Contains("MultiplicativeLR gives the learning rate -0.1", Assert.Throws<InvalidOperationException>(multiplicative.Step).Message, StringComparison.Ordinal);
        Assert.Equal(0, multiplicative.LastEpoch);
    }

    private sealed class NoMomentum : IOptimizer
    {
        public ParameterSet Parameters { get; } = new([new ParameterTensor("w", 0, [1], fanIn: 1)]);

        public float LearningRate { get; set; } = 0.1f;

        public long StepCount { get; private set; }

        public void Step() => StepCount++;
    }
}
