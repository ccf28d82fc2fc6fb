using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using StaticGrad.Onnx;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>export</c> command: saved weights of a seed model as an ONNX file for ONNX Runtime and other engines.</summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>export</c> command.</returns>
    public static Command Create()
    {
        Option<string> weights = CliOptions.NonEmpty(new Option<string>("--weights")
        {
            Description = "a safetensors file: weights (train --save-weights, or a PyTorch state_dict with the same names) or a training checkpoint (train --save)",
            HelpName = "PATH",
            Required = true,
        });
        Option<string> onnx = CliOptions.OutputFile(new Option<string>("--onnx")
        {
            Description = "the ONNX file to write (opset 17, dynamic batch, eval mode; input 'input' = pixels as byte / 255 in [0, 1], no mean/std normalization; output 'output' = the logits), written atomically",
            HelpName = "FILE.onnx",
            Required = true,
        });
        Option<string?> model = CliOptions.OptionalOneOf("--model", "default: told from the file", CliOptions.ModelNames);
        Option<string?> stripPrefix = CliOptions.StripPrefix();
        var command = new Command("export", "Writes saved weights as an ONNX model, for ONNX Runtime (including Microsoft.ML.OnnxRuntime in .NET) or any ONNX engine.")
        {
            weights, onnx, model, stripPrefix,
        };
        command.Validators.Add(CliOptions.DistinctFiles(weights, onnx));
        command.SetAction(result => Execute(result.GetValue(weights)!, result.GetValue(onnx)!, result.GetValue(model), result.GetValue(stripPrefix), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs <c>export ARGS</c>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives what was written.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) => Cli.Run(["export", .. args], output, error);

    private static int Execute(string weightsPath, string onnxPath, string? modelName, string? stripPrefix, TextWriter output, TextWriter error)
    {
        IModel model;
        string name;
        try
        {
            (model, name, _) = ModelFiles.Load(weightsPath, modelName, stripPrefix, maxBatch: 1);
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

        OnnxGraphBuilder graph = ((IOnnxExportable)model).ToOnnx();
        try
        {
            graph.Save(onnxPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot write '{onnxPath}': {e.Message}");
            return 1;
        }

        output.WriteLine($"{name} from {weightsPath} -> {onnxPath}: ONNX opset {OnnxGraphBuilder.OpsetVersion}, {graph.NodeCount} nodes, {new FileInfo(onnxPath).Length:N0} bytes; input 'input' [batch, {string.Join(", ", model.Summary.InputShape)}], output 'output' [batch, {model.OutputSize}] (logits)");
        return 0;
    }
}
