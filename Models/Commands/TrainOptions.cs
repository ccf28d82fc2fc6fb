using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;

namespace StaticGrad.Models.Commands;

/// <summary>The <c>train</c> command's options (System.CommandLine), with the optimizer-dependent defaults resolved.</summary>
public sealed class TrainOptions
{
    /// <summary>
    /// The largest minibatch the command trains with, for <c>--batch</c> and for a resumed
    /// checkpoint's batch size: 65,536, a batch of all 60,000 MNIST training images. The model's
    /// buffers are sized by it, so a forged checkpoint must not choose it freely.
    /// </summary>
    public const int MaxBatchSize = 65_536;

    /// <summary>The default of <c>--epochs</c>.</summary>
    public const int DefaultEpochs = 10;

    /// <summary>The default of <c>--batch</c>.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>The default of <c>--seeds</c>: one run, of seed 1.</summary>
    private static readonly int[] DefaultSeeds = [1];

    /// <summary>The learning-rate schedules of <c>--lr-schedule</c>.</summary>
    public static readonly string[] Schedules = ["none", "step", "exponential", "cosine", "onecycle", "plateau"];

    private readonly HashSet<string> _given;

    private TrainOptions(HashSet<string> given) => _given = given;

    /// <summary>The model to train: <c>mlp128</c>, <c>mlp256</c>, <c>resmlp</c>, <c>lenet</c> or <c>cnn-bn</c>.</summary>
    public string Model { get; private init; } = "mlp128";

    /// <summary>The optimizer: <c>adam</c>, <c>sgd</c>, <c>rmsprop</c>, <c>adagrad</c>, <c>adadelta</c>, <c>adamax</c>, <c>nadam</c> or <c>radam</c>.</summary>
    public string Optimizer { get; private init; } = "adam";

