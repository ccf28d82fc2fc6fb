using System.Collections.Generic;
using System.CommandLine;
using System.IO;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>summary</c> command: a seed model's layers, output shapes, parameter counts and memory, like torchinfo.</summary>
public static class SummaryCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>summary</c> command.</returns>
    public static Command Create()
    {
        Option<string> model = CliOptions.OneOf("--model", "the model to describe", "mlp128", CliOptions.ModelNames);
        Option<int> batch = CliOptions.Int("--batch", "the batch the arenas are sized for", 64, 1, 65_536);
        var command = new Command("summary", "Prints a model's layers, output shapes and parameter counts, and the memory it holds at a batch size (like torchinfo's summary).")
        {
            model, batch,
        };
        command.SetAction(result =>
        {
            IModel created = ModelFiles.Create(result.GetValue(model)!, seed: 0, result.GetValue(batch));
            result.InvocationConfiguration.Output.Write(created.Summary.ToString());
            return 0;
        });
        return command;
    }

    /// <summary>Runs <c>summary ARGS</c>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives the table.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) => Cli.Run(["summary", .. args], output, error);
}
