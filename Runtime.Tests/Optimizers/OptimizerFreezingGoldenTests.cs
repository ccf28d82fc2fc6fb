using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Per-parameter optimizer state against PyTorch 1.13 (<c>scripts/golden_optimizer_freezing.py</c>,
/// <c>Golden/optimizer_freezing.json</c>): tensors frozen for some steps (Adam's per-parameter <c>step</c>, SGD's
/// <c>momentum_buffer</c> created on a tensor's first step with momentum) and SGD's momentum switched on after some steps;
/// and the per-tensor counts through <see cref="OptimizerState"/> and a training checkpoint file.
/// </summary>
public sealed class OptimizerFreezingGoldenTests : IDisposable
{
    private static readonly GoldenFile s_golden = new("optimizer_freezing.json");
    private readonly string _directory = Directory.CreateTempSubdirectory("staticgrad-freezing-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> CaseNames() => s_golden.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StepsWithFrozenTensors_MatchPyTorch(string name)
    {
        JsonElement golden = s_golden.Case(name);
        ParameterSet parameters = CreateParameters();
        IStatefulOptimizer optimizer = Create(golden, parameters);
        JsonElement expected = golden.GetProperty("expected");
        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        Assert.Equal(steps, expected.GetArrayLength());
        for (int step = 1; step <= steps; step++)
        {
            BeforeStep(golden, parameters, optimizer, step);
            optimizer.Step();
            for (int j = 0; j < parameters.Count; j++)
            {
                double want = (float)expected[step - 1][j].GetDouble();
                KernelReference.AssertClose(want, parameters.Values[j], 1e-6 * (1 + Math.Abs(want)), $"{name} step {step} parameter[{j}]");
            }
        }

        // The body was frozen for steps 1-3 and the head's weight for steps 5-6: PyTorch's per-parameter counts.
        long[] counts = optimizer switch
        {
            AdamBase adam => parameters.Tensors.Select(adam.StepCountOf).ToArray(),
            Sgd sgd => parameters.Tensors.Select(sgd.MomentumStepCountOf).ToArray(),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(golden.GetProperty("momentum_from").ValueKind == JsonValueKind.Null ? [5L, 5L, 6L] : [5L, 5L, 4L], counts);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ExportedStateAndCheckpointFile_ContinueBitForBit(string name)
    {
        JsonElement golden = s_golden.Case(name);
        int steps = s_golden.Root.GetProperty("steps").GetInt32();
        ParameterSet straight = CreateParameters();
        IStatefulOptimizer straightOptimizer = Create(golden, straight);
        ParameterSet resumed = CreateParameters();
        IStatefulOptimizer first = Create(golden, resumed);
        for (int step = 1; step <= 4; step++)
        {
            BeforeStep(golden, straight, straightOptimizer, step);
            straightOptimizer.Step();
            BeforeStep(golden, resumed, first, step);
            first.Step();
        }

        // After step 4 the body has taken 1 step and the head 4 (SGD from step 3: 1 and 2): the counts must travel.
        OptimizerState state = first.ExportState();
        Assert.NotNull(state.TensorSteps);
        string path = Path.Combine(_directory, name + ".safetensors");
        TrainingCheckpoint.Capture(resumed, first, new TrainingProgress(1, 4, (1, 2, 3, 4), 8, 64)).Save(path);
        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        Assert.Equal(state.TensorSteps, loaded.Optimizer.TensorSteps);

        ParameterSet restored = CreateParameters();
        restored.Values.Clear();
        IStatefulOptimizer second = loaded.Optimizer.CreateOptimizer(restored);
        loaded.Restore(restored, second);
        for (int step = 5; step <= steps; step++)
        {
            BeforeStep(golden, straight, straightOptimizer, step);
            straightOptimizer.Step();
            BeforeStep(golden, restored, second, step);
            second.Step();
        }

        Assert.Equal(straight.Values.ToArray(), restored.Values.ToArray());
    }

    [Fact]
    public void StateWithoutFrozenSteps_HasNoPerTensorCounts_AndBadCountsAreRefused()
    {
        ParameterSet parameters = CreateParameters();
        var adam = new Adam(parameters, 1e-2f);
        OptimizerGoldenTests.FillGradient(parameters.Gradients, 1);
        adam.Step();
        Assert.Null(adam.ExportState().TensorSteps);

        OptimizerState state = adam.ExportState();
        var tooMany = new OptimizerState(state.Algorithm, state.StepCount, state.LearningRate, state.Settings, state.Buffers, [1, 1]);
        var error = Assert.Throws<ArgumentException>(() => new Adam(CreateParameters(), 1e-2f).ImportState(tooMany));
        Assert.Contains("counts the steps of 2 tensors; this optimizer's parameters have 3", error.Message, StringComparison.Ordinal);
        Assert.Equal("tensorSteps", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new OptimizerState(state.Algorithm, state.StepCount, state.LearningRate, state.Settings, state.Buffers, [0, 2, 1])).ParamName);
        Assert.Throws<ArgumentException>(() => adam.StepCountOf(new ParameterTensor("other", 0, [3], 1)));
    }

    /// <summary>The three tensors of the script, with <c>p0[j] = float32(0.8·sin(0.37j + 0.11))</c> over the flat index.</summary>
    private static ParameterSet CreateParameters() => CreateParameters(s_golden);

    /// <summary>The tensors of a golden file's <c>tensors</c>, with <c>p0[j] = float32(0.8·sin(0.37j + 0.11))</c> over the flat index.</summary>
    internal static ParameterSet CreateParameters(GoldenFile golden)
    {
        var tensors = new ParameterTensor[golden.Root.GetProperty("tensors").GetArrayLength()];
        int offset = 0, i = 0;
        foreach (JsonElement tensor in golden.Root.GetProperty("tensors").EnumerateArray())
        {
            int length = tensor.GetProperty("length").GetInt32();
            tensors[i++] = new ParameterTensor(tensor.GetProperty("name").GetString()!, offset, [length], fanIn: 1);
            offset += length;
        }

        var parameters = new ParameterSet(tensors);
        for (int j = 0; j < parameters.Count; j++)
        {
            parameters.Values[j] = (float)(0.8 * Math.Sin((0.37 * j) + 0.11));
        }

        return parameters;
    }

    /// <summary>Freezes the tensors the script gives no gradient at <paramref name="step"/>, switches momentum on, fills the gradient.</summary>
    private static void BeforeStep(JsonElement golden, ParameterSet parameters, IStatefulOptimizer optimizer, int step)
    {
        FreezeAsScripted(s_golden, parameters, step);
        if (golden.GetProperty("momentum_from") is { ValueKind: JsonValueKind.Number } from && step == from.GetInt32())
        {
            ((Sgd)optimizer).Momentum = (float)golden.GetProperty("hyperparameters").GetProperty("momentum").GetDouble();
        }

        OptimizerGoldenTests.FillGradient(parameters.Gradients, step);
    }

    /// <summary>Freezes the tensors a golden file's <c>frozen</c> gives no gradient at <paramref name="step"/> and unfreezes the others.</summary>
    internal static void FreezeAsScripted(GoldenFile golden, ParameterSet parameters, int step)
    {
        foreach (JsonProperty frozen in golden.Root.GetProperty("frozen").EnumerateObject())
        {
            bool freeze = frozen.Value.EnumerateArray().Any(s => s.GetInt32() == step);
            if (freeze)
            {
                parameters.Freeze(frozen.Name);
            }
            else
            {
                parameters.Unfreeze(frozen.Name);
            }
        }
    }

    /// <summary>The case's optimizer; an SGD whose momentum starts later runs without it until then.</summary>
    private static IStatefulOptimizer Create(JsonElement golden, ParameterSet parameters)
    {
        var optimizer = (IStatefulOptimizer)OptimizerGoldenTests.Create(golden, parameters);
        if (golden.GetProperty("momentum_from").ValueKind == JsonValueKind.Number)
        {
            ((Sgd)optimizer).Momentum = 0f;
        }

        return optimizer;
    }
}
