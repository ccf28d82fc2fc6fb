using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary><c>train regression</c>: fits the diabetes regressor and prints its test MSE and R² per seed.</summary>
internal static class RegressionCommand
{
    private static readonly int[] DefaultSeeds = [1, 2, 3];

    /// <summary>Builds the command.</summary>
    /// <returns>The <c>regression</c> command.</returns>
    public static Command Create()
    {
        Option<int> epochs = CliOptions.Int("--epochs", "epochs", 200, 1, 100_000);
        Option<int[]> seeds = CliOptions.IntList("--seeds", "one run per seed", DefaultSeeds);
        Option<float?> lr = CliOptions.Number("--lr", "Adam learning rate (default 1e-3)");
        Option<string> data = CliOptions.NonEmpty(new Option<string>("--data")
        {
            Description = "the diabetes CSV (10 features and a 'target' column)",
            HelpName = "FILE",
            DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "Data", "diabetes.csv"),
        });
        var command = new Command(
            "regression",
            "Fits a 10-64-1 ReLU MLP with MSE loss to scikit-learn's diabetes data (first 354 rows train, 88 test, the target standardized on the training rows) and prints the test MSE and R2 per seed.")
        {
            epochs, seeds, lr, data,
        };
        command.SetAction(r => Execute(r.GetValue(epochs), CliOptions.ListValue(r, seeds, DefaultSeeds), r.GetValue(lr) ?? 1e-3f, r.GetValue(data)!, r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static int Execute(int epochs, int[] seeds, float learningRate, string path, TextWriter output, TextWriter error)
    {
        InMemoryDataset data;
        try
        {
            data = CsvDataset.LoadTargets(path, new[] { "target" });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            // An ArgumentException is the file's header (no 'target' column, or no feature besides it).
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;
            error.WriteLine($"error: --data '{path}' cannot be loaded: {message}");
            return 1;
        }

        if (data.Count <= DiabetesRegression.TrainRows || data.Features != 10)
        {
            error.WriteLine(
                $"error: --data '{path}' holds {data.Count} rows of {data.Features} features; expected more than {DiabetesRegression.TrainRows} rows (the first {DiabetesRegression.TrainRows} train, the rest test) of 10 features and a 'target' column, as Data/diabetes.csv.");
            return 1;
        }

        string lr = learningRate.ToString("G", CultureInfo.InvariantCulture);
        output.WriteLine($"Diabetes regression: {data.Count} rows, {DiabetesRegression.TrainRows} train / {data.Count - DiabetesRegression.TrainRows} test, 10-64-1 ReLU, MSE, Adam lr {lr}, batch {DiabetesRegression.BatchSize}, {epochs} epochs");
        RegressionRun[] runs = seeds.Select(seed => DiabetesRegression.Train(data, seed, epochs, learningRate)).ToArray();
        foreach (RegressionRun run in runs)
        {
            if (run.Diverged)
            {
                error.WriteLine($"error: seed {run.Seed} diverged: its test predictions are not finite (NaN or infinite); expected a lower --lr than {lr}.");
                continue;
            }

            output.WriteLine($"seed {run.Seed}: test MSE {run.TestMse:F1}, R2 {run.TestR2:F4} (last epoch's training loss {run.FinalTrainLoss:F4})");
        }

        if (runs.Any(run => run.Diverged))
        {
            return 1;
        }

        output.WriteLine($"mean: test MSE {runs.Average(r => r.TestMse):F1}, R2 {runs.Average(r => r.TestR2):F4}");
        return 0;
    }
}
