using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>predict</c> command's options.</summary>
public sealed class PredictOptions
{
    /// <summary>The weights file.</summary>
    public string WeightsPath { get; private init; } = string.Empty;

    /// <summary>The model, or null to tell it from the file.</summary>
    public string? Model { get; private init; }

    /// <summary>The <c>--strip-prefix</c> removed from the file's tensor names, or null for none.</summary>
    public string? StripPrefix { get; private init; }

    /// <summary>The PGM image, or null when <see cref="IdxPath"/> is used.</summary>
    public string? ImagePath { get; private init; }

    /// <summary>The IDX images file, or null.</summary>
    public string? IdxPath { get; private init; }

    /// <summary>The row of <see cref="IdxPath"/>.</summary>
    public int Index { get; private init; }

    /// <summary>The IDX labels file, or null.</summary>
    public string? LabelsPath { get; private init; }

    /// <summary>Whether to invert the image (1 - pixel).</summary>
    public bool Invert { get; private init; }

    /// <summary>Adds the options to <paramref name="command"/> and returns how to read them from a parse.</summary>
    internal static Func<ParseResult, PredictOptions> AddTo(Command command)
    {
        Option<string> weights = CliOptions.NonEmpty(new Option<string>("--weights") { Description = "a safetensors weights file or training checkpoint (as for eval)", HelpName = "PATH", Required = true });
        Option<string?> model = CliOptions.OptionalOneOf("--model", "default: told from the file", CliOptions.ModelNames);
        Option<string?> stripPrefix = CliOptions.StripPrefix();
        Argument<string?> image = CliOptions.NonEmpty(new Argument<string?>("IMAGE.pgm") { Description = "a 28 x 28 grayscale PGM image, binary (P5) or plain (P2), white digit on black like MNIST", Arity = ArgumentArity.ZeroOrOne });
        var invert = new Option<bool>("--invert") { Description = "invert the image first (for a dark digit on a light background)" };
        Option<string?> idx = CliOptions.InputPath("--idx", "an IDX images file (raw or .gz), e.g. t10k-images-idx3-ubyte.gz", "FILE");
        Option<int?> index = CliOptions.OptionalInt("--index", "the image of the --idx file to classify, from 0", 0, int.MaxValue);
        Option<string?> labels = CliOptions.InputPath("--labels", "the matching IDX labels file, to show the true digit", "FILE");
        command.Options.Add(weights);
        command.Options.Add(model);
        command.Options.Add(stripPrefix);
        command.Arguments.Add(image);
        command.Options.Add(invert);
        command.Options.Add(idx);
        command.Options.Add(index);
        command.Options.Add(labels);
        command.Validators.Add(CliOptions.CrossCheck(result =>
        {
            if (result.GetValue(image) is string path && path.StartsWith('-'))
            {
                result.AddError($"Unrecognized command or argument '{path}'.");
                return;
            }

            if (result.GetResult(weights) is null)
            {
                return;
            }

            bool hasImage = result.GetValue(image) is not null, hasIdx = result.GetValue(idx) is not null;
            if (hasImage == hasIdx)
            {
                result.AddError("Give either an IMAGE.pgm or --idx FILE --index N.");
            }
            else if (hasIdx && result.GetValue(index) is null)
            {
                result.AddError("--idx needs --index N.");
            }
            else if (!hasIdx && (result.GetValue(index) is not null || result.GetValue(labels) is not null))
            {
                result.AddError("--index and --labels go with --idx.");
            }
        }));
        return result => new PredictOptions
        {
            WeightsPath = result.GetValue(weights)!,
            Model = result.GetValue(model),
            StripPrefix = result.GetValue(stripPrefix),
            ImagePath = result.GetValue(image),
            IdxPath = result.GetValue(idx),
            Index = result.GetValue(index) ?? 0,
            LabelsPath = result.GetValue(labels),
            Invert = result.GetValue(invert),
        };
    }
}

