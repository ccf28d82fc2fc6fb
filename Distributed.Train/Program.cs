using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using StaticGrad;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Distributed;
using StaticGrad.Models;

// Data-parallel training of the seed model on the shipped digits: mpirun -np N dotnet StaticGrad.Distributed.Train.dll [options].
// The loop lives in StaticGrad.Distributed (DataParallelTrainer); this program only parses options and reports.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--epochs"] = "1", ["--batch"] = "64", ["--lr"] = "0.001", ["--seed"] = "1",
    ["--data"] = Path.Combine(AppContext.BaseDirectory, "Data"), ["--limit"] = "0", ["--ranks"] = "0", ["--deterministic"] = "0",
};
var flags = new HashSet<string>(StringComparer.Ordinal);
string[] known = ["--epochs", "--batch", "--lr", "--seed", "--data", "--limit", "--checkpoint", "--resume", "--save-weights", "--ranks", "--deterministic"];
string[] knownFlags = ["--quiet", "--announce", "--fingerprint", "--bench", "--help"];
for (int i = 0; i < args.Length; i++)
{
    if (Array.IndexOf(knownFlags, args[i]) >= 0)
    {
        flags.Add(args[i]);
    }
    else if (Array.IndexOf(known, args[i]) >= 0 && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"error: unknown option or missing value '{args[i]}'. Run with --help.");
        return 2;
    }
}

if (flags.Contains("--help"))
{
    Console.WriteLine("""
        Data-parallel training of MnistClassifier128 (784-128-10, Adam) on the shipped digits.
        usage: mpirun -np N dotnet StaticGrad.Distributed.Train.dll [options]
          --epochs N          epochs to run (default 1)
          --batch N           global batch size over all ranks (default 64)
          --lr X              Adam learning rate (default 0.001)
          --seed N            model initialization and shuffle seed (default 1)
          --data DIR          MNIST IDX directory (default: the shipped Data)
          --limit N           train on N evenly spaced samples only (default: all)
          --checkpoint PATH   rank 0 saves a training checkpoint after every epoch (atomic)
          --resume PATH       continue a checkpoint (saved at any rank count)
          --save-weights PATH rank 0 saves the final weights (safetensors)
          --ranks N           without mpirun: N threads as ranks (InProcessCommunicator)
          --deterministic M   the same bits at any rank count: blocks of M rows added exactly (docs/distributed.md)
          --fingerprint       print a hash of the final weights (bit-identity checks)
          --announce          every rank prints its rank and process id
          --quiet             only the final line
          --bench             instead of training: time all-reduces of the seed model's gradients and of
                              10M floats, and one training step at several batch sizes (run in Release)
        """);
    return 0;
}

int ranks = int.Parse(options["--ranks"], CultureInfo.InvariantCulture);
if (ranks > 0)
{
    try
    {
        return InProcessCommunicator.Run(ranks, communicator => Train(communicator, options, flags))[0];
    }
    catch (AggregateException ex)
    {
        Console.Error.WriteLine($"error: {ex.InnerExceptions[0].Message}");
        return 4;
    }
}

ICommunicator world;
try
{
    // Started by mpirun: one rank per process. Started alone: one rank, no MPI needed.
    world = MpiCommunicator.IsLaunchedByMpirun ? MpiCommunicator.Initialize() : InProcessCommunicator.CreateGroup(1)[0];
}
catch (DllNotFoundException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 3;
}

using (world)
{
    int rank = world.Rank;
    // Ranks that share a machine share its cores: split them unless STATICGRAD_THREADS says otherwise.
    if (Environment.GetEnvironmentVariable("STATICGRAD_THREADS") is null
        && int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int local) && local > 1)
    {
        Parallelism.MaxThreads = Math.Max(1, Environment.ProcessorCount / local);
    }

    using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
        Console.Error.WriteLine($"rank {rank}: stopped by SIGTERM (mpirun ends the job when another rank fails or the job is cancelled)."));
    try
    {
        return flags.Contains("--bench") ? Bench(world) : Train(world, options, flags);
    }
    catch (Exception ex)
    {
        // One failing rank must not leave the others waiting in a collective: end the whole job.
        Console.Error.WriteLine(world.Size > 1 ? $"rank {rank}: error: {ex.Message}" : $"error: {ex.Message}");
        if (world.Size > 1)
        {
            world.Abort(4);
        }

        return 4;
    }
}

