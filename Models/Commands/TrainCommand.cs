using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticGrad;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary>The default command: trains a seed classifier and reports every epoch.</summary>
internal static class TrainCommand
{
    /// <summary>Runs the command.</summary>
    /// <param name="args">The options after the command name.</param>
    /// <returns>The process exit code: 0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args)
    {
        TrainOptions options;
        try
        {
            options = TrainOptions.Parse(args);
        }
        catch (FormatException error)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine();
            Console.Error.WriteLine(TrainOptions.Usage);
            return 2;
        }

        if (options.ShowHelp)
        {
            Console.WriteLine(TrainOptions.Usage);
            return 0;
        }

        MnistDataset train;
        MnistDataset test;
        try
        {
            (train, test) = MnistDataset.LoadDirectory(options.DataDirectory);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load MNIST from '{options.DataDirectory}': {error.Message}");
            return 1;
        }

        string optimizerText = options.Optimizer == "sgd"
            ? $"SGD lr {options.LearningRate:G} momentum {options.Momentum:G}{(options.Nesterov ? " nesterov" : string.Empty)} weight decay {options.WeightDecay:G}"
            : $"Adam lr {options.LearningRate:G} weight decay {options.WeightDecay:G}";
        Console.WriteLine($"StaticGrad {options.Model}: {train.Count} training / {test.Count} test samples, batch {options.BatchSize}, {optimizerText}, {options.Epochs} epochs");

        var finalAccuracies = new List<double>();
        foreach (int seed in options.Seeds)
        {
            IModel model = options.Model == "mlp256"
                ? new MnistClassifier256(seed, options.BatchSize)
                : new MnistClassifier128(seed, options.BatchSize);
            IOptimizer optimizer = options.Optimizer == "sgd"
                ? new Sgd(model.Parameters, options.LearningRate, options.Momentum, nesterov: options.Nesterov, weightDecay: options.WeightDecay)
                : new Adam(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay);
            var trainer = new Trainer(model, optimizer, train, test, options.BatchSize, shuffleSeed: unchecked((ulong)seed) ^ 0x5DEECE66DUL);
            var progress = new ConsoleProgress(enabled: !options.Quiet && !Console.IsOutputRedirected);

            Console.WriteLine($"seed {seed}");
            Console.WriteLine("epoch  train loss  test acc   samples/s   elapsed");
            EpochResult? last = null;
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                last = trainer.RunEpoch((done, total, loss) => progress.Report(epoch, options.Epochs, done, total, loss));
                progress.Clear();
                Console.WriteLine($"{last.Epoch,5}  {last.MeanLoss,10:F4}  {last.TestAccuracy * 100,7:F2}%  {last.SamplesPerSecond,10:N0}  {last.Elapsed.TotalSeconds,7:F2}s");
            }

            finalAccuracies.Add(last!.TestAccuracy);
        }

        if (finalAccuracies.Count > 1)
        {
            Console.WriteLine($"final test accuracy over seeds {string.Join(", ", options.Seeds)}: {string.Join(", ", finalAccuracies.Select(a => (a * 100).ToString("F2", CultureInfo.InvariantCulture) + "%"))}; mean {finalAccuracies.Average() * 100:F2}%");
        }

        return 0;
    }
}
