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
    ["--data"] = Path.Combine(AppContext.BaseDirectory, "Data"), ["--limit"] = "0", ["--ranks"] = "0",
};
var flags = new HashSet<string>(StringComparer.Ordinal);
string[] known = ["--epochs", "--batch", "--lr", "--seed", "--data", "--limit", "--checkpoint", "--resume", "--save-weights", "--ranks"];
string[] knownFlags = ["--quiet", "--announce", "--fingerprint", "--help"];
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
          --fingerprint       print a hash of the final weights (bit-identity checks)
          --announce          every rank prints its rank and process id
          --quiet             only the final line
        """);
    return 0;
}

int ranks = int.Parse(options["--ranks"], CultureInfo.InvariantCulture);
if (ranks > 0)
{
    int[] codes = InProcessCommunicator.Run(ranks, communicator => Train(communicator, options, flags));
    return codes[0];
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
    using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
        Console.Error.WriteLine($"rank {rank}: stopped by SIGTERM (mpirun ends the job when another rank fails or the job is cancelled)."));
    try
    {
        return Train(world, options, flags);
    }
    catch (Exception ex) when (world.Size > 1)
    {
        // One failing rank must not leave the others waiting in a collective: end the whole job.
        Console.Error.WriteLine($"rank {rank}: error: {ex.Message}");
        world.Abort(4);
        return 4;
    }
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

    int slice = DataParallel.SliceOf(Math.Min(batch, train.Count), 0, world.Size).Count;
    var model = new MnistClassifier128(seed, Math.Max(slice, 1));
    var adam = new Adam(model.Parameters, lr);
    var trainer = new DataParallelTrainer(model, adam, world, GradientAveraging.For(model.Loss), train, batch, unchecked((ulong)seed) ^ 0x5DEECE66DUL);
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
            double accuracy = Classification.Accuracy(Classification.ConfusionMatrix(model, test));
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
