using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;

namespace StaticGrad.Models.Commands;

/// <summary>
/// The train app's command line (System.CommandLine): training options on the root (so <c>train --epochs 2</c> and
/// <c>--epochs 2</c> both train), and the commands <c>eval</c>, <c>predict</c>, <c>imbalanced</c>, <c>binary</c>,
/// <c>regression</c> and <c>summary</c>, each with <c>--help</c>. A parse error prints the error and, for a mistyped
/// option, the nearest ones, and exits with code 2.
/// </summary>
public static class Cli
{
    /// <summary>The exit code of a usage error.</summary>
    public const int UsageErrorCode = 2;

    /// <summary>Builds the command tree: the root trains (the built app is named <c>train</c>), the other commands hang below it.</summary>
    /// <returns>The root command.</returns>
    public static RootCommand Build()
    {
        var root = new RootCommand("Trains a seed MNIST classifier (the default command, also spelled 'train') and prints, per epoch, the training loss, test accuracy, samples/s, elapsed time and learning rate; the other commands evaluate, predict and run the loss demonstrations.");
        TrainCommand.Configure(root);
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(ImbalancedCommand.Create());
        root.Subcommands.Add(BinaryCommand.Create());
        root.Subcommands.Add(RegressionCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command they name; a leading <c>train</c> names the root.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Receives reports and help.</param>
    /// <param name="error">Receives errors.</param>
    /// <returns>The exit code: 0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string[] words = args.Count > 0 && args[0] == "train" ? args.Skip(1).ToArray() : args.ToArray();
        ParseResult result = Build().Parse(words);
        if (result.Errors.Count == 0)
        {
            return result.Invoke(new InvocationConfiguration { Output = output, Error = error });
        }

        if (result.Action is ParseErrorAction action)
        {
            action.ShowHelp = false;
            action.ShowTypoCorrections = false;
        }

        // A usage error writes only to the error stream: the parser's errors, then the nearest names.
        result.Invoke(new InvocationConfiguration { Output = error, Error = error });
        foreach (string suggestion in TypoSuggestions.For(result, words))
        {
            error.WriteLine(suggestion);
        }

        error.WriteLine($"Run 'train{(result.CommandResult.Command is RootCommand ? string.Empty : " " + result.CommandResult.Command.Name)} --help' for the options.");
        return UsageErrorCode;
    }
}
