using System;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary><c>train regression</c>: fits the diabetes regressor and prints its test MSE and R² per seed.</summary>
internal static class RegressionCommand
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: train regression [options]

        Fits an MLP (10-64-1, ReLU) with MSE loss (PyTorch's MSELoss) to scikit-learn's diabetes data
        (442 patients, 10 standardized features, a disease-progression target; BSD-3-Clause, see
        Models/Data/README.md): the first 354 rows of the shuffled CSV train, the other 88 test, the target
        standardized with the training rows' mean and deviation. Adam, batch 32. Prints each seed's test
        MSE (in the target's units) and R², and their means.

        Options:
          --epochs N       epochs (default 200)
          --seeds LIST     seeds, comma-separated (default 1,2,3)
          --lr X           Adam learning rate (default 1e-3)
          --data FILE      the CSV (default: Data/diabetes.csv shipped with StaticGrad)
          --help           this text
        """;

    /// <summary>Runs the command.</summary>
    /// <param name="args">The options after the command name.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args)
    {
        int epochs = 200;
        int[] seeds = { 1, 2, 3 };
        float learningRate = 1e-3f;
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "diabetes.csv");
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
                        epochs = CommandArgs.IntInRange("--epochs", CommandArgs.Value(args, ref i), 1, 100_000);
                        break;
                    case "--seeds":
                        seeds = CommandArgs.IntList("--seeds", CommandArgs.Value(args, ref i));
                        break;
                    case "--lr":
                        learningRate = CommandArgs.PositiveFloat("--lr", CommandArgs.Value(args, ref i));
                        break;
                    case "--data":
                        path = CommandArgs.Value(args, ref i);
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

        InMemoryDataset data;
        try
        {
            data = CsvDataset.LoadTargets(path, new[] { "target" });
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load '{path}': {error.Message}");
            return 1;
        }

        Console.WriteLine($"Diabetes regression: {data.Count} rows, {DiabetesRegression.TrainRows} train / {data.Count - DiabetesRegression.TrainRows} test, 10-64-1 ReLU, MSE, Adam lr {learningRate.ToString("G", CultureInfo.InvariantCulture)}, batch {DiabetesRegression.BatchSize}, {epochs} epochs");
        RegressionRun[] runs = seeds.Select(seed => DiabetesRegression.Train(data, seed, epochs, learningRate)).ToArray();
        foreach (RegressionRun run in runs)
        {
            Console.WriteLine($"seed {run.Seed}: test MSE {run.TestMse:F1}, R2 {run.TestR2:F4} (last epoch's training loss {run.FinalTrainLoss:F4})");
        }

        Console.WriteLine($"mean: test MSE {runs.Average(r => r.TestMse):F1}, R2 {runs.Average(r => r.TestR2):F4}");
        return 0;
    }
}
