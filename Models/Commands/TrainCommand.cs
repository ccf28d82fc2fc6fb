using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticGrad;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>The default command: trains a seed classifier and reports every epoch; saves and resumes training checkpoints.</summary>
public static class TrainCommand
{
    /// <summary>Runs the command on the console.</summary>
    /// <param name="args">The options after the command name.</param>
    /// <returns>The process exit code: 0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command, writing to the given writers (the progress bar only appears on an interactive console).</summary>
    /// <param name="args">The options after the command name.</param>
    /// <param name="output">Receives the report.</param>
    /// <param name="error">Receives error messages.</param>
    /// <returns>The process exit code: 0 on success, 1 on a runtime failure, 2 on a usage error.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        TrainOptions options;
        try
        {
            options = TrainOptions.Parse(args);
        }
        catch (FormatException e)
        {
            return CommandArgs.UsageError(error, e.Message, TrainOptions.Usage);
        }

        if (options.ShowHelp)
        {
            output.WriteLine(TrainOptions.Usage);
            return 0;
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

            if (checkpoint.Progress.BatchSize > TrainOptions.MaxBatchSize)
            {
                error.WriteLine($"error: cannot resume from '{resumePath}': {checkpoint.Source}: the checkpoint's batch size is {checkpoint.Progress.BatchSize}; the train command runs batches of at most {TrainOptions.MaxBatchSize}.");
                return 1;
            }
        }

        MnistDataset train;
        MnistDataset test;
        try
        {
            (train, test) = MnistDataset.LoadDirectory(options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot load MNIST from '{options.DataDirectory}': {e.Message}");
            return 1;
        }

        InMemoryDataset trainSet = InMemoryDataset.FromMnist(train), testSet = InMemoryDataset.FromMnist(test);
        return checkpoint is null && options.SavePath is null && options.SaveWeightsPath is null
            ? TrainSeeds(options, trainSet, testSet, output)
            : TrainOneRun(options, checkpoint, trainSet, testSet, output, error);
    }

    /// <summary>The plain job: one fresh run per seed, and the mean final accuracy when there are several.</summary>
    private static int TrainSeeds(TrainOptions options, InMemoryDataset train, InMemoryDataset test, TextWriter output)
    {
        WriteHeader(output, options.Model, train, test, options.BatchSize, Describe(options), options.Epochs);
        var finalAccuracies = new List<double>();
        foreach (int seed in options.Seeds)
        {
            IModel model = ModelFiles.Create(options.Model, seed, options.BatchSize);
            Trainer trainer = CreateTrainer(model, CreateOptimizer(options, model), train, test, options, seed, checkpointPath: null, metadata: null, output);
            output.WriteLine($"seed {seed}");
            output.WriteLine(ConsoleProgress.Header);
            trainer.Fit(options.Epochs);
            finalAccuracies.Add(trainer.History[^1].ValidationAccuracy);
        }

        if (finalAccuracies.Count > 1)
        {
            output.WriteLine($"final test accuracy over seeds {string.Join(", ", options.Seeds)}: {string.Join(", ", finalAccuracies.Select(a => (a * 100).ToString("F2", CultureInfo.InvariantCulture) + "%"))}; mean {finalAccuracies.Average() * 100:F2}%");
        }

        return 0;
    }

    /// <summary>One run that saves checkpoints or weights, or continues a checkpoint.</summary>
    private static int TrainOneRun(TrainOptions options, TrainingCheckpoint? checkpoint, InMemoryDataset train, InMemoryDataset test, TextWriter output, TextWriter error)
    {
        string modelName = options.Model;
        int seed = options.Seeds[0];
        int batch = options.BatchSize;
        if (checkpoint is not null && ResolveResume(options, checkpoint, ref modelName, ref seed, ref batch) is string conflict)
        {
            error.WriteLine($"error: {conflict}");
            return 2;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelFiles.ModelKey] = modelName,
            [ModelFiles.SeedKey] = seed.ToString(CultureInfo.InvariantCulture),
        };
        IModel model = ModelFiles.Create(modelName, seed, batch);
        IOptimizer optimizer;
        Trainer trainer;
        try
        {
            optimizer = checkpoint is null ? CreateOptimizer(options, model) : checkpoint.Optimizer.CreateOptimizer(model.Parameters);
            trainer = CreateTrainer(model, optimizer, train, test, options, seed, options.SavePath, metadata, output);
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
            if (options.WasGiven("--lr") && optimizer.LearningRate != options.LearningRate)
            {
                output.WriteLine($"learning rate changed from the checkpoint's {optimizer.LearningRate:G} to {options.LearningRate:G}");
                optimizer.LearningRate = options.LearningRate;
            }
        }

        WriteHeader(output, modelName, train, test, batch, Describe(optimizer), options.Epochs);
        if (checkpoint is not null)
        {
            output.WriteLine($"resumed from {options.ResumePath}: {trainer.EpochsCompleted} epoch(s), {trainer.StepsCompleted} steps done");
        }

