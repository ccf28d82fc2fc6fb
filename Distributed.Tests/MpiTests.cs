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

/// <summary>The training program under a real <c>mpirun</c> on loopback: equivalence, repeatability, a killed rank.</summary>
[Collection("mpirun")] // one job at a time: the machine has few cores
public sealed class MpiTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_run = ["--limit", "1000", "--epochs", "2", "--batch", "64", "--seed", "3"];
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [MpiFact]
    public void TwoAndThreeRanksMatchOneProcessAndRepeatBitIdentically()
    {
        string single = Path.Combine(_dir, "one.safetensors");
        (int code, string text) = Mpirun.Finish(Mpirun.StartSingle([.. s_run, "--quiet", "--save-weights", single]), TimeSpan.FromMinutes(2));
        Assert.True(code == 0, text);
        float[] expected = Load(single);

        foreach (int ranks in new[] { 2, 3 })
        {
            string[] fingerprints = new string[2];
            for (int run = 0; run < 2; run++)
            {
                string path = Path.Combine(_dir, $"r{ranks}-{run}.safetensors");
                (code, text) = Mpirun.Run(ranks, [.. s_run, "--quiet", "--fingerprint", "--save-weights", path]);
                Assert.True(code == 0, text);
                Assert.Contains($"on {ranks} ranks", text, StringComparison.Ordinal);
                fingerprints[run] = Regex.Match(text, "weights fingerprint ([0-9a-f]{16})").Groups[1].Value;
                float[] actual = Load(path);
                output.WriteLine(Weights.AssertClose(actual, expected, adam: true, $"mpirun -np {ranks} (run {run + 1}, fingerprint {fingerprints[run]}) vs one process"));
            }

            Assert.Equal(16, fingerprints[0].Length);
            Assert.Equal(fingerprints[0], fingerprints[1]);
        }
    }

    [MpiFact]
    public void DeterministicModeGivesTheSameBitsAtOneTwoAndThreeRanks()
    {
        string[] run = [.. s_run, "--quiet", "--fingerprint", "--deterministic", "8"];
        (int code, string text) = Mpirun.Finish(Mpirun.StartSingle(run), TimeSpan.FromMinutes(2));
        Assert.True(code == 0, text);
        string expected = Regex.Match(text, "weights fingerprint ([0-9a-f]{16})").Groups[1].Value;
        Assert.Equal(16, expected.Length);
        foreach (int ranks in new[] { 2, 3 })
        {
            (code, text) = Mpirun.Run(ranks, run);
            Assert.True(code == 0, text);
            output.WriteLine($"deterministic, 1 process: {expected}; {ranks} ranks: {text.Trim()}");
            Assert.Contains($"weights fingerprint {expected}", text, StringComparison.Ordinal);
        }
    }

    [MpiFact]
    public void KillingOneRankEndsTheJobQuicklyAndTheCheckpointResumesOnThreeRanks()
    {
        string checkpoint = Path.Combine(_dir, "run.safetensors");
        using var firstEpoch = new ManualResetEventSlim();
        int rank1 = 0;
        Process job = Mpirun.Start(2, ["--limit", "1000", "--epochs", "100000", "--batch", "64", "--seed", "3", "--announce", "--checkpoint", checkpoint], (_, e) =>
        {
            Match pid = Regex.Match(e.Data ?? "", "^rank 1 of 2: pid ([0-9]+)$");
            if (pid.Success)
            {
                Volatile.Write(ref rank1, int.Parse(pid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            if (e.Data?.StartsWith("epoch ", StringComparison.Ordinal) == true)
            {
                firstEpoch.Set(); // rank 0 prints after it saved the epoch's checkpoint
            }
        });
        try
        {
            Assert.True(firstEpoch.Wait(TimeSpan.FromMinutes(2)), "no epoch finished within 2 minutes");
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
        (int resumedCode, string resumed) = Mpirun.Run(3, "--limit", "1000", "--epochs", (saved + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch", "64", "--seed", "3", "--resume", checkpoint, "--checkpoint", checkpoint);
        output.WriteLine(resumed);
        Assert.True(resumedCode == 0, resumed);
        Assert.Contains($"after epoch {saved}", resumed, StringComparison.Ordinal);
        Assert.Contains($"epoch {saved + 1}/{saved + 1}", resumed, StringComparison.Ordinal);
        Assert.Equal(saved + 1, TrainingCheckpoint.Load(checkpoint).Progress.EpochsCompleted);
    }

    private static float[] Load(string path)
    {
        var model = new MnistClassifier128(1, 1);
        ModelWeights.Load(model.Parameters, path);
        return model.Parameters.Values.ToArray();
    }
}
