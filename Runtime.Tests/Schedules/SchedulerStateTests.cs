using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>Capturing a scheduler's state mid-schedule and restoring it into a freshly built one continues bit for bit.</summary>
public sealed class SchedulerStateTests
{
    [Theory]
    [MemberData(nameof(ScheduleGoldenTests.CaseNames), MemberType = typeof(ScheduleGoldenTests))]
    public void RestoredScheduler_ContinuesBitIdentically(string name)
    {
        JsonElement golden = ScheduleGoldenTests.Find(name);
        int steps = golden.GetProperty("lrs").GetArrayLength() - 1;
        double[] metrics = golden.TryGetProperty("metrics", out JsonElement m) ? [.. m.EnumerateArray().Select(e => e.GetDouble())] : [];
        int cut = steps / 2;

        var original = Build(golden);
        for (int s = 0; s < cut; s++)
        {
            original.Step(s);
        }

        SchedulerState state = original.GetState();
        double[] expected = new double[steps - cut];
        for (int s = cut; s < steps; s++)
        {
            original.Step(s);
            expected[s - cut] = original.LearningRate;
        }

        var resumed = Build(golden);
        resumed.Step(0); // move it off its initial state, so the restore has something to undo
        resumed.SetState(state);
        for (int s = cut; s < steps; s++)
        {
            resumed.Step(s);
            double actual = resumed.LearningRate;
            Assert.True(
                BitConverter.DoubleToInt64Bits(expected[s - cut]) == BitConverter.DoubleToInt64Bits(actual),
                $"{name} step {s + 1}: expected {expected[s - cut]:R}, got {actual:R}.");
            Assert.Equal((float)actual, resumed.Optimizer.LearningRate);
        }

        Runner Build(JsonElement g)
        {
            Sgd optimizer = ScheduleGoldenTests.NewOptimizer();
            JsonElement spec = g.GetProperty("scheduler");
            return spec.GetProperty("kind").GetString() == "plateau"
                ? new Runner(optimizer, null, ScheduleGoldenTests.CreatePlateau(optimizer, spec.GetProperty("params")), metrics)
                : new Runner(optimizer, ScheduleGoldenTests.Create(optimizer, spec), null, metrics);
        }
    }

    [Theory]
    [InlineData("adam", "onecycle")]
    [InlineData("adamw", "onecycle")]
    [InlineData("adamax", "onecycle")]
    [InlineData("radam", "onecycle")]
    [InlineData("sgd", "onecycle")]
    [InlineData("rmsprop", "onecycle")]
    [InlineData("sgd", "cyclic")]
    public void SchedulerRebuiltOnTheSameOptimizer_RestoresTheCycledMomentumWithTheRate(string optimizerKind, string scheduleKind)
    {
        // A hand-written loop that rebuilds its scheduler on the live optimizer and restores only the scheduler's state:
        // the constructor sets the start's rate and momentum (β₁), SetState must put back both for the restored epoch, or
        // the next optimizer step pairs the restored rate with the constructor's max momentum.
        const int Steps = 20, Cut = 8;
        float[] expected = Run(resumeAt: -1, out float expectedMomentum);
        float[] actual = Run(resumeAt: Cut, out float actualMomentum);
        Assert.Equal(BitConverter.SingleToInt32Bits(expectedMomentum), BitConverter.SingleToInt32Bits(actualMomentum));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{optimizerKind} with {scheduleKind}, value {i}: expected {expected[i]:R}, got {actual[i]:R}.");
        }

        float[] Run(int resumeAt, out float momentum)
        {
            var parameters = new ParameterSet([new ParameterTensor("w", 0, [7], fanIn: 7)]);
            Span<float> values = parameters.Values;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = 0.3f * (i - 3);
            }

