using System.IO;
using StaticGrad.Models.Commands;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>The train command's <c>--distributed</c> options: what it refuses at parse time, and its help.</summary>
public sealed class CliTests
{
    [Theory]
    [InlineData("--deterministic 8", "--deterministic applies to --distributed training only.")]
    [InlineData("--distributed --model resmlp --deterministic 8", "--model resmlp has dropout: each rank draws masks for its own rows")]
    [InlineData("--distributed --model cnn-bn --deterministic 8", "--model cnn-bn has dropout and batch norm")]
    [InlineData("--distributed --seeds 1,2 --save run.safetensors", "--save, --save-weights, --resume and --plot work on one run: give a single --seed.")]
    [InlineData("--distributed --batch 16 --deterministic 32", "--deterministic 32 is larger than --batch 16")]
    [InlineData("--distributed --deterministic 0", "Option '--deterministic' expects an integer from 1 to")]
    public void UnsupportedCombinationsAreUsageErrors(string args, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(["train", .. args.Split(' ')], output, error);
        Assert.Equal(Cli.UsageErrorCode, code);
        Assert.Contains(message, error.ToString(), System.StringComparison.Ordinal);
        Assert.DoesNotContain("train loss", output.ToString(), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--distributed", "--deterministic", "8" }, 64, 8)]
    [InlineData(new[] { "--distributed", "--deterministic", "64" }, 64, 64)]
    [InlineData(new[] { "--distributed", "--batch", "256" }, 256, 0)]
    public void DistributedOptionsParse(string[] args, int batch, int block)
    {
        TrainOptions options = TrainOptions.Parse(args);
        Assert.True(options.Distributed);
        Assert.Equal(batch, options.BatchSize);
        Assert.Equal(block, options.DeterministicBlock);
    }

    [Fact]
    public void HelpListsTheDistributedOptions()
    {
        var output = new StringWriter();
        Assert.Equal(0, Cli.Run(["train", "--help"], output, new StringWriter()));
        string help = output.ToString();
        Assert.Contains("--distributed", help, System.StringComparison.Ordinal);
        Assert.Contains("mpirun -np N train --distributed", help, System.StringComparison.Ordinal);
        Assert.Contains("--deterministic <N>", help, System.StringComparison.Ordinal);
    }
}
