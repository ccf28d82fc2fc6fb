using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Distributed;
using StaticGrad.Models.Plots;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>The default command: trains a seed classifier and reports every epoch; saves and resumes training checkpoints.</summary>
public static class TrainCommand
{
    /// <summary>The exit code after Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int CancelledExitCode = 130;

    /// <summary>The pixels of an MNIST image, which every model of the train app takes.</summary>
    private const int MnistPixels = 28 * 28;

    /// <summary>The digits the models predict.</summary>
    private const int MnistClasses = 10;

    /// <summary>The checkpoint metadata keys of the run's settings that a resume takes from the file, with their options.</summary>
    private static readonly (string Key, string Option)[] RunKeys =
    [
        ("lr_schedule", "--lr-schedule"), ("warmup", "--warmup"), ("schedule_epochs", "--epochs"),
        ("clip_grad_norm", "--clip-grad-norm"), ("accumulate", "--accumulate"), ("early_stopping", "--early-stopping"), ("val_split", "--val-split"),
    ];

    /// <summary>Adds the train options to <paramref name="command"/> (the root and <c>train</c>) and makes it train.</summary>
    /// <param name="command">The command.</param>
    public static void Configure(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var symbols = new TrainOptions.Symbols(command);
        command.SetAction(result => Execute(symbols.Read(result), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
    }

    /// <summary>Runs <c>train ARGS</c>, writing to the given writers (the progress bar only appears on an interactive console).</summary>
    /// <param name="args">The options after the command name.</param>
    /// <param name="output">Receives the report.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>The process exit code: 0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error) => Cli.Run(["train", .. args], output, error);

    private static int Execute(TrainOptions options, TextWriter output, TextWriter error)
    {
        if (options.Distributed)
        {
            return DistributedTrain.Run(options, output, error);
        }

        if (MpiCommunicator.LaunchedSize > 1)
        {
            // Every rank refuses; rank 0 says why.
            (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") == "0" ? error : TextWriter.Null).WriteLine($"error: mpirun started {MpiCommunicator.LaunchedSize} processes, but without --distributed each would train alone and write the same files. Add --distributed: mpirun -np N train --distributed [options].");
            return Cli.UsageErrorCode;
        }

        TrainingCheckpoint? checkpoint = null;
        if (options.ResumePath is string resumePath)
        {
            try
            {
                checkpoint = TrainingCheckpoint.Load(resumePath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: cannot resume from '{resumePath}': {e.Message}");
                return 1;
            }

            if (CheckBatchSize(checkpoint, resumePath) is string tooLarge)
            {
                error.WriteLine(tooLarge);
                return 1;
            }
        }

        if (LoadData(options, error) is not var (trainSet, testSet))
        {
            return 1;
        }

        if (checkpoint is null && options.ValidationSplit is double fraction && CheckValidationSplit(trainSet, fraction) is string badSplit)
        {
            error.WriteLine(badSplit);
            return Cli.UsageErrorCode;
        }

        bool interactive = !options.Quiet && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        return checkpoint is null && options.SavePath is null && options.SaveWeightsPath is null && options.PlotPath is null
            ? TrainSeeds(options, trainSet, testSet, output, interactive)
            : TrainOneRun(options, checkpoint, trainSet, testSet, output, error, interactive);
    }

    /// <summary>An error message when a checkpoint's batch size exceeds <see cref="TrainOptions.MaxBatchSize"/>, else null.</summary>
    internal static string? CheckBatchSize(TrainingCheckpoint checkpoint, string path) => checkpoint.Progress.BatchSize > TrainOptions.MaxBatchSize
        ? $"error: cannot resume from '{path}': {checkpoint.Source}: the checkpoint's batch size is {checkpoint.Progress.BatchSize}; the train command runs batches of at most {TrainOptions.MaxBatchSize}."
        : null;

    /// <summary>
    /// An error line when <c>--val-split</c> <paramref name="fraction"/> cannot split <paramref name="train"/> (a side with
    /// fewer samples than classes, or no training sample left), else null. Whether the split works depends only on the
    /// labels, so it is tried on them alone (one float per sample) before the header and any training: after them the
    /// split's <see cref="ArgumentException"/> reached the user as an unhandled exception with a stack trace.
    /// </summary>
    internal static string? CheckValidationSplit(InMemoryDataset train, double fraction)
        => SplitProblem(train, fraction) is string problem ? $"Option '--val-split': {problem}" : null;

    /// <summary>Why <paramref name="fraction"/> cannot split <paramref name="train"/> ("0.3 does not split the 30 training samples: ..."), else null.</summary>
    private static string? SplitProblem(InMemoryDataset train, double fraction)
    {
        try
        {
            DatasetSplit.TrainValidation(InMemoryDataset.FromLabels(new float[train.Count], 1, train.Labels), fraction, seed: 0, stratified: true);
            return null;
        }
        catch (ArgumentException e)
        {
            // The library names its parameter (validationFraction); the user typed --val-split.
            string reason = e.Message.Split('\n')[0].Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal)
                .Replace("validationFraction", "--val-split", StringComparison.Ordinal);
            return string.Create(CultureInfo.InvariantCulture, $"{fraction} does not split the {train.Count} training samples: {reason}");
        }
    }

    /// <summary>
    /// <paramref name="settings"/> of a resumed run, with the held-out fraction the checkpoint's run actually split by:
    /// builds before 2026-12-07 widened <c>--val-split</c>'s float to double (0.1 became 0.10000000149…, holding out
    /// <c>ceil(0.10000000149 · 8000)</c> = 801 samples, not 800), and wrote the same text ("0.1") a fraction read as a
    /// double gives now. When the checkpoint's training-sample count is the one the widened float leaves and not the one
    /// the double leaves, the run continues on the widened float's split, as it started.
    /// </summary>
    internal static RunSettings ResumedSplit(RunSettings settings, TrainingCheckpoint checkpoint, int trainCount)
    {
        if (settings.ValidationSplit is not double fraction)
        {
            return settings;
        }

        double widened = (float)fraction;
        int saved = checkpoint.Progress.SampleCount;
        return TrainingSamples(fraction, trainCount) != saved && TrainingSamples(widened, trainCount) == saved
            ? settings with { ValidationSplit = widened }
            : settings;
    }

    /// <summary>The samples <see cref="DatasetSplit.TrainValidation"/> leaves for training out of <paramref name="count"/>.</summary>
    private static long TrainingSamples(double fraction, int count) => count - (long)Math.Ceiling(fraction * count);

    /// <summary>
    /// An error line when a resumed run's held-out fraction (the checkpoint's <c>--val-split</c>) cannot split this run's
    /// training set (a <c>--data</c> other than the one the run started on), else null: checked before the header, as a
    /// new run's <c>--val-split</c> is (<see cref="CheckValidationSplit"/>).
    /// </summary>
    internal static string? CheckResumedValidationSplit(InMemoryDataset train, RunSettings settings, string path)
        => settings.ValidationSplit is double fraction && SplitProblem(train, fraction) is string problem
            ? $"error: cannot resume from '{path}': the checkpoint's --val-split {problem}"
            : null;

    /// <summary>Loads the training and test digits of <c>--data</c>; null, after writing the error, when they cannot be read.</summary>
    internal static (InMemoryDataset Train, InMemoryDataset Test)? LoadData(TrainOptions options, TextWriter error)
    {
        MnistDataset train, test;
        try
        {
            (train, test) = MnistDataset.LoadDirectory(options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{options.DataDirectory}': {e.Message}");
            return null;
        }

        if ((MnistChecks.Problem(train, "training", MnistPixels, MnistClasses) ?? MnistChecks.Problem(test, "test", MnistPixels, MnistClasses)) is string problem)
        {
            error.WriteLine($"error: cannot train on MNIST from '{options.DataDirectory}': {problem}.");
            return null;
        }

        return (InMemoryDataset.FromMnist(train), InMemoryDataset.FromMnist(test));
    }

    /// <summary>After a resume: applies an explicit <c>--lr</c> that differs from the checkpoint's and says so.</summary>
    internal static void ApplyLearningRate(TrainOptions options, IOptimizer optimizer, TextWriter output)
    {
        if (options.WasGiven("--lr") && optimizer.LearningRate != options.LearningRate)
        {
            output.WriteLine($"learning rate changed from the checkpoint's {optimizer.LearningRate:G} to {options.LearningRate:G}");
            optimizer.LearningRate = options.LearningRate;
        }
    }

    /// <summary>The plain job: one fresh run per seed, and the mean final accuracy when there are several.</summary>
    private static int TrainSeeds(TrainOptions options, InMemoryDataset train, InMemoryDataset test, TextWriter output, bool interactive)
    {
        RunSettings settings = RunSettings.From(options);
        WriteHeader(output, options.Model, train, test, options.BatchSize, Describe(options), options.Epochs, settings);
        var finalAccuracies = new List<double>();
        foreach (int seed in options.Seeds)
        {
            IModel model = ModelFiles.Create(options.Model, seed, options.BatchSize);
            (Trainer trainer, EpochReport report, SpectreProgress? progress) = CreateTrainer(model, CreateOptimizer(options, model), train, test, settings with { Seed = seed }, checkpointPath: null, metadata: null, output, interactive);
            output.WriteLine($"seed {seed}");
            if (!TryFit(trainer, report, progress, options.Epochs, output))
            {
                output.WriteLine($"cancelled during epoch {trainer.EpochsCompleted + 1} of seed {seed}");
                return CancelledExitCode;
            }

            finalAccuracies.Add(trainer.Evaluate(test).Accuracy);
        }

        if (finalAccuracies.Count > 1)
        {
            string accuracies = string.Join(", ", finalAccuracies.Select(a => (a * 100).ToString("F2", CultureInfo.InvariantCulture) + "%"));
            output.WriteLine($"final test accuracy over seeds {string.Join(", ", options.Seeds)}: {accuracies}; mean {finalAccuracies.Average() * 100:F2}%");
        }

        return 0;
    }

    /// <summary>One run that saves checkpoints, weights or a plot, or continues a checkpoint.</summary>
    private static int TrainOneRun(TrainOptions options, TrainingCheckpoint? checkpoint, InMemoryDataset train, InMemoryDataset test, TextWriter output, TextWriter error, bool interactive)
    {
        RunSettings settings = RunSettings.From(options);
        try
        {
            if (checkpoint is not null && ResolveResume(options, checkpoint, ref settings) is string conflict)
            {
                error.WriteLine($"error: {conflict}");
                return 2;
            }

            if (checkpoint is not null)
            {
                settings = ResumedSplit(settings, checkpoint, train.Count);
            }

            if (checkpoint is not null && CheckResumedValidationSplit(train, settings, options.ResumePath!) is string badSplit)
            {
                error.WriteLine(badSplit);
                return Cli.UsageErrorCode;
            }
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"error: cannot resume: {e.Message}");
            return 1;
        }

        Dictionary<string, string> metadata = settings.ToMetadata();
        IModel model = ModelFiles.Create(settings.Model, settings.Seed, settings.Batch);
        IOptimizer optimizer;
        Trainer trainer;
        EpochReport report;
        SpectreProgress? progress;
        try
        {
            optimizer = checkpoint is null ? CreateOptimizer(options, model) : checkpoint.Optimizer.CreateOptimizer(model.Parameters);
            (trainer, report, progress) = CreateTrainer(model, optimizer, train, test, settings, options.SavePath, metadata, output, interactive);
            if (checkpoint is not null)
            {
                trainer.Resume(checkpoint);
            }
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"error: cannot resume: {e.Message}");
            return 1;
        }

        if (checkpoint is not null)
        {
            ApplyLearningRate(options, optimizer, output);
        }

        WriteHeader(output, settings.Model, train, test, settings.Batch, checkpoint is null ? Describe(options) : Describe(optimizer), options.Epochs, settings);
        if (checkpoint is not null)
        {
            output.WriteLine($"resumed from {options.ResumePath}: {trainer.EpochsCompleted} epoch(s), {trainer.StepsCompleted} steps done");
        }

        output.WriteLine($"seed {settings.Seed}");
        try
        {
            if (trainer.EpochsCompleted >= options.Epochs)
            {
                output.WriteLine($"the checkpoint already has {trainer.EpochsCompleted} epoch(s), --epochs is {options.Epochs}: nothing to train");
                output.WriteLine($"test accuracy: {trainer.Evaluate(test).Accuracy * 100:F2}%");
                if (options.SavePath is string path)
                {
                    trainer.SaveCheckpoint(path);
                }
            }
            else
            {
                if (!TryFit(trainer, report, progress, options.Epochs, output))
                {
                    output.WriteLine(options.SavePath is string last
                        ? $"cancelled during epoch {trainer.EpochsCompleted + 1}; continue with --resume {last}"
                        : $"cancelled during epoch {trainer.EpochsCompleted + 1}");
                    return CancelledExitCode;
                }
            }

            if (options.SavePath is string savePath)
            {
                output.WriteLine($"checkpoint: {savePath} (epoch {trainer.EpochsCompleted}, step {trainer.StepsCompleted})");
            }

            if (options.SaveWeightsPath is string weightsPath)
            {
                ModelWeights.Save(model.Parameters, weightsPath, metadata);
                output.WriteLine($"weights: {weightsPath} ({model.Parameters.Count:N0} parameters: {string.Join(", ", model.Parameters.Tensors)})");
            }

            if (options.PlotPath is string plotPath && trainer.History.Count > 0)
            {
                try
                {
                    TrainingCurves.Save(trainer.History, settings.ValidationSplit is null ? "test" : "validation", report.TestAccuracy, plotPath, KeptEpoch(trainer.EarlyStopping, trainer.EpochsCompleted));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot write the plot: {e.Message}");
                    return 1;
                }

                output.WriteLine($"plot: {plotPath}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot save: {e.Message}");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Trains with a Spectre progress bar on an interactive console, plain rows otherwise. Ctrl+C cancels after the step in
    /// progress (the last checkpoint stays the resume point) and exits with <see cref="CancelledExitCode"/>.
    /// </summary>
    private static StopReason Fit(Trainer trainer, EpochReport report, SpectreProgress? progress, int epochs, TextWriter output)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            if (progress is null)
            {
                output.WriteLine(report.Header);
                return trainer.Fit(epochs, cancellation.Token);
            }

            AnsiConsole.WriteLine(report.Header);
            StopReason reason = StopReason.Completed;
            SpectreProgress.CreateDisplay(AnsiConsole.Console).Start(context =>
            {
                progress.Attach(context, trainer.EpochsCompleted + 1, epochs, trainer.Loader.BatchCount);
                reason = trainer.Fit(epochs, cancellation.Token);
            });
            return reason;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// What the report says when early stopping ended the run: which epoch's weights the model now has, or, when no
    /// epoch's validation loss was a number (a diverged run: NaN never improves), that the weights are the last epoch's.
    /// </summary>
    internal static string EarlyStopMessage(int epochs, EarlyStopping stopping) => stopping.BestEpoch > 0
        ? string.Create(CultureInfo.InvariantCulture, $"early stopping after epoch {epochs}: the weights are those of epoch {stopping.BestEpoch}, the lowest validation loss ({stopping.Best:F4})")
        : $"early stopping after epoch {epochs}: no epoch's validation loss was a number (the training diverged), so the weights are the last epoch's";

    /// <summary>The epoch whose weights early stopping put back when it is not the last one, for the plot; null otherwise.</summary>
    internal static int? KeptEpoch(EarlyStopping? stopping, int epochsCompleted)
        => stopping is { RestoreBestWeights: true, BestEpoch: > 0 } && stopping.BestEpoch != epochsCompleted ? stopping.BestEpoch : null;

    /// <summary>Runs <see cref="Fit"/> and says when early stopping ended it; false when Ctrl+C cancelled it.</summary>
    private static bool TryFit(Trainer trainer, EpochReport report, SpectreProgress? progress, int epochs, TextWriter output)
    {
        try
        {
            if (Fit(trainer, report, progress, epochs, output) == StopReason.EarlyStopped)
            {
                output.WriteLine(EarlyStopMessage(trainer.EpochsCompleted, trainer.EarlyStopping!));
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Takes the run's settings from the checkpoint; returns a message if an explicit option contradicts them.</summary>
    internal static string? ResolveResume(TrainOptions options, TrainingCheckpoint checkpoint, ref RunSettings settings)
    {
        string? saved = ModelFiles.Detect(checkpoint.Metadata, name => checkpoint.ParameterNames.Contains(name) ? checkpoint.ShapeOf(name).Select(d => (long)d).ToArray() : null);
        if (saved is null)
        {
            return $"cannot tell which model the checkpoint '{options.ResumePath}' holds (tensors: {SafeTensorsReader.ShownList(checkpoint.ParameterNames)}).";
        }

        OptimizerState state = checkpoint.Optimizer;
        var conflicts = new List<string>();
        void Check(string option, string mine, string theirs)
        {
            if (options.WasGiven(option) && mine != theirs)
            {
                conflicts.Add($"{option} {mine} (the checkpoint has {theirs})");
            }
        }

        Check("--model", options.Model, saved);
        Check("--optimizer", options.Optimizer, state.Algorithm);
        Check("--batch", options.BatchSize.ToString(CultureInfo.InvariantCulture), checkpoint.Progress.BatchSize.ToString(CultureInfo.InvariantCulture));
        Check("--momentum", options.Momentum.ToString("R", CultureInfo.InvariantCulture), state.Setting("momentum") ?? "none");
        Check("--nesterov", "true", state.Setting("nesterov") ?? "none");
        Check("--weight-decay", options.WeightDecay.ToString("R", CultureInfo.InvariantCulture), state.Setting("weight_decay") ?? "none");
        int seed = settings.Seed;
        if (checkpoint.Metadata.TryGetValue(ModelFiles.SeedKey, out string? savedSeed))
        {
            Check("--seed", options.Seeds[0].ToString(CultureInfo.InvariantCulture), savedSeed);
            _ = int.TryParse(savedSeed, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed);
        }

        Dictionary<string, string> mine = settings.ToMetadata();
        foreach ((string key, string option) in RunKeys)
        {
            string theirs = checkpoint.Metadata.GetValueOrDefault(key, "none");
            if (option != "--epochs")
            {
                Check(option, mine.GetValueOrDefault(key, "none"), theirs);
            }
        }

        if (conflicts.Count > 0)
        {
            return $"{string.Join("; ", conflicts)}. A resumed run keeps the checkpoint's model, optimizer settings, batch size, seed and schedule; only --lr may change.";
        }

        settings = RunSettings.FromMetadata(checkpoint, saved, seed);
        return null;
    }

    /// <summary>The package's trainer: validation on the test set, or on a split of the training set with the test set reported too.</summary>
    private static (Trainer Trainer, EpochReport Report, SpectreProgress? Progress) CreateTrainer(
        IModel model, IOptimizer optimizer, InMemoryDataset train, InMemoryDataset test, RunSettings settings, string? checkpointPath, IReadOnlyDictionary<string, string>? metadata, TextWriter output, bool interactive)
    {
        InMemoryDataset validation = test;
        if (settings.ValidationSplit is double fraction)
        {
            (train, validation) = DatasetSplit.TrainValidation(train, fraction, unchecked((ulong)settings.Seed), stratified: true);
        }

        var loader = new DataLoader(train, model.MaxBatch, ShuffleSeed(settings.Seed));
        int stepsPerEpoch = (loader.BatchCount + settings.Accumulate - 1) / settings.Accumulate;
        TrainSchedule schedule = TrainSchedule.Create(settings.Schedule, settings.Warmup, settings.ScheduleEpochs, stepsPerEpoch, optimizer);
        var report = new EpochReport(settings.ValidationSplit is null ? null : test, interactive ? AnsiConsole.WriteLine : output.WriteLine);
        SpectreProgress? progress = interactive ? new SpectreProgress() : null;
        var trainer = new Trainer(model, optimizer, loader, new TrainerOptions
        {
            Validation = validation,
            Scheduler = schedule.Scheduler,
            SchedulerInterval = schedule.Interval,
            Plateau = schedule.Plateau,
            ClipGradNorm = settings.ClipGradNorm,
            AccumulationSteps = settings.Accumulate,
            EarlyStopping = settings.EarlyStopping is int patience ? new EarlyStopping(MonitoredMetric.ValidationLoss, patience) : null,
            CheckpointPath = checkpointPath,
            CheckpointMetadata = metadata,
            Callbacks = [report],
            Progress = progress,
        });
        return (trainer, report, progress);
    }

    internal static void WriteHeader(TextWriter output, string model, InMemoryDataset train, InMemoryDataset test, int batch, string optimizer, int epochs, RunSettings settings)
    {
        string validation = settings.ValidationSplit is double f ? string.Create(CultureInfo.InvariantCulture, $" ({f * 100:G3}% held out for validation)") : string.Empty;
        output.WriteLine($"StaticGrad {model}: {train.Count} training{validation} / {test.Count} test samples, batch {batch}, {optimizer}, {epochs} epochs{settings.Describe()}");
    }

    internal static IOptimizer CreateOptimizer(TrainOptions options, IModel model) => options.Optimizer switch
    {
        "sgd" => new Sgd(model.Parameters, options.LearningRate, options.Momentum, nesterov: options.Nesterov, weightDecay: options.WeightDecay),
        "rmsprop" => new RMSprop(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay, momentum: options.Momentum),
        "adagrad" => new Adagrad(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
        "adadelta" => new Adadelta(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
        "adamax" => new Adamax(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
        "nadam" => new NAdam(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
        "radam" => new RAdam(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
        _ => new Adam(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay),
    };

    internal static string Describe(TrainOptions options) => options.Optimizer switch
    {
        "sgd" => $"SGD lr {options.LearningRate:G} momentum {options.Momentum:G}{(options.Nesterov ? " nesterov" : string.Empty)} weight decay {options.WeightDecay:G}",
        "rmsprop" => $"RMSprop lr {options.LearningRate:G} momentum {options.Momentum:G} weight decay {options.WeightDecay:G}",
        string name => $"{DisplayName(name)} lr {options.LearningRate:G} weight decay {options.WeightDecay:G}",
    };

    /// <summary>The optimizer's class name for <c>--optimizer</c> <paramref name="name"/> (adam, adagrad, adadelta, adamax, nadam, radam).</summary>
    private static string DisplayName(string name) => name switch
    {
        "adagrad" => nameof(Adagrad),
        "adadelta" => nameof(Adadelta),
        "adamax" => nameof(Adamax),
        "nadam" => nameof(NAdam),
        "radam" => nameof(RAdam),
        _ => nameof(Adam),
    };

    internal static string Describe(IOptimizer optimizer) => optimizer switch
    {
        Sgd s => $"SGD lr {s.LearningRate:G} momentum {s.Momentum:G}{(s.Nesterov ? " nesterov" : string.Empty)} weight decay {s.WeightDecay:G}",
        AdamW a => $"AdamW lr {a.LearningRate:G} weight decay {a.WeightDecay:G}{(a.Amsgrad ? " amsgrad" : string.Empty)}",
        AdamBase a => $"Adam lr {a.LearningRate:G} weight decay {a.WeightDecay:G}{(a.Amsgrad ? " amsgrad" : string.Empty)}",
        RMSprop r => $"RMSprop lr {r.LearningRate:G} momentum {r.Momentum:G}{(r.Centered ? " centered" : string.Empty)} weight decay {r.WeightDecay:G}",
        Adagrad a => $"Adagrad lr {a.LearningRate:G} lr decay {a.LrDecay:G} weight decay {a.WeightDecay:G}",
        ElementwiseOptimizer e => $"{e.GetType().Name} lr {e.LearningRate:G} weight decay {e.WeightDecay:G}",
        _ => optimizer.GetType().Name,
    };

    internal static ulong ShuffleSeed(int seed) => unchecked((ulong)seed) ^ 0x5DEECE66DUL;
}
