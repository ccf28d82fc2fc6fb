using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Spectre.Console;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Distributed;
using StaticGrad.Models.Plots;
using StaticGrad.Training;

namespace StaticGrad.Models.Commands;

/// <summary>
/// <c>train --distributed</c>: the train command's run over the ranks <c>mpirun</c> started (StaticGrad.Distributed's
/// <see cref="DataParallelTrainer"/>). The options, data, header, epoch rows and checkpoints are the train command's;
/// <c>--batch</c> is the global batch. Rank 0 alone prints the report and writes files; every rank says once where it
/// runs. Started without <c>mpirun</c>, it trains as one rank and says so.
/// </summary>
internal static class DistributedTrain
{
    /// <summary>Runs the job on this rank.</summary>
    /// <returns>The exit code: 0, 1 on a failure (under mpirun a failing rank ends the job), 2 on a usage error.</returns>
    public static int Run(TrainOptions options, TextWriter output, TextWriter error)
    {
        ICommunicator world;
        if (MpiCommunicator.IsLaunchedByMpirun)
        {
            try
            {
                world = MpiCommunicator.Initialize();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                error.WriteLine($"error: --distributed under mpirun needs Open MPI's library: {e.Message}");
                return 1;
            }
        }
        else
        {
            world = InProcessCommunicator.CreateGroup(1)[0];
            output.WriteLine("--distributed without mpirun: training as one rank (start 'mpirun -np N train --distributed ...' for N ranks)");
        }

        using (world)
        {
            int rank = world.Rank;
            if (world.Size > 1)
            {
                MpiCommunicator.ShareCoresWithLocalRanks();
                output.WriteLine($"rank {rank} of {world.Size}: host {Environment.MachineName}, pid {Environment.ProcessId}, {Parallelism.MaxThreads} thread(s)");
            }

            using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
                error.WriteLine($"rank {rank}: stopped by SIGTERM (mpirun ends the job when another rank fails or the job is cancelled)."));
            try
            {
                return Train(world, options, output, error);
            }
            catch (Exception e) when (world.Size == 1 && e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (Exception e) when (world.Size > 1)
            {
                // One failing rank must not leave the others waiting in a collective: end the whole job.
                error.WriteLine($"rank {rank}: error: {e.Message}");
                world.Abort(1);
                return 1;
            }
        }
    }

    /// <summary>
    /// The run (collective). Conditions every rank sees alike (a conflicting option, an unsupported checkpoint) return a
    /// code on every rank, reported by rank 0; failures of one rank throw.
    /// </summary>
    private static int Train(ICommunicator world, TrainOptions options, TextWriter output, TextWriter error)
    {
        bool root = world.Rank == 0;
        TextWriter report = root ? output : TextWriter.Null, problems = root ? error : TextWriter.Null;
        if (RankAgreement.Check(world, options) is string disagreement)
        {
            problems.WriteLine(disagreement);
            return Cli.UsageErrorCode;
        }

        TrainingCheckpoint? checkpoint = null;
        if (options.ResumePath is string resumePath)
        {
            checkpoint = DataParallelTrainer.ReadCheckpoint(world, resumePath);
            if (TrainCommand.CheckBatchSize(checkpoint, resumePath) is string tooLarge)
            {
                problems.WriteLine(tooLarge);
                return 1;
            }
        }

        if (TrainCommand.LoadData(options, error) is not var (train, test))
        {
            throw new IOException($"cannot load MNIST from '{options.DataDirectory}' (see above).");
        }

        // Every rank loads the same digits, so every rank refuses alike and none waits in a collective.
        if (checkpoint is null && options.ValidationSplit is double fraction && TrainCommand.CheckValidationSplit(train, fraction) is string badSplit)
        {
            problems.WriteLine(badSplit);
            return Cli.UsageErrorCode;
        }

        RunSettings settings = RunSettings.From(options);
        if (checkpoint is not null && TrainCommand.ResolveResume(options, checkpoint, ref settings) is string conflict)
        {
            problems.WriteLine($"error: {conflict}");
            return Cli.UsageErrorCode;
        }

        if (checkpoint is not null)
        {
            settings = TrainCommand.ResumedSplit(settings, checkpoint, train.Count);
        }

        if (checkpoint is not null && TrainCommand.CheckResumedValidationSplit(train, settings, options.ResumePath!) is string badResumedSplit)
        {
            problems.WriteLine(badResumedSplit);
            return Cli.UsageErrorCode;
        }

        int block = options.DeterministicBlock;
        if (block > 0 && settings.Model is "resmlp" or "cnn-bn")
        {
            problems.WriteLine($"error: the checkpoint's model {settings.Model} has dropout: each rank draws masks for its own rows, so --deterministic cannot give the same bits at every rank count.");
            return Cli.UsageErrorCode;
        }

        // Several --seeds (no files, no resume): one run per seed, as plain train does, then the mean final accuracy.
        IReadOnlyList<int> seeds = checkpoint is null ? options.Seeds : [settings.Seed];
        var finalAccuracies = new List<double>();
        for (int i = 0; i < seeds.Count; i++)
        {
            finalAccuracies.Add(TrainSeed(world, options, settings with { Seed = seeds[i] }, checkpoint, train, test, report, header: i == 0));
        }

        if (finalAccuracies.Count > 1)
        {
            string accuracies = string.Join(", ", finalAccuracies.Select(a => (a * 100).ToString("F2", CultureInfo.InvariantCulture) + "%"));
            report.WriteLine($"final test accuracy over seeds {string.Join(", ", seeds)}: {accuracies}; mean {finalAccuracies.Average() * 100:F2}%");
        }

        return 0;
    }

