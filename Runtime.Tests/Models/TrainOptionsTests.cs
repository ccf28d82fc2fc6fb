using System;
using StaticGrad.Models;
using StaticGrad.Models.Commands;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

public sealed class TrainOptionsTests
{
    [Fact]
    public void DefaultsAreTheSeedModelWithAdam()
    {
        TrainOptions options = TrainOptions.Parse(Array.Empty<string>());

        Assert.Equal("mlp128", options.Model);
        Assert.Equal("adam", options.Optimizer);
        Assert.Equal(1e-3f, options.LearningRate);
        Assert.Equal(64, options.BatchSize);
        Assert.Equal(10, options.Epochs);
        Assert.Equal(new[] { 1 }, options.Seeds);
    }

    [Fact]
    public void Mlp256DefaultsToSgdWithMomentumAndTheSeedValuesStayReachable()
    {
        TrainOptions defaults = TrainOptions.Parse(new[] { "--model", "mlp256" });
        TrainOptions seed = TrainOptions.Parse(new[] { "--model", "mlp256", "--lr", "1e-3", "--momentum", "0" });

        Assert.Equal(("sgd", 0.1f, 0.9f), (defaults.Optimizer, defaults.LearningRate, defaults.Momentum));
        Assert.Equal(("sgd", 1e-3f, 0f), (seed.Optimizer, seed.LearningRate, seed.Momentum));
    }

    [Fact]
    public void RMSpropAndAdagrad_HavePyTorchsDefaultRates_AndRMSpropTakesAMomentum()
    {
        TrainOptions rmsprop = TrainOptions.Parse(new[] { "--optimizer", "rmsprop", "--momentum", "0.5", "--weight-decay", "1e-4" });
        TrainOptions adagrad = TrainOptions.Parse(new[] { "--optimizer", "adagrad" });
        Assert.Equal(("rmsprop", 0.01f, 0.5f), (rmsprop.Optimizer, rmsprop.LearningRate, rmsprop.Momentum));
        Assert.Equal(("adagrad", 0.01f, 0f), (adagrad.Optimizer, adagrad.LearningRate, adagrad.Momentum));
        Assert.Equal(0f, TrainOptions.Parse(new[] { "--optimizer", "rmsprop" }).Momentum);
    }

