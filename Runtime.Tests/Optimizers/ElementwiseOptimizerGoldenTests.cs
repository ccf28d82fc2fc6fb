using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="Adadelta"/>, <see cref="Adamax"/>, <see cref="NAdam"/> and <see cref="RAdam"/> against PyTorch 1.13
/// (<c>scripts/golden_optimizers_adadelta_adamax_nadam_radam.py</c>, <c>Golden/optimizers_adadelta_adamax_nadam_radam.json</c>):
/// 30 steps bit for bit, with weight decay, non-default hyperparameters, frozen stretches, a step schedule and RAdam
/// crossing its rectification threshold; the exported state (and NAdam's <c>mu_product</c>) equals PyTorch's
/// <c>state_dict()['state']</c>; and a run saved to a training checkpoint midway and resumed ends with the same bits as
/// an uninterrupted one.
/// </summary>
public sealed class ElementwiseOptimizerGoldenTests : IDisposable
{
    private const int SaveAfter = 12;
    private static readonly GoldenFile s_golden = new("optimizers_adadelta_adamax_nadam_radam.json");
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-elementwise-optimizers-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Fact]
    public void GoldenFile_CoversEveryVariant()
    {
        Assert.Equal(
            [
                "adadelta_default", "adadelta_rho_eps_weight_decay", "adadelta_frozen", "adadelta_step_lr",
                "adamax_default", "adamax_betas_eps_weight_decay", "adamax_frozen",
                "nadam_default", "nadam_momentum_decay_weight_decay", "nadam_frozen",
                "radam_default", "radam_betas_eps_weight_decay", "radam_frozen",
                "adamax_one_cycle", "radam_one_cycle",
            ],
            CaseNames());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Steps_MatchPyTorch_BitForBit(string name)
    {
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        ElementwiseOptimizer optimizer = Create(golden, parameters);
        LearningRateScheduler? schedule = CreateSchedule(golden, optimizer);
        JsonElement expected = golden.GetProperty("expected");
        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        Assert.Equal(steps, expected.GetArrayLength());
        for (int step = 1; step <= steps; step++)
        {
            OptimizerGoldenAssert.BeforeStep(s_golden, golden, parameters, step);
            optimizer.Step();
            schedule?.Step();
            OptimizerGoldenAssert.Bits(expected[step - 1], parameters.Values, $"{name} step {step} parameter");
            if (golden.TryGetProperty("beta1", out JsonElement beta1))
            {
                // OneCycleLR cycles betas[0] after every step; the group holds the schedule's float64.
                Assert.Equal((float)beta1[step - 1].GetDouble(), ((FirstMomentOptimizer)optimizer).Beta1);
            }
        }

        // The state PyTorch's state_dict() holds after the last step: the same buffers, the same bits, the same counts.
        JsonElement pytorch = golden.GetProperty("state");
        OptimizerGoldenAssert.StateMatchesPyTorch(pytorch, optimizer.ExportState(), steps, name, "mu_product");
        Assert.Equal(pytorch.GetProperty("step").EnumerateArray().Select(s => s.GetInt64()), parameters.Tensors.Select(optimizer.StepCountOf));
        Assert.Equal((float)golden.GetProperty("final_lr").GetDouble(), optimizer.LearningRate);
        if (optimizer is NAdam nadam)
        {
            OptimizerGoldenAssert.Bits(pytorch.GetProperty("mu_product"), [.. parameters.Tensors.Select(nadam.MuProductOf)], $"{name} mu_product");
        }
    }

    [Theory]
    [InlineData("radam_default")]
    [InlineData("radam_betas_eps_weight_decay")]
    [InlineData("radam_frozen")]
    public void RAdam_CrossesTheRectificationThreshold_WhereThePyTorchRunDoes(string name)
    {
        JsonElement golden = s_golden.Case(name);
        var radam = (RAdam)Create(golden, OptimizerFreezingGoldenTests.CreateParameters(s_golden));
        int first = golden.GetProperty("first_rectified_step").GetInt32();
        Assert.InRange(first, 2, s_golden.Root.GetProperty("steps").GetInt32() - 1);
        Assert.False(radam.IsRectified(first - 1));
        Assert.True(radam.IsRectified(first));
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => radam.IsRectified(0)).ParamName);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CheckpointMidway_ResumesBitForBit(string name)
    {
        JsonElement golden = s_golden.Case(name);
        var (straight, resumed) = OptimizerGoldenAssert.CheckpointMidwayResumes(
            s_golden, golden, Path.Combine(_directory, name + ".safetensors"), SaveAfter, p => Create(golden, p), o => CreateSchedule(golden, o));
        if (resumed.Optimizer is NAdam nadam)
        {
            // Saved in the checkpoint (optimizer.{parameter}.mu_product) and restored.
            Assert.Equal(straight.Parameters.Tensors.Select(((NAdam)straight.Optimizer).MuProductOf), resumed.Parameters.Tensors.Select(nadam.MuProductOf));
        }
    }

    /// <summary>The case's optimizer, from its <c>optimizer</c> and PyTorch-named <c>hyperparameters</c>.</summary>
    internal static ElementwiseOptimizer Create(JsonElement golden, ParameterSet parameters)
    {
        JsonElement h = golden.GetProperty("hyperparameters");
        float F(string key) => (float)h.GetProperty(key).GetDouble();
        float Beta(int i) => (float)h.GetProperty("betas")[i].GetDouble();
        return golden.GetProperty("optimizer").GetString() switch
        {
            "adadelta" => new Adadelta(parameters, F("lr"), F("rho"), F("eps"), F("weight_decay")),
            "adamax" => new Adamax(parameters, F("lr"), Beta(0), Beta(1), F("eps"), F("weight_decay")),
            "nadam" => new NAdam(parameters, F("lr"), Beta(0), Beta(1), F("eps"), F("weight_decay"), F("momentum_decay")),
            "radam" => new RAdam(parameters, F("lr"), Beta(0), Beta(1), F("eps"), F("weight_decay")),
            string other => throw new InvalidDataException(other),
            null => throw new InvalidDataException("no optimizer"),
        };
    }

    /// <summary>
    /// PyTorch's <c>StepLR(optimizer, step_size, gamma)</c> when the case has one, from the case's initial rate (a resumed
    /// optimizer holds the saved one), or its <c>OneCycleLR(optimizer, max_lr, total_steps, ...)</c>, which sets the rate
    /// and β₁ itself (also <see cref="NAdamOneCycleGoldenTests"/>'s).
    /// </summary>
    internal static LearningRateScheduler? CreateSchedule(JsonElement golden, IOptimizer optimizer)
    {
        if (golden.TryGetProperty("one_cycle", out JsonElement c))
        {
            double Or(string key, double fallback) => c.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
            return new OneCycleLR(
                optimizer,
                c.GetProperty("max_lr").GetDouble(),
                c.GetProperty("total_steps").GetInt32(),
                percentStart: Or("pct_start", 0.3),
                threePhase: c.TryGetProperty("three_phase", out JsonElement t) && t.GetBoolean(),
                baseMomentum: Or("base_momentum", 0.85),
                maxMomentum: Or("max_momentum", 0.95));
        }

        if (golden.GetProperty("step_lr") is not { ValueKind: JsonValueKind.Object } p)
        {
            return null;
        }

        optimizer.LearningRate = (float)golden.GetProperty("hyperparameters").GetProperty("lr").GetDouble();
        return new StepLR(optimizer, p.GetProperty("step_size").GetInt32(), p.GetProperty("gamma").GetDouble());
    }
}