        output.WriteLine($"seed {seed}");
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
                output.WriteLine(ConsoleProgress.Header);
                trainer.Fit(options.Epochs);
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
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot save: {e.Message}");
            return 1;
        }

        return 0;
    }

    /// <summary>Takes the run's settings from the checkpoint; returns a message if an explicit option contradicts them.</summary>
    private static string? ResolveResume(TrainOptions options, TrainingCheckpoint checkpoint, ref string modelName, ref int seed, ref int batch)
    {
        string? saved = ModelFiles.Detect(checkpoint.Metadata, name => checkpoint.ParameterNames.Contains(name) ? checkpoint.ShapeOf(name).Select(d => (long)d).ToArray() : null);
        if (saved is null)
        {
            return $"cannot tell which model the checkpoint '{options.ResumePath}' holds (tensors: {SafeTensorsReader.ShownList(checkpoint.ParameterNames)}).";
        }

        OptimizerState state = checkpoint.Optimizer;
        var conflicts = new List<string>();
        void Check(string option, bool given, string mine, string theirs)
        {
            if (given && mine != theirs)
            {
                conflicts.Add($"{option} {mine} (the checkpoint has {theirs})");
            }
        }

        Check("--model", options.WasGiven("--model"), options.Model, saved);
        Check("--optimizer", options.WasGiven("--optimizer"), options.Optimizer, state.Algorithm);
        Check("--batch", options.WasGiven("--batch"), options.BatchSize.ToString(CultureInfo.InvariantCulture), checkpoint.Progress.BatchSize.ToString(CultureInfo.InvariantCulture));
        Check("--momentum", options.WasGiven("--momentum"), options.Momentum.ToString("R", CultureInfo.InvariantCulture), state.Setting("momentum") ?? "none");
        Check("--nesterov", options.WasGiven("--nesterov"), "true", state.Setting("nesterov") ?? "none");
        Check("--weight-decay", options.WasGiven("--weight-decay"), options.WeightDecay.ToString("R", CultureInfo.InvariantCulture), state.Setting("weight_decay") ?? "none");
        if (checkpoint.Metadata.TryGetValue(ModelFiles.SeedKey, out string? savedSeed))
        {
            Check("--seed", options.WasGiven("--seed"), options.Seeds[0].ToString(CultureInfo.InvariantCulture), savedSeed);
            _ = int.TryParse(savedSeed, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed);
        }

        if (conflicts.Count > 0)
        {
            return $"{string.Join("; ", conflicts)}. A resumed run keeps the checkpoint's model, optimizer settings, batch size and seed; only --lr may change.";
        }

        modelName = saved;
        batch = checkpoint.Progress.BatchSize;
        return null;
    }

    /// <summary>The package's trainer over the shipped or given digits: the test set is evaluated after every epoch.</summary>
    private static Trainer CreateTrainer(IModel model, IOptimizer optimizer, InMemoryDataset train, InMemoryDataset test, TrainOptions options, int seed, string? checkpointPath, IReadOnlyDictionary<string, string>? metadata, TextWriter output)
        => new(model, optimizer, new DataLoader(train, model.MaxBatch, ShuffleSeed(seed)), new TrainerOptions
        {
            Validation = test,
            CheckpointPath = checkpointPath,
            CheckpointMetadata = metadata,
            Progress = new ConsoleProgress(output, bar: !options.Quiet && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected),
        });

    private static void WriteHeader(TextWriter output, string model, InMemoryDataset train, InMemoryDataset test, int batch, string optimizer, int epochs)
        => output.WriteLine($"StaticGrad {model}: {train.Count} training / {test.Count} test samples, batch {batch}, {optimizer}, {epochs} epochs");

    private static IOptimizer CreateOptimizer(TrainOptions options, IModel model) => options.Optimizer == "sgd"
        ? new Sgd(model.Parameters, options.LearningRate, options.Momentum, nesterov: options.Nesterov, weightDecay: options.WeightDecay)
        : new Adam(model.Parameters, options.LearningRate, weightDecay: options.WeightDecay);

    private static string Describe(TrainOptions options) => options.Optimizer == "sgd"
        ? $"SGD lr {options.LearningRate:G} momentum {options.Momentum:G}{(options.Nesterov ? " nesterov" : string.Empty)} weight decay {options.WeightDecay:G}"
        : $"Adam lr {options.LearningRate:G} weight decay {options.WeightDecay:G}";

    private static string Describe(IOptimizer optimizer) => optimizer switch
    {
        Sgd s => $"SGD lr {s.LearningRate:G} momentum {s.Momentum:G}{(s.Nesterov ? " nesterov" : string.Empty)} weight decay {s.WeightDecay:G}",
        AdamW a => $"AdamW lr {a.LearningRate:G} weight decay {a.WeightDecay:G}{(a.Amsgrad ? " amsgrad" : string.Empty)}",
        AdamBase a => $"Adam lr {a.LearningRate:G} weight decay {a.WeightDecay:G}{(a.Amsgrad ? " amsgrad" : string.Empty)}",
        _ => optimizer.GetType().Name,
    };

    private static ulong ShuffleSeed(int seed) => unchecked((ulong)seed) ^ 0x5DEECE66DUL;
}
