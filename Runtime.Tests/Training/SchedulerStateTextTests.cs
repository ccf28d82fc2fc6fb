using System;
using System.IO;
using System.Linq;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Training;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>The checkpoint text of a <see cref="SchedulerState"/> is exact and rejects malformed input.</summary>
public sealed class SchedulerStateTextTests
{
    [Fact]
    public void RoundTrips_NestedStates_BitForBit()
    {
        var state = new SchedulerState
        {
            LastEpoch = 7,
            StepCount = 8,
            BaseLearningRate = 0.1,
            LastLearningRate = 0.1 / 3,
            GroupLearningRate = 1e-300,
            Children =
            [
                new SchedulerState { LastEpoch = -1, Best = double.PositiveInfinity, BadEpochs = 2, CooldownCounter = 1 },
                new SchedulerState { LastEpoch = 3, Children = [new SchedulerState { Best = double.NegativeInfinity, LastLearningRate = double.Epsilon }] },
            ],
        };

        string text = SchedulerStateText.Format(state);
        SchedulerState back = SchedulerStateText.Parse(text, "test");

        Assert.Equal(text, SchedulerStateText.Format(back));
        Assert.Equal(0.1 / 3, back.LastLearningRate);
        Assert.Equal(double.PositiveInfinity, back.Children[0].Best);
        Assert.Equal(double.Epsilon, back.Children[1].Children[0].LastLearningRate);
        Assert.Equal((2, 1), (back.Children[0].BadEpochs, back.Children[0].CooldownCounter));
    }

    [Theory]
    [InlineData("1,2,3")]
    [InlineData("x,0,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0,0")]
    [InlineData("1,0,00000000000000,0000000000000000,0000000000000000,0000000000000000,0,0")]
    [InlineData("1,0,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0,0(")]
    [InlineData("1,0,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0,0)")]
    public void Parse_RejectsMalformedText(string text)
        => Assert.StartsWith("entry is malformed", Assert.Throws<InvalidDataException>(() => SchedulerStateText.Parse(text, "entry")).Message, StringComparison.Ordinal);

    [Fact]
    public void ThePublicText_ResumesAScheduleInAHandWrittenLoop_BitForBit()
    {
        // A warm-up then cosine schedule and a plateau rule, stepped 4 times, saved as text (as a checkpoint's metadata
        // would hold it), then restored into new schedulers built with the same settings: the next 6 rates are the same bits.
        var model = new NllModel(seed: 1, maxBatch: 4);
        var sgd = new Sgd(model.Parameters, 0.5f);
        var schedule = new SequentialLR(sgd, [new LinearLR(sgd, 0.2, 1, 2), new CosineAnnealingLR(sgd, 10, 0.01)], [2]);
        var plateau = new ReduceLROnPlateau(sgd, patience: 1);
        double[] metrics = [1.0, 0.9, 0.95, 0.97, 0.96, 0.5, 0.6, 0.7, 0.8, 0.9];
        for (int e = 0; e < 4; e++)
        {
            schedule.Step();
            plateau.Step(metrics[e]);
        }

        string scheduleText = schedule.GetState().ToText(), plateauText = plateau.GetState().ToText();
        float rate = sgd.LearningRate;
        var expected = new float[6];
        for (int e = 0; e < expected.Length; e++)
        {
            schedule.Step();
            plateau.Step(metrics[4 + e]);
            expected[e] = sgd.LearningRate;
        }

        var resumedSgd = new Sgd(new NllModel(seed: 1, maxBatch: 4).Parameters, 0.5f);
        var resumed = new SequentialLR(resumedSgd, [new LinearLR(resumedSgd, 0.2, 1, 2), new CosineAnnealingLR(resumedSgd, 10, 0.01)], [2]);
        var resumedPlateau = new ReduceLROnPlateau(resumedSgd, patience: 1);
        resumed.SetState(SchedulerState.Parse(scheduleText));
        resumedPlateau.SetState(SchedulerState.Parse(plateauText));
        Assert.Equal(rate, resumedSgd.LearningRate);
        for (int e = 0; e < expected.Length; e++)
        {
            resumed.Step();
            resumedPlateau.Step(metrics[4 + e]);
            Assert.Equal(expected[e], resumedSgd.LearningRate);
        }

        Assert.Matches("^[0-9a-f,()-]+$", scheduleText);
    }

    [Fact]
    public void Parse_RefusesNestingDeeperThanItsLimit_InsteadOfExhaustingTheStack()
    {
        // The reader recurses per level: a corrupted checkpoint's text nested 100,000 deep ended the process with a
        // stack overflow, which no caller can catch. MaxDepth levels still parse; one more is a FormatException.
        const string State = "1,1,3f50624dd2f1a9fc,3f50624dd2f1a9fc,3f50624dd2f1a9fc,0000000000000000,0,0";
        static string Nested(int depth) => string.Concat(Enumerable.Repeat(State + "(", depth)) + State + new string(')', depth);

        SchedulerState deepest = SchedulerState.Parse(Nested(SchedulerStateText.MaxDepth));
        Assert.Equal(Nested(SchedulerStateText.MaxDepth), deepest.ToText());
        FormatException e = Assert.Throws<FormatException>(() => SchedulerState.Parse(Nested(SchedulerStateText.MaxDepth + 1)));
        Assert.Contains($"nest deeper than {SchedulerStateText.MaxDepth} levels", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,2,3", "expected 8 comma-separated fields")]
    [InlineData("1,0,0000000000000000,0000000000000000,0000000000000000,0000000000000000,3000000000,0", "'3000000000' is not a counter")]
    [InlineData("1,0,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0,-1", "'-1' is not a counter")]
    public void ThePublicParse_RejectsMalformedText_WithAFormatException(string text, string problem)
    {
        FormatException e = Assert.Throws<FormatException>(() => SchedulerState.Parse(text));
        Assert.StartsWith("The scheduler state text is malformed", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => SchedulerState.Parse(null!));
    }
}
