using System;
using System.IO;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary><c>train binary</c>: trains the "is this digit a zero?" detector with BCE-with-logits and prints its test metrics.</summary>
internal static class BinaryCommand
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: train binary [options]

        Trains a one-logit binary classifier, "is this digit a zero?" (784-32-1), with sigmoid + binary
        cross-entropy (PyTorch's BCEWithLogitsLoss), the positive weight set to negatives / positives from
        the training labels (Loss.SetPosWeight). Prints the test accuracy, the precision and recall of
        the zeros, and the majority baseline (always answering "not a zero").

        Options:
          --epochs N       epochs (default 3)
          --seed N         seed of initialization and shuffling (default 1)
          --lr X           Adam learning rate (default 1e-3)
          --no-balance     train with pos_weight 1
          --data DIR       folder with the MNIST IDX files (default: the digits shipped with StaticGrad)
          --help           this text
        """;

    /// <summary>Runs the command.</summary>
    /// <param name="args">The options after the command name.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args)
    {
        int epochs = 3, seed = 1;
        float learningRate = 1e-3f;
        bool balance = true;
        string dataDirectory = Path.Combine(AppContext.BaseDirectory, "Data");
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--help" or "-h":
                        Console.WriteLine(Usage);
                        return 0;
                    case "--epochs":
                        epochs = CommandArgs.IntInRange("--epochs", CommandArgs.Value(args, ref i), 1, 1000);
                        break;
                    case "--seed":
                        seed = CommandArgs.IntInRange("--seed", CommandArgs.Value(args, ref i), int.MinValue, int.MaxValue);
                        break;
                    case "--lr":
                        learningRate = CommandArgs.PositiveFloat("--lr", CommandArgs.Value(args, ref i));
                        break;
                    case "--no-balance":
                        balance = false;
                        break;
                    case "--data":
                        dataDirectory = CommandArgs.Value(args, ref i);
                        break;
                    default:
                        throw new FormatException($"Unknown option '{args[i]}'.");
                }
            }
        }
        catch (FormatException error)
        {
            return CommandArgs.UsageError(Console.Error, error.Message, Usage);
        }

        MnistDataset train, test;
        try
        {
            (train, test) = MnistDataset.LoadDirectory(dataDirectory);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load MNIST from '{dataDirectory}': {error.Message}");
            return 1;
        }

        Console.WriteLine($"Zero detector: {train.Count} training / {test.Count} test digits, 784-32-1, BCE with logits, Adam lr {learningRate:G}, {epochs} epochs, seed {seed}");
        BinaryRun run = ZeroDigits.Train(train, test, epochs, seed, balance, learningRate: learningRate);
        Console.WriteLine($"pos_weight {run.PosWeight:F3}, last epoch's mean training loss {run.MeanLoss:F4}");
        Console.WriteLine($"test accuracy {run.Accuracy * 100:F2}% (majority baseline {run.MajorityBaseline * 100:F2}%), zeros: precision {run.Precision * 100:F1}%, recall {run.Recall * 100:F1}%");
        return 0;
    }
}
