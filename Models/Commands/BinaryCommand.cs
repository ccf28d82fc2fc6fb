using System;
using System.CommandLine;
using System.IO;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary><c>train binary</c>: trains the "is this digit a zero?" detector with BCE-with-logits and prints its test metrics.</summary>
internal static class BinaryCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>binary</c> command.</returns>
    public static Command Create()
    {
        Option<int> epochs = CliOptions.Int("--epochs", "epochs", 3, 1, 1000);
        Option<int> seed = CliOptions.Int("--seed", "seed of initialization and shuffling", 1, int.MinValue, int.MaxValue);
        Option<float?> lr = CliOptions.Number("--lr", "Adam learning rate (default 1e-3)");
        var noBalance = new Option<bool>("--no-balance") { Description = "train with pos_weight 1" };
        Option<string> data = CliOptions.Data();
        var command = new Command(
            "binary",
            "Trains a one-logit binary classifier, \"is this digit a zero?\" (784-32-1), with sigmoid + binary cross-entropy (PyTorch's BCEWithLogitsLoss), the positive weight set to negatives / positives from the training labels (Loss.SetPosWeight). Prints the test accuracy, the precision and recall of the zeros, and the majority baseline.")
        {
            epochs, seed, lr, noBalance, data,
        };
        command.SetAction(r => Execute(r.GetValue(epochs), r.GetValue(seed), r.GetValue(lr) ?? 1e-3f, !r.GetValue(noBalance), r.GetValue(data)!, r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static int Execute(int epochs, int seed, float learningRate, bool balance, string dataDirectory, TextWriter output, TextWriter error)
    {
        MnistDataset train, test;
        try
        {
            (train, test) = MnistDataset.LoadDirectory(dataDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{dataDirectory}': {e.Message}");
            return 1;
        }

        if ((MnistChecks.Problem(train, "training", 28 * 28, 10) ?? MnistChecks.Problem(test, "test", 28 * 28, 10)) is string problem)
        {
            error.WriteLine($"error: cannot train on MNIST from '{dataDirectory}': {problem}.");
            return 1;
        }

        if (balance && !train.Labels.Contains((byte)0))
        {
            error.WriteLine($"error: cannot train on MNIST from '{dataDirectory}': the training set holds no zeros, so pos_weight = negatives / positives divides by 0; expected some zeros, or --no-balance.");
            return 1;
        }

        output.WriteLine($"Zero detector: {train.Count} training / {test.Count} test digits, 784-32-1, BCE with logits, Adam lr {learningRate:G}, {epochs} epochs, seed {seed}");
        BinaryRun run = ZeroDigits.Train(train, test, epochs, seed, balance, learningRate: learningRate);
        output.WriteLine($"pos_weight {run.PosWeight:F3}, last epoch's mean training loss {run.MeanLoss:F4}");
        output.WriteLine($"test accuracy {run.Accuracy * 100:F2}% (majority baseline {run.MajorityBaseline * 100:F2}%), zeros: precision {run.Precision * 100:F1}%, recall {run.Recall * 100:F1}%");
        return 0;
    }
}