            IMomentumOptimizer optimizer = optimizerKind switch
            {
                "adam" => new Adam(parameters, learningRate: 0.01f),
                "adamw" => new AdamW(parameters, learningRate: 0.01f, weightDecay: 0.05f),
                "adamax" => new Adamax(parameters, learningRate: 0.01f),
                "radam" => new RAdam(parameters, learningRate: 0.01f),
                "sgd" => new Sgd(parameters, learningRate: 0.01f, momentum: 0.9f),
                _ => new RMSprop(parameters, learningRate: 0.01f, momentum: 0.5f),
            };
            ILearningRateScheduler schedule = NewSchedule();
            for (int step = 0; step < Steps; step++)
            {
                if (step == resumeAt)
                {
                    string text = schedule.GetState().ToText();
                    schedule = NewSchedule();
                    schedule.SetState(SchedulerState.Parse(text));
                }

                Span<float> gradients = parameters.Gradients;
                for (int i = 0; i < values.Length; i++)
                {
                    gradients[i] = values[i] - (0.1f * i);
                }

                optimizer.Step();
                schedule.Step();
            }

            momentum = optimizer.Momentum;
            return values.ToArray();

            ILearningRateScheduler NewSchedule() => scheduleKind == "onecycle"
                ? new OneCycleLR(optimizer, maxLearningRate: 0.02, totalSteps: Steps)
                : new CyclicLR(optimizer, baseLearningRate: 0.001, maxLearningRate: 0.02, stepSizeUp: 3);
        }
    }

    [Fact]
    public void WarmRestarts_ResumeFromCheckpointText_MidCycle()
    {
        // Through the Trainer's checkpoint text: T_cur and T_i come back from LastEpoch (here in the third cycle, 12 steps in).
        SequentialLR Build(Sgd optimizer) =>
            new(optimizer, [new LinearLR(optimizer, 0.1, 1, 3), new CosineAnnealingWarmRestarts(optimizer, 2, 2, 0.001)], [3]);
        SequentialLR original = Build(ScheduleGoldenTests.NewOptimizer());
        for (int i = 0; i < 3 + 12; i++)
        {
            original.Step();
        }

        string text = Training.SchedulerStateText.Format(original.GetState());
        SequentialLR resumed = Build(ScheduleGoldenTests.NewOptimizer());
        resumed.SetState(Training.SchedulerStateText.Parse(text, "test"));
        var restarts = (CosineAnnealingWarmRestarts)resumed.Schedulers[1];
        Assert.Equal((6L, 8L), (restarts.EpochInCycle, restarts.CycleLength));
        for (int i = 0; i < 20; i++)
        {
            original.Step();
            resumed.Step();
            Assert.Equal(BitConverter.DoubleToInt64Bits(original.LastLearningRate), BitConverter.DoubleToInt64Bits(resumed.LastLearningRate));
        }
    }

    [Fact]
    public void SetState_RejectsAStateOfAnotherShape()
    {
        Sgd optimizer = ScheduleGoldenTests.NewOptimizer();
        var sequential = new SequentialLR(optimizer, [new LinearLR(optimizer, 0.5, 1, 2), new ExponentialLR(optimizer, 0.9)], [2]);
        SchedulerState leaf = new StepLR(ScheduleGoldenTests.NewOptimizer(), 2).GetState();
        var error = Assert.Throws<ArgumentException>(() => sequential.SetState(leaf));
        Assert.Equal("state", error.ParamName);
        Assert.Contains("expected 2", error.Message, StringComparison.Ordinal);

        var step = new StepLR(optimizer, 2);
        error = Assert.Throws<ArgumentException>(() => step.SetState(new SchedulerState { LastEpoch = 3, GroupLearningRate = double.NaN }));
        Assert.Contains("finite", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Drives either kind of scheduler the same way.</summary>
    private sealed class Runner(IOptimizer optimizer, ILearningRateScheduler? scheduler, ReduceLROnPlateau? plateau, double[] metrics)
    {
        public IOptimizer Optimizer => optimizer;

        public double LearningRate => scheduler?.LastLearningRate ?? plateau!.LastLearningRate;

        public void Step(int index)
        {
            if (scheduler is not null)
            {
                scheduler.Step();
            }
            else
            {
                plateau!.Step(metrics[index]);
            }
        }

        public SchedulerState GetState() => scheduler?.GetState() ?? plateau!.GetState();

        public void SetState(SchedulerState state)
        {
            if (scheduler is not null)
            {
                scheduler.SetState(state);
            }
            else
            {
                plateau!.SetState(state);
            }
        }
    }
}
