using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using StaticGrad.Models.Commands;
using StaticGrad.Runtime.Tests.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The train app's command line: help on every command, usage errors, the library options, plots.</summary>
public sealed class CliTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static (int Code, string Output, string Error) Train(params string[] args) => Run([.. args, "--quiet", "--data", RepoPaths.MnistDataDirectory]);

    [Theory]
    [InlineData("", "--lr-schedule")]
    [InlineData("train", "--early-stopping")]
    [InlineData("train", "--accumulate")]
    [InlineData("eval", "--plot")]
    [InlineData("predict", "--idx")]
    [InlineData("eval", "--strip-prefix")]
    [InlineData("predict", "--strip-prefix")]
    [InlineData("export", "--strip-prefix")]
    [InlineData("imbalanced", "--rare")]
    [InlineData("binary", "--no-balance")]
    [InlineData("regression", "--seeds")]
    [InlineData("summary", "--model")]
    public void Help_OnEveryCommand_ListsItsOptions(string command, string option)
    {
        var result = Run(command.Length == 0 ? ["--help"] : [command, "--help"]);

        Assert.Equal(0, result.Code);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains(option, result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void ResumeHelp_AndReadmesOptionRow_BothSayOnlyLrMayChange()
    {
        // A resumed run with --lr trains at the new rate ("learning rate changed from the checkpoint's ..."); a README
        // saying the optimizer settings all come from the checkpoint promised the old rate.
        var help = Run("train", "--help");
        Assert.Contains("(only --lr may change)", help.Output, StringComparison.Ordinal);

        string row = File.ReadLines(Path.Combine(RepoPaths.Root, "README.md")).Single(line => line.StartsWith("| `--save PATH`, `--resume PATH`", StringComparison.Ordinal));
        Assert.Contains("only `--lr` may change", row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "--epochs <N>", "[default: 10]")]
    [InlineData("", "--model <NAME>", "[default: mlp128]")]
    [InlineData("eval", "--split <NAME>", "[default: test]")]
    [InlineData("imbalanced", "--keep <N>", "[default: 20]")]
    [InlineData("binary", "--epochs <N>", "[default: 3]")]
    [InlineData("regression", "--epochs <N>", "[default: 200]")]
    [InlineData("regression", "--seeds <A,B,...>", "[default: 1,2,3]")]
    [InlineData("imbalanced", "--rare <A,B,...>", "[default: 2,5,8]")]
    [InlineData("", "--seeds <A,B,...>", "[default: 1]")]
    [InlineData("summary", "--model <NAME>", "[default: mlp128]")]
    [InlineData("predict", "--model <NAME>", "default: told from the file")]
    [InlineData("export", "--model <NAME>", "default: told from the file")]
    public void Help_ShowsEachDefaultOnce(string command, string option, string shown)
    {
        var result = Run(command.Length == 0 ? ["--help"] : [command, "--help"]);

        Assert.Equal(0, result.Code);
        Assert.Contains(result.Output.Split('\n'), line => line.TrimStart().StartsWith(option, StringComparison.Ordinal) && line.Contains(shown, StringComparison.Ordinal));
        foreach (string line in result.Output.Split('\n'))
        {
            int first = line.IndexOf("default", StringComparison.OrdinalIgnoreCase);
            Assert.True(first < 0 || line.IndexOf("default", first + 1, StringComparison.OrdinalIgnoreCase) < 0, $"a default shown twice: {line}");
        }
    }

    [Fact]
    public void Summary_PrintsTheSeedModelsLayersAnd101770Parameters()
    {
        var result = Run("summary");
        Assert.Equal(0, result.Code);
        Assert.Contains("fc1: Linear 784 -> 128, ReLU", result.Output, StringComparison.Ordinal);
        Assert.Contains("Total params: 101,770", result.Output, StringComparison.Ordinal);

        var resmlp = Run("summary", "--model", "resmlp", "--batch", "32");
        Assert.Equal(0, resmlp.Code);
        Assert.Contains("LayerNorm", resmlp.Output, StringComparison.Ordinal);
        Assert.Contains("[32, 784]", resmlp.Output, StringComparison.Ordinal);

        var lenet = Run("summary", "--model", "lenet");
        Assert.Equal(0, lenet.Code);
        Assert.Contains("Conv2d(1, 6, kernel_size=5, padding=2), ReLU", lenet.Output, StringComparison.Ordinal);
        Assert.Contains("Total params: 61,706", lenet.Output, StringComparison.Ordinal);
        Assert.Equal(Cli.UsageErrorCode, Run("summary", "--model", "resnet").Code);
    }

    [Theory]
    [InlineData(new[] { "--epohcs", "2" }, "'--epohcs' was not matched. Did you mean --epochs?", "Run 'train --help'")]
    [InlineData(new[] { "train", "--val-spilt", "0.1" }, "'--val-spilt' was not matched. Did you mean --val-split?", "Run 'train --help'")]
    [InlineData(new[] { "eval", "--weigths", "w" }, "'--weigths' was not matched. Did you mean --weights?", "Run 'train eval --help'")]
    [InlineData(new[] { "--epo", "2" }, "'--epo' was not matched. Did you mean --epochs?", "Run 'train --help'")]
    [InlineData(new[] { "--hlep", "x" }, "'--hlep' was not matched. Did you mean --help?", "Run 'train --help'")]
    public void AMistypedOption_ExitsWithTwo_AndSuggestsTheOption_OnStandardError(string[] args, string suggestion, string hint)
    {
        var result = Run(args);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains($"Unrecognized command or argument '{args[^2]}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(suggestion, result.Error, StringComparison.Ordinal);
        Assert.Contains(hint, result.Error, StringComparison.Ordinal);

        // The value after the mistyped option is not a mistyped name: no suggestion for it (it used to get '-h').
        Assert.DoesNotContain($"'{args[^1]}' was not matched", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n'), line => line.Contains("Did you mean", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("evl", "'evl' was not matched. Did you mean eval?")]
    [InlineData("sumary", "'sumary' was not matched. Did you mean summary?")]
    public void AMistypedCommand_SuggestsTheCommand(string command, string suggestion)
    {
        var result = Run(command);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains(suggestion, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-x")]
    [InlineData("--completely-unrelated")]
    public void AnUnknownOptionNearNothing_GetsNoSuggestion(string option)
    {
        var result = Run(option);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Unrecognized command or argument '{option}'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Did you mean", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EarlyStopping_SaysWhichEpochsWeightsTheModelHas()
    {
        var stopped = Train("--epochs", "8", "--val-split", "0.1", "--early-stopping", "1", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.9");
        Assert.True(stopped.Code == 0, stopped.Error);
        Assert.Contains("early stopping after epoch 3: the weights are those of epoch 2, the lowest validation loss (0.7526)", stopped.Output, StringComparison.Ordinal);

        // A diverged run has no best epoch (NaN never improves): the weights are the last epoch's, and it says so; as Keras, the patience
        // is checked from the second epoch on.
        var diverged = Train("--epochs", "4", "--val-split", "0.1", "--early-stopping", "1", "--lr", "1e30");
        Assert.True(diverged.Code == 0, diverged.Error);
        Assert.Contains("early stopping after epoch 2: no epoch's validation loss was a number (the training diverged), so the weights are the last epoch's", diverged.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Weights a diverged run wrote (NaN) gave eval an accuracy and predict a digit "with probability NaN", exit 0; a file of
    /// another model given with --model got the library's list of every mismatched tensor.
    /// </summary>
    [Fact]
    public void EvalAndPredict_RefuseNaNWeights_AndAnotherModelsFileSaysWhichItIs()
    {
        string diverged = _files.PathOf("nan.safetensors");
        var train = Train("--epochs", "1", "--optimizer", "sgd", "--lr", "1e30", "--save-weights", diverged);
        Assert.True(train.Code == 0, train.Error);
        foreach (string[] command in new[] { new[] { "eval", "--weights", diverged, "--quiet", "--data", RepoPaths.MnistDataDirectory }, ["predict", "--weights", diverged, "--idx", Path.Combine(RepoPaths.MnistDataDirectory, "t10k-images-idx3-ubyte.gz"), "--index", "3"] })
        {
            var result = Run(command);
            Assert.Equal(1, result.Code);
            Assert.Contains("holds NaN or infinite values (the run that wrote the file diverged", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("predicted", result.Output, StringComparison.Ordinal);
        }

        string weights = _files.PathOf("mlp128.safetensors");
        Assert.Equal(0, Train("--epochs", "1", "--save-weights", weights).Code);
        var wrong = Run("eval", "--weights", weights, "--model", "lenet", "--quiet", "--data", RepoPaths.MnistDataDirectory);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("holds mlp128's weights, not lenet's: drop --model (the file says which model it is) or pass --model mlp128.", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainPlot_WritesAnAxisLabelledPng_AndEvalPlotAHeatMap()
    {
        string curves = _files.PathOf("curves.png");
        string weights = _files.PathOf("w.safetensors");
        var train = Train("--epochs", "2", "--val-split", "0.1", "--plot", curves, "--save-weights", weights);
        Assert.True(train.Code == 0, train.Error);
        Assert.Contains($"plot: {curves}", train.Output, StringComparison.Ordinal);
        Assert.Equal((800, 500), PngSize(curves));

        string heatmap = _files.PathOf("confusion.png");
        var eval = Run("eval", "--weights", weights, "--plot", heatmap, "--quiet", "--data", RepoPaths.MnistDataDirectory);
        Assert.True(eval.Code == 0, eval.Error);
        Assert.Equal((800, 500), PngSize(heatmap));
    }

    [Fact]
    public void ScheduleWarmupClippingAndValidation_ResumeToTheSameWeights()
    {
        string straight = _files.PathOf("straight.safetensors");
        string half = _files.PathOf("half.safetensors");
        string resumed = _files.PathOf("resumed.safetensors");
        string[] settings = ["--lr-schedule", "exponential", "--warmup", "1", "--clip-grad-norm", "1", "--val-split", "0.1", "--early-stopping", "5"];

        var a = Train(["--epochs", "3", "--save", straight, .. settings]);
        var b = Train(["--epochs", "1", "--save", half, .. settings]);
        var c = Train("--resume", half, "--epochs", "3", "--save", resumed);
        var conflict = Train("--resume", half, "--epochs", "3", "--lr-schedule", "cosine");

        Assert.True(a.Code == 0, a.Error);
        Assert.True(b.Code == 0, b.Error);
        Assert.True(c.Code == 0, c.Error);
        Assert.Contains("lr schedule exponential, warm-up 1 epoch(s), gradient norm clipped to 1", c.Output, StringComparison.Ordinal);
        Assert.Contains("val loss   val acc  test acc", c.Output, StringComparison.Ordinal);
        TrainingCheckpoint x = TrainingCheckpoint.Load(straight), y = TrainingCheckpoint.Load(resumed);
        foreach (string name in x.ParameterNames)
        {
            Assert.Equal(x.ValuesOf(name).ToArray(), y.ValuesOf(name).ToArray());
        }

        Assert.Equal(x.Optimizer.LearningRate, y.Optimizer.LearningRate);
        Assert.Equal(2, conflict.Code);
        Assert.Contains("--lr-schedule cosine (the checkpoint has exponential)", conflict.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train", "--save-weights")]
    [InlineData("train", "--save")]
    [InlineData("train", "--plot")]
    [InlineData("eval", "--plot")]
    [InlineData("export", "--onnx")]
    public void AnOutputFileInAMissingFolder_IsAUsageError_BeforeAnyWork(string command, string option)
    {
        string folder = _files.PathOf("nodir");
        string file = Path.Combine(folder, "out.bin");

        // The weights file does not exist either: a command that did work before checking its output would fail on it
        // with exit code 1 ("cannot load weights"), and train would print its header and epochs first.
        string[] args = command switch
        {
            "train" => ["train", "--model", "lenet", "--epochs", "1", option, file, "--quiet", "--data", RepoPaths.MnistDataDirectory],
            "eval" => ["eval", "--weights", _files.PathOf("missing.safetensors"), option, file, "--quiet", "--data", RepoPaths.MnistDataDirectory],
            _ => [command, "--weights", _files.PathOf("missing.safetensors"), option, file],
        };
        var result = Run(args);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Option '{option}': the folder '{folder}' of '{file}' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Contains($"Run 'train{(command == "train" ? string.Empty : " " + command)} --help'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot load", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("StaticGrad", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void EvalPlotNotEndingInPng_IsAUsageError_AndWritesNothing()
    {
        // The heat map is always PNG: 'confusion.jpg' would hold PNG bytes under a JPEG name.
        string jpg = _files.PathOf("confusion.jpg");
        var result = Run("eval", "--weights", _files.PathOf("missing.safetensors"), "--plot", jpg, "--quiet", "--data", RepoPaths.MnistDataDirectory);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Option '--plot' writes a PNG image; expected a path ending in .png, got '{jpg}'.", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(jpg));
    }

    [Theory]
    [InlineData("0.00001", "puts 1 in validation and 7999 in training; expected at least as many samples as classes (10) on each side", false)]
    [InlineData("0.9999", "leaves none for training", false)]
    [InlineData("0.00001", "puts 1 in validation and 7999 in training", true)]
    public void AValidationSplitThatCannotSplit_IsOneUsageLine_BeforeAnyTraining(string fraction, string reason, bool distributed)
    {
        // Both fractions are in (0, 1), so the parser accepts them; the split itself refused them, and its exception
        // escaped as "Unhandled exception" with a stack trace after the run's header. Without mpirun, --distributed
        // trains as one rank and says so on the output, not the error.
        var result = Train([.. distributed ? new[] { "--distributed" } : [], "--epochs", "1", "--val-split", fraction]);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Option '--val-split': ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("validationFraction", line, StringComparison.Ordinal);
        Assert.Contains("does not split the 8000 training samples: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", line, StringComparison.Ordinal);
        Assert.DoesNotContain("StaticGrad mlp128", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AValidationSplit_CountsAsScikitLearnDoes_FromTheFractionAsWritten(bool distributed)
    {
        // scikit-learn holds out ceil(0.3 · 30) = 9 of 30 samples, fewer than the 10 classes, and refuses to stratify.
        // --val-split was parsed as a float: 0.3f is 0.30000001192…, whose ceil(0.30000001192… · 30) = 10 was accepted.
        string tiny = TinyMnist(_files.PathOf("tiny"), trainCount: 30, testCount: 10);

        var result = Run([.. distributed ? new[] { "--distributed" } : [], "--data", tiny, "--epochs", "1", "--quiet", "--val-split", "0.3"]);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Option '--val-split': 0.3 does not split the 30 training samples: ", line, StringComparison.Ordinal);
        Assert.Contains("with --val-split 0.3 puts 9 in validation and 21 in training", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ACheckpointFromBeforeTheDoubleFraction_ResumesOnTheSplitItStartedOn(bool distributed)
    {
        // Builds before the fraction was a double held out ceil(0.10000000149 · 8000) = 801 digits for --val-split 0.1
        // and wrote "0.1". Such a checkpoint: a run on the widened fraction written in full, its text then put back to
        // "0.1" (spaces keep the header's length). Read as the double 0.1, the split left 7200 samples where the run
        // had 7199, and the resume was refused.
        string checkpoint = _files.PathOf("before.safetensors");
        Assert.Equal(0, Train("--epochs", "1", "--val-split", "0.10000000149011612", "--save", checkpoint).Code);
        byte[] bytes = File.ReadAllBytes(checkpoint);
        byte[] full = Encoding.UTF8.GetBytes("\"0.10000000149011612\""), written = Encoding.UTF8.GetBytes("\"0.1\"".PadRight(full.Length));
        int at = bytes.AsSpan().IndexOf(full);
        Assert.True(at > 0, "the checkpoint records the fraction");
        written.CopyTo(bytes, at);
        File.WriteAllBytes(checkpoint, bytes);

        var result = Train([.. distributed ? new[] { "--distributed" } : [], "--resume", checkpoint, "--epochs", "2"]);

        Assert.True(result.Code == 0, result.Error);
        Assert.Contains("resumed from", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumingOnDataTheCheckpointsValidationSplitCannotSplit_IsOneUsageLine_BeforeAnyTraining(bool distributed)
    {
        // The run started on the shipped 8000 digits with 10% held out; 30 digits give 4 validation samples for 10
        // classes, which the split refused with an unhandled exception after the header.
        string checkpoint = _files.PathOf("split.safetensors");
        Assert.Equal(0, Train("--epochs", "1", "--val-split", "0.1", "--save", checkpoint).Code);
        string small = TinyMnist(_files.PathOf("tiny"), trainCount: 30, testCount: 10);

        var result = Run([.. distributed ? new[] { "--distributed" } : [], "--resume", checkpoint, "--epochs", "2", "--quiet", "--data", small]);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot resume from '{checkpoint}': the checkpoint's --val-split 0.1 does not split the 30 training samples: ", line, StringComparison.Ordinal);
        Assert.Contains("expected at least as many samples as classes (10) on each side", line, StringComparison.Ordinal);
        Assert.DoesNotContain("StaticGrad mlp128", result.Output, StringComparison.Ordinal);
    }

    /// <summary>An MNIST directory of blank images labelled 0, 1, …, 9, 0, …: <paramref name="trainCount"/> to train on, <paramref name="testCount"/> to test.</summary>
    private static string TinyMnist(string directory, int trainCount, int testCount)
    {
        Directory.CreateDirectory(directory);
        foreach ((string prefix, int count) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            using (var images = new BinaryWriter(File.Create(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"))))
            {
                foreach (int word in new[] { 2051, count, 28, 28 })
                {
                    images.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(word));
                }

                images.Write(new byte[count * 28 * 28]);
            }

            using var labels = new BinaryWriter(File.Create(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte")));
            labels.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(2049));
            labels.Write(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(count));
            labels.Write(Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray());
        }

        return directory;
    }

    [Fact]
    public void AnOutputFileThatIsAFolder_IsAUsageError()
    {
        var result = Run("export", "--weights", _files.PathOf("missing.safetensors"), "--onnx", _files.Directory);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Option '--onnx' expects a file path; got the folder '{_files.Directory}'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eval", "--weights", "")]
    [InlineData("eval", "--data", "--weights w.safetensors")]
    [InlineData("export", "--weights", "--onnx out.onnx")]
    [InlineData("predict", "--weights", "digit.pgm")]
    [InlineData("predict", "--idx", "--weights w.safetensors --index 0")]
    [InlineData("predict", "--labels", "--weights w.safetensors --idx i.gz --index 0")]
    [InlineData("", "--resume", "--epochs 2")]
    [InlineData("", "--data", "--epochs 1")]
    [InlineData("regression", "--data", "")]
    public void AnEmptyPath_IsAUsageErrorNamingTheOption(string command, string option, string rest)
    {
        string[] args = [.. command.Length > 0 ? new[] { command } : [], option, "", .. rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

        var result = Run(args);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Option '{option}' expects a path; got ''.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A CSV the regression example cannot use: a one-line error naming --data and what it expects, exit code 1.</summary>
    [Theory]
    [InlineData("a,b,label\n1,2,0\n", "the header has no column 'target'")]
    [InlineData("a,target\n1,2\n3,4\n", "holds 2 rows of 1 features; expected more than 354 rows (the first 354 train, the rest test) of 10 features")]
    public void Regression_OnAnUnusableCsv_IsAOneLineError(string text, string problem)
    {
        string csv = _files.PathOf("data.csv");
        File.WriteAllText(csv, text);

        var result = Run("regression", "--data", csv, "--epochs", "1", "--seeds", "1");

        Assert.Equal(1, result.Code);
        Assert.StartsWith($"error: --data '{csv}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(problem, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Regression_ThatDiverges_SaysSoAndNamesLr()
    {
        // Adam at lr 1e30 gives NaN predictions; the test MSE refused them with a stack trace.
        var result = Run("regression", "--epochs", "1", "--seeds", "1", "--lr", "1e30");

        Assert.Equal(1, result.Code);
        Assert.Contains("error: seed 1 diverged: its test predictions are not finite (NaN or infinite); expected a lower --lr than 1E+30.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Imbalanced_ThatKeepsNoTrainingSample_IsAUsageErrorNamingRareAndKeep()
    {
        // Every digit rare and none kept: InMemoryDataset refused the empty set with a stack trace.
        var result = Run("imbalanced", "--rare", "0,1,2,3,4,5,6,7,8,9", "--keep", "0", "--epochs", "1", "--data", RepoPaths.MnistDataDirectory);

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains("--rare 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 with --keep 0 leaves no training sample; expected --keep 1 or more, or fewer rare digits.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Imbalanced_NamesTheSamplesItKept_NotTheKeepLimit()
    {
        // A --keep above a digit's count cut nothing, and the header said 'cut to 100000 each'.
        var result = Run("imbalanced", "--rare", "2,5", "--keep", "100000", "--epochs", "1", "--data", RepoPaths.MnistDataDirectory);

        Assert.Equal(0, result.Code);
        var train = StaticGrad.Data.MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory).Train;
        int twos = train.Labels.ToArray().Count(l => l == 2), fives = train.Labels.ToArray().Count(l => l == 5);
        Assert.Contains($"(rare digits' samples 2: {twos}, 5: {fives}; --keep 100000)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyImageArgument_IsAUsageError()
    {
        var result = Run("predict", "", "--weights", "w.safetensors");

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains("Argument 'IMAGE.pgm' expects a path; got ''.", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Well-formed IDX files that the models cannot use: a one-line error naming the set, exit code 1, in train and eval alike.</summary>
    [Theory]
    [InlineData("empty", "the training set holds no images")]
    [InlineData("small", "the training images have 196 pixels (14 x 14); the models take 784")]
    [InlineData("label", "the training labels go up to 200; expected digits 0-9")]
    public void AnUnusableMnistSet_IsAOneLineError(string kind, string problem)
    {
        string folder = _files.PathOf(kind);
        Directory.CreateDirectory(folder);
        (int count, int side, byte[] labels) = kind switch
        {
            "empty" => (0, 28, Array.Empty<byte>()),
            "small" => (2, 14, new byte[] { 1, 2 }),
            _ => (2, 28, new byte[] { 1, 200 }),
        };
        foreach (string set in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(folder, $"{set}-images-idx3-ubyte"), IdxTestFiles.ImagesBytes(count, side, side, IdxTestFiles.Pixels(count * side * side)));
            File.WriteAllBytes(Path.Combine(folder, $"{set}-labels-idx1-ubyte"), IdxTestFiles.LabelsBytes(labels));
        }

        foreach (string command in new[] { "train", "binary", "imbalanced" })
        {
            // binary and imbalanced skipped these checks: an unhandled exception with a stack trace from deep inside.
            var train = Run(command, "--epochs", "1", "--data", folder);
            Assert.Equal(1, train.Code);
            Assert.Equal($"error: cannot train on MNIST from '{folder}': {problem}.", train.Error.Trim());
        }

        string weights = _files.PathOf($"{kind}.safetensors");
        ModelWeights.Save(new MnistClassifier128(1).Parameters, weights);
        var eval = Run("eval", "--weights", weights, "--split", "train", "--quiet", "--data", folder);
        Assert.Equal(1, eval.Code);
        Assert.Equal($"error: cannot evaluate on MNIST from '{folder}': {problem}.", eval.Error.Trim());
    }

    [Fact]
    public void Binary_OnATrainingSetWithoutZeros_NamesNoBalance()
    {
        // pos_weight = negatives / positives has no positives to divide by: an unhandled ArgumentOutOfRangeException.
        string folder = _files.PathOf("nozero");
        Directory.CreateDirectory(folder);
        foreach (string set in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(folder, $"{set}-images-idx3-ubyte"), IdxTestFiles.ImagesBytes(3, 28, 28, IdxTestFiles.Pixels(3 * 28 * 28)));
            File.WriteAllBytes(Path.Combine(folder, $"{set}-labels-idx1-ubyte"), IdxTestFiles.LabelsBytes([1, 2, 3]));
        }

        var result = Run("binary", "--epochs", "1", "--data", folder);

        Assert.Equal(1, result.Code);
        Assert.Equal($"error: cannot train on MNIST from '{folder}': the training set holds no zeros, so pos_weight = negatives / positives divides by 0; expected some zeros, or --no-balance.", result.Error.Trim());
        Assert.Equal(0, Run("binary", "--epochs", "1", "--no-balance", "--data", folder).Code);
    }

    /// <summary>A --data folder that does not exist is a usage error (exit 2) at once, as an output path's missing folder is.</summary>
    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    public void AMissingDataFolder_IsAUsageError(string command)
    {
        string missing = _files.PathOf("no-such-folder");
        var result = Run(command == "eval" ? ["eval", "--weights", missing + ".safetensors", "--data", missing] : ["train", "--epochs", "1", "--data", missing]);
        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Option '--data': the folder '{missing}' does not exist.", result.Error, StringComparison.Ordinal);
    }

    /// <summary>An IDX pair predict cannot use for its --index: a one-line error saying why, not a silent verdict or '(0 to -1)'.</summary>
    [Theory]
    [InlineData(0, 0, "holds no images.", 2)]
    [InlineData(2, 2, "holds 2 images (0 to 1).", 2)]
    [InlineData(2, 1, "the labels file gives image 1 the label 200; expected a digit 0-9.", 1)]
    public void Predict_OnAnUnusableIdxRow_IsAOneLineError(int count, int index, string problem, int code)
    {
        string images = _files.PathOf("images-idx3-ubyte");
        string labels = _files.PathOf("labels-idx1-ubyte");
        File.WriteAllBytes(images, IdxTestFiles.ImagesBytes(count, 28, 28, IdxTestFiles.Pixels(count * 28 * 28)));
        File.WriteAllBytes(labels, IdxTestFiles.LabelsBytes([.. new byte[] { 1, 200 }.Take(count)]));
        string weights = _files.PathOf("w.safetensors");
        ModelWeights.Save(new MnistClassifier128(1).Parameters, weights);

        var result = Run("predict", "--weights", weights, "--idx", images, "--index", $"{index}", "--labels", labels);

        Assert.Equal(code, result.Code); // an index past the file is a usage error, a bad label file a data error
        Assert.EndsWith(problem, result.Error.Trim(), StringComparison.Ordinal);
        Assert.Equal(code == 2, result.Error.StartsWith($"Option '--index': {index} is out of range;", StringComparison.Ordinal));
        Assert.Empty(result.Output);
    }

    /// <summary>An output naming the file an input or another output names: a usage error, before the file is destroyed.</summary>
    [Theory]
    [InlineData("export --weights {0} --onnx {1}", "'--weights' and '--onnx'")]
    [InlineData("eval --weights {0} --plot {1} --quiet", "'--weights' and '--plot'")]
    [InlineData("train --epochs 1 --quiet --save {0} --save-weights {1}", "'--save' and '--save-weights'")]
    [InlineData("train --epochs 1 --quiet --save {0} --plot {1}", "'--save' and '--plot'")]
    [InlineData("train --epochs 1 --quiet --resume {0} --save-weights {1}", "'--resume' and '--save-weights'")]
    public void TwoOptionsNamingOneFile_IsAUsageError_AndTheFileIsKept(string line, string options)
    {
        // The later write replaced the file: the weights became ONNX or PNG bytes, the checkpoint the bare weights.
        string path = _files.PathOf("same.png");
        ModelWeights.Save(new MnistClassifier128(1).Parameters, path);
        byte[] before = File.ReadAllBytes(path);
        string sameThroughDots = Path.Combine(_files.Directory, ".", "same.png");

        var result = Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, line, path, sameThroughDots).Split(' '));

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains($"Options {options} name the same file", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void EarlyStoppingAndPlateau_NeedAValidationSplit()
    {
        var result = Train("--early-stopping", "2");

        Assert.Equal(Cli.UsageErrorCode, result.Code);
        Assert.Contains("give --val-split F", result.Error, StringComparison.Ordinal);
    }

    /// <summary>The width and height in a PNG's IHDR chunk, after checking the signature.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
