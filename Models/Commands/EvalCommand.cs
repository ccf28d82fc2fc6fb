using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>eval</c> command's options.</summary>
public sealed class EvalOptions
{
    /// <summary>The usage text printed by <c>--help</c> and after an error.</summary>
    public const string Usage = """
        Usage: train eval --weights PATH [options]

        Evaluates saved weights on MNIST: prints the accuracy and the confusion matrix.

        Options:
          --weights PATH   a safetensors file: weights (train --save-weights, or a PyTorch
                           state_dict with the same names) or a training checkpoint (train --save)
          --model NAME     mlp128, mlp256 or resmlp (default: told from the file)
          --data DIR       folder with the MNIST IDX files (default: the shipped digits)
          --split NAME     test (default) or train
          --help           this text
        """;

    /// <summary>The weights file.</summary>
    public string WeightsPath { get; private set; } = string.Empty;

    /// <summary>The model, or null to tell it from the file.</summary>
    public string? Model { get; private set; }

    /// <summary>The folder holding the IDX files.</summary>
    public string DataDirectory { get; private set; } = Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>Which split to evaluate: <c>test</c> or <c>train</c>.</summary>
    public string Split { get; private set; } = "test";

    /// <summary>Whether <c>--help</c> was given.</summary>
    public bool ShowHelp { get; private set; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">An option is unknown, misses its value or has an invalid one.</exception>
    public static EvalOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new EvalOptions();
        string? weights = null;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--weights":
                    weights = CommandArgs.Value(args, ref i);
                    break;
                case "--model":
                    options.Model = CommandArgs.OneOf(args[i], CommandArgs.Value(args, ref i), "mlp128", "mlp256", "resmlp");
                    break;
                case "--data":
                    options.DataDirectory = CommandArgs.Value(args, ref i);
                    break;
                case "--split":
                    options.Split = CommandArgs.OneOf(args[i], CommandArgs.Value(args, ref i), "test", "train");
                    break;
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                default:
                    throw new FormatException($"Unknown option '{args[i]}'.");
            }
        }

        if (weights is null && !options.ShowHelp)
        {
            throw new FormatException("--weights PATH is required.");
        }

        options.WeightsPath = weights ?? string.Empty;
        return options;
    }
}

/// <summary>The <c>eval</c> command: accuracy and confusion matrix of saved weights on MNIST.</summary>
public static class EvalCommand
{
    private const int BatchSize = 256;

    /// <summary>Runs the command on the console.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives the report.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        EvalOptions options;
        try
        {
            options = EvalOptions.Parse(args);
        }
        catch (FormatException e)
        {
            return CommandArgs.UsageError(error, e.Message, EvalOptions.Usage);
        }

        if (options.ShowHelp)
        {
            output.WriteLine(EvalOptions.Usage);
            return 0;
        }

        IModel model;
        string name;
        string description;
        try
        {
            (model, name, description) = ModelFiles.Load(options.WeightsPath, options.Model, BatchSize);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load weights: {e.Message}");
            return 1;
        }

        MnistDataset data;
        try
        {
            (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(options.DataDirectory);
            data = options.Split == "train" ? train : test;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{options.DataDirectory}': {e.Message}");
            return 1;
        }

        if (data.Features != model.InputSize)
        {
            error.WriteLine($"error: the images have {data.Features} pixels ({data.Rows} x {data.Columns}); the model takes {model.InputSize}.");
            return 1;
        }

        int classes = model.OutputSize;
        ConfusionMatrix confusion;
        try
        {
            confusion = Inference.ConfusionMatrix(model, InMemoryDataset.FromMnist(data));
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }

        long correct = (long)Math.Round(confusion.Accuracy() * confusion.Total);
        output.WriteLine($"{name} from {options.WeightsPath} ({description}, {model.Parameters.Count:N0} parameters)");
        output.WriteLine($"{options.Split} set: {data.Count} samples from {options.DataDirectory}");
        output.WriteLine($"accuracy: {100.0 * correct / data.Count:F2}% ({correct} of {data.Count})");
        output.WriteLine();
        WriteMatrix(output, confusion, classes);
        return 0;
    }

    private static void WriteMatrix(TextWriter output, ConfusionMatrix confusion, int classes)
    {
        output.WriteLine("confusion matrix (rows: true digit, columns: predicted digit; recall and precision in %)");
        var line = new System.Text.StringBuilder();
        line.Append("true\\pred");
        for (int c = 0; c < classes; c++)
        {
            line.Append($"{c,6}");
        }

        line.Append("   total  recall");
        output.WriteLine(line.ToString());
        long[] predicted = new long[classes];
        for (int t = 0; t < classes; t++)
        {
            line.Clear();
            line.Append($"{t,9}");
            long total = 0;
            for (int p = 0; p < classes; p++)
            {
                line.Append($"{confusion[t, p],6}");
                total += confusion[t, p];
                predicted[p] += confusion[t, p];
            }

            line.Append($"{total,8}  {Percent(confusion[t, t], total),6}");
            output.WriteLine(line.ToString());
        }

        line.Clear();
        line.Append("precision");
        for (int p = 0; p < classes; p++)
        {
            line.Append($"{Percent(confusion[p, p], predicted[p]),6}");
        }

        output.WriteLine(line.ToString());
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : $"{100.0 * part / whole:F1}";
}
