using System;
using System.IO;
using System.Linq;
using System.Text;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Models.Commands;
using StaticGrad.Runtime.Tests.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The train --save/--resume, eval and predict commands, run in-process on the shipped digits.</summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Code, string Output, string Error) Run(Func<string[], TextWriter, TextWriter, int> command, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = command(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static int Train(string[] args, TextWriter output, TextWriter error) => TrainCommand.Run([.. args, "--quiet", "--data", RepoPaths.MnistDataDirectory], output, error);

    private static int Eval(string[] args, TextWriter output, TextWriter error) => EvalCommand.Run([.. args, "--data", RepoPaths.MnistDataDirectory], output, error);

    private static int Predict(string[] args, TextWriter output, TextWriter error) => PredictCommand.Run(args, output, error);

    [Fact]
    public void Train_WithRMSpropOrAdagrad_SavesTheirStateUnderPyTorchsNames_AndResumes()
    {
        string half = _files.PathOf("rmsprop-half.safetensors");
        var a = Run(Train, "--optimizer", "rmsprop", "--momentum", "0.5", "--lr", "1e-3", "--epochs", "1", "--save", half);
        Assert.True(a.Code == 0, a.Error);
        Assert.Contains("RMSprop lr 0.001 momentum 0.5 weight decay 0", a.Output);
        OptimizerState state = TrainingCheckpoint.Load(half).Optimizer;
        Assert.Equal(("rmsprop", "0.5", 125L), (state.Algorithm, state.Setting("momentum"), state.StepCount));
        Assert.Equal(["square_avg", "momentum_buffer"], state.Buffers.Select(b => b.Key));

        var b = Run(Train, "--resume", half, "--epochs", "2");
        Assert.True(b.Code == 0, b.Error);
        Assert.Contains("RMSprop lr 0.001 momentum 0.5 weight decay 0", b.Output);
        Assert.Contains($"resumed from {half}: 1 epoch(s), 125 steps done", b.Output);

        var c = Run(Train, "--optimizer", "adagrad", "--epochs", "1");
        Assert.True(c.Code == 0, c.Error);
        Assert.Contains("Adagrad lr 0.01 weight decay 0", c.Output);
    }

    [Fact]
    public void Train_WithAdadeltaOrNAdam_SavesTheirStateUnderPyTorchsNames_AndResumes()
    {
        // pytorch/examples' MNIST optimizer: Adadelta at PyTorch's default rate, 1.0.
        string half = _files.PathOf("adadelta-half.safetensors");
        var a = Run(Train, "--optimizer", "adadelta", "--epochs", "1", "--save", half);
        Assert.True(a.Code == 0, a.Error);
        Assert.Contains("Adadelta lr 1 weight decay 0", a.Output);
        OptimizerState state = TrainingCheckpoint.Load(half).Optimizer;
        Assert.Equal(("adadelta", "0.9", 125L), (state.Algorithm, state.Setting("rho"), state.StepCount));
        Assert.Equal(["square_avg", "acc_delta"], state.Buffers.Select(b => b.Key));

        var b = Run(Train, "--resume", half, "--epochs", "2");
        Assert.True(b.Code == 0, b.Error);
        Assert.Contains("Adadelta lr 1 weight decay 0", b.Output);
        Assert.Contains($"resumed from {half}: 1 epoch(s), 125 steps done", b.Output);

        // NAdam under the one-cycle schedule (PyTorch's OneCycleLR cycles its betas[0]): mu_product saved per tensor.
        string nadam = _files.PathOf("nadam.safetensors");
        var c = Run(Train, "--optimizer", "nadam", "--weight-decay", "1e-4", "--lr-schedule", "onecycle", "--epochs", "1", "--save", nadam);
        Assert.True(c.Code == 0, c.Error);
        Assert.Contains("NAdam lr 0.002 weight decay 0.0001", c.Output);
        OptimizerState nadamState = TrainingCheckpoint.Load(nadam).Optimizer;
        Assert.Equal(["mu_product"], nadamState.TensorScalars.Select(s => s.Key));
        Assert.All(nadamState.TensorScalar("mu_product")!, m => Assert.InRange(m, 0f, 0.5f));
    }

    [Fact]
    public void TrainResume_EndsWithTheSameCheckpointFile_AsAnUninterruptedRun_AndEvalAndPredictUseIt()
    {
        string straight = _files.PathOf("straight.safetensors");
        string half = _files.PathOf("half.safetensors");
        string resumed = _files.PathOf("resumed.safetensors");
        string weights = _files.PathOf("weights.safetensors");

        var a = Run(Train, "--epochs", "2", "--save", straight, "--save-weights", weights);
        var b = Run(Train, "--epochs", "1", "--save", half);
        var c = Run(Train, "--resume", half, "--epochs", "2", "--save", resumed);

        Assert.True(a.Code == 0, a.Error);
        Assert.True(b.Code == 0, b.Error);
        Assert.True(c.Code == 0, c.Error);
        Assert.Contains($"resumed from {half}: 1 epoch(s), 125 steps done", c.Output);
        Assert.Contains($"checkpoint: {resumed} (epoch 2, step 250)", c.Output);
        Assert.Equal(File.ReadAllBytes(straight), File.ReadAllBytes(resumed));
        string straightEpoch2 = a.Output.Split('\n').Single(l => l.StartsWith("    2  ", StringComparison.Ordinal));
        string resumedEpoch2 = c.Output.Split('\n').Single(l => l.StartsWith("    2  ", StringComparison.Ordinal));
        Assert.Equal(straightEpoch2[..28], resumedEpoch2[..28]); // epoch, loss and accuracy; not the timing

        // eval reads either file; the checkpoint's optimizer tensors are skipped.
        var fromCheckpoint = Run(Eval, "--weights", resumed);
        var fromWeights = Run(Eval, "--weights", weights);
        Assert.True(fromCheckpoint.Code == 0, fromCheckpoint.Error);
        Assert.Contains("mlp128 from", fromCheckpoint.Output);
        Assert.Contains("training checkpoint, epoch 2", fromCheckpoint.Output);
        Assert.Contains("confusion matrix (rows: true digit, columns: predicted digit;", fromCheckpoint.Output);
        string accuracy = fromCheckpoint.Output.Split('\n').Single(l => l.StartsWith("accuracy: ", StringComparison.Ordinal));
        Assert.Contains(accuracy, fromWeights.Output);
        Assert.Contains(accuracy.Split(' ')[1].TrimEnd('%'), straightEpoch2);
        string[] matrix = fromCheckpoint.Output.Split('\n').SkipWhile(l => !l.StartsWith("true\\pred", StringComparison.Ordinal)).Skip(1).Take(10).ToArray();
        Assert.Equal(2000, matrix.Sum(row => int.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[11])));

        // predict: the same digit from a P5 file, a P2 file and the IDX row give the same probabilities.
        string images = Path.Combine(RepoPaths.MnistDataDirectory, "t10k-images-idx3-ubyte.gz");
        (byte[] pixels, _, _, _) = IdxReader.ReadImages(images);
        byte[] digit = pixels.AsSpan(7 * 784, 784).ToArray();
        string p5 = _files.Write("digit.pgm", [.. Encoding.ASCII.GetBytes("P5\n# test digit 7\n28 28\n255\n"), .. digit]);
        string p2 = _files.Write("digit-plain.pgm", Encoding.ASCII.GetBytes("P2\n28 28 255\n" + string.Join("\n", digit.Chunk(28).Select(row => string.Join(" ", row))) + "\n"));
        var fromP5 = Run(Predict, "--weights", resumed, p5);
        var fromP2 = Run(Predict, "--weights", weights, p2);
        var fromIdx = Run(Predict, "--weights", resumed, "--idx", images, "--index", "7", "--labels", Path.Combine(RepoPaths.MnistDataDirectory, "t10k-labels-idx1-ubyte.gz"));
        Assert.True(fromP5.Code == 0, fromP5.Error);
        Assert.True(fromP2.Code == 0, fromP2.Error);
        Assert.True(fromIdx.Code == 0, fromIdx.Error);
        string Probabilities(string output) => string.Join("\n", output.Split('\n').Where(l => l.Length > 6 && char.IsDigit(l[4]) && l[5] == ' '));
        Assert.Equal(10, Probabilities(fromP5.Output).Split('\n').Length);
        Assert.Equal(Probabilities(fromP5.Output), Probabilities(fromP2.Output));
        Assert.Equal(Probabilities(fromP5.Output), Probabilities(fromIdx.Output));
        Assert.Contains("predicted digit: ", fromP5.Output);
        Assert.Contains("(label ", fromIdx.Output);
    }

    [Fact]
    public void Resume_RefusesConflictingOptions_AndReportsBadFiles()
    {
        string half = _files.PathOf("half.safetensors");
        Assert.Equal(0, Run(Train, "--epochs", "1", "--save", half).Code);

        var conflict = Run(Train, "--resume", half, "--batch", "32", "--model", "mlp256");
        Assert.Equal(2, conflict.Code);
        Assert.Contains("--model mlp256 (the checkpoint has mlp128); --batch 32 (the checkpoint has 64)", conflict.Error);

        var lower = Run(Train, "--resume", half, "--epochs", "2", "--lr", "5e-4");
        Assert.True(lower.Code == 0, lower.Error);
        Assert.Contains("learning rate changed from the checkpoint's 0.001 to 0.0005", lower.Output);
        Assert.Contains("Adam lr 0.0005", lower.Output);

        var done = Run(Train, "--resume", half, "--epochs", "1");
        Assert.Equal(0, done.Code);
        Assert.Contains("already has 1 epoch(s), --epochs is 1: nothing to train", done.Output);

        string corrupt = _files.Write("corrupt.safetensors", File.ReadAllBytes(half)[..5000]);
        var bad = Run(Train, "--resume", corrupt);
        Assert.Equal(1, bad.Code);
        Assert.Contains($"error: cannot resume from '{corrupt}': {corrupt}:", bad.Error);
        Assert.Contains("truncated", bad.Error);

        var missing = Run(Eval, "--weights", _files.PathOf("nope.safetensors"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("cannot load weights", missing.Error);

        var seeds = Run(Train, "--seeds", "1,2", "--save", half);
        Assert.Equal(2, seeds.Code);
        Assert.Contains("give a single --seed", seeds.Error);
    }

    /// <summary>A hostile weights file makes every command that reads one print one line naming the file and exit 1, never crash.</summary>
    [Fact]
    public void HostileFiles_GiveAOneLineErrorNamingTheFile_AndExitCode1()
    {
        string surrogate = _files.Write("surrogate.safetensors", SafeTensorsFiles.Build("{\"\\ud800\":0}", []));
        string metadata = _files.Write("metadata.safetensors", SafeTensorsFiles.Build("{\"__metadata__\":{\"staticgrad.kind\":\"\\udc00\"}}", []));
        string many = _files.Write("many.safetensors", SafeTensorsFiles.ZeroSizeTensors(SafeTensorsReader.MaxTensorCount + 1));
        string newline = _files.Write("newline.safetensors", SafeTensorsFiles.Build("{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]));
        string image = _files.PathOf("digit.pgm");
        foreach ((string path, string problem, string[] extra) in new[]
        {
            (surrogate, "a header key at byte 9 is not valid text", Array.Empty<string>()),
            (metadata, "'__metadata__' entry 'staticgrad.kind' at byte 43 is not valid text", []),
            (many, $"more than the limit of {SafeTensorsReader.MaxTensorCount}", []),
            (newline, "unexpected tensor(s) 'a\\nb'", ["--model", "mlp128"]),
        })
        {
            var eval = Run(Eval, ["--weights", path, .. extra]);
            var predict = Run(Predict, ["--weights", path, .. extra, image]);
            var resume = Run(Train, "--resume", path);
            foreach ((string command, (int code, string stdout, string stderr)) in new[] { ("eval", eval), ("predict", predict), ("train --resume", resume) })
            {
                Assert.True(code == 1, $"{command} {path}: exit code {code}: {stderr}");
                Assert.Empty(stdout);
                string line = Assert.Single(stderr.TrimEnd('\r', '\n').Split('\n'));
                Assert.StartsWith("error: cannot ", line);
                Assert.Contains($"{path}: ", line);
                if (command != "train --resume" || path != newline)
                {
                    Assert.Contains(problem, line);
                }
            }
        }
    }

    /// <summary>The checkpoint file of one epoch of the default run, and its header.</summary>
    private (byte[] File, string Header) OneEpochCheckpoint()
    {
        string path = _files.PathOf("one-epoch.safetensors");
        Assert.Equal(0, Run(Train, "--epochs", "1", "--save", path).Code);
        byte[] file = File.ReadAllBytes(path);
        return (file, SafeTensorsFiles.HeaderOf(file));
    }

    /// <summary>A checkpoint's batch size sizes the model's buffers on resume: an absurd one is refused before anything is allocated.</summary>
    [Fact]
    public void Resume_RefusesACheckpointBatchSizeBeyondTheLimit_WithOneLine()
    {
        (byte[] file, string header) = OneEpochCheckpoint();
        foreach (int batch in new[] { TrainOptions.MaxBatchSize + 1, int.MaxValue })
        {
            string edited = _files.Write($"batch-{batch}.safetensors", SafeTensorsFiles.WithHeader(file, header.Replace("\"training.batch_size\":\"64\"", $"\"training.batch_size\":\"{batch}\"", StringComparison.Ordinal)));

            var resume = Run(Train, "--resume", edited, "--epochs", "2");

            Assert.True(resume.Code == 1, $"exit code {resume.Code}: {resume.Error}");
            Assert.Equal(
                $"error: cannot resume from '{edited}': {edited}: the checkpoint's batch size is {batch}; the train command runs batches of at most {TrainOptions.MaxBatchSize}.",
                Assert.Single(resume.Error.TrimEnd('\r', '\n').Split('\n')));
        }

        var option = Run(Train, "--batch", $"{TrainOptions.MaxBatchSize + 1}");
        Assert.Equal(2, option.Code);
        Assert.Contains($"Option '--batch' expects an integer from 1 to {TrainOptions.MaxBatchSize}; got {TrainOptions.MaxBatchSize + 1}.", option.Error);
    }

    /// <summary>Names and values from a file that the commands print are escaped: a newline or a terminal escape stays text.</summary>
    [Fact]
    public void Commands_PrintNamesAndValuesFromTheFile_Escaped()
    {
        (byte[] file, string header) = OneEpochCheckpoint();
        string epoch = _files.Write("epoch.safetensors", SafeTensorsFiles.WithHeader(file, header.Replace("\"training.epoch\":\"1\"", "\"training.epoch\":\"1\\n\\u001b[2J\"", StringComparison.Ordinal)));
        string renamed = _files.Write("renamed.safetensors", SafeTensorsFiles.WithHeader(file, header.Replace("fc1.weight", "fc1\\nweight", StringComparison.Ordinal).Replace("\"model\":\"mlp128\"", "\"model\":\"?\"", StringComparison.Ordinal)));

        var eval = Run(Eval, "--weights", epoch);
        var resume = Run(Train, "--resume", renamed);

        Assert.True(eval.Code == 0, eval.Error);
        Assert.Contains("(training checkpoint, epoch 1\\n\\u001B[2J, ", eval.Output);
        Assert.DoesNotContain('\u001b', eval.Output);
        Assert.True(resume.Code == 2, resume.Error);
        string line = Assert.Single(resume.Error.TrimEnd('\r', '\n').Split('\n'));
        Assert.Contains($"cannot tell which model the checkpoint '{renamed}' holds (tensors: 'fc1\\nweight', 'fc1.bias',", line);
    }

    [Fact]
    public void TrainOptions_ParseTheCheckpointOptions()
    {
        TrainOptions options = TrainOptions.Parse(new[] { "--save", "a.safetensors", "--save-weights", "b.safetensors", "--resume", "c.safetensors", "--lr", "0.01" });

        Assert.Equal(("a.safetensors", "b.safetensors", "c.safetensors"), (options.SavePath, options.SaveWeightsPath, options.ResumePath));
        Assert.True(options.WasGiven("--lr"));
        Assert.False(options.WasGiven("--batch"));
        Assert.Contains("give a single --seed", Assert.Throws<FormatException>(() => TrainOptions.Parse(new[] { "--seeds", "1,2", "--resume", "c" })).Message);
        Assert.Contains("Required argument missing for option: '--save'", Assert.Throws<FormatException>(() => TrainOptions.Parse(new[] { "--save" })).Message);
    }

    [Theory]
    [InlineData(new string[0], "Option '--weights' is required")]
    [InlineData(new[] { "--weights", "w" }, "Give either an IMAGE.pgm or --idx FILE --index N")]
    [InlineData(new[] { "--weights", "w", "a.pgm", "b.pgm" }, "Unrecognized command or argument 'b.pgm'")]
    [InlineData(new[] { "--weights", "w", "--idx", "f" }, "--idx needs --index N")]
    [InlineData(new[] { "--weights", "w", "a.pgm", "--index", "3" }, "--index and --labels go with --idx")]
    [InlineData(new[] { "--weights", "w", "--idx", "f", "--index", "-1" }, "Option '--index' expects an integer from 0 to 2147483647; got -1")]
    [InlineData(new[] { "--weights", "w", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    public void PredictOptions_ReportUsageErrors(string[] args, string expected)
    {
        var result = Run(PredictCommand.Run, args);

        Assert.Equal(2, result.Code);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void Eval_OfOneSplit_NeedsThatSplitsFilesAlone()
    {
        string weights = _files.PathOf("mlp128.safetensors");
        ModelWeights.Save(new StaticGrad.Models.MnistClassifier128(seed: 3, maxBatch: 1).Parameters, weights);
        foreach ((string split, string prefix) in (ReadOnlySpan<(string, string)>)[("test", "t10k"), ("train", "train")])
        {
            string data = Path.Combine(_files.Directory, "only-" + split);
            Directory.CreateDirectory(data);
            foreach (string kind in (ReadOnlySpan<string>)["images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"])
            {
                File.Copy(Path.Combine(RepoPaths.MnistDataDirectory, $"{prefix}-{kind}"), Path.Combine(data, $"{prefix}-{kind}"));
            }

            var result = Run(EvalCommand.Run, "--weights", weights, "--data", data, "--split", split, "--quiet");
            Assert.True(result.Code == 0, result.Error);
            Assert.Contains("accuracy:", result.Output);
        }

        string empty = Path.Combine(_files.Directory, "no-mnist");
        Directory.CreateDirectory(empty);
        var missing = Run(EvalCommand.Run, "--weights", weights, "--data", empty);
        Assert.Equal(1, missing.Code);
        Assert.Contains("No MNIST file 't10k-images-idx3-ubyte'", missing.Error);
    }

    [Fact]
    public void Eval_OfAFileThatDoesNotFitTheDetectedModel_SaysWhyThatModelWasChosen()
    {
        string labelled = _files.PathOf("cnn-bn-labelled-lenet.safetensors");
        ModelWeights.Save(new StaticGrad.Models.NormalizedCnn(seed: 3, maxBatch: 1).Parameters, labelled, [new("model", "lenet")]);
        var byMetadata = Run(Eval, "--weights", labelled);
        Assert.Equal(1, byMetadata.Code);
        Assert.Contains("unexpected tensor(s) 'bn1.weight'", byMetadata.Error);
        Assert.Contains("read as lenet because its 'model' metadata says lenet; pass --model", byMetadata.Error);
        Assert.Equal(0, Run(Eval, "--weights", labelled, "--model", "cnn-bn").Code);

        string unknown = _files.PathOf("unknown.safetensors");
        File.WriteAllBytes(unknown, SafeTensorsFiles.Build("{\"module.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", SafeTensorsFiles.Bytes(1f)));
        var undetected = Run(Eval, "--weights", unknown);
        Assert.Equal(1, undetected.Code);
        Assert.Contains("none of conv1.weight (lenet, cnn-bn), stem.weight (resmlp), fc1.weight [128, 784] (mlp128) or layer1.weight [256, 784] (mlp256)", undetected.Error);
    }

    [Fact]
    public void EvalOptions_ReportUsageErrors()
    {
        var badSplit = Run(Eval, "--weights", "w", "--split", "dev");
        Assert.Equal(2, badSplit.Code);
        Assert.Contains("Option '--split' expects one of test, train; got 'dev'", badSplit.Error);
        var noWeights = Run(Eval, "--model", "MLP256");
        Assert.Equal(2, noWeights.Code);
        Assert.Contains("Option '--weights' is required", noWeights.Error);
    }
}
