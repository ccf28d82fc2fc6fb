using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary><see cref="Adadelta"/>, <see cref="Adamax"/>, <see cref="NAdam"/> and <see cref="RAdam"/>: PyTorch's argument checks and defaults, schedules, state checks, allocations.</summary>
public sealed class ElementwiseOptimizerTests
{
    private const int Length = 37;

    [Fact]
    public void Adadelta_Validation_NamesTheArgument_LikePyTorch()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new Adadelta(null!)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, -1f)).ParamName);
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, rho: -0.1f)).ParamName);
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, rho: 1.01f));
        Assert.Equal("rho", error.ParamName);
        Assert.Contains("expected 0 <= value <= 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, rho: float.NaN)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, epsilon: -1e-6f)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p, weightDecay: -1e-4f)).ParamName);
        _ = new Adadelta(p, 0f, rho: 1f, epsilon: 0f); // PyTorch accepts 0 <= rho <= 1
        _ = new Adadelta(p, rho: 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(p).LearningRate = float.NaN);
    }

    public static TheoryData<string> AdamLike() => new() { "adamax", "nadam", "radam" };

    [Theory]
    [MemberData(nameof(AdamLike))]
    public void AdamLike_Validation_NamesTheArgument_LikePyTorch(string algorithm)
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Func<float, float, float, float, float, ElementwiseOptimizer> create = algorithm switch
        {
            "adamax" => (lr, b1, b2, eps, wd) => new Adamax(p, lr, b1, b2, eps, wd),
            "nadam" => (lr, b1, b2, eps, wd) => new NAdam(p, lr, b1, b2, eps, wd),
            _ => (lr, b1, b2, eps, wd) => new RAdam(p, lr, b1, b2, eps, wd),
        };
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => create(-1e-3f, 0.9f, 0.999f, 1e-8f, 0f)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => create(1e-3f, 1f, 0.999f, 1e-8f, 0f)).ParamName);
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => create(1e-3f, 0.9f, -0.5f, 1e-8f, 0f));
        Assert.Equal("beta2", error.ParamName);
        Assert.Contains("expected 0 <= value < 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => create(1e-3f, 0.9f, 0.999f, float.NaN, 0f)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => create(1e-3f, 0.9f, 0.999f, 1e-8f, -1f)).ParamName);
        _ = create(0f, 0f, 0f, 0f, 0f);
    }

    [Fact]
    public void NullParameters_AndNAdamsMomentumDecay_AreNamed()
    {
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new Adamax(null!)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new NAdam(null!)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new RAdam(null!)).ParamName);
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        Assert.Equal("momentumDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, momentumDecay: -4e-3f)).ParamName);
        Assert.Equal("tensor", Assert.Throws<ArgumentException>(() => new NAdam(p).MuProductOf(new ParameterTensor("other", 0, [1], fanIn: 1))).ParamName);
    }

    [Fact]
    public void Defaults_ArePyTorchs()
    {
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        var adadelta = new Adadelta(p);
        Assert.Equal((1f, 0.9f, 1e-6f, 0f), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon, adadelta.WeightDecay));
        Assert.Equal((Length, Length), (adadelta.SquareAverage.Length, adadelta.AccumulatedDelta.Length));
        var adamax = new Adamax(p);
        Assert.Equal((2e-3f, 0.9f, 0.999f, 1e-8f, 0f), (adamax.LearningRate, adamax.Beta1, adamax.Beta2, adamax.Epsilon, adamax.WeightDecay));
        Assert.Equal((Length, Length), (adamax.FirstMoments.Length, adamax.InfinityNorm.Length));
        var nadam = new NAdam(p);
        Assert.Equal((2e-3f, 0.9f, 0.999f, 1e-8f, 0f, 4e-3f), (nadam.LearningRate, nadam.Beta1, nadam.Beta2, nadam.Epsilon, nadam.WeightDecay, nadam.MomentumDecay));
        Assert.Equal((Length, Length, 1f), (nadam.FirstMoments.Length, nadam.SecondMoments.Length, nadam.MuProductOf(p.Tensors[0])));
        var radam = new RAdam(p);
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f), (radam.LearningRate, radam.Beta1, radam.Beta2, radam.Epsilon, radam.WeightDecay));
        Assert.Equal((Length, Length), (radam.FirstMoments.Length, radam.SecondMoments.Length));

        // PyTorch 1.13: rho_t > 5 from the sixth step with beta2 = 0.999.
        Assert.Equal([false, false, false, false, false, true, true], Enumerable.Range(1, 7).Select(t => radam.IsRectified(t)));
    }

    [Fact]
    public void OneCycleAndCyclic_AreRefused_WithoutCycleMomentum()
    {
        // PyTorch 1.13's CyclicLR refuses all four (no 'momentum' setting); its OneCycleLR refuses Adadelta (no momentum
        // or betas) and cycles the others' betas[0], as StaticGrad's does (ElementwiseOptimizerGoldenTests for Adamax and
        // RAdam, NAdamOneCycleGoldenTests for NAdam, whose mu_product follows the β₁ of every step).
        ParameterSet p = OptimizerGoldenTests.CreateParameters(Length);
        foreach (ElementwiseOptimizer optimizer in new ElementwiseOptimizer[] { new Adadelta(p), new Adamax(p), new NAdam(p), new RAdam(p) })
        {
            Assert.Equal("optimizer", Assert.Throws<ArgumentException>(() => new CyclicLR(optimizer, 0.01, 0.1, 5)).ParamName);
            if (optimizer is FirstMomentOptimizer cycled)
            {
                _ = new OneCycleLR(optimizer, 0.1, 10);
                Assert.Equal(0.95f, cycled.Beta1);
            }
            else
            {
                Assert.Equal("optimizer", Assert.Throws<ArgumentException>(() => new OneCycleLR(optimizer, 0.1, 10)).ParamName);
            }

            _ = new OneCycleLR(optimizer, 0.1, 10, cycleMomentum: false);
            Assert.Equal(0.004f, optimizer.LearningRate, 1e-9f);
        }
    }

    [Fact]
    public void StepLR_DecaysAdadelta_AsTheMnistExample()
    {
        // pytorch/examples' MNIST: Adadelta(lr=1.0), StepLR(step_size=1, gamma=0.7) stepped after each epoch.
        var adadelta = new Adadelta(OptimizerGoldenTests.CreateParameters(Length));
        var schedule = new StepLR(adadelta, 1, 0.7);
        float[] rates = new float[4];
        for (int epoch = 0; epoch < rates.Length; epoch++)
        {
            rates[epoch] = adadelta.LearningRate;
            adadelta.Step();
            schedule.Step();
        }

        Assert.Equal([1f, 0.7f, (float)(0.7 * 0.7), (float)(0.7 * 0.7 * 0.7)], rates);
    }

    [Fact]
    public void ImportState_RefusesOtherHyperparametersAndBuffers_AndRestoresMuProduct()
    {
        ParameterSet parameters = TwoTensors();
        OptimizerGoldenTests.FillGradient(parameters.Gradients, 1);
        var nadam = new NAdam(parameters, momentumDecay: 0.01f);
        parameters.Freeze("b");
        nadam.Step();
        parameters.Unfreeze("b");
        nadam.Step();
        nadam.Step();
        OptimizerState state = nadam.ExportState();
        Assert.Equal(["exp_avg", "exp_avg_sq"], state.Buffers.Select(b => b.Key));
        Assert.Equal([3L, 2L], state.TensorSteps);
        Assert.Equal(["beta1", "beta2", "eps", "weight_decay", "momentum_decay"], state.Settings.Select(s => s.Key));
        Assert.Equal(["mu_product"], state.TensorScalars.Select(s => s.Key));
        Assert.Equal(parameters.Tensors.Select(nadam.MuProductOf), state.TensorScalar("mu_product"));

        // mu_product is saved per tensor (PyTorch's per-parameter state) and the import takes it.
        ParameterSet restored = TwoTensors();
        var resumed = new NAdam(restored, momentumDecay: 0.01f);
        resumed.ImportState(state);
        Assert.Equal(3L, resumed.StepCount);
        Assert.NotEqual(nadam.MuProductOf(parameters.Tensors[0]), nadam.MuProductOf(parameters.Tensors[1]));
        Assert.Equal(parameters.Tensors.Select(nadam.MuProductOf), restored.Tensors.Select(resumed.MuProductOf));
        Assert.Equal(nadam.FirstMoments.ToArray(), resumed.FirstMoments.ToArray());

        Assert.Contains("momentum_decay = 0.01; this optimizer has momentum_decay = 0.004", Assert.Throws<ArgumentException>(() =>
            new NAdam(TwoTensors()).ImportState(state)).Message, StringComparison.Ordinal);
        Assert.Contains("'nadam' optimizer; this optimizer is RAdam", Assert.Throws<ArgumentException>(() =>
            new RAdam(TwoTensors()).ImportState(state)).Message, StringComparison.Ordinal);
        Assert.Contains("counts the steps of 2 tensors", Assert.Throws<ArgumentException>(() =>
            new NAdam(OptimizerGoldenTests.CreateParameters(Length), momentumDecay: 0.01f).ImportState(state)).Message, StringComparison.Ordinal);
        var adamaxState = new Adamax(TwoTensors()).ExportState();
        Assert.Contains("Adamax state has no 'exp_inf' buffer", Assert.Throws<ArgumentException>(() =>
            new Adamax(TwoTensors()).ImportState(new OptimizerState("adamax", 0, 1e-3f, adamaxState.Settings, adamaxState.Buffers.Take(1)))).Message, StringComparison.Ordinal);
        Assert.Contains("Adadelta state's 'square_avg' buffer holds 37 values; this optimizer's parameters hold 5", Assert.Throws<ArgumentException>(() =>
            new Adadelta(OptimizerGoldenTests.CreateParameters(5)).ImportState(new Adadelta(TwoTensors()).ExportState())).Message, StringComparison.Ordinal);
        Assert.Contains("rho = 0.9; this optimizer has rho = 0.95", Assert.Throws<ArgumentException>(() =>
            new Adadelta(TwoTensors(), rho: 0.95f).ImportState(new Adadelta(TwoTensors()).ExportState())).Message, StringComparison.Ordinal);
        Assert.IsType<NAdam>(state.CreateOptimizer(TwoTensors()));
    }

    [Fact]
    public void ImportState_TakesTheSavedBeta1_OfACycledAdamaxOrRAdam_AndStillRefusesOtherSettings()
    {
        // A one-cycle schedule moves β₁; the state saved mid-cycle holds that β₁ (the schedule's float64), and an optimizer
        // built with the default takes it (as PyTorch's load_state_dict takes the group's betas); with the schedule's state
        // restored too, its next steps are the saved run's.
        foreach (Func<ParameterSet, FirstMomentOptimizer> create in new Func<ParameterSet, FirstMomentOptimizer>[] { p => new Adamax(p), p => new RAdam(p) })
        {
            ParameterSet parameters = TwoTensors();
            FirstMomentOptimizer cycled = create(parameters);
            var schedule = new OneCycleLR(cycled, 0.01, 10);
            for (int step = 1; step <= 3; step++)
            {
                OptimizerGoldenTests.FillGradient(parameters.Gradients, step);
                cycled.Step();
                schedule.Step();
            }

            float beta1 = cycled.Beta1;
            Assert.NotEqual(0.9f, beta1);
            OptimizerState state = cycled.ExportState();

            ParameterSet restored = TwoTensors();
            parameters.Values.CopyTo(restored.Values);
            FirstMomentOptimizer resumed = create(restored);
            var resumedSchedule = new OneCycleLR(resumed, 0.01, 10); // built first, as a Trainer's is: construction sets β₁ to its start
            resumed.ImportState(state);
            resumedSchedule.SetState(schedule.GetState());
            Assert.Equal(beta1, resumed.Beta1);
            OptimizerGoldenTests.FillGradient(parameters.Gradients, 4);
            OptimizerGoldenTests.FillGradient(restored.Gradients, 4);
            cycled.Step();
            resumed.Step();
            Assert.Equal(parameters.Values.ToArray(), restored.Values.ToArray());

            ParameterSet other = TwoTensors();
            FirstMomentOptimizer otherBeta2 = cycled is Adamax ? new Adamax(other, beta2: 0.99f) : new RAdam(other, beta2: 0.99f);
            Assert.Contains("beta2 = 0.999; this optimizer has beta2 = 0.99", Assert.Throws<ArgumentException>(() => otherBeta2.ImportState(state)).Message, StringComparison.Ordinal);
            Assert.Equal(0.9f, otherBeta2.Beta1);
        }
    }

    [Fact]
    public void Steps_AllocateNothing_WithAFrozenTensor()
    {
        // Two threads: ParallelAllocationTests.
        var parameters = new ParameterSet([new ParameterTensor("a", 0, [300], fanIn: 10), new ParameterTensor("b", 300, [200], fanIn: 10)]);
        OptimizerGoldenTests.FillGradient(parameters.Gradients, 1);
        ElementwiseOptimizer[] optimizers = [new Adadelta(parameters, weightDecay: 1e-4f), new Adamax(parameters, weightDecay: 1e-4f), new NAdam(parameters, weightDecay: 1e-4f), new RAdam(parameters, weightDecay: 1e-4f)];
        parameters.Freeze("b");
        foreach (ElementwiseOptimizer optimizer in optimizers)
        {
            optimizer.Step();
        }

        parameters.Unfreeze("b");
        foreach (ElementwiseOptimizer optimizer in optimizers)
        {
            AllocationAssert.None(optimizer.GetType().Name + ".Step", optimizer.Step);
        }
    }

    [Fact]
    public void ImportState_RefusesAMuProductOutOfRangeOrOfTheWrongLength_AndOnAnotherOptimizer_ChangingNothing()
    {
        ParameterSet parameters = TwoTensors();
        OptimizerGoldenTests.FillGradient(parameters.Gradients, 1);
        var nadam = new NAdam(parameters);
        nadam.Step();
        OptimizerState state = nadam.ExportState();
        OptimizerState With(params float[] muProduct) =>
            new(state.Algorithm, state.StepCount, state.LearningRate, state.Settings, state.Buffers, null, [new("mu_product", muProduct)]);

        var fresh = new NAdam(TwoTensors());
        foreach (float bad in new[] { float.NaN, -0.5f, 1.5f, float.PositiveInfinity })
        {
            var e = Assert.Throws<ArgumentException>(() => fresh.ImportState(With(0.45f, bad)));
            Assert.Equal("state", e.ParamName);
            Assert.Contains($"mu_product[1] is {bad:R}; expected a value in [0, 1]", e.Message, StringComparison.Ordinal);
        }

        Assert.Contains("'mu_product' holds 3 values; expected one per tensor, 2", Assert.Throws<ArgumentException>(() =>
            fresh.ImportState(With(0.45f, 0.45f, 0.45f))).Message, StringComparison.Ordinal);
        Assert.Equal((0L, 1f, 1f), (fresh.StepCount, fresh.MuProductOf(fresh.Parameters.Tensors[0]), fresh.MuProductOf(fresh.Parameters.Tensors[1])));

        OptimizerState adamax = new Adamax(TwoTensors()).ExportState();
        Assert.Contains("Adamax state has an unexpected per-tensor scalar 'mu_product' (expected: none)", Assert.Throws<ArgumentException>(() =>
            new Adamax(TwoTensors()).ImportState(new OptimizerState("adamax", 0, 1e-3f, adamax.Settings, adamax.Buffers, null, [new("mu_product", new[] { 1f, 1f })]))).Message, StringComparison.Ordinal);
        Assert.Contains("'mu_product' appears twice", Assert.Throws<ArgumentException>(() =>
            new OptimizerState("nadam", 0, 1e-3f, state.Settings, state.Buffers, null, [new("mu_product", new[] { 1f, 1f }), new("mu_product", new[] { 1f, 1f })])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_RestoredIntoTensorsInAnotherOrder_GivesEachTensorItsOwnMuProduct()
    {
        // The checkpoint holds mu_product per parameter (optimizer.{name}.mu_product); a model that lays its tensors out
        // in another order gets each tensor's own, as it gets its buffers.
        ParameterSet parameters = TwoTensors();
        OptimizerGoldenTests.FillGradient(parameters.Gradients, 1);
        var nadam = new NAdam(parameters);
        var schedule = new OneCycleLR(nadam, 0.01, 10);
        parameters.Freeze("b");
        nadam.Step();
        schedule.Step();
        parameters.Unfreeze("b");
        nadam.Step();
        schedule.Step();
        nadam.Step();
        Assert.NotEqual(nadam.MuProductOf(parameters.Tensors[0]), nadam.MuProductOf(parameters.Tensors[1]));
        using var stream = new MemoryStream();
        TrainingCheckpoint.Capture(parameters, nadam, new TrainingProgress(1, 3, (1, 2, 3, 4), 8, 64)).WriteTo(stream);
        stream.Position = 0;
        TrainingCheckpoint loaded = TrainingCheckpoint.Read(stream, "nadam.safetensors");

        var reversed = new ParameterSet([new ParameterTensor("b", 0, [17], fanIn: 1), new ParameterTensor("a", 17, [20], fanIn: 1)]);
        var restored = (NAdam)loaded.Optimizer.CreateOptimizer(reversed);
        loaded.Restore(reversed, restored);
        Assert.Equal(nadam.MuProductOf(parameters.Tensors[0]), restored.MuProductOf(reversed.Tensors[1]));
        Assert.Equal(nadam.MuProductOf(parameters.Tensors[1]), restored.MuProductOf(reversed.Tensors[0]));
        Assert.Equal((2L, 3L), (restored.StepCountOf(reversed.Tensors[0]), restored.StepCountOf(reversed.Tensors[1])));
    }

    private static ParameterSet TwoTensors() => new([new ParameterTensor("a", 0, [20], fanIn: 1), new ParameterTensor("b", 20, [17], fanIn: 1)]);
}