    /// <summary>One run (collective): trains <paramref name="settings"/>' seed and returns the final test accuracy (rank 0's; NaN on the others).</summary>
    private static double TrainSeed(
        ICommunicator world, TrainOptions options, RunSettings settings, TrainingCheckpoint? checkpoint, InMemoryDataset train, InMemoryDataset test, TextWriter report, bool header)
    {
        bool root = world.Rank == 0;
        int block = options.DeterministicBlock;
        int slice = block > 0 ? block : DataParallel.SliceOf(Math.Min(settings.Batch, train.Count), 0, world.Size).Count;
        IModel model = ModelFiles.Create(settings.Model, settings.Seed, Math.Max(slice, 1));
        IOptimizer optimizer = checkpoint is null ? TrainCommand.CreateOptimizer(options, model) : checkpoint.Optimizer.CreateOptimizer(model.Parameters);
        InMemoryDataset? validation = null, beforeSplit = train;
        if (settings.ValidationSplit is double fraction)
        {
            (train, validation) = DatasetSplit.TrainValidation(train, fraction, unchecked((ulong)settings.Seed), stratified: true);
        }

        int stepsPerEpoch = (((train.Count + settings.Batch - 1) / settings.Batch) + settings.Accumulate - 1) / settings.Accumulate;
        TrainSchedule schedule = TrainSchedule.Create(settings.Schedule, settings.Warmup, settings.ScheduleEpochs, stepsPerEpoch, optimizer);
        var trainer = new DataParallelTrainer(model, optimizer, world, Averaging(model), train, settings.Batch, TrainCommand.ShuffleSeed(settings.Seed), block)
        {
            Scheduler = schedule.Scheduler,
            SchedulerInterval = schedule.Interval,
            ClipGradNorm = settings.ClipGradNorm,
            AccumulationSteps = settings.Accumulate,
            Validation = validation,
            Plateau = schedule.Plateau,
            EarlyStopping = settings.EarlyStopping is int patience ? new EarlyStopping(MonitoredMetric.ValidationLoss, patience) : null,
        };
        if (checkpoint is not null)
        {
            trainer.Resume(checkpoint);
            TrainCommand.ApplyLearningRate(options, optimizer, report);
        }

        if (header)
        {
            // The header counts the training set before the split, as plain train's does ("8000 training (20% held out ...)").
            TrainCommand.WriteHeader(report, settings.Model, beforeSplit, test, settings.Batch, checkpoint is null ? TrainCommand.Describe(options) : TrainCommand.Describe(optimizer), options.Epochs, settings);
            string mode = block > 0 ? $"deterministic blocks of {block} rows (the same bits at any rank count)" : "float all-reduce";
            report.WriteLine($"data-parallel: {world.Size} rank(s), global batch {settings.Batch}, up to {slice} rows per rank and step, {mode}");
        }

        if (checkpoint is not null)
        {
            report.WriteLine($"resumed from {options.ResumePath}: {trainer.EpochsCompleted} epoch(s), {trainer.StepsCompleted} steps done, now on {world.Size} rank(s)");
        }

        report.WriteLine($"seed {settings.Seed}");
        // The progress bar only for one rank on a terminal: mpirun forwards the ranks' output line by line.
        bool interactive = world is not MpiCommunicator && !options.Quiet && ReferenceEquals(report, Console.Out) && !Console.IsOutputRedirected;
        var rows = new EpochReport(validation is null ? null : test, interactive ? AnsiConsole.WriteLine : report.WriteLine);
        var history = new List<EpochMetrics>();
        SpectreProgress? progress = interactive ? new SpectreProgress() : null;
        var metadata = settings.ToMetadata();
        var clock = Stopwatch.StartNew();
        void Epochs()
        {
            while (trainer.EpochsCompleted < options.Epochs && !trainer.ShouldStop)
            {
                (double loss, double speed) = trainer.RunEpoch(progress, options.Epochs);
                float learningRate = trainer.LastLearningRate;
                if (options.SavePath is string path)
                {
                    trainer.SaveCheckpoint(path, metadata);
                }

                if (root)
                {
                    double accuracy = Inference.ConfusionMatrix(model, test).Accuracy();
                    if (trainer.LastValidation is Evaluation split)
                    {
                        var metrics = new EpochMetrics(trainer.EpochsCompleted, loss, split.Loss, split.Accuracy, learningRate, speed, clock.Elapsed);
                        history.Add(metrics);
                        rows.Write(metrics, accuracy);
                    }
                    else
                    {
                        var metrics = new EpochMetrics(trainer.EpochsCompleted, loss, double.NaN, accuracy, learningRate, speed, clock.Elapsed);
                        history.Add(metrics);
                        rows.Write(metrics);
                    }
                }
            }
        }

        if (trainer.EpochsCompleted >= options.Epochs)
        {
            report.WriteLine($"the checkpoint already has {trainer.EpochsCompleted} epoch(s), --epochs is {options.Epochs}: nothing to train");
        }
        else if (progress is null)
        {
            report.WriteLine(rows.Header);
            Epochs();
        }
        else
        {
            AnsiConsole.WriteLine(rows.Header);
            SpectreProgress.CreateDisplay(AnsiConsole.Console).Start(context =>
            {
                progress.Attach(context, trainer.EpochsCompleted + 1, options.Epochs, trainer.Sampler.BatchCount);
                Epochs();
            });
        }

        if (trainer.ShouldStop)
        {
            report.WriteLine(TrainCommand.EarlyStopMessage(trainer.EpochsCompleted, trainer.EarlyStopping!));
        }

        trainer.RestoreBestWeights();
        if (!root)
        {
            return double.NaN;
        }

        if (options.SavePath is string savePath)
        {
            report.WriteLine($"checkpoint: {savePath} (epoch {trainer.EpochsCompleted}, step {trainer.StepsCompleted})");
        }

        if (options.SaveWeightsPath is string weightsPath)
        {
            ModelWeights.Save(model.Parameters, weightsPath, metadata);
            report.WriteLine($"weights: {weightsPath} ({model.Parameters.Count:N0} parameters: {string.Join(", ", model.Parameters.Tensors)})");
        }

        if (options.PlotPath is string plotPath && history.Count > 0)
        {
            TrainingCurves.Save(history, validation is null ? "test" : "validation", rows.TestAccuracy, plotPath, TrainCommand.KeptEpoch(trainer.EarlyStopping, trainer.EpochsCompleted));
            report.WriteLine($"plot: {plotPath}");
        }

        report.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {trainer.EpochsCompleted} epoch(s), {trainer.StepsCompleted} steps on {world.Size} rank(s) in {clock.Elapsed.TotalSeconds:F1} s; weights fingerprint {DataParallel.Fingerprint(model.Parameters.Values):x16}"));
        return Inference.ConfusionMatrix(model, test).Accuracy();
    }

    /// <summary>How the model's loss averages over ranks (its softmax cross-entropy).</summary>
    private static GradientAveraging Averaging(IModel model) => model switch
    {
        MnistClassifier128 m => GradientAveraging.For(m.Loss),
        MnistClassifier256 m => GradientAveraging.For(m.Loss),
        LeNet5 m => GradientAveraging.For(m.Loss),
        ResidualMlp m => GradientAveraging.For(m.Loss),
        NormalizedCnn m => GradientAveraging.For(m.Loss),
        _ => throw new NotSupportedException($"{model.GetType().Name} cannot train with --distributed."),
    };
}
