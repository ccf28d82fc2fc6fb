using System;
using System.CommandLine;
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
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>imbalanced</c> command.</returns>
    public static Command Create()
    {
        Option<int[]> rare = CliOptions.IntList("--rare", "the digits to make rare", [.. ImbalancedDigits.DefaultRareClasses], 0, 9);
        Option<int> keep = CliOptions.Int("--keep", "training samples kept per rare digit", 20, 0, int.MaxValue);
        Option<int> epochs = CliOptions.Int("--epochs", "epochs per run", 5, 1, 1000);
        Option<int> seed = CliOptions.Int("--seed", "seed of initialization and shuffling, shared by both runs", 1, int.MinValue, int.MaxValue);
        Option<float?> lr = CliOptions.Number("--lr", "Adam learning rate (default 1e-3)");
        Option<string> data = CliOptions.Data();
        var command = new Command(
            "imbalanced",
            "Makes some digits rare in the training set, then trains a 784-64-10 classifier twice from the same initialization and shuffling: with plain softmax cross-entropy, and with class weights N / (C * count) from the training labels (PyTorch's CrossEntropyLoss(weight=...)). Prints the training counts, the weights and each class's test recall for both runs.")
        {
            rare, keep, epochs, seed, lr, data,
        };
        command.SetAction(r => Execute([.. CliOptions.ListValue(r, rare, [.. ImbalancedDigits.DefaultRareClasses]).Distinct()], r.GetValue(keep), r.GetValue(epochs), r.GetValue(seed), r.GetValue(lr) ?? 1e-3f, r.GetValue(data)!, r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static int Execute(int[] rare, int keep, int epochs, int seed, float learningRate, string dataDirectory, TextWriter output, TextWriter error)
    {
        MnistDataset fullTrain, test;
        try
        {
            (fullTrain, test) = MnistDataset.LoadDirectory(dataDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{dataDirectory}': {e.Message}");
            return 1;
        }

        if ((MnistChecks.Problem(fullTrain, "training", 28 * 28, 10) ?? MnistChecks.Problem(test, "test", 28 * 28, 10)) is string problem)
        {
            error.WriteLine($"error: cannot train on MNIST from '{dataDirectory}': {problem}.");
            return 1;
        }

        MnistDataset train = ImbalancedDigits.MakeImbalanced(fullTrain, rare, keep);
        if (train.Count == 0)
        {
            error.WriteLine($"--rare {string.Join(", ", rare)} with --keep {keep} leaves no training sample; expected --keep 1 or more, or fewer rare digits.");
            error.WriteLine("Run 'train imbalanced --help' for the options.");
            return Cli.UsageErrorCode;
        }

        int[] counts = ClassWeights.CountLabels(train.Labels, 10);
        output.WriteLine($"Imbalanced digits: {train.Count} training samples (rare digits' samples {string.Join(", ", rare.Select(d => $"{d}: {counts[d]}"))}; --keep {keep}), {test.Count} test samples, 784-64-10, Adam lr {learningRate:G}, {epochs} epochs, seed {seed}");

        ImbalancedRun plain = ImbalancedDigits.Train(train, test, weighted: false, epochs, seed, learningRate: learningRate);
        ImbalancedRun weighted = ImbalancedDigits.Train(train, test, weighted: true, epochs, seed, learningRate: learningRate);

        output.WriteLine();
        output.WriteLine("digit  train count  class weight  recall unweighted  recall weighted");
        for (int c = 0; c < 10; c++)
        {
            string mark = rare.Contains(c) ? " (rare)" : string.Empty;
            output.WriteLine($"{c,5}  {counts[c],11}  {weighted.ClassWeights[c],12:F3}  {plain.Recall[c] * 100,16:F1}%  {weighted.Recall[c] * 100,14:F1}%{mark}");
        }

        output.WriteLine();
        if (rare.Length > 0)
        {
            output.WriteLine($"mean recall of the rare digits: {plain.MeanRecall(rare) * 100:F1}% unweighted, {weighted.MeanRecall(rare) * 100:F1}% weighted");
        }

        output.WriteLine($"balanced accuracy (mean recall): {plain.BalancedAccuracy * 100:F1}% unweighted, {weighted.BalancedAccuracy * 100:F1}% weighted");
        output.WriteLine($"test accuracy: {plain.Accuracy * 100:F1}% unweighted, {weighted.Accuracy * 100:F1}% weighted");
        return 0;
    }
}
