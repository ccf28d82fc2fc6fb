using System.Runtime.InteropServices;
using DistributedTraining;
using StaticGrad;
using StaticGrad.Data;
using StaticGrad.Distributed;
using StaticGrad.Training;

// A user's data-parallel training with the StaticGrad.Distributed package: `mpirun -np N DistributedTraining [DATA_DIR]`
// starts N ranks (processes) that each train on their slice of every global batch and keep equal weights. Started alone,
// it trains as one rank and needs no MPI. DATA_DIR holds MNIST's four IDX files; the default is the digits copied beside it.
const int globalBatch = 64;
const int epochs = 2;
string dataDirectory = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "Data");

ICommunicator world;
try
{
    world = MpiCommunicator.IsLaunchedByMpirun ? MpiCommunicator.Initialize() : InProcessCommunicator.CreateGroup(1)[0];
}
catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
{
    // Open MPI's library is missing (or another MPI's was found): the message names the files tried.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

using (world)
{
    // Ranks on one machine share its cores: each gets cores / local ranks kernel threads.
    MpiCommunicator.ShareCoresWithLocalRanks();
    try
    {
        return Train(world, dataDirectory);
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"rank {world.Rank}: error: {e.Message}");
        if (world.Size > 1)
        {
            // One failing rank must not leave the others waiting in a collective: MPI_Abort ends every rank.
            world.Abort(1);
        }

        return 1;
    }
}

static int Train(ICommunicator world, string dataDirectory)
{
    bool root = world.Rank == 0;
    (MnistDataset trainDigits, MnistDataset testDigits) = MnistDataset.LoadDirectory(dataDirectory);
    InMemoryDataset train = InMemoryDataset.FromMnist(trainDigits);
    InMemoryDataset test = InMemoryDataset.FromMnist(testDigits);

    // Every rank builds the model (the trainer broadcasts rank 0's initial weights); a step takes this rank's slice.
    var model = new DigitClassifier(seed: 1, maxBatch: DataParallel.SliceOf(globalBatch, 0, world.Size).Count);
    var trainer = new DataParallelTrainer(
        model, new Adam(model.Parameters, learningRate: 1e-3f), world, GradientAveraging.For(model.Loss), train, globalBatch, shuffleSeed: 7);
    if (root)
    {
        string how = MpiCommunicator.IsLaunchedByMpirun ? "under mpirun" : "(started without mpirun: no MPI needed)";
        Console.WriteLine($"training on {world.Size} rank(s) {how}, global batch {globalBatch}, {train.Count} digits");
    }

    double accuracy = 0;
    for (int epoch = 1; epoch <= epochs; epoch++)
    {
        (double loss, double samplesPerSecond) = trainer.RunEpoch();
        if (root)
        {
            accuracy = Inference.ConfusionMatrix(model, test).Accuracy();
            Console.WriteLine($"epoch {epoch}: loss {loss:F4}, test accuracy {accuracy * 100:F2}%, {samplesPerSecond:F0} samples/s");
        }
    }

    // Every rank must hold rank 0's weights bit for bit: each compares the bits of rank 0's broadcast with its own,
    // and the all-reduce tells every rank how many differ, so all ranks exit with the same code.
    float[] rootWeights = model.Parameters.Values.ToArray();
    world.Broadcast(rootWeights, root: 0);
    bool same = MemoryMarshal.AsBytes(rootWeights.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(model.Parameters.Values));
    Span<float> differing = [same ? 0 : 1];
    world.AllReduceSum(differing);
    if (differing[0] != 0)
    {
        Console.Error.WriteLine($"rank {world.Rank}: error: {differing[0]} of {world.Size} rank(s) hold weights that differ from rank 0's");
        return 1;
    }

    if (root)
    {
        Console.WriteLine($"all {world.Size} rank(s) hold the same weights, bit for bit (fingerprint {DataParallel.Fingerprint(rootWeights):x16})");
        if (accuracy < 0.8)
        {
            Console.Error.WriteLine($"error: test accuracy {accuracy * 100:F2}% after {epochs} epochs; expected at least 80%");
            return 1;
        }
    }

    return 0;
}
