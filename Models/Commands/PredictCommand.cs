using System;
using System.Collections.Generic;
using System.IO;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>predict</c> command's options.</summary>
public sealed class PredictOptions
{
    /// <summary>The usage text printed by <c>--help</c> and after an error.</summary>
    public const string Usage = """
        Usage: train predict --weights PATH [options] IMAGE.pgm
               train predict --weights PATH [options] --idx FILE --index N [--labels FILE]

        Classifies one 28 x 28 digit and prints the class probabilities and the predicted digit.

        Options:
          --weights PATH   a safetensors weights file or training checkpoint (as for eval)
          --model NAME     mlp128 or mlp256 (default: told from the file)
          IMAGE.pgm        a 28 x 28 grayscale PGM image, binary (P5) or plain (P2), white
                           digit on black like MNIST
          --invert         invert the image first (for a dark digit on a light background)
          --idx FILE       an IDX images file (raw or .gz), e.g. t10k-images-idx3-ubyte.gz
          --index N        the image of that file to classify, from 0
          --labels FILE    the matching IDX labels file, to show the true digit
          --help           this text
        """;

    /// <summary>The weights file.</summary>
    public string WeightsPath { get; private set; } = string.Empty;

    /// <summary>The model, or null to tell it from the file.</summary>
    public string? Model { get; private set; }

    /// <summary>The PGM image, or null when <see cref="IdxPath"/> is used.</summary>
    public string? ImagePath { get; private set; }

    /// <summary>The IDX images file, or null.</summary>
    public string? IdxPath { get; private set; }

    /// <summary>The row of <see cref="IdxPath"/>.</summary>
    public int Index { get; private set; }

    /// <summary>The IDX labels file, or null.</summary>
    public string? LabelsPath { get; private set; }

    /// <summary>Whether to invert the image (1 - pixel).</summary>
    public bool Invert { get; private set; }

    /// <summary>Whether <c>--help</c> was given.</summary>
    public bool ShowHelp { get; private set; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">An option is unknown, misses its value, or the image is not given exactly once.</exception>
    public static PredictOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new PredictOptions();
        string? weights = null;
        int? index = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--weights":
                    weights = CommandArgs.Value(args, ref i);
                    break;
                case "--model":
                    options.Model = CommandArgs.OneOf(arg, CommandArgs.Value(args, ref i), "mlp128", "mlp256", "resmlp");
                    break;
                case "--idx":
                    options.IdxPath = CommandArgs.Value(args, ref i);
                    break;
                case "--index":
                    index = CommandArgs.NonNegativeInt(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--labels":
                    options.LabelsPath = CommandArgs.Value(args, ref i);
                    break;
                case "--invert":
                    options.Invert = true;
                    break;
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new FormatException($"Unknown option '{arg}'.");
                    }

                    if (options.ImagePath is not null)
                    {
                        throw new FormatException($"Give one image; got '{options.ImagePath}' and '{arg}'.");
                    }

                    options.ImagePath = arg;
                    break;
            }
        }

        if (options.ShowHelp)
        {
            return options;
        }

        if (weights is null)
        {
            throw new FormatException("--weights PATH is required.");
        }

        options.WeightsPath = weights;
        if ((options.ImagePath is null) == (options.IdxPath is null))
        {
            throw new FormatException("Give either an IMAGE.pgm or --idx FILE --index N.");
        }

        if (options.IdxPath is not null && index is null)
        {
            throw new FormatException("--idx needs --index N.");
        }

        if (options.IdxPath is null && (index is not null || options.LabelsPath is not null))
        {
            throw new FormatException("--index and --labels go with --idx.");
        }

        options.Index = index ?? 0;
        return options;
    }
}

/// <summary>The <c>predict</c> command: classifies one digit from a PGM image or a row of an IDX file.</summary>
public static class PredictCommand
{
    /// <summary>Runs the command on the console.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <param name="output">Receives the probabilities and the prediction.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        PredictOptions options;
        try
        {
            options = PredictOptions.Parse(args);
        }
        catch (FormatException e)
        {
            return CommandArgs.UsageError(error, e.Message, PredictOptions.Usage);
        }

        if (options.ShowHelp)
        {
            output.WriteLine(PredictOptions.Usage);
            return 0;
        }

        IModel model;
        string name;
        try
        {
            (model, name, _) = ModelFiles.Load(options.WeightsPath, options.Model, maxBatch: 1);
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
            (pixels, what, label) = options.IdxPath is string idx ? ReadIdxRow(options, idx, model.InputSize) : ReadPgm(options.ImagePath!, model.InputSize);
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

    private static (float[] Pixels, string What, int? Label) ReadIdxRow(PredictOptions options, string path, int inputSize)
    {
        (byte[] all, int count, int rows, int columns) = IdxReader.ReadImages(path);
        if ((long)rows * columns != inputSize)
        {
            throw new InvalidDataException($"{path}: the images are {rows} x {columns}; the model takes {inputSize} pixels (28 x 28).");
        }

        if (options.Index >= count)
        {
            throw new InvalidDataException($"{path}: --index {options.Index} is out of range; the file holds {count} images (0 to {count - 1}).");
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