    /// <summary>The learning rate.</summary>
    public float LearningRate { get; private init; } = 1e-3f;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; private init; }

    /// <summary>Whether SGD uses Nesterov momentum.</summary>
    public bool Nesterov { get; private init; }

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; private init; }

    /// <summary>Epochs to train.</summary>
    public int Epochs { get; private init; } = 10;

    /// <summary>Samples per minibatch.</summary>
    public int BatchSize { get; private init; } = 64;

    /// <summary>The seeds to train with, one run each.</summary>
    public IReadOnlyList<int> Seeds { get; private init; } = [1];

    /// <summary>The folder holding the IDX files.</summary>
    public string DataDirectory { get; private init; } = string.Empty;

    /// <summary>Where to write a training checkpoint after every epoch, or null.</summary>
    public string? SavePath { get; private init; }

    /// <summary>Where to write the final weights alone, or null.</summary>
    public string? SaveWeightsPath { get; private init; }

    /// <summary>The training checkpoint to continue from, or null.</summary>
    public string? ResumePath { get; private init; }

    /// <summary>The learning-rate schedule, one of <see cref="Schedules"/>.</summary>
    public string LearningRateSchedule { get; private init; } = "none";

    /// <summary>Epochs of linear warm-up from a tenth of the learning rate (0 for none).</summary>
    public int Warmup { get; private init; }

    /// <summary>The gradients' largest total 2-norm, or null for no clipping.</summary>
    public float? ClipGradNorm { get; private init; }

    /// <summary>Minibatches whose gradients add up before each optimizer step (1: no accumulation).</summary>
    public int Accumulate { get; private init; } = 1;

    /// <summary>Early stopping's patience in epochs on the validation loss, or null for none.</summary>
    public int? EarlyStopping { get; private init; }

    /// <summary>The fraction of the training set held out for validation, or null to validate on the test set.</summary>
    public double? ValidationSplit { get; private init; }

    /// <summary>Where to draw the loss and accuracy curves (PNG), or null.</summary>
    public string? PlotPath { get; private init; }

    /// <summary>Whether to hide the progress bar and draw plain lines.</summary>
    public bool Quiet { get; private init; }

    /// <summary>Whether to train data-parallel over the ranks <c>mpirun</c> started (one rank without it); <see cref="BatchSize"/> is the global batch.</summary>
    public bool Distributed { get; private init; }

    /// <summary>With <see cref="Distributed"/>: 0, or the block size of the mode that gives the same bits at any rank count.</summary>
    public int DeterministicBlock { get; private init; }

    /// <summary>Whether <paramref name="option"/> (e.g. <c>--lr</c>) was given on the command line rather than defaulted.</summary>
    /// <param name="option">The option, with its dashes.</param>
    /// <returns>True if given.</returns>
    public bool WasGiven(string option) => _given.Contains(option);

    /// <summary>Parses the train command's arguments, as <c>train ARGS</c> would.</summary>
    /// <param name="args">The arguments after the command name.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">The arguments do not parse; the message holds every error.</exception>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = new Command("train");
        var symbols = new Symbols(command);
        ParseResult result = command.Parse(args);
        if (result.Errors.Count > 0)
        {
            throw new FormatException(string.Join(" ", result.Errors.Select(e => e.Message)));
        }

        return symbols.Read(result);
    }

    /// <summary>The options as System.CommandLine symbols on one command (the root and <c>train</c> each get their own).</summary>
    internal sealed class Symbols
    {
        private readonly Option<string> _model = CliOptions.OneOf("--model", "mlp128 (784-128-10), mlp256 (784-256-10), resmlp (residual MLP: LayerNorm, GELU, Dropout 0.1, two skips), lenet (LeNet-5: two 5x5 convolutions with max pooling, 120-84-10) or cnn-bn (LeNet-5 with BatchNorm2d and Dropout 0.25)", "mlp128", CliOptions.ModelNames);
        private readonly Option<string?> _optimizer = CliOptions.OptionalOneOf("--optimizer", "default: sgd for mlp256, adam for the others", "adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam");
        private readonly Option<float?> _lr = CliOptions.Number("--lr", "learning rate (default, PyTorch's: 1e-3 for adam and radam, 0.1 for sgd, 0.01 for rmsprop and adagrad, 1.0 for adadelta, 2e-3 for adamax and nadam)");
        private readonly Option<float?> _momentum = CliOptions.Number("--momentum", "SGD or RMSprop momentum (default: 0.9 for sgd, 0 for rmsprop)", allowZero: true);
        private readonly Option<bool> _nesterov = new("--nesterov") { Description = "SGD with Nesterov momentum" };
        private readonly Option<float?> _weightDecay = CliOptions.Number("--weight-decay", "L2 weight decay (default 0)", allowZero: true);
        private readonly Option<int> _epochs = CliOptions.Int("--epochs", "epochs; with --resume, the total", DefaultEpochs, 1, 100_000);
        private readonly Option<int> _batch = CliOptions.Int("--batch", "minibatch size; with --distributed, the global batch over all ranks", DefaultBatchSize, 1, MaxBatchSize);
        private readonly Option<int?> _seed = CliOptions.OptionalInt("--seed", "seed of initialization and shuffling (default 1)", int.MinValue, int.MaxValue);
        private readonly Option<int[]> _seeds = CliOptions.IntList("--seeds", "train once per seed and report the mean final accuracy", DefaultSeeds);
        private readonly Option<string> _data = CliOptions.Data();
        private readonly Option<string?> _save = CliOptions.OutputFile(CliOptions.Path("--save", "write a training checkpoint (weights, optimizer, schedule, data order) after every epoch, atomically"));
        private readonly Option<string?> _saveWeights = CliOptions.OutputFile(CliOptions.Path("--save-weights", "write the final weights alone (safetensors, PyTorch names)"));
        private readonly Option<string?> _resume = CliOptions.InputPath("--resume", "continue the run saved in this checkpoint up to --epochs in all; its settings come from the checkpoint (only --lr may change)");
        private readonly Option<string?> _schedule = CliOptions.OptionalOneOf("--lr-schedule", "learning-rate schedule (default none)", Schedules);
        private readonly Option<int> _warmup = CliOptions.Int("--warmup", "epochs of linear warm-up from lr/10", 0, 0, 100_000);
        private readonly Option<float?> _clip = CliOptions.Number("--clip-grad-norm", "clip the gradients' total 2-norm to X before every step");
        private readonly Option<int> _accumulate = CliOptions.Int("--accumulate", "minibatches whose gradients add up before each optimizer step: --batch 16 --accumulate 4 steps like --batch 64", 1, 1, 100_000);
        private readonly Option<int?> _earlyStopping = CliOptions.OptionalInt("--early-stopping", "stop after N epochs without a better validation loss and keep the best weights (needs --val-split)", 1, 100_000);
        private readonly Option<double?> _valSplit = CliOptions.Fraction("--val-split", "hold out this fraction of the training set (stratified) for validation", helpName: "F");
        private readonly Option<string?> _plot = CliOptions.PngFile(CliOptions.Path("--plot", "draw the loss and accuracy curves to this PNG file (a resumed run draws the epochs it ran)", "FILE.png"));
        private readonly Option<bool> _quiet = new("--quiet") { Description = "no progress bar: plain lines" };
        private readonly Option<bool> _distributed = new("--distributed")
        {
            Description = "data-parallel training over the processes of 'mpirun -np N train --distributed ...' (Open MPI): --batch is the global batch, each rank trains on its slice, rank 0 prints and writes; without mpirun, one rank (docs/distributed.md)",
        };
        private readonly Option<int?> _deterministic = CliOptions.OptionalInt("--deterministic", "with --distributed: the same bits at any rank count; each global batch is cut into blocks of N rows whose gradients add up exactly in fixed point (slower; docs/distributed.md)", 1, MaxBatchSize);

        /// <summary>Adds the options and their cross-checks to <paramref name="command"/>.</summary>
        public Symbols(Command command)
        {
            Option[] all = [_model, _optimizer, _lr, _momentum, _nesterov, _weightDecay, _epochs, _batch, _seed, _seeds, _data, _save, _saveWeights, _resume, _schedule, _warmup, _clip, _accumulate, _earlyStopping, _valSplit, _plot, _quiet, _distributed, _deterministic];
            foreach (Option option in all)
            {
                command.Options.Add(option);
            }

            command.Validators.Add(CliOptions.DistinctFiles(_save, _saveWeights, _plot));
            command.Validators.Add(CliOptions.DistinctFiles(_resume, _saveWeights, _plot));
            command.Validators.Add(CliOptions.CrossCheck(result =>
            {
                string optimizer = result.GetValue(_optimizer) ?? (result.GetValue(_model) == "mlp256" ? "sgd" : "adam");
                float momentum = result.GetValue(_momentum) ?? (optimizer == "sgd" ? 0.9f : 0f);
                string schedule = result.GetValue(_schedule) ?? "none";
                if (result.GetValue(_momentum) is not null && optimizer is not ("sgd" or "rmsprop"))
                {
                    result.AddError("--momentum applies to --optimizer sgd and rmsprop only.");
                }

                if (schedule == "onecycle" && optimizer is "adagrad" or "adadelta")
                {
                    result.AddError($"--lr-schedule onecycle cycles the optimizer's momentum, and --optimizer {optimizer} has none (PyTorch's OneCycleLR refuses {(optimizer == "adagrad" ? "Adagrad" : "Adadelta")} too).");
                }

                if (result.GetValue(_nesterov) && (optimizer != "sgd" || momentum <= 0))
                {
                    result.AddError("--nesterov needs --optimizer sgd and --momentum greater than 0.");
                }

                if (result.GetValue(_seed) is int single && result.GetResult(_seeds) is { Implicit: false })
                {
                    result.AddError($"--seed {single} and --seeds {string.Join(',', result.GetValue(_seeds)!)} both choose the seeds; give one of them (--seed N for one run, --seeds A,B,... for several).");
                }

                bool oneRun = result.GetValue(_save) is not null || result.GetValue(_saveWeights) is not null || result.GetValue(_resume) is not null || result.GetValue(_plot) is not null;
                if (result.GetResult(_seeds) is { Implicit: false } && result.GetValue(_seeds)!.Length > 1 && oneRun)
                {
                    result.AddError("--save, --save-weights, --resume and --plot work on one run: give a single --seed.");
                }

                if ((result.GetValue(_earlyStopping) is not null || schedule == "plateau") && result.GetValue(_valSplit) is null)
                {
                    result.AddError("--early-stopping and --lr-schedule plateau watch the validation loss: give --val-split F (they must not watch the test set).");
                }

                if (schedule == "onecycle" && result.GetValue(_warmup) > 0)
                {
                    result.AddError("--lr-schedule onecycle warms up by itself: drop --warmup.");
                }

                if (result.GetValue(_deterministic) is not null && !result.GetValue(_distributed))
                {
                    result.AddError("--deterministic applies to --distributed training only.");
                }

                if (result.GetValue(_distributed))
                {
                    if (result.GetValue(_model) is "resmlp" or "cnn-bn" && result.GetValue(_deterministic) is not null)
                    {
                        result.AddError($"--model {result.GetValue(_model)} has dropout{(result.GetValue(_model) == "cnn-bn" ? " and batch norm" : string.Empty)}: each rank draws masks for its own rows, so --deterministic cannot give the same bits at every rank count.");
                    }

                    int batch = result.GetResult(_batch) is null ? DefaultBatchSize : result.GetValue(_batch); // validators see no default
                    if (result.GetValue(_deterministic) is int block && block > batch)
                    {
                        result.AddError($"--deterministic {block} is larger than --batch {batch}: a block is part of one global batch.");
                    }
                }

                int epochs = result.GetResult(_epochs) is null ? DefaultEpochs : result.GetValue(_epochs);
                if (result.GetValue(_warmup) >= epochs && result.GetValue(_warmup) > 0 && schedule is ("step" or "cosine"))
                {
                    result.AddError($"--warmup {result.GetValue(_warmup)} leaves no epoch of the {schedule} schedule in --epochs {epochs}.");
                }
            }));
        }

        /// <summary>The values of a parse without errors.</summary>
        public TrainOptions Read(ParseResult result)
        {
            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (Option option in result.CommandResult.Command.Options)
            {
                if (CliOptions.WasGiven(result, option))
                {
                    given.Add(option.Name);
                }
            }

            string model = result.GetValue(_model)!;
            string optimizer = result.GetValue(_optimizer) ?? (model == "mlp256" ? "sgd" : "adam");
            int[] seeds = result.GetValue(_seed) is int seed ? [seed] : CliOptions.ListValue(result, _seeds, DefaultSeeds);
            return new TrainOptions(given)
            {
                Model = model,
                Optimizer = optimizer,
                LearningRate = result.GetValue(_lr) ?? optimizer switch { "sgd" => 0.1f, "adam" or "radam" => 1e-3f, "adadelta" => 1f, "adamax" or "nadam" => 2e-3f, _ => 0.01f },
                Momentum = optimizer switch { "sgd" => result.GetValue(_momentum) ?? 0.9f, "rmsprop" => result.GetValue(_momentum) ?? 0f, _ => 0f },
                Nesterov = result.GetValue(_nesterov),
                WeightDecay = result.GetValue(_weightDecay) ?? 0f,
                Epochs = result.GetValue(_epochs),
                BatchSize = result.GetValue(_batch),
                Seeds = seeds,
                DataDirectory = result.GetValue(_data)!,
                SavePath = result.GetValue(_save),
                SaveWeightsPath = result.GetValue(_saveWeights),
                ResumePath = result.GetValue(_resume),
                LearningRateSchedule = result.GetValue(_schedule) ?? "none",
                Warmup = result.GetValue(_warmup),
                ClipGradNorm = result.GetValue(_clip),
                Accumulate = result.GetValue(_accumulate),
                EarlyStopping = result.GetValue(_earlyStopping),
                ValidationSplit = result.GetValue(_valSplit),
                PlotPath = result.GetValue(_plot),
                Quiet = result.GetValue(_quiet),
                Distributed = result.GetValue(_distributed),
                DeterministicBlock = result.GetValue(_deterministic) ?? 0,
            };
        }
    }
}
