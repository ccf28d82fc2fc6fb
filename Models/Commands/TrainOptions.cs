using System;
using System.Collections.Generic;
using System.IO;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>train</c> command's options, parsed from the command line with clear errors.</summary>
public sealed class TrainOptions
{
    /// <summary>The usage text printed by <c>--help</c> and after an error.</summary>
    public const string Usage = """
        Usage: train [options]

        Trains a seed MNIST classifier and prints, per epoch, the mean training loss, test accuracy,
        samples/s and elapsed time.

        Options:
          --model NAME        mlp128 (784-128-10, default), mlp256 (784-256-10) or resmlp (residual MLP:
                              LayerNorm, GELU, Dropout 0.1, two skip connections; Adam)
          --optimizer NAME    adam or sgd (default: adam for mlp128, sgd for mlp256)
          --lr X              learning rate (default: 1e-3 for adam, 0.1 for sgd)
          --momentum X        SGD momentum (default 0.9)
          --nesterov          SGD with Nesterov momentum
          --weight-decay X    L2 weight decay (default 0)
          --epochs N          epochs (default 10)
          --batch N           minibatch size, 1 to 65536 (default 64)
          --seed N            seed of initialization and shuffling (default 1)
          --seeds A,B,...     train once per seed and report the mean final accuracy
          --data DIR          folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...);
                              default: the 8,000/2,000 digits shipped with StaticGrad
          --save PATH         write a training checkpoint (weights, optimizer state, data order)
                              to PATH after every epoch, atomically (safetensors)
          --save-weights PATH write the final weights alone to PATH (safetensors, PyTorch names)
          --resume PATH       continue the run saved in the checkpoint PATH up to --epochs in all;
                              model, optimizer settings, batch size and seed come from the
                              checkpoint (only --lr may change them)
          --quiet             no progress bar
          --help              this text
        """;

    /// <summary>The model to train: <c>mlp128</c>, <c>mlp256</c> or <c>resmlp</c>.</summary>
    public string Model { get; private set; } = "mlp128";

    /// <summary>The optimizer: <c>adam</c> or <c>sgd</c>.</summary>
    public string Optimizer { get; private set; } = "adam";

    /// <summary>The learning rate.</summary>
    public float LearningRate { get; private set; } = 1e-3f;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; private set; }

    /// <summary>Whether SGD uses Nesterov momentum.</summary>
    public bool Nesterov { get; private set; }

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; private set; }

    /// <summary>Epochs to train.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>
    /// The largest minibatch the command trains with, for <c>--batch</c> and for a resumed
    /// checkpoint's batch size: 65,536, a batch of all 60,000 MNIST training images. The model's
    /// buffers are sized by it, so a forged checkpoint must not choose it freely.
    /// </summary>
    public const int MaxBatchSize = 65_536;

    /// <summary>Samples per minibatch.</summary>
    public int BatchSize { get; private set; } = 64;

    /// <summary>The seeds to train with, one run each.</summary>
    public IReadOnlyList<int> Seeds { get; private set; } = new[] { 1 };

    /// <summary>The folder holding the IDX files.</summary>
    public string DataDirectory { get; private set; } = Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>Where to write a training checkpoint after every epoch, or null.</summary>
    public string? SavePath { get; private set; }

    /// <summary>Where to write the final weights alone, or null.</summary>
    public string? SaveWeightsPath { get; private set; }

    /// <summary>The training checkpoint to continue from, or null.</summary>
    public string? ResumePath { get; private set; }

    /// <summary>Whether to hide the progress bar.</summary>
    public bool Quiet { get; private set; }

    /// <summary>Whether <c>--help</c> was given.</summary>
    public bool ShowHelp { get; private set; }

    /// <summary>Whether <paramref name="option"/> (e.g. <c>--lr</c>) was given on the command line rather than defaulted.</summary>
    /// <param name="option">The option, with its dashes.</param>
    /// <returns>True if given.</returns>
    public bool WasGiven(string option) => _given.Contains(option);

    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">An option is unknown, misses its value or has an invalid one; the message says which.</exception>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        var options = new TrainOptions();
        string? optimizer = null;
        float? learningRate = null;
        float? momentum = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            options._given.Add(arg == "-h" ? "--help" : arg);
            switch (arg)
            {
                case "--model":
                    options.Model = CommandArgs.OneOf(arg, CommandArgs.Value(args, ref i), "mlp128", "mlp256", "resmlp");
                    break;
                case "--optimizer":
                    optimizer = CommandArgs.OneOf(arg, CommandArgs.Value(args, ref i), "adam", "sgd");
                    break;
                case "--lr":
                    learningRate = CommandArgs.PositiveFloat(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--momentum":
                    momentum = CommandArgs.NonNegativeFloat(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--nesterov":
                    options.Nesterov = true;
                    break;
                case "--weight-decay":
                    options.WeightDecay = CommandArgs.NonNegativeFloat(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--epochs":
                    options.Epochs = CommandArgs.PositiveInt(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--batch":
                    options.BatchSize = CommandArgs.IntInRange(arg, CommandArgs.Value(args, ref i), 1, MaxBatchSize);
                    break;
                case "--seed":
                    options.Seeds = new[] { CommandArgs.Int(arg, CommandArgs.Value(args, ref i)) };
                    break;
                case "--seeds":
                    options.Seeds = CommandArgs.IntList(arg, CommandArgs.Value(args, ref i));
                    break;
                case "--data":
                    options.DataDirectory = CommandArgs.Value(args, ref i);
                    break;
                case "--save":
                    options.SavePath = CommandArgs.Value(args, ref i);
                    break;
                case "--save-weights":
                    options.SaveWeightsPath = CommandArgs.Value(args, ref i);
                    break;
                case "--resume":
                    options.ResumePath = CommandArgs.Value(args, ref i);
                    break;
                case "--quiet":
                    options.Quiet = true;
                    break;
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                default:
                    throw new FormatException($"Unknown option '{arg}'.");
            }
        }

        options.Optimizer = optimizer ?? (options.Model == "mlp256" ? "sgd" : "adam");
        options.LearningRate = learningRate ?? (options.Optimizer == "sgd" ? 0.1f : 1e-3f);
        options.Momentum = options.Optimizer == "sgd" ? momentum ?? 0.9f : 0f;
        if (momentum is not null && options.Optimizer != "sgd")
        {
            throw new FormatException("--momentum applies to --optimizer sgd only.");
        }

        if (options.Nesterov && (options.Optimizer != "sgd" || options.Momentum <= 0))
        {
            throw new FormatException("--nesterov needs --optimizer sgd and --momentum greater than 0.");
        }

        if (options.Seeds.Count > 1 && (options.SavePath ?? options.SaveWeightsPath ?? options.ResumePath) is not null)
        {
            throw new FormatException("--save, --save-weights and --resume work on one run: give a single --seed.");
        }

        return options;
    }
}