static int Bench(ICommunicator world)
{
    bool root = world.Rank == 0;
    var probe = new MnistClassifier128(1, 1);
    foreach (int count in (int[])[probe.Parameters.Count + 2, 10_000_000])
    {
        float[] buffer = new float[count];
        int iterations = count > 1_000_000 ? 10 : 200;
        double[] times = new double[iterations];
        for (int i = -3; i < iterations; i++)
        {
            world.Barrier();
            long start = Stopwatch.GetTimestamp();
            world.AllReduceSum(buffer);
            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Array.Sort(times);
        if (root)
        {
            double median = times[iterations / 2];
            Console.WriteLine($"allreduce {count,10} floats on {world.Size} ranks: median {median:F3} ms, min {times[0]:F3} ms, bus bandwidth {2.0 * (world.Size - 1) / world.Size * count * 4 / (median / 1e3) / 1e9:F2} GB/s");
        }
    }

    // One training step (forward, backward, Adam) on every rank at once: each rank's compute when ranks run side by side.
    var rng = new Rng(5);
    foreach (int batch in (int[])[8, 16, 32, 64, 128, 256, 512, 1024])
    {
        var model = new MnistClassifier128(1, batch);
        var adam = new Adam(model.Parameters);
        (float[] inputs, int[] labels) = RandomBatch(rng, batch);

        int iterations = Math.Max(20, 20_000 / batch);
        double[] times = new double[iterations];
        for (int i = -iterations / 4; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.TrainStep(inputs, labels, batch);
            adam.Step();
            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Array.Sort(times);
        world.Barrier();
        if (root)
        {
            Console.WriteLine($"step at batch {batch,5}: median {times[iterations / 2]:F3} ms ({times[iterations / 2] * 1e3 / batch:F2} us/sample)");
        }
    }

    // The deterministic mode's extra cost: DataParallel steps at global batch 64 with this process as the only rank.
    if (root)
    {
        (float[] inputs, int[] labels) = RandomBatch(rng, 64);

        foreach (int block in (int[])[0, 64, 32, 16, 8])
        {
            var model = new MnistClassifier128(1, 64);
            var step = new DataParallel(model, new Adam(model.Parameters), InProcessCommunicator.CreateGroup(1)[0], GradientAveraging.For(model.Loss), block);
            double[] times = new double[400];
            for (int i = -100; i < times.Length; i++)
            {
                long start = Stopwatch.GetTimestamp();
                step.Step(inputs, labels, 64);
                if (i >= 0)
                {
                    times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            Array.Sort(times);
            Console.WriteLine($"one-rank step at batch 64, {(block == 0 ? "default mode" : $"deterministic blocks of {block}")}: median {times[times.Length / 2]:F3} ms");
        }
    }

    return 0;
}

static (float[] Inputs, int[] Labels) RandomBatch(Rng rng, int batch)
{
    float[] inputs = new float[batch * MnistClassifier128.InputSize];
    int[] labels = new int[batch];
    for (int i = 0; i < inputs.Length; i++)
    {
        inputs[i] = rng.NextSingle();
    }

    for (int i = 0; i < batch; i++)
    {
        labels[i] = rng.NextInt32(10);
    }

    return (inputs, labels);
}

static int Train(ICommunicator world, Dictionary<string, string> options, HashSet<string> flags)
{
    int epochs = int.Parse(options["--epochs"], CultureInfo.InvariantCulture);
    int batch = int.Parse(options["--batch"], CultureInfo.InvariantCulture);
    float lr = float.Parse(options["--lr"], CultureInfo.InvariantCulture);
    int seed = int.Parse(options["--seed"], CultureInfo.InvariantCulture);
    int limit = int.Parse(options["--limit"], CultureInfo.InvariantCulture);
    bool root = world.Rank == 0, quiet = flags.Contains("--quiet");
    if (flags.Contains("--announce"))
    {
        Console.WriteLine($"rank {world.Rank} of {world.Size}: pid {Environment.ProcessId}");
    }

    (MnistDataset trainDigits, MnistDataset test) = MnistDataset.LoadDirectory(options["--data"]);
    InMemoryDataset train = InMemoryDataset.FromMnist(trainDigits);
    InMemoryDataset testSet = InMemoryDataset.FromMnist(test);
    if (limit > 0 && limit < train.Count)
    {
        // Evenly spaced, so every class is present (the shipped digits are grouped by class).
        int[] spread = new int[limit];
        for (int i = 0; i < limit; i++)
        {
            spread[i] = (int)((long)i * train.Count / limit);
        }

        train = train.Subset(spread);
    }

    int block = int.Parse(options["--deterministic"], CultureInfo.InvariantCulture);
    int slice = block > 0 ? block : DataParallel.SliceOf(Math.Min(batch, train.Count), 0, world.Size).Count;
    var model = new MnistClassifier128(seed, Math.Max(slice, 1));
    var adam = new Adam(model.Parameters, lr);
    var trainer = new DataParallelTrainer(model, adam, world, GradientAveraging.For(model.Loss), train, batch, unchecked((ulong)seed) ^ 0x5DEECE66DUL, block);
    if (options.TryGetValue("--resume", out string? resume))
    {
        trainer.Resume(resume);
        if (root && !quiet)
        {
            Console.WriteLine($"resumed {resume} after epoch {trainer.EpochsCompleted} ({trainer.StepsCompleted} steps), now on {world.Size} ranks");
        }
    }

    var metadata = new Dictionary<string, string> { ["model"] = "mlp128", ["seed"] = seed.ToString(CultureInfo.InvariantCulture) };
    var clock = Stopwatch.StartNew();
    while (trainer.EpochsCompleted < epochs)
    {
        (double loss, double speed) = trainer.RunEpoch();
        if (options.TryGetValue("--checkpoint", out string? checkpoint))
        {
            trainer.SaveCheckpoint(checkpoint, metadata);
        }

        if (root && !quiet)
        {
            double accuracy = StaticGrad.Training.Inference.ConfusionMatrix(model, testSet).Accuracy();
            Console.WriteLine($"epoch {trainer.EpochsCompleted}/{epochs}  loss {loss:F5}  test accuracy {accuracy * 100:F2}%  {speed:F0} samples/s  ({world.Size} ranks, global batch {batch})");
        }
    }

    if (root)
    {
        if (options.TryGetValue("--save-weights", out string? weights))
        {
            ModelWeights.Save(model.Parameters, weights, metadata);
        }

        if (flags.Contains("--fingerprint"))
        {
            Console.WriteLine($"weights fingerprint {DataParallel.Fingerprint(model.Parameters.Values):x16}");
        }

        Console.WriteLine($"done: {trainer.EpochsCompleted} epochs, {trainer.StepsCompleted} steps on {world.Size} ranks in {clock.Elapsed.TotalSeconds:F1} s");
    }

    return 0;
}
