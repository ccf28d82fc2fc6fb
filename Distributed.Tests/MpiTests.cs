using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;
using Xunit.Abstractions;

namespace StaticGrad.Distributed.Tests;

/// <summary>
/// The train app as users run it: <c>mpirun -np N train --distributed ...</c> on loopback against the plain
/// <c>train</c> (one process), repeatability, the deterministic mode, a killed rank, and the app without mpirun.
/// </summary>
[Collection("mpirun")] // one job at a time: the machine has few cores
public sealed class MpiTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-mpi-").FullName;
    private string? _data;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>1,000 evenly spaced digits (15 global batches of 64 and one of 40), 2 epochs, seed 3.</summary>
    private string[] Run(params string[] more) => ["train", "--data", Data, "--epochs", "2", "--batch", "64", "--seed", "3", "--quiet", .. more];

    private string Data => _data ??= RepoPaths.WriteMnistSubset(Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName, 1000);

    [MpiFact]
    public void TwoAndThreeRanksMatchOneProcessAndRepeatBitIdentically()
    {
        string single = Path.Combine(_dir, "one.safetensors");
        (int code, string text) = Mpirun.RunSingle(Run("--save-weights", single));
        Assert.True(code == 0, text);
        float[] expected = Load(single);

        foreach (int ranks in new[] { 2, 3 })
        {
            string[] fingerprints = new string[2];
            for (int run = 0; run < 2; run++)
            {
                string path = Path.Combine(_dir, $"r{ranks}-{run}.safetensors");
                (code, text) = Mpirun.Run(ranks, Run("--distributed", "--save-weights", path));
                Assert.True(code == 0, text);
                Assert.Contains($"data-parallel: {ranks} rank(s), global batch 64", text, StringComparison.Ordinal);
                Assert.Single(Regex.Matches(text, "^done: ", RegexOptions.Multiline)); // rank 0 alone reports
                fingerprints[run] = Fingerprint(text);
                output.WriteLine(Weights.AssertClose(Load(path), expected, adam: true, $"mpirun -np {ranks} train --distributed (run {run + 1}, fingerprint {fingerprints[run]}) vs train"));
            }

            Assert.Equal(fingerprints[0], fingerprints[1]);
        }
    }

    [Fact]
    public void DistributedWithoutMpirunTrainsAsOneRankWithThePlainTrainsBits()
    {
        string plain = Path.Combine(_dir, "plain.safetensors"), distributed = Path.Combine(_dir, "distributed.safetensors");
        (int code, string text) = Mpirun.RunSingle(Run("--save-weights", plain));
        Assert.True(code == 0, text);
        (code, text) = Mpirun.RunSingle(Run("--distributed", "--save-weights", distributed));
        Assert.True(code == 0, text);
        Assert.Contains("--distributed without mpirun: training as one rank", text, StringComparison.Ordinal);
        Assert.Contains("data-parallel: 1 rank(s)", text, StringComparison.Ordinal);
        Assert.True(Weights.BitIdentical(Load(distributed), Load(plain)), "train --distributed on one rank differs from train");
    }

    /// <summary>The learning-rate schedule, warm-up, clipping and accumulation under mpirun against plain train, and alone bit for bit.</summary>
    [MpiFact]
    public void ScheduleWarmupClippingAndAccumulationMatchPlainTrain()
    {
        string[] options = ["--lr-schedule", "cosine", "--warmup", "1", "--clip-grad-norm", "0.5", "--accumulate", "2", "--optimizer", "sgd", "--lr", "0.1"];
        string plain = Path.Combine(_dir, "plain.safetensors"), alone = Path.Combine(_dir, "alone.safetensors"), two = Path.Combine(_dir, "two.safetensors");
        (int code, string text) = Mpirun.RunSingle(Run([.. options, "--save-weights", plain]));
        Assert.True(code == 0, text);
        (code, text) = Mpirun.RunSingle(Run(["--distributed", .. options, "--save-weights", alone]));
        Assert.True(code == 0, text);
        Assert.True(Weights.BitIdentical(Load(alone), Load(plain)), "train --distributed alone differs from train");
        (code, text) = Mpirun.Run(2, Run(["--distributed", .. options, "--save-weights", two]));
        Assert.True(code == 0, text);
        Assert.Contains("lr schedule cosine, warm-up 1 epoch(s), gradient norm clipped to 0.5, gradients of 2 minibatches per step", text, StringComparison.Ordinal);
        output.WriteLine(Weights.AssertClose(Load(two), Load(plain), adam: false, "mpirun -np 2 train --distributed, cosine, warm-up 1, clip 0.5, accumulate 2, SGD 0.1, 2 epochs vs train"));
    }

    /// <summary>Dropout at one rank: train --distributed --model resmlp is plain train's run, bit for bit.</summary>
    [Fact]
    public void DropoutModelAloneIsBitIdenticalToPlainTrain()
    {
        string plain = Path.Combine(_dir, "plain.safetensors"), alone = Path.Combine(_dir, "alone.safetensors");
        (int code, string text) = Mpirun.RunSingle(Run("--model", "resmlp", "--save-weights", plain));
        Assert.True(code == 0, text);
        (code, text) = Mpirun.RunSingle(Run("--distributed", "--model", "resmlp", "--save-weights", alone));
        Assert.True(code == 0, text);
        var model = new ResidualMlp(1, 1);
        ModelWeights.Load(model.Parameters, plain);
        float[] expected = model.Parameters.Values.ToArray();
        ModelWeights.Load(model.Parameters, alone);
        Assert.True(Weights.BitIdentical(model.Parameters.Values, expected), "train --distributed --model resmlp alone differs from train");
    }

    /// <summary>cnn-bn (batch norm and dropout) on 2 ranks: saved after one epoch and resumed on 2 ranks, the same bits as without a break.</summary>
    [MpiFact]
    public void BatchNormAndDropoutResumeBitForBitAtTwoRanks()
    {
        string checkpoint = Path.Combine(_dir, "cnn.safetensors");
        (int code, string text) = Mpirun.Run(2, Run("--distributed", "--model", "cnn-bn"));
        Assert.True(code == 0, text);
        string expected = Fingerprint(text);
        string[] oneEpoch = Run("--distributed", "--model", "cnn-bn", "--save", checkpoint);
        oneEpoch[Array.IndexOf(oneEpoch, "--epochs") + 1] = "1";
        (code, text) = Mpirun.Run(2, oneEpoch);
        Assert.True(code == 0, text);
        (code, text) = Mpirun.Run(2, Run("--distributed", "--resume", checkpoint));
        Assert.True(code == 0, text);
        Assert.Contains($"resumed from {checkpoint}: 1 epoch(s)", text, StringComparison.Ordinal);
        output.WriteLine($"cnn-bn, 2 ranks: without a break {expected}, resumed {Fingerprint(text)}\n{text}");
        Assert.Equal(expected, Fingerprint(text));
    }

    /// <summary>--val-split, --early-stopping, the plateau schedule and --plot at 2 ranks against plain train, and alone bit for bit.</summary>
    [MpiFact]
    public void ValidationSplitEarlyStoppingAndPlateauMatchPlainTrain()
    {
        string[] options = ["--val-split", "0.2", "--early-stopping", "1", "--lr-schedule", "plateau", "--optimizer", "sgd", "--lr", "0.2", "--momentum", "0.9"];
        string plain = Path.Combine(_dir, "plain.safetensors"), alone = Path.Combine(_dir, "alone.safetensors"), two = Path.Combine(_dir, "two.safetensors");
        string plot = Path.Combine(_dir, "curves.png");
        string[] Longer(string[] args)
        {
            args[Array.IndexOf(args, "--epochs") + 1] = "12";
            return args;
        }

        (int code, string plainText) = Mpirun.RunSingle(Longer(Run([.. options, "--save-weights", plain])));
        Assert.True(code == 0, plainText);
        (code, string text) = Mpirun.RunSingle(Longer(Run(["--distributed", .. options, "--save-weights", alone])));
        Assert.True(code == 0, text);
        Assert.True(Weights.BitIdentical(Load(alone), Load(plain)), "train --distributed alone differs from train");
        (code, text) = Mpirun.Run(2, Longer(Run(["--distributed", .. options, "--save-weights", two, "--plot", plot])));
        Assert.True(code == 0, text);
        Assert.Contains("val loss   val acc  test acc", text, StringComparison.Ordinal);
        Assert.True(File.Exists(plot), text);
        string stop = Regex.Match(plainText, "early stopping after epoch [0-9]+").Value;
        Assert.True(stop.Length > 0, plainText);
        Assert.Contains(stop, text, StringComparison.Ordinal);
        output.WriteLine(Weights.AssertClose(Load(two), Load(plain), adam: false, $"mpirun -np 2, --val-split 0.2 --early-stopping 1 --lr-schedule plateau, SGD 0.2: {stop} as train"));
    }

    /// <summary>Several --seeds: one run per seed and the mean final accuracy, alone the same line as plain train's; at 2 ranks a run per seed.</summary>
    [MpiFact]
    public void SeveralSeedsTrainOneRunEach()
    {
        string[] Seeds(params string[] more) => ["train", "--data", Data, "--epochs", "1", "--batch", "64", "--seeds", "3,4", "--quiet", .. more];
        (int code, string plain) = Mpirun.RunSingle(Seeds());
        Assert.True(code == 0, plain);
        string final = Regex.Match(plain, "final test accuracy over seeds 3, 4: .*").Value.TrimEnd();
        Assert.True(final.Length > 0, plain);
        (code, string alone) = Mpirun.RunSingle(Seeds("--distributed"));
        Assert.True(code == 0, alone);
        Assert.Contains(final, alone, StringComparison.Ordinal);
        (code, string two) = Mpirun.Run(2, Seeds("--distributed"));
        Assert.True(code == 0, two);
        Assert.Equal(2, Regex.Matches(two, "^done: ", RegexOptions.Multiline).Count);
        Assert.Single(Regex.Matches(two, "^data-parallel: 2 rank", RegexOptions.Multiline));
        output.WriteLine($"plain: {final}\n2 ranks: {Regex.Match(two, "final test accuracy over seeds 3, 4: .*").Value}");
        Assert.Matches("final test accuracy over seeds 3, 4: [0-9.]+%, [0-9.]+%; mean [0-9.]+%", two);
    }

    [Fact]
    public void CheckpointsOfTrainAndTrainDistributedResumeEachOther()
    {
        string plain = Path.Combine(_dir, "plain.safetensors"), distributed = Path.Combine(_dir, "distributed.safetensors");
        (int code, string text) = Mpirun.RunSingle(Run("--save-weights", plain)); // 2 epochs without a break
        Assert.True(code == 0, text);
        foreach ((string first, string then) in new[] { ("--quiet", "--distributed"), ("--distributed", "--quiet") })
        {
            string checkpoint = Path.Combine(_dir, "one-epoch.safetensors");
            File.Delete(checkpoint);
            string[] oneEpoch = Run(first, "--save", checkpoint);
            oneEpoch[Array.IndexOf(oneEpoch, "--epochs") + 1] = "1";
            (code, text) = Mpirun.RunSingle(oneEpoch);
            Assert.True(code == 0, text);
            (code, text) = Mpirun.RunSingle(Run(then, "--resume", checkpoint, "--save-weights", distributed));
            Assert.True(code == 0, text);
            Assert.Contains($"resumed from {checkpoint}: 1 epoch(s)", text, StringComparison.Ordinal);
            Assert.True(Weights.BitIdentical(Load(distributed), Load(plain)), $"saved with {first}, resumed with {then}: differs from the run without a break");
        }
    }

    [Fact]
    public void UnderMpirunWithoutOpenMpisLibraryTheErrorNamesIt()
    {
        const string missing = "/nonexistent/libmpi.so.40";
        (int code, string text) = Mpirun.Finish(
            Mpirun.StartSingle(["train", "--distributed", "--epochs", "1"], ("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "0"), ("STATICGRAD_MPI_LIBRARY", missing)),
            TimeSpan.FromMinutes(1));
        output.WriteLine(text);
        Assert.Equal(1, code);
        Assert.Contains($"Open MPI was not found: could not load {missing}", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install openmpi-bin", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithAValidationSplit_TheHeaderCountsTheTrainingSetAsPlainTrainDoes()
    {
        static string Header(string text) => text.Split('\n').Single(line => line.StartsWith("StaticGrad mlp128:", StringComparison.Ordinal));
        (int code, string plain) = Mpirun.RunSingle(Run("--val-split", "0.2"));
        Assert.True(code == 0, plain);
        (code, string distributed) = Mpirun.RunSingle(Run("--distributed", "--val-split", "0.2"));
        Assert.True(code == 0, distributed);

        Assert.Equal(Header(plain), Header(distributed));
        Assert.Contains("1000 training (20% held out for validation)", Header(distributed), StringComparison.Ordinal);
    }

    [MpiFact]
    public void RanksStartedWithDifferentEpochs_AllRefuseAtOnce_InsteadOfWaitingForever()
    {
        // Rank 0 used to finish its one epoch and exit while rank 1 waited in its second epoch's first collective.
        string[] rankOne = ["train", "--data", Data, "--epochs", "3", "--batch", "64", "--seed", "3", "--quiet", "--distributed"];
        (int code, string text) = Mpirun.RunPerRank(TimeSpan.FromMinutes(1), Run("--distributed"), rankOne);
        output.WriteLine(text);
        Assert.Equal(Models.Commands.Cli.UsageErrorCode, code);
        Assert.Contains("the ranks were started with different options (--epochs: 2 on rank 0, another value on 1 of the 1 other rank(s))", text, StringComparison.Ordinal);
        Assert.DoesNotContain("train loss", text, StringComparison.Ordinal);
    }

    [MpiFact]
    public void PlainTrainUnderMpirunRefusesAndAsksForDistributed()
    {
        (int code, string text) = Mpirun.Run(2, Run());
        Assert.NotEqual(0, code);
        Assert.Contains("Add --distributed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("train loss", text, StringComparison.Ordinal);
    }

    [MpiFact]
    public void DeterministicModeGivesTheSameBitsAtOneTwoAndThreeRanks()
    {
        string[] run = Run("--distributed", "--deterministic", "8");
        (int code, string text) = Mpirun.RunSingle(run);
        Assert.True(code == 0, text);
        string expected = Fingerprint(text);
        foreach (int ranks in new[] { 2, 3 })
        {
            (code, text) = Mpirun.Run(ranks, run);
            Assert.True(code == 0, text);
            output.WriteLine($"deterministic, 1 process: {expected}; {ranks} ranks: {Fingerprint(text)}");
            Assert.Equal(expected, Fingerprint(text));
        }
    }

    [MpiFact]
    public void KillingOneRankEndsTheJobQuicklyAndTheCheckpointResumesOnThreeRanks()
    {
        string checkpoint = Path.Combine(_dir, "run.safetensors");
        int rank1 = 0;
        string[] args = ["train", "--distributed", "--data", Data, "--epochs", "100000", "--batch", "64", "--seed", "3", "--save", checkpoint];
        Process job = Mpirun.Start(2, args, (_, e) =>
        {
            Match pid = Regex.Match(e.Data ?? "", "^rank 1 of 2: host .*, pid ([0-9]+),");
            if (pid.Success)
            {
                Volatile.Write(ref rank1, int.Parse(pid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        });
        try
        {
            var wait = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && wait.Elapsed < TimeSpan.FromMinutes(2) && !job.HasExited)
            {
                Thread.Sleep(50); // rank 0 writes the checkpoint after the first epoch
            }

            Assert.True(File.Exists(checkpoint), "no epoch finished within 2 minutes");
            Thread.Sleep(200); // mid-epoch
            Assert.NotEqual(0, Volatile.Read(ref rank1));
            var clock = Stopwatch.StartNew();
            Process.GetProcessById(rank1).Kill(); // SIGKILL: no chance to clean up
            (int code, string text) = Mpirun.Finish(job, TimeSpan.FromSeconds(30));
            output.WriteLine($"mpirun exited with {code} {clock.Elapsed.TotalSeconds:F2} s after rank 1 was killed\n{text}");
            Assert.NotEqual(0, code);
            Assert.Matches("process rank 1 .* exited on signal 9", text);
            Assert.Contains("rank 0: stopped by SIGTERM", text, StringComparison.Ordinal);
        }
        finally
        {
            if (!job.HasExited)
            {
                job.Kill(entireProcessTree: true);
            }
        }

        // The last checkpoint is whole (atomic writes) and holds nothing per rank: continue it on three ranks.
        int saved = TrainingCheckpoint.Load(checkpoint).Progress.EpochsCompleted;
        Assert.True(saved >= 1);
        args[Array.IndexOf(args, "100000")] = (saved + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (int resumedCode, string resumed) = Mpirun.Run(3, [.. args, "--resume", checkpoint]);
        output.WriteLine(resumed);
        Assert.True(resumedCode == 0, resumed);
        Assert.Contains($"resumed from {checkpoint}: {saved} epoch(s)", resumed, StringComparison.Ordinal);
        Assert.Contains("now on 3 rank(s)", resumed, StringComparison.Ordinal);
        Assert.Matches($"(?m)^ +{saved + 1} +[0-9.]+ +[0-9.]+%", resumed);
        Assert.Equal(saved + 1, TrainingCheckpoint.Load(checkpoint).Progress.EpochsCompleted);
    }

    private static string Fingerprint(string text)
    {
        string value = Regex.Match(text, "weights fingerprint ([0-9a-f]{16})").Groups[1].Value;
        Assert.True(value.Length == 16, text);
        return value;
    }

    private static float[] Load(string path)
    {
        var model = new MnistClassifier128(1, 1);
        ModelWeights.Load(model.Parameters, path);
        return model.Parameters.Values.ToArray();
    }
}
