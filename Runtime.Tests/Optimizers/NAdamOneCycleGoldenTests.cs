using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="NAdam"/> under <see cref="OneCycleLR"/> with <c>cycle_momentum</c> against PyTorch 1.13
/// (<c>scripts/golden_nadam_one_cycle.py</c>, <c>Golden/nadam_one_cycle.json</c>): the schedule cycles β₁ (PyTorch's
/// <c>betas[0]</c>, a float64) and each step's <c>μₜ</c> and <c>mu_product</c> follow it. Every step's parameters, first
/// moments, per-tensor <c>mu_product</c>, β₁ and rate are PyTorch's bit for bit (with weight decay, and with two
/// neighbouring tensors frozen at different steps, whose <c>mu_product</c>s differ at equal step counts); a run saved
/// mid-cycle and rebuilt from the saved optimizer and scheduler states continues with the same bits; a checkpoint without
/// <c>mu_product</c> (written before it was saved) still resumes, recomputing it.
/// </summary>
public sealed class NAdamOneCycleGoldenTests : IDisposable
{
    private const int SaveAfter = 13;
    private static readonly GoldenFile s_golden = new("nadam_one_cycle.json");
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-nadam-one-cycle-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Fact]
    public void GoldenFile_CoversEveryVariant()
    {
        Assert.Equal(["nadam_one_cycle_weight_decay", "nadam_one_cycle_three_phase_frozen"], CaseNames());
        Assert.All(s_golden.Root.GetProperty("tensors").EnumerateArray(), t => Assert.Equal(1, t.GetProperty("length").GetInt32() % 2));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Steps_MatchPyTorch_BitForBit(string name)
    {
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        NAdam nadam = Create(golden, parameters);
        OneCycleLR schedule = CreateSchedule(golden, nadam);
        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        Assert.Equal(steps, golden.GetProperty("expected").GetArrayLength());
        for (int step = 1; step <= steps; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            nadam.Step();
            schedule.Step();
            AssertStep(golden, parameters, nadam, step, name);
        }

        // The state PyTorch's state_dict() holds after the last step, mu_product included.
        JsonElement pytorch = golden.GetProperty("state");
        OptimizerState state = nadam.ExportState();
        OptimizerGoldenAssert.StateMatchesPyTorch(pytorch, state, steps, name, "mu_product");
        OptimizerGoldenAssert.Bits(pytorch.GetProperty("mu_product"), state.TensorScalar("mu_product")!, $"{name} state mu_product");
        Assert.Equal(pytorch.GetProperty("step").EnumerateArray().Select(s => s.GetInt64()), parameters.Tensors.Select(nadam.StepCountOf));
    }

    [Fact]
    public void FrozenNeighbours_WithEqualStepCounts_KeepTheirOwnMuProducts()
    {
        // body.bias (frozen at steps 2-4) and head.weight (9-11) are one run of equal step counts from step 11 on, but
        // took their steps under different β₁s: each piece of the run steps with its own mu_product.
        JsonElement golden = s_golden.Case("nadam_one_cycle_three_phase_frozen");
        JsonElement last = golden.GetProperty("mu_product")[golden.GetProperty("mu_product").GetArrayLength() - 1];
        Assert.Equal(golden.GetProperty("state").GetProperty("step")[1].GetInt64(), golden.GetProperty("state").GetProperty("step")[2].GetInt64());
        Assert.NotEqual(last[1].GetDouble(), last[2].GetDouble());
    }

    [Theory]
    [InlineData("nadam_one_cycle_weight_decay", true)]
    [InlineData("nadam_one_cycle_weight_decay", false)]
    [InlineData("nadam_one_cycle_three_phase_frozen", true)]
    [InlineData("nadam_one_cycle_three_phase_frozen", false)]
    public void SavedMidCycle_RebuiltFromTheSavedStates_ContinuesBitForBit(string name, bool scheduleBuiltBeforeRestore)
    {
        // Step 13 of 30 (β₁ on its way back up), saved to a checkpoint file with the scheduler's state; a new optimizer
        // made from the saved state and a new OneCycleLR restored from its state continue exactly as PyTorch's run.
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        NAdam nadam = Create(golden, parameters);
        OneCycleLR schedule = CreateSchedule(golden, nadam);
        for (int step = 1; step <= SaveAfter; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            nadam.Step();
            schedule.Step();
        }

        string path = Path.Combine(_directory, $"{name}-{scheduleBuiltBeforeRestore}.safetensors");
        TrainingCheckpoint.Capture(parameters, nadam, new TrainingProgress(1, SaveAfter, (1, 2, 3, 4), 8, 64), [new("schedule", schedule.GetState().ToText())]).Save(path);

        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        Assert.Equal(parameters.Tensors.Select(nadam.MuProductOf), loaded.Optimizer.TensorScalar("mu_product"));
        ParameterSet resumed = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        resumed.Values.Clear();
        var resumedNAdam = Assert.IsType<NAdam>(loaded.Optimizer.CreateOptimizer(resumed));
        OneCycleLR? resumedSchedule = scheduleBuiltBeforeRestore ? CreateSchedule(golden, resumedNAdam) : null;
        loaded.Restore(resumed, resumedNAdam);
        resumedSchedule ??= CreateSchedule(golden, resumedNAdam);
        resumedSchedule.SetState(SchedulerState.Parse(loaded.Metadata["schedule"]));
        Assert.Equal(nadam.ExportState().Setting("beta1"), resumedNAdam.ExportState().Setting("beta1"));
        Assert.Equal(parameters.Tensors.Select(nadam.MuProductOf), resumed.Tensors.Select(resumedNAdam.MuProductOf));

        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        for (int step = SaveAfter + 1; step <= steps; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, resumed, step);
            resumedNAdam.Step();
            resumedSchedule.Step();
            AssertStep(golden, resumed, resumedNAdam, step, $"{name} resumed");
        }

        // And the uninterrupted run, stepped on beside it, ends with the same bits and state.
        for (int step = SaveAfter + 1; step <= steps; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            nadam.Step();
            schedule.Step();
        }

        Assert.Equal(parameters.Values.ToArray(), resumed.Values.ToArray());
        OptimizerGoldenAssert.SameState(nadam, resumedNAdam);
    }

    [Fact]
    public void CheckpointWithoutMuProduct_AsWrittenBeforeItWasSaved_ResumesWithItRecomputed()
    {
        // Before mu_product was saved β₁ could not change, so a checkpoint's mu_product followed from the step counts:
        // a file without it (the state of a fixed-β₁ run, frozen stretches included) still resumes bit for bit.
        JsonElement golden = s_golden.Case("nadam_one_cycle_three_phase_frozen");
        ParameterSet parameters = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        NAdam nadam = Create(golden, parameters);
        for (int step = 1; step <= SaveAfter; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            nadam.Step();
        }

        OptimizerState full = nadam.ExportState();
        Assert.NotNull(full.TensorSteps);
        var legacy = new OptimizerState(full.Algorithm, full.StepCount, full.LearningRate, full.Settings, full.Buffers, [.. full.TensorSteps]);
        string path = Path.Combine(_directory, "legacy.safetensors");
        TrainingCheckpoint.Capture(parameters, new FixedState(nadam, legacy), new TrainingProgress(1, SaveAfter, (1, 2, 3, 4), 8, 64)).Save(path);

        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        Assert.Empty(loaded.Optimizer.TensorScalars);
        ParameterSet resumed = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        var resumedNAdam = Assert.IsType<NAdam>(loaded.Optimizer.CreateOptimizer(resumed));
        loaded.Restore(resumed, resumedNAdam);
        Assert.Equal(parameters.Tensors.Select(nadam.MuProductOf), resumed.Tensors.Select(resumedNAdam.MuProductOf));

        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        for (int step = SaveAfter + 1; step <= steps; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            nadam.Step();
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, resumed, step);
            resumedNAdam.Step();
        }

        Assert.Equal(parameters.Values.ToArray(), resumed.Values.ToArray());
        OptimizerGoldenAssert.SameState(nadam, resumedNAdam);
    }

    /// <summary>The case's NAdam, from its PyTorch-named <c>hyperparameters</c>.</summary>
    private static NAdam Create(JsonElement golden, ParameterSet parameters) => (NAdam)ElementwiseOptimizerGoldenTests.Create(golden, parameters);

    /// <summary>The case's <c>OneCycleLR(optimizer, max_lr, total_steps, ...)</c>, which sets the rate and β₁ itself.</summary>
    private static OneCycleLR CreateSchedule(JsonElement golden, IOptimizer optimizer) =>
        Assert.IsType<OneCycleLR>(ElementwiseOptimizerGoldenTests.CreateSchedule(golden, optimizer));

    /// <summary>Fails unless the parameters, first moments, <c>mu_product</c>s, β₁ and rate after <paramref name="step"/> are the script's.</summary>
    private static void AssertStep(JsonElement golden, ParameterSet parameters, NAdam nadam, int step, string name)
    {
        OptimizerGoldenAssert.Bits(golden.GetProperty("expected")[step - 1], parameters.Values, $"{name} step {step} parameter");
        OptimizerGoldenAssert.Bits(golden.GetProperty("exp_avg")[step - 1], nadam.FirstMoments, $"{name} step {step} exp_avg");
        OptimizerGoldenAssert.Bits(golden.GetProperty("mu_product")[step - 1], [.. parameters.Tensors.Select(nadam.MuProductOf)], $"{name} step {step} mu_product");

        // The group's betas[0] after the schedule's step: the float64 the next step's mu, mu_next and 1 - beta1 use.
        double beta1 = double.Parse(nadam.ExportState().Setting("beta1")!, CultureInfo.InvariantCulture);
        Assert.Equal(golden.GetProperty("beta1")[step - 1].GetDouble(), beta1);
        Assert.Equal((float)golden.GetProperty("lr")[step - 1].GetDouble(), nadam.LearningRate);
    }

    /// <summary>An optimizer whose exported state is a given one (a state as an older StaticGrad wrote it).</summary>
    private sealed class FixedState(IStatefulOptimizer optimizer, OptimizerState state) : IStatefulOptimizer
    {
        public ParameterSet Parameters => optimizer.Parameters;

        public float LearningRate { get => optimizer.LearningRate; set => optimizer.LearningRate = value; }

        public long StepCount => optimizer.StepCount;

        public void Step() => optimizer.Step();

        public OptimizerState ExportState() => state;

        public void ImportState(OptimizerState imported) => throw new NotSupportedException();
    }
}
