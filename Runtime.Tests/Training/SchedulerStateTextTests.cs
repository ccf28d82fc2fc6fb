using System.IO;
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
        => Assert.StartsWith("entry is malformed", Assert.Throws<InvalidDataException>(() => SchedulerStateText.Parse(text, "entry")).Message, System.StringComparison.Ordinal);
}
