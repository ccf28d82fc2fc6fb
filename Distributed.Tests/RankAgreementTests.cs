using System;
using System.Linq;
using StaticGrad.Models.Commands;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// <c>train --distributed</c> refuses, on every rank alike, ranks started with different run-defining options (another
/// epoch count, patience, accumulation or seed list used to leave ranks waiting in a collective forever); options that
/// only say where rank 0 writes or how it prints may differ.
/// </summary>
public sealed class RankAgreementTests
{
    private static readonly string[] Common = ["--epochs", "2", "--batch", "64"];

    private static string?[] Check(params string[][] argsPerRank) =>
        InProcessCommunicator.Run(argsPerRank.Length, c => RankAgreement.Check(c, TrainOptions.Parse(argsPerRank[c.Rank])));

    [Theory]
    [InlineData("--epochs 3", "--epochs: 10 on rank 0")]
    [InlineData("--val-split 0.1 --early-stopping 2", "--early-stopping: not given on rank 0")]
    [InlineData("--accumulate 2", "--accumulate: 1 on rank 0")]
    [InlineData("--seeds 1,2", "--seeds: 1 on rank 0")]
    [InlineData("--optimizer sgd --lr 0.001", "--optimizer: adam on rank 0")]
    [InlineData("--lr 0.01", "--lr: 0.001 on rank 0")]
    [InlineData("--resume run.ckpt", "--resume: not given on rank 0")]
    public void ARankStartedWithAnotherRunDefiningOption_IsRefusedOnEveryRank(string options, string says)
    {
        string[] common = ["--batch", "64"];
        string?[] messages = Check(common, [.. common, .. options.Split(' ')], common);

        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.Contains($"{says}, another value on 1 of the 2 other rank(s)", messages[0], StringComparison.Ordinal);
        Assert.StartsWith("error: the ranks were started with different options (", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralOptionsDiffering_AreAllNamed()
    {
        string?[] messages = Check(Common, ["--epochs", "3", "--batch", "32"]);

        Assert.All(messages, m => Assert.Equal(messages[0], m));
        Assert.Contains("--epochs: 2 on rank 0, another value on 1 of the 1 other rank(s); --batch: 64 on rank 0, another value on 1 of the 1 other rank(s)", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public void RanksThatDifferOnlyInWhereRankZeroWritesOrHowItPrints_Agree()
    {
        string?[] messages = Check(
            [.. Common, "--save", "a.ckpt", "--save-weights", "w.safetensors", "--plot", "p.png"],
            [.. Common, "--quiet", "--data", System.IO.Path.GetTempPath()],
            Common);

        Assert.All(messages, Assert.Null);
    }

    [Fact]
    public void TheRunDefinition_CoversEveryOptionThatChangesTheSteps()
    {
        string[] options = RankAgreement.RunDefinition(TrainOptions.Parse(Common)).Select(entry => entry.Option).ToArray();

        Assert.Equal(
            ["--model", "--optimizer", "--lr", "--momentum", "--nesterov", "--weight-decay", "--epochs", "--batch", "--seeds", "--lr-schedule", "--warmup", "--clip-grad-norm", "--accumulate", "--early-stopping", "--val-split", "--deterministic", "--resume"],
            options);
    }
}
