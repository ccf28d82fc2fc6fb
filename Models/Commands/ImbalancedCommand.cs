using System;
using System.IO;
using System.Linq;
using StaticGrad.Data;

namespace StaticGrad.Models.Commands;

/// <summary>
/// <c>train imbalanced</c>: removes most training samples of some digits, trains the same classifier with and
/// without class weights computed from the label counts, and prints per-class recall on the test set.
/// </summary>
internal static class ImbalancedCommand
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage: train imbalanced [options]

        Makes some digits rare in the training set (all other digits keep every sample), then trains a
        784-64-10 classifier twice from the same initialization and shuffling: with plain softmax
        cross-entropy, and with class weights N / (C * count) computed from the training labels
        (Loss.SetClassWeights(ClassWeights.InverseFrequency(counts)), PyTorch's CrossEntropyLoss(weight=...)).
        Prints the training counts, the weights and each class's test recall for both runs.

        Options:
          --rare A,B,...   the digits to make rare (default 2,5,8)
          --keep N         training samples kept per rare digit (default 20)
          --epochs N       epochs per run (default 5)
          --seed N         seed of initialization and shuffling, shared by both runs (default 1)
          --lr X           Adam learning rate (default 1e-3)
          --data DIR       folder with the MNIST IDX files (default: the digits shipped with StaticGrad)
          --help           this text
        """;

    /// <summary>Runs the command.</summary>
    /// <param name="args">The options after the command name.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args)
    {
        int[] rare = [.. ImbalancedDigits.DefaultRareClasses];
        int keep = 20, epochs = 5, seed = 1;
        float learningRate = 1e-3f;
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
                    case "--rare":
                        rare = CommandArgs.IntList("--rare", CommandArgs.Value(args, ref i), 0, 9).Distinct().ToArray();
                        break;
                    case "--keep":
                        keep = CommandArgs.IntInRange("--keep", CommandArgs.Value(args, ref i), 0, int.MaxValue);
                        break;
                    case "--epochs":
                        epochs = CommandArgs.IntInRange("--epochs", CommandArgs.Value(args, ref i), 1, 1000);
                        break;
                    case "--seed":
                        seed = CommandArgs.IntInRange("--seed", CommandArgs.Value(args, ref i), int.MinValue, int.MaxValue);
                        break;
                    case "--lr":
                        learningRate = CommandArgs.PositiveFloat("--lr", CommandArgs.Value(args, ref i));
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

        MnistDataset fullTrain, test;
        try
        {
            (fullTrain, test) = MnistDataset.LoadDirectory(dataDirectory);
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load MNIST from '{dataDirectory}': {error.Message}");
            return 1;
        }

        MnistDataset train = ImbalancedDigits.MakeImbalanced(fullTrain, rare, keep);
        int[] counts = ClassWeights.CountLabels(train.Labels, 10);
        Console.WriteLine($"Imbalanced digits: {train.Count} training samples ({string.Join(", ", rare)} cut to {keep} each), {test.Count} test samples, 784-64-10, Adam lr {learningRate:G}, {epochs} epochs, seed {seed}");

        ImbalancedRun plain = ImbalancedDigits.Train(train, test, weighted: false, epochs, seed, learningRate: learningRate);
        ImbalancedRun weighted = ImbalancedDigits.Train(train, test, weighted: true, epochs, seed, learningRate: learningRate);

        Console.WriteLine();
        Console.WriteLine("digit  train count  class weight  recall unweighted  recall weighted");
        for (int c = 0; c < 10; c++)
        {
            string mark = rare.Contains(c) ? " (rare)" : string.Empty;
            Console.WriteLine($"{c,5}  {counts[c],11}  {weighted.ClassWeights[c],12:F3}  {plain.Recall[c] * 100,16:F1}%  {weighted.Recall[c] * 100,14:F1}%{mark}");
        }

        Console.WriteLine();
        if (rare.Length > 0)
        {
            Console.WriteLine($"mean recall of the rare digits: {plain.MeanRecall(rare) * 100:F1}% unweighted, {weighted.MeanRecall(rare) * 100:F1}% weighted");
        }

        Console.WriteLine($"balanced accuracy (mean recall): {plain.BalancedAccuracy * 100:F1}% unweighted, {weighted.BalancedAccuracy * 100:F1}% weighted");
        Console.WriteLine($"test accuracy: {plain.Accuracy * 100:F1}% unweighted, {weighted.Accuracy * 100:F1}% weighted");
        return 0;
    }
}
