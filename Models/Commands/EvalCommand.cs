using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using Spectre.Console;
using StaticGrad.Data;
using StaticGrad.Models.Plots;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>eval</c> command: accuracy and confusion matrix of saved weights on MNIST, optionally drawn as a heat map.</summary>
public static class EvalCommand
{
    private const int BatchSize = 256;

    /// <summary>Builds the command.</summary>
    /// <returns>The <c>eval</c> command.</returns>
    public static Command Create()
    {
        Option<string> weights = CliOptions.NonEmpty(new Option<string>("--weights")
        {
            Description = "a safetensors file: weights (train --save-weights, or a PyTorch state_dict with the same names) or a training checkpoint (train --save)",
            HelpName = "PATH",
            Required = true,
        });
        Option<string?> model = CliOptions.OptionalOneOf("--model", "default: told from the file", CliOptions.ModelNames);
        Option<string?> stripPrefix = CliOptions.StripPrefix();
        Option<string> data = CliOptions.Data();
        Option<string> split = CliOptions.OneOf("--split", "the set to evaluate", "test", "test", "train");
        Option<string?> plot = CliOptions.PngFile(CliOptions.Path("--plot", "draw the confusion matrix as a heat map to this PNG file", "FILE.png"));
        var quiet = new Option<bool>("--quiet") { Description = "plain text instead of a table" };
        var command = new Command("eval", "Evaluates saved weights on MNIST: prints the accuracy and the confusion matrix.")
        {
            weights, model, stripPrefix, data, split, plot, quiet,
        };
        command.Validators.Add(CliOptions.DistinctFiles(weights, plot));
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            bool interactive = !result.GetValue(quiet) && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
            return Execute(result.GetValue(weights)!, result.GetValue(model), result.GetValue(stripPrefix), result.GetValue(data)!, result.GetValue(split)!, result.GetValue(plot), interactive, output, result.InvocationConfiguration.Error);
        });
        return command;
    }

    /// <summary>Runs <c>eval ARGS</c>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives the report.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) => Cli.Run(["eval", .. args], output, error);

    private static int Execute(string weightsPath, string? modelName, string? stripPrefix, string dataDirectory, string split, string? plotPath, bool interactive, TextWriter output, TextWriter error)
    {
        IModel model;
        string name;
        string description;
        try
        {
            (model, name, description) = ModelFiles.Load(weightsPath, modelName, stripPrefix, BatchSize);
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {e.Message}");
            return Cli.UsageErrorCode;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load weights: {e.Message}");
            return 1;
        }

        MnistDataset data;
        try
        {
            data = MnistDataset.LoadSet(dataDirectory, training: split == "train");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{dataDirectory}': {e.Message}");
            return 1;
        }

        if (MnistChecks.Problem(data, split == "train" ? "training" : "test", model.InputSize, model.OutputSize) is string problem)
        {
            error.WriteLine($"error: cannot evaluate on MNIST from '{dataDirectory}': {problem}.");
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
        output.WriteLine($"{name} from {weightsPath} ({description}, {model.Parameters.Count:N0} parameters)");
        output.WriteLine($"{split} set: {data.Count} samples from {dataDirectory}");
        output.WriteLine($"accuracy: {100.0 * correct / data.Count:F2}% ({correct} of {data.Count})");
        output.WriteLine();
        if (interactive)
        {
            AnsiConsole.Write(MatrixTable(confusion, classes));
        }
        else
        {
            WriteMatrix(output, confusion, classes);
        }

        if (plotPath is not null)
        {
            try
            {
                ConfusionHeatmap.Save(confusion, $"{name}: {split} set, accuracy {confusion.Accuracy() * 100:F2}%", plotPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: cannot write the plot: {e.Message}");
                return 1;
            }

            output.WriteLine($"plot: {plotPath}");
        }

        return 0;
    }

    private static TableColumn Column(string header) => new TableColumn(header) { Alignment = Justify.Right, NoWrap = true, Padding = new Padding(1, 0, 0, 0) };

    /// <summary>The confusion matrix as a Spectre table, the diagonal highlighted, with recall and precision.</summary>
    private static Table MatrixTable(ConfusionMatrix confusion, int classes)
    {
        var table = new Table
        {
            Title = new TableTitle("confusion matrix: true digit (rows) by predicted digit; n samples, recall and precision (prec) in %"),
            Border = TableBorder.Simple,
        };
        table.AddColumn(Column("true"));
        for (int p = 0; p < classes; p++)
        {
            table.AddColumn(Column(p.ToString(CultureInfo.InvariantCulture)));
        }

        table.AddColumn(Column("n"));
        table.AddColumn(Column("recall"));
        for (int t = 0; t < classes; t++)
        {
            var cells = new List<string> { t.ToString(CultureInfo.InvariantCulture) };
            for (int p = 0; p < classes; p++)
            {
                string count = confusion[t, p].ToString(CultureInfo.InvariantCulture);
                cells.Add(p == t ? $"[green]{count}[/]" : confusion[t, p] == 0 ? $"[grey]{count}[/]" : $"[yellow]{count}[/]");
            }

            cells.Add(confusion.Support(t).ToString(CultureInfo.InvariantCulture));
            cells.Add(Percent(confusion[t, t], confusion.Support(t)));
            table.AddRow(cells.ToArray());
        }

        var precision = new List<string> { "prec" };
        for (int p = 0; p < classes; p++)
        {
            precision.Add(Percent(confusion[p, p], confusion.Predicted(p)));
        }

        precision.Add(string.Empty);
        precision.Add(string.Empty);
        table.AddRow(precision.ToArray());
        return table;
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
