using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// <see cref="RMSprop"/> and <see cref="Adagrad"/> against PyTorch 1.13 (<c>scripts/golden_optimizers_rmsprop_adagrad.py</c>,
/// <c>Golden/optimizers_rmsprop_adagrad.json</c>): 30 steps bit for bit, with frozen stretches and a one-cycle schedule
/// cycling RMSprop's momentum; the exported state equals PyTorch's <c>state_dict()['state']</c>; and a run saved to a
/// training checkpoint midway and resumed ends with the same bits as an uninterrupted one.
/// </summary>
public sealed class RMSpropAdagradGoldenTests : IDisposable
{
    private const int SaveAfter = 12;
    private static readonly GoldenFile s_golden = new("optimizers_rmsprop_adagrad.json");
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-rmsprop-adagrad-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Fact]
    public void GoldenFile_CoversEveryVariant()
    {
        Assert.Equal(
            [
                "rmsprop_default", "rmsprop_weight_decay", "rmsprop_momentum", "rmsprop_centered", "rmsprop_centered_momentum_wd",
                "rmsprop_momentum_frozen", "rmsprop_one_cycle", "adagrad_default", "adagrad_lr_decay", "adagrad_wd_initial_accumulator",
                "adagrad_lr_decay_frozen",
            ],
            CaseNames());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Steps_MatchPyTorch_BitForBit(string name)
    {
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = OptimizerFreezingGoldenTests.CreateParameters(s_golden);
        IStatefulOptimizer optimizer = Create(golden, parameters);
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
        }

        // The state PyTorch's state_dict() holds after the last step: the same buffers, the same bits, the same counts.
        OptimizerGoldenAssert.StateMatchesPyTorch(golden.GetProperty("state"), optimizer.ExportState(), steps, name);
        if (golden.GetProperty("final_momentum") is { ValueKind: JsonValueKind.Number } momentum)
        {
            Assert.Equal((float)momentum.GetDouble(), ((RMSprop)optimizer).Momentum, 1e-6f);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CheckpointMidway_ResumesBitForBit(string name)
    {
        // A one-cycle schedule is the caller's to resume: a new one over the restored optimizer, stepped as far.
        JsonElement golden = s_golden.Case(name);
        OptimizerGoldenAssert.CheckpointMidwayResumes(
            s_golden, golden, Path.Combine(_directory, name + ".safetensors"), SaveAfter, p => Create(golden, p), o => CreateSchedule(golden, o));
    }

    /// <summary>The case's optimizer, from its <c>optimizer</c> and PyTorch-named <c>hyperparameters</c>.</summary>
    internal static IStatefulOptimizer Create(JsonElement golden, ParameterSet parameters)
    {
        JsonElement h = golden.GetProperty("hyperparameters");
        float F(string key) => (float)h.GetProperty(key).GetDouble();
        return golden.GetProperty("optimizer").GetString() switch
        {
            "rmsprop" => new RMSprop(parameters, F("lr"), F("alpha"), F("eps"), F("weight_decay"), F("momentum"), h.GetProperty("centered").GetBoolean()),
            "adagrad" => new Adagrad(parameters, F("lr"), F("lr_decay"), F("weight_decay"), F("initial_accumulator_value"), F("eps")),
            string other => throw new InvalidDataException(other),
            null => throw new InvalidDataException("no optimizer"),
        };
    }

    /// <summary>PyTorch's <c>OneCycleLR(optimizer, max_lr, total_steps)</c> with its defaults when the case has one.</summary>
    private static OneCycleLR? CreateSchedule(JsonElement golden, IOptimizer optimizer) =>
        golden.GetProperty("one_cycle") is { ValueKind: JsonValueKind.Object } p
            ? new OneCycleLR(optimizer, p.GetProperty("max_lr").GetDouble(), p.GetProperty("total_steps").GetInt32())
            : null;
}
