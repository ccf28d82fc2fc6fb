using System;
using System.Linq;
using System.Text.Json;
using StaticGrad.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// What the golden tests of the optimizers with per-tensor state share (<see cref="RMSpropAdagradGoldenTests"/>,
/// <see cref="ElementwiseOptimizerGoldenTests"/>): the scripted gradients and frozen stretches, bit comparisons, and the
/// comparison of an exported state with PyTorch's <c>state_dict()['state']</c> or with another run's.
/// </summary>
internal static class OptimizerGoldenAssert
{
    /// <summary>Freezes what the case's script freezes at <paramref name="step"/> (when the case is <c>frozen</c>) and fills the step's gradient.</summary>
    public static void BeforeStep(GoldenFile file, JsonElement golden, ParameterSet parameters, int step)
    {
        if (golden.GetProperty("frozen").GetBoolean())
        {
            OptimizerFreezingGoldenTests.FreezeAsScripted(file, parameters, step);
        }

        OptimizerGoldenTests.FillGradient(parameters.Gradients, step);
    }

    /// <summary>Fails unless every float has the bits of the float32 the script wrote.</summary>
    public static void Bits(JsonElement expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.GetArrayLength(), actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            float want = (float)expected[j].GetDouble();
            if (BitConverter.SingleToInt32Bits(want) != BitConverter.SingleToInt32Bits(actual[j]))
            {
                Assert.Fail($"{what}[{j}]: expected {want:R}, got {actual[j]:R}");
            }
        }
    }

    /// <summary>
    /// Fails unless <paramref name="state"/> holds the buffers of the script's <c>state</c> (every key but <c>step</c> and
    /// <paramref name="scalars"/>) with the same bits, and its per-tensor step counts.
    /// </summary>
    public static void StateMatchesPyTorch(JsonElement pytorch, OptimizerState state, int steps, string name, params string[] scalars)
    {
        Assert.Equal(
            pytorch.EnumerateObject().Select(p => p.Name).Where(n => n != "step" && !scalars.Contains(n)).Order(StringComparer.Ordinal),
            state.Buffers.Select(b => b.Key).Order(StringComparer.Ordinal));
        foreach (var buffer in state.Buffers)
        {
            Bits(pytorch.GetProperty(buffer.Key), buffer.Value, $"{name} {buffer.Key}");
        }

        long[] counts = [.. pytorch.GetProperty("step").EnumerateArray().Select(s => s.GetInt64())];
        Assert.Equal(counts, state.TensorSteps?.ToArray() ?? [.. counts.Select(_ => (long)steps)]);
        Assert.Equal(steps, state.StepCount);
    }

    /// <summary>Fails unless two optimizers' states are the same: buffers, per-tensor scalars, counts, settings, step count and rate.</summary>
    public static void SameState(IStatefulOptimizer straight, IStatefulOptimizer resumed)
    {
        OptimizerState a = straight.ExportState(), b = resumed.ExportState();
        Assert.Equal(a.Buffers.Select(x => x.Key), b.Buffers.Select(x => x.Key));
        Assert.All(a.Buffers.Zip(b.Buffers), pair => Assert.Equal(pair.First.Value, pair.Second.Value));
        Assert.Equal(a.TensorScalars.Select(x => x.Key), b.TensorScalars.Select(x => x.Key));
        Assert.All(a.TensorScalars.Zip(b.TensorScalars), pair => Assert.Equal(pair.First.Value, pair.Second.Value));
        Assert.Equal(a.TensorSteps, b.TensorSteps);
        Assert.Equal(a.Settings, b.Settings);
        Assert.Equal((a.StepCount, a.LearningRate), (b.StepCount, b.LearningRate));
    }

    /// <summary>
    /// Runs a case straight through and, beside it, to <paramref name="saveAfter"/> steps, saved to a training checkpoint
    /// at <paramref name="path"/>, loaded into a new optimizer made from the saved state (with a new schedule stepped as
    /// far: a schedule is the caller's to resume) and run on; fails unless both end with the same parameters and state.
    /// </summary>
    /// <returns>The straight and the resumed optimizer, over their parameters.</returns>
    public static ((ParameterSet Parameters, IStatefulOptimizer Optimizer) Straight, (ParameterSet Parameters, IStatefulOptimizer Optimizer) Resumed) CheckpointMidwayResumes(
        GoldenFile file, JsonElement golden, string path, int saveAfter, Func<ParameterSet, IStatefulOptimizer> create, Func<IOptimizer, LearningRateScheduler?> createSchedule)
    {
        int steps = file.Root.GetProperty("steps").GetInt32();
        ParameterSet straight = OptimizerFreezingGoldenTests.CreateParameters(file);
        IStatefulOptimizer straightOptimizer = create(straight);
        ParameterSet first = OptimizerFreezingGoldenTests.CreateParameters(file);
        IStatefulOptimizer firstOptimizer = create(first);
        LearningRateScheduler? straightSchedule = createSchedule(straightOptimizer);
        LearningRateScheduler? firstSchedule = createSchedule(firstOptimizer);
        for (int step = 1; step <= saveAfter; step++)
        {
            BeforeStep(file, golden, straight, step);
            straightOptimizer.Step();
            straightSchedule?.Step();
            BeforeStep(file, golden, first, step);
            firstOptimizer.Step();
            firstSchedule?.Step();
        }

        TrainingCheckpoint.Capture(first, firstOptimizer, new TrainingProgress(1, saveAfter, (1, 2, 3, 4), 8, 64)).Save(path);
        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        ParameterSet resumed = OptimizerFreezingGoldenTests.CreateParameters(file);
        resumed.Values.Clear();
        IStatefulOptimizer resumedOptimizer = loaded.Optimizer.CreateOptimizer(resumed);
        Assert.IsType(straightOptimizer.GetType(), resumedOptimizer);
        loaded.Restore(resumed, resumedOptimizer);
        LearningRateScheduler? resumedSchedule = createSchedule(resumedOptimizer);
        for (int step = 1; step <= saveAfter && resumedSchedule is not null; step++)
        {
            resumedSchedule.Step();
        }

        for (int step = saveAfter + 1; step <= steps; step++)
        {
            BeforeStep(file, golden, straight, step);
            straightOptimizer.Step();
            straightSchedule?.Step();
            BeforeStep(file, golden, resumed, step);
            resumedOptimizer.Step();
            resumedSchedule?.Step();
        }

        Assert.Equal(straight.Values.ToArray(), resumed.Values.ToArray());
        SameState(straightOptimizer, resumedOptimizer);
        return ((straight, straightOptimizer), (resumed, resumedOptimizer));
    }
}