/// <summary>The <c>predict</c> command: classifies one digit from a PGM image or a row of an IDX file.</summary>
public static class PredictCommand
{
    /// <summary>Builds the command.</summary>
    /// <returns>The <c>predict</c> command.</returns>
    public static Command Create()
    {
        var command = new Command(
            "predict",
            "Classifies one 28 x 28 digit, from a PGM image or a row of an IDX file, and prints the class probabilities and the predicted digit.");
        Func<ParseResult, PredictOptions> read = PredictOptions.AddTo(command);
        command.SetAction(result => Execute(read(result), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs <c>predict ARGS</c>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives the probabilities and the prediction.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) => Cli.Run(["predict", .. args], output, error);

    private static int Execute(PredictOptions options, TextWriter output, TextWriter error)
    {
        IModel model;
        string name;
        try
        {
            (model, name, _) = ModelFiles.Load(options.WeightsPath, options.Model, options.StripPrefix, maxBatch: 1);
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

        float[] pixels;
        string what;
        int? label = null;
        try
        {
            (pixels, what, label) = options.IdxPath is string idx ? ReadIdxRow(options, idx, model.InputSize, model.OutputSize) : ReadPgm(options.ImagePath!, model.InputSize);
        }
        catch (UsageException e)
        {
            error.WriteLine(e.Message);
            return Cli.UsageErrorCode;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read the image: {e.Message}");
            return 1;
        }

        if (options.Invert)
        {
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = 1f - pixels[i];
            }
        }

        float[] probabilities = new float[model.OutputSize];
        model.Predict(pixels, probabilities, 1);
        int digit = ArgMax.Row(probabilities);

        output.WriteLine($"{what}, {name} weights from {options.WeightsPath}");
        output.WriteLine("digit  probability");
        for (int c = 0; c < probabilities.Length; c++)
        {
            string bar = new('#', (int)MathF.Round(probabilities[c] * 40));
            output.WriteLine($"{c,5}  {probabilities[c],11:F6}  {bar}");
        }

        string verdict = label is int truth ? $" (label {truth}: {(truth == digit ? "correct" : "wrong")})" : string.Empty;
        output.WriteLine($"predicted digit: {digit} (probability {probabilities[digit]:F4}){verdict}");
        double mean = 0;
        foreach (float p in pixels)
        {
            mean += p;
        }

        if (mean / pixels.Length > 0.5 && !options.Invert)
        {
            output.WriteLine("note: the image is mostly bright; MNIST digits are white on black. If yours is dark on light, add --invert.");
        }

        return 0;
    }

    private static (float[] Pixels, string What, int? Label) ReadPgm(string path, int inputSize)
    {
        PgmImage image = PgmReader.Read(path);
        if ((long)image.Width * image.Height != inputSize || image.Width != 28)
        {
            throw new InvalidDataException($"{path}: the image is {image.Width} x {image.Height}; the model takes 28 x 28 MNIST digits (resize it first).");
        }

        return (image.Pixels.ToArray(), $"{path} ({image.Width} x {image.Height}, maxval {image.MaxValue})", null);
    }

    private static (float[] Pixels, string What, int? Label) ReadIdxRow(PredictOptions options, string path, int inputSize, int classes)
    {
        (byte[] all, int count, int rows, int columns) = IdxReader.ReadImages(path);
        if ((long)rows * columns != inputSize)
        {
            throw new InvalidDataException($"{path}: the images are {rows} x {columns}; the model takes {inputSize} pixels (28 x 28).");
        }

        if (options.Index >= count)
        {
            string holds = count == 0 ? "no images" : $"{count} images (0 to {count - 1})";
            throw new UsageException($"Option '--index': {options.Index} is out of range; '{path}' holds {holds}.");
        }

        int? label = null;
        if (options.LabelsPath is string labelsPath)
        {
            byte[] labels = IdxReader.ReadLabels(labelsPath);
            if (labels.Length != count)
            {
                throw new InvalidDataException($"The images file '{path}' holds {count} images but the labels file '{labelsPath}' holds {labels.Length} labels.");
            }

            label = labels[options.Index];
            if (label >= classes)
            {
                throw new InvalidDataException($"{labelsPath}: the labels file gives image {options.Index} the label {label}; expected a digit 0-{classes - 1}.");
            }
        }

        float[] pixels = new float[inputSize];
        ReadOnlySpan<byte> row = all.AsSpan(options.Index * inputSize, inputSize);
        for (int i = 0; i < inputSize; i++)
        {
            pixels[i] = row[i] / 255f;
        }

        return (pixels, $"{path} image {options.Index}", label);
    }
}