    [Theory]
    [InlineData("adadelta", 1f)]
    [InlineData("adamax", 2e-3f)]
    [InlineData("nadam", 2e-3f)]
    [InlineData("radam", 1e-3f)]
    public void AdadeltaAdamaxNAdamRAdam_HavePyTorchsDefaultRates(string optimizer, float learningRate)
    {
        TrainOptions options = TrainOptions.Parse(new[] { "--optimizer", optimizer, "--weight-decay", "1e-4" });
        Assert.Equal((optimizer, learningRate, 0f, 1e-4f), (options.Optimizer, options.LearningRate, options.Momentum, options.WeightDecay));
        Assert.Equal(0.5f, TrainOptions.Parse(new[] { "--optimizer", optimizer, "--lr", "0.5" }).LearningRate);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamax")]
    [InlineData("nadam")]
    [InlineData("radam")]
    [InlineData("rmsprop")]
    [InlineData("sgd")]
    public void OneCycle_IsAccepted_ForEveryOptimizerWithAMomentumOrBeta1(string optimizer)
    {
        // PyTorch 1.13's OneCycleLR cycles SGD's and RMSprop's momentum and the Adam family's betas[0], NAdam's included.
        TrainOptions options = TrainOptions.Parse(new[] { "--optimizer", optimizer, "--lr-schedule", "onecycle" });
        Assert.Equal((optimizer, "onecycle"), (options.Optimizer, options.LearningRateSchedule));
    }

    [Fact]
    public void ParsesEveryOption()
    {
        TrainOptions options = TrainOptions.Parse(new[]
        {
            "--model", "mlp256", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.8", "--nesterov",
            "--weight-decay", "1e-4", "--epochs", "3", "--batch", "32", "--seeds", "4,5", "--data", RepoPaths.MnistDataDirectory, "--quiet",
        });

        Assert.Equal(0.05f, options.LearningRate);
        Assert.Equal(0.8f, options.Momentum);
        Assert.True(options.Nesterov);
        Assert.Equal(1e-4f, options.WeightDecay);
        Assert.Equal(3, options.Epochs);
        Assert.Equal(32, options.BatchSize);
        Assert.Equal(new[] { 4, 5 }, options.Seeds);
        Assert.Equal(RepoPaths.MnistDataDirectory, options.DataDirectory);
        Assert.True(options.Quiet);
    }

    [Fact]
    public void ANegativeZero_IsZero()
    {
        // '--weight-decay -0' was kept as -0 and printed as 'weight decay -0'.
        TrainOptions options = TrainOptions.Parse(new[] { "--weight-decay", "-0" });

        Assert.Equal(0f, options.WeightDecay);
        Assert.False(float.IsNegative(options.WeightDecay), "-0 should be read as +0");
    }

    [Fact]
    public void ParsesTheTrainingLibraryOptions()
    {
        TrainOptions options = TrainOptions.Parse(new[]
        {
            "--lr-schedule", "Cosine", "--warmup", "2", "--clip-grad-norm", "1.5", "--early-stopping", "4", "--val-split", "0.1", "--plot", "c.png",
        });

        Assert.Equal(("cosine", 2, 1.5f, 4, 0.1, "c.png"), (options.LearningRateSchedule, options.Warmup, options.ClipGradNorm, options.EarlyStopping, options.ValidationSplit, options.PlotPath));
        TrainOptions defaults = TrainOptions.Parse(Array.Empty<string>());
        Assert.Equal(("none", 0, (float?)null, (int?)null, (double?)null, (string?)null), (defaults.LearningRateSchedule, defaults.Warmup, defaults.ClipGradNorm, defaults.EarlyStopping, defaults.ValidationSplit, defaults.PlotPath));
    }

    [Theory]
    [InlineData("--bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("--epochs", "Required argument missing for option: '--epochs'")]
    [InlineData("--epochs 0", "Option '--epochs' expects an integer from 1 to 100000; got 0")]
    [InlineData("--epochs 99999999999", "Option '--epochs' expects an integer from 1 to 100000; got '99999999999'")]
    [InlineData("--seed -99999999999", "Option '--seed' expects an integer from -2147483648 to 2147483647; got '-99999999999'")]
    [InlineData("--epochs 1.5", "Option '--epochs' expects an integer from 1 to 100000; got '1.5'")]
    [InlineData("--val-split 1", "Option '--val-split' expects a number in (0, 1); got 1")]
    [InlineData("--early-stopping 0", "Option '--early-stopping' expects an integer from 1 to 100000; got 0")]
    [InlineData("--early-stopping 3", "--early-stopping and --lr-schedule plateau watch the validation loss: give --val-split F")]
    [InlineData("--lr-schedule plateau", "give --val-split F")]
    [InlineData("--lr-schedule onecycle --warmup 2", "--lr-schedule onecycle warms up by itself")]
    [InlineData("--lr-schedule cosine --warmup 10", "--warmup 10 leaves no epoch of the cosine schedule in --epochs 10")]
    [InlineData("--lr-schedule linear", "Option '--lr-schedule' expects one of none, step, exponential, cosine, onecycle, plateau; got 'linear'")]
    [InlineData("--clip-grad-norm -1", "Option '--clip-grad-norm' expects a number > 0; got -1")]
    [InlineData("--seeds 1,2 --plot a.png", "give a single --seed")]
    [InlineData("--seed 2 --seeds 1,3", "--seed 2 and --seeds 1,3 both choose the seeds; give one of them (--seed N for one run, --seeds A,B,... for several)")]
    [InlineData("--plot curves.jpg", "Option '--plot' writes a PNG image; expected a path ending in .png, got 'curves.jpg'")]
    [InlineData("--seeds 1,,2", "Option '--seeds' expects a comma-separated list of integers from")]
    [InlineData("--seeds 1,", "Option '--seeds' expects a comma-separated list of integers from")]
    [InlineData("--lr abc", "'--lr' expects a number; got 'abc'")]
    [InlineData("--lr 1e39", "Option '--lr' expects a number float32 holds (magnitude at most 3.4028235E+38); got '1e39'")]
    [InlineData("--clip-grad-norm -1e39", "Option '--clip-grad-norm' expects a number float32 holds")]
    [InlineData("--lr 1e-50", "Option '--lr' expects a number > 0; got '1e-50', which is 0 in float32")]
    [InlineData("--model resnet", "'--model' expects one of mlp128, mlp256, resmlp, lenet, cnn-bn; got 'resnet'")]
    [InlineData("--momentum 0.9", "--momentum applies to --optimizer sgd and rmsprop only")]
    [InlineData("--optimizer adagrad --momentum 0.9", "--momentum applies to --optimizer sgd and rmsprop only")]
    [InlineData("--optimizer adagrad --lr-schedule onecycle", "--optimizer adagrad has none")]
    [InlineData("--optimizer lion", "'--optimizer' expects one of adam, sgd, rmsprop, adagrad, adadelta, adamax, nadam, radam; got 'lion'")]
    [InlineData("--optimizer adadelta --momentum 0.9", "--momentum applies to --optimizer sgd and rmsprop only")]
    [InlineData("--optimizer adadelta --lr-schedule onecycle", "--optimizer adadelta has none (PyTorch's OneCycleLR refuses Adadelta too)")]
    [InlineData("--optimizer sgd --momentum 0 --nesterov", "--nesterov needs")]
    public void BadArgumentsSayWhatIsWrong(string args, string expected)
    {
        var error = Assert.Throws<FormatException>(() => TrainOptions.Parse(args.Split(' ')));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
