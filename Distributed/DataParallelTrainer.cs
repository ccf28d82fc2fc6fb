using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Training;

namespace StaticGrad.Distributed;

/// <summary>
/// The data-parallel epoch loop: every rank draws the same shuffle (<see cref="DistributedSampler"/>), trains on its
/// slice of each global batch (<see cref="DataParallel.Step"/>), and the replicas stay equal; rank 0 alone writes
/// checkpoints. The result equals one process training on the same global batches.
/// </summary>
/// <remarks>
/// A checkpoint holds the parameters, the optimizer's state, the counters and the shuffle generator's state between
/// epochs, and the global batch size: nothing per rank, so a run saved at one rank count resumes at any other.
/// Every method is collective: all ranks call it in the same order.
/// <para>
/// A model with dropout: rank 0 draws its rows' masks from the model's generator (whose state the checkpoint holds,
/// under the one-process <see cref="Trainer"/>'s key); rank r &gt; 0 from a stream seeded at each epoch by rank 0's state,
/// r and the epoch. One rank is the <see cref="Trainer"/>'s run bit for bit; N ranks repeat and resume (at N ranks) bit
/// for bit; no rank count reproduces one process's masks, since the rows' masks come from other streams.
/// </para>
/// </remarks>
public sealed class DataParallelTrainer
{
    private readonly DataParallel _parallel;
    private readonly DistributedSampler _sampler;
    private int _epoch;
    private long _steps;
    private ILearningRateScheduler? _scheduler;

    /// <summary>Early stopping's best parameters and buffers, when it restores them; the last epoch's after <see cref="RestoreBestWeights"/>.</summary>
    private ParameterSet? _best;

    /// <summary>
    /// Whether <see cref="RestoreBestWeights"/> swapped the best epoch's parameters and buffers into the model: <see cref="_best"/> then
    /// holds the last epoch's, which the run continues from (a checkpoint, the next <see cref="RunEpoch"/>).
    /// </summary>
    private bool _showingBest;

    /// <summary>Rank 0's evaluator of <see cref="Validation"/> (the one-process trainer's <see cref="Trainer.Evaluate"/>).</summary>
    private Trainer? _evaluator;

    /// <summary>Rank 0's dropout generator state between epochs (the same on every rank), for a model with dropout.</summary>
    private (uint S0, uint S1, uint S2, uint S3) _rootDropout;

    /// <summary>Prepares the loop and broadcasts rank 0's initial weights.</summary>
    /// <param name="model">This rank's model.</param>
    /// <param name="optimizer">Its optimizer (over the model's parameters), with the same settings on every rank.</param>
    /// <param name="communicator">The job's ranks.</param>
    /// <param name="averaging">How the model's loss reduces (<see cref="GradientAveraging.For"/> of its loss).</param>
    /// <param name="train">The training set, the same on every rank.</param>
    /// <param name="globalBatchSize">Samples per step over all ranks; each rank's slice must fit the model's <see cref="IInferenceModel.MaxBatch"/>.</param>
    /// <param name="shuffleSeed">Seeds the per-epoch shuffle, the same on every rank.</param>
    /// <param name="deterministicBlockSize">0, or the block size of the rank-count-independent mode (<see cref="DataParallel.DeterministicBlockSize"/>); the model's maximum batch must then hold one block.</param>
    /// <param name="dropLast">Skip each epoch's last global batch when it is partial (<see cref="DistributedSampler.DropLast"/>), e.g. so that a model with batch norm gets two rows per rank in every step.</param>
    public DataParallelTrainer(
        IModel model, IOptimizer optimizer, ICommunicator communicator, GradientAveraging averaging, InMemoryDataset train, int globalBatchSize, ulong shuffleSeed, int deterministicBlockSize = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalBatchSize);
        int slice = deterministicBlockSize > 0 ? deterministicBlockSize : DataParallel.SliceOf(Math.Min(globalBatchSize, train.Count), 0, communicator.Size).Count;
        if (slice > model.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(globalBatchSize), globalBatchSize,
                $"Each TrainStep takes {slice} rows at {communicator.Size} ranks; the model's maximum batch is {model.MaxBatch}.");
        }

        if (deterministicBlockSize > 0 && (globalBatchSize + deterministicBlockSize - 1) / deterministicBlockSize > DataParallel.MaxDeterministicBlocks)
        {
            throw new ArgumentOutOfRangeException(nameof(deterministicBlockSize), deterministicBlockSize, $"A global batch may hold at most {DataParallel.MaxDeterministicBlocks} blocks.");
        }

        if (train.Features != model.InputSize)
        {
            throw new ArgumentException($"The model takes {model.InputSize} features per sample; the data has {train.Features}.", nameof(train));
        }

        train.CheckIgnoreIndex(model.LossIgnoreIndex, nameof(train));

        CheckRanksAgree(communicator, model, train, globalBatchSize, shuffleSeed, deterministicBlockSize, dropLast);
        _parallel = new DataParallel(model, optimizer, communicator, averaging, deterministicBlockSize);
        _sampler = new DistributedSampler(train, globalBatchSize, shuffleSeed, communicator.Rank, communicator.Size, Math.Max(deterministicBlockSize, 1), dropLast);
        if (model is IStochasticModel stochastic)
        {
            _rootDropout = stochastic.DropoutGenerator.GetState();
            ShareRootDropoutState();
        }
    }

    /// <summary>
    /// Refuses, on every rank alike, a run whose ranks were set up differently: rank 0's training-set size, features,
    /// global batch, shuffle seed, deterministic block size, drop-last setting and parameter count are broadcast and compared. A rank with
    /// other values would slice other batchings (rows skipped or repeated, silently) or run another number of steps (a
    /// collective that never completes); one broadcast and one sum of the mismatches, in the same order on every rank,
    /// let all ranks throw the same error instead.
    /// </summary>
    private static void CheckRanksAgree(ICommunicator communicator, IModel model, InMemoryDataset train, int globalBatchSize, ulong shuffleSeed, int deterministicBlockSize, bool dropLast)
    {
        const int SeedEntry = 3, DropLastEntry = 5;
        string[] names = ["the training set's size", "features per sample", "the global batch size", "the shuffle seed", "the deterministic block size", "dropLast", "the model's parameter count"];
        long[] mine = [train.Count, train.Features, globalBatchSize, unchecked((long)shuffleSeed), deterministicBlockSize, dropLast ? 1 : 0, model.Parameters.Count];
        long[] root = (long[])mine.Clone();
        communicator.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(root.AsSpan()), 0);
        int first = -1;
        for (int i = 0; i < mine.Length && first < 0; i++)
        {
            if (mine[i] != root[i])
            {
                first = i;
            }
        }

        long[] mismatched = [first < 0 ? 0 : 1];
        communicator.AllReduceSum(mismatched);
        if (mismatched[0] == 0)
        {
            return;
        }

        string detail = first < 0
            ? communicator.Rank == 0 ? "rank 0's settings are the ones the others are compared with" : $"rank {communicator.Rank} agrees with rank 0"
            : $"{names[first]} is {Format(first, mine[first])} on rank {communicator.Rank} and {Format(first, root[first])} on rank 0";
        throw new ArgumentException(
            $"The ranks were set up differently: {mismatched[0]} of {communicator.Size} ranks differ from rank 0 ({detail}); "
            + "every rank must train the same model on the same training set with the same global batch, seed, block size and dropLast.",
            nameof(train));

        // The seed (entry SeedEntry) is a ulong carried in a long's bits, dropLast (entry DropLastEntry) a bool.
        static string Format(int index, long value) => index switch
        {
            SeedEntry => unchecked((ulong)value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            DropLastEntry => value != 0 ? "true" : "false",
            _ => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The step primitive (model, optimizer, communicator).</summary>
    public DataParallel Parallel => _parallel;

    /// <summary>The sampler of this rank.</summary>
    public DistributedSampler Sampler => _sampler;

    /// <summary>
    /// A learning-rate schedule over the optimizer, or null: stepped after every optimizer step or after every epoch
    /// (<see cref="SchedulerInterval"/>), as the one-process <see cref="Trainer"/> steps it. Every rank steps its own copy
    /// at the same points, so the rates agree everywhere; checkpoints hold its state (the <see cref="Trainer"/>'s entry).
    /// </summary>
    /// <exception cref="ArgumentException">The schedule is built over another optimizer.</exception>
    public ILearningRateScheduler? Scheduler
    {
        get => _scheduler;
        init
        {
            if (value is not null && !ReferenceEquals(value.Optimizer, _parallel.Optimizer))
            {
                throw new ArgumentException("The schedule is built over another optimizer; expected the trainer's.", nameof(value));
            }

            _scheduler = value;
        }
    }

    /// <summary>When <see cref="Scheduler"/> steps: after every optimizer step or after every epoch (default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="Training.SchedulerInterval"/>.</exception>
    public SchedulerInterval SchedulerInterval
    {
        get;
        init => field = Enum.IsDefined(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Expected SchedulerInterval.Epoch or SchedulerInterval.Step.");
    } = SchedulerInterval.Epoch;

    /// <summary>
    /// null, or the largest total 2-norm of the global batch's gradient (<see cref="DataParallel.ClipGradNorm"/>): taken
    /// after the all-reduce, so it is one process's norm.
    /// </summary>
    public float? ClipGradNorm
    {
        get => _parallel.ClipGradNorm;
        init => _parallel.ClipGradNorm = value;
    }

    /// <summary>
    /// A validation set, or null: after every epoch rank 0 evaluates it (<see cref="Trainer.Evaluate"/>: loss and
    /// accuracy in eval mode) and broadcasts the result, so that <see cref="Plateau"/> and <see cref="EarlyStopping"/>
    /// decide the same on every rank from rank 0's numbers.
    /// </summary>
    public InMemoryDataset? Validation { get; init; }

    /// <summary>A plateau schedule on the validation loss (needs <see cref="Validation"/>), stepped after every epoch on every rank; or null.</summary>
    /// <exception cref="ArgumentException">The schedule is built over another optimizer.</exception>
    public ReduceLROnPlateau? Plateau
    {
        get;
        init => field = value is null || ReferenceEquals(value.Optimizer, _parallel.Optimizer) ? value
            : throw new ArgumentException("The plateau schedule is built over another optimizer; expected the trainer's.", nameof(value));
    }

    /// <summary>
    /// Early stopping, or null: updated after every epoch on every rank with rank 0's validation metrics (or the global
    /// training loss), so every rank stops after the same epoch. With <see cref="EarlyStopping.RestoreBestWeights"/>,
    /// <see cref="RestoreBestWeights"/> puts the best epoch's parameters and buffers back, and rank 0 writes them beside checkpoints
    /// (<c>PATH.best.safetensors</c>, as the one-process <see cref="Trainer"/> does).
    /// </summary>
    public EarlyStopping? EarlyStopping
    {
        get;
        init
        {
            field = value;
            _best = value is { RestoreBestWeights: true } ? new ParameterSet(_parallel.Model.Parameters.Tensors, _parallel.Model.Parameters.Buffers) : null;
        }
    }

    /// <summary>Whether early stopping says to stop.</summary>
    public bool ShouldStop => EarlyStopping is { ShouldStop: true };

    /// <summary>The last epoch's evaluation of <see cref="Validation"/> (rank 0's, on every rank), or null.</summary>
    public Evaluation? LastValidation { get; private set; }

    /// <summary>
    /// Global batches per optimizer step (default 1): the gradients of <c>k</c> consecutive global batches are added,
    /// each weighted by its share of the group's rows for a <c>'mean'</c> loss, as the one-process
    /// <see cref="TrainerOptions.AccumulationSteps"/> does; the epoch's last group may be shorter. Each global batch
    /// still costs one all-reduce (<see cref="DataParallel.AccumulateGradient"/>).
    /// </summary>
    public int AccumulationSteps
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 1;

    /// <summary>The learning rate of the last optimizer step (what the one-process trainer reports for an epoch).</summary>
    public float LastLearningRate { get; private set; }

    /// <summary>Optimizer steps per epoch: the global batches, or their groups under <see cref="AccumulationSteps"/>.</summary>
    public int StepsPerEpoch => (_sampler.BatchCount + AccumulationSteps - 1) / AccumulationSteps;

    /// <summary>Epochs finished, including those of a resumed checkpoint.</summary>
    public int EpochsCompleted => _epoch;

    /// <summary>Optimizer steps taken, including those of a resumed checkpoint.</summary>
    public long StepsCompleted => _steps;

    /// <summary>Runs one epoch over the global batches (collective) and checks that the replicas still agree.</summary>
    /// <param name="progress">
    /// Told when the epoch starts and after each step (global batch size, global loss, running mean loss over samples);
    /// may be null. Its <see cref="IProgressReporter.EpochCompleted"/> is not called: the caller knows the metrics it reports.
    /// </param>
    /// <param name="epochs">The epoch count the run trains up to, for <paramref name="progress"/>; 0 for this epoch's number.</param>
    /// <returns>The epoch's mean loss per sample, and the global samples per second.</returns>
    public (double Loss, double SamplesPerSecond) RunEpoch(IProgressReporter? progress = null, int epochs = 0)
    {
        if (_showingBest)
        {
            SwapBest(); // the run continues from the last epoch's parameters, not the best ones the model was showing
        }

        _epoch++;
        _sampler.BeginEpoch();
        if (_parallel.Model is IStochasticModel stochastic && _parallel.Communicator.Rank > 0)
        {
            stochastic.DropoutGenerator.SetState(RankDropoutState(_rootDropout, _parallel.Communicator.Rank, _epoch));
        }

        progress?.EpochStarted(_epoch, Math.Max(epochs, _epoch), StepsPerEpoch);
        double lossSum = 0;
        long samples = 0;

        // The current optimizer step's per-sample loss sum and rows, over its global batches under accumulation.
        double stepLossSum = 0;
        int stepRows = 0;
        long start = Stopwatch.GetTimestamp();
        LastLearningRate = _parallel.Optimizer.LearningRate;
        int k = AccumulationSteps, batches = _sampler.BatchCount;
        for (int b = 0; b < batches; b++)
        {
            int rows = _sampler.Gather(b);
            int global = _sampler.CurrentGlobalBatchSize;
            LastLearningRate = _parallel.Optimizer.LearningRate;
            float loss;
            bool endsStep = true;
            if (k == 1)
            {
                loss = _parallel.Step(_sampler.Features, _sampler.Labels, rows);
            }
            else
            {
                // As the one-process trainer: groups of k global batches, each weighted by its share of the group's rows.
                int first = b - (b % k), last = Math.Min(first + k, batches) - 1;
                int lastBatch = Math.Min(_sampler.GlobalBatchSize, _sampler.Dataset.Count - ((batches - 1) * _sampler.GlobalBatchSize));
                long group = ((long)(last - first) * _sampler.GlobalBatchSize) + (last == batches - 1 ? lastBatch : _sampler.GlobalBatchSize);
                float weight = _parallel.Averaging.IsMean ? (float)((double)global / group) : 1f;
                loss = _parallel.AccumulateGradient(_sampler.Features, _sampler.Labels, rows, weight, b == first);
                endsStep = b == last;
            }

            lossSum += SampleLossSum(loss, global);
            samples += global;
            stepLossSum += SampleLossSum(loss, global);
            stepRows += global;
            if (!endsStep)
            {
                continue;
            }

            if (k > 1)
            {
                _parallel.ApplyGradient();
            }

            _steps++;
            if (SchedulerInterval == SchedulerInterval.Step)
            {
                _scheduler?.Step();
            }

            if (progress is not null)
            {
                // As the one-process trainer reports it: the step's rows, its loss reduced as the model reduces a batch,
                // and the rate it used (not the one the schedule just set).
                float stepLoss = _parallel.Model.LossReduction == Reduction.Mean ? (float)(stepLossSum / stepRows) : (float)stepLossSum;
                var step = new TrainingStep(_epoch, (b / k) + 1, StepsPerEpoch, _steps, stepRows, stepLoss, lossSum / samples, LastLearningRate);
                progress.StepCompleted(in step);
            }

            stepLossSum = 0;
            stepRows = 0;
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (SchedulerInterval == SchedulerInterval.Epoch)
        {
            _scheduler?.Step();
        }

        if (_parallel.Model is IStochasticModel model)
        {
            _rootDropout = model.DropoutGenerator.GetState();
            ShareRootDropoutState();
        }

        _parallel.VerifyReplicas();
        double trainingLoss = samples == 0 ? double.NaN : lossSum / samples;
        Decide(trainingLoss);
        return (trainingLoss, samples / Math.Max(seconds, 1e-9));
    }

    /// <summary>Captures the run between epochs: parameters, optimizer state, counters, shuffle state, global batch size.</summary>
    /// <param name="metadata">Extra entries to store; keys must not be reserved.</param>
    /// <returns>The checkpoint, the same on every rank.</returns>
    /// <exception cref="InvalidOperationException">The optimizer does not implement <see cref="IStatefulOptimizer"/>.</exception>
    public TrainingCheckpoint CreateCheckpoint(IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in metadata ?? [])
        {
            entries[key] = value;
        }

        TrainerMetadata.CheckCallerKeys(entries, nameof(metadata));
        if (_parallel.Model is IStochasticModel)
        {
            entries[TrainerMetadata.DropoutKey] = TrainerMetadata.FormatGenerator(_rootDropout);
        }

        if (_scheduler is not null)
        {
            entries[TrainerMetadata.SchedulerKey] = SchedulerStateText.Format(_scheduler.GetState());
        }

        if (Plateau is not null)
        {
            entries[TrainerMetadata.PlateauKey] = SchedulerStateText.Format(Plateau.GetState());
        }

        if (EarlyStopping is not null)
        {
            entries[TrainerMetadata.EarlyStoppingKey] = TrainerMetadata.FormatEarlyStopping(EarlyStopping);
        }

        var progress = new TrainingProgress(_epoch, _steps, _sampler.Generator.GetState(), _sampler.GlobalBatchSize, _sampler.Dataset.Count);
        if (!_showingBest)
        {
            return TrainingCheckpoint.Capture(_parallel.Model.Parameters, StatefulOptimizer(), progress, entries);
        }

        // The checkpoint holds the last epoch's parameters, which its optimizer state, schedules and counters belong to;
        // Capture copies the model's, so the two trade places around it and the model shows the best ones again.
        SwapBest();
        try
        {
            return TrainingCheckpoint.Capture(_parallel.Model.Parameters, StatefulOptimizer(), progress, entries);
        }
        finally
        {
            SwapBest();
        }
    }

    /// <summary>
    /// Rank 0 writes a checkpoint to <paramref name="path"/> atomically (the previous file survives a failed or killed
    /// write); the other ranks write nothing. Not collective: ranks other than 0 return at once.
    /// </summary>
    /// <param name="path">The destination, on rank 0's file system.</param>
    /// <param name="metadata">Extra entries to store.</param>
    /// <returns>Whether this rank wrote the file.</returns>
    public bool SaveCheckpoint(string path, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        if (!_parallel.IsRoot)
        {
            return false;
        }

        // After RestoreBestWeights the two states trade places for the writing, as they stood during the run: the
        // checkpoint gets the last epoch's parameters, the file beside it the best epoch's.
        bool showingBest = _showingBest;
        if (showingBest)
        {
            SwapBest();
        }

        TrainingCheckpoint checkpoint;
        try
        {
            checkpoint = CreateCheckpoint(metadata);
            if (NeedsBestWeights())
            {
                ModelWeights.Save(_best!, TrainerMetadata.BestWeightsPath(path));
            }
        }
        finally
        {
            if (showingBest)
            {
                SwapBest();
            }
        }

        checkpoint.Save(path);
        return true;
    }

    /// <summary>
    /// Continues a saved run (collective): rank 0 reads <paramref name="path"/> and broadcasts its bytes, so the other
    /// ranks need not see the file; every rank restores the parameters, the optimizer's state, the counters and the
    /// shuffle state. The rank count may differ from the run that saved it.
    /// </summary>
    /// <param name="path">The checkpoint, on rank 0's file system.</param>
    /// <returns>The checkpoint that was restored.</returns>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this run (another batch size, training set or model).</exception>
    public TrainingCheckpoint Resume(string path)
    {
        TrainingCheckpoint checkpoint = ReadCheckpoint(_parallel.Communicator, path);
        Resume(checkpoint);
        return checkpoint;
    }

    /// <summary>
    /// Reads a checkpoint on rank 0 and broadcasts its bytes (collective), so every rank gets the same checkpoint and
    /// only rank 0 needs the file. When rank 0 cannot read it, every rank throws: rank 0 its own error, the others an
    /// <see cref="IOException"/> saying rank 0 failed, so no rank waits for a broadcast that never comes.
    /// </summary>
    /// <param name="communicator">The job's ranks.</param>
    /// <param name="path">The checkpoint, on rank 0's file system.</param>
    /// <returns>The checkpoint, on every rank.</returns>
    /// <exception cref="IOException">The file could not be read (on rank 0: the original error).</exception>
    /// <exception cref="InvalidDataException">The file is not a valid training checkpoint.</exception>
    public static TrainingCheckpoint ReadCheckpoint(ICommunicator communicator, string path)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = [];
        Exception? failure = null;
        if (communicator.Rank == 0)
        {
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = e;
            }
        }

        Span<byte> length = stackalloc byte[sizeof(long)];
        BitConverter.TryWriteBytes(length, failure is null ? (long)bytes.Length : -1L);
        communicator.Broadcast(length, 0);
        long size = BitConverter.ToInt64(length);
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        if (size < 0)
        {
            throw new IOException($"Rank 0 could not read the checkpoint '{path}'.");
        }

        if (communicator.Rank != 0)
        {
            bytes = new byte[size];
        }

        communicator.Broadcast(bytes, 0);
        return TrainingCheckpoint.Read(new MemoryStream(bytes, writable: false), path);
    }

    /// <summary>
    /// Restores a checkpoint every rank holds (every rank must restore the same one): parameters, optimizer state,
    /// counters, shuffle state, rank 0's dropout generator, and the state of <see cref="Scheduler"/>, <see cref="Plateau"/>
    /// and <see cref="EarlyStopping"/>. A checkpoint of the one-process <see cref="Trainer"/> with the same settings
    /// restores too. Not collective, except when early stopping's best weights must come from the file beside the
    /// checkpoint: rank 0 then reads them and broadcasts them.
    /// </summary>
    /// <param name="checkpoint">A checkpoint of a run with the same model, optimizer settings, schedule, global batch size and training set.</param>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this run; nothing changed.</exception>
    public void Resume(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        TrainingProgress progress = checkpoint.Progress;
        if (progress.BatchSize != _sampler.GlobalBatchSize)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with global batch size {progress.BatchSize}; this run uses {_sampler.GlobalBatchSize}. Resume with the same global batch (any rank count) to continue the same run.");
        }

        if (progress.SampleCount != _sampler.Dataset.Count)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with {progress.SampleCount} training samples; this run has {_sampler.Dataset.Count}.");
        }

        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.SchedulerKey, _scheduler is not null, "a learning-rate schedule");
        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.PlateauKey, Plateau is not null, "a plateau schedule");
        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.EarlyStoppingKey, EarlyStopping is not null, "early stopping");
        SchedulerState? plateau = Plateau is null ? null : TrainerMetadata.ParseScheduler(checkpoint, TrainerMetadata.PlateauKey);
        (double Best, int BestEpoch, int Wait)? rule = EarlyStopping is null ? null : TrainerMetadata.ParseEarlyStopping(checkpoint);
        ParameterSet? best = rule is { } saved && _best is not null && saved.BestEpoch > 0 && saved.BestEpoch != progress.EpochsCompleted
            ? ReadBestWeights(checkpoint, saved.BestEpoch)
            : null;
        (uint, uint, uint, uint)? dropout = _parallel.Model is IStochasticModel ? TrainerMetadata.ParseGenerator(checkpoint) : null;
        SchedulerState? schedule = _scheduler is null ? null : TrainerMetadata.ParseScheduler(checkpoint, TrainerMetadata.SchedulerKey);
        SchedulerState? previous = _scheduler?.GetState();
        SchedulerState? previousPlateau = Plateau?.GetState();
        try
        {
            if (schedule is not null)
            {
                _scheduler!.SetState(schedule);
            }

            if (plateau is not null)
            {
                Plateau!.SetState(plateau);
            }

            checkpoint.Restore(_parallel.Model.Parameters, StatefulOptimizer());
        }
        catch (ArgumentException e)
        {
            RestoreSchedules(previous, previousPlateau);
            throw new InvalidDataException($"{checkpoint.Source}: the saved schedule does not fit this run's: {e.Message}", e);
        }
        catch (InvalidDataException)
        {
            RestoreSchedules(previous, previousPlateau);
            throw;
        }

        if (rule is { } r)
        {
            EarlyStopping!.SetState(r.Best, r.BestEpoch, r.Wait);
        }

        if (_best is not null)
        {
            (best ?? _parallel.Model.Parameters).CopyStateTo(_best);
        }

        _sampler.Generator.SetState(progress.ShuffleState);
        if (dropout is { } state)
        {
            _rootDropout = state;
            if (_parallel.IsRoot)
            {
                ((IStochasticModel)_parallel.Model).DropoutGenerator.SetState(state);
            }
        }

        _showingBest = false; // the model now holds the checkpoint's last epoch
        _epoch = progress.EpochsCompleted;
        _steps = progress.StepsCompleted;
    }

    /// <summary>
    /// Puts early stopping's best parameters and buffers (batch norm's running statistics) into the model when its best epoch is not the last (not collective; every
    /// rank does the same), as the one-process <see cref="Trainer.Fit"/> does when it ends, and keeps the last epoch's:
    /// a later checkpoint holds them, and the next <see cref="RunEpoch"/> first puts them back (taking the model's as the
    /// best epoch's), so the run continues as if they had never been restored.
    /// </summary>
    /// <returns>Whether the parameters changed (false when the model already shows the best epoch).</returns>
    public bool RestoreBestWeights()
    {
        if (_showingBest || !NeedsBestWeights())
        {
            return false;
        }

        SwapBest();
        return true;
    }

    /// <summary>
    /// Exchanges the model's state (parameters, and batch norm's running statistics and counters, which every replica holds
    /// as rank 0's) with <see cref="_best"/>'s, element by element so that nothing is allocated.
    /// </summary>
    private void SwapBest()
    {
        _parallel.Model.Parameters.SwapStateWith(_best!);
        _showingBest = !_showingBest;
    }

    /// <summary>The end of an epoch's decisions: rank 0's validation metrics to every rank, then the plateau schedule and early stopping.</summary>
    /// <summary>A global batch's loss as a sum over its samples, as the one-process trainer counts it: a mean times the batch, a sum as it is.</summary>
    private double SampleLossSum(float loss, int global)
        => _parallel.Model.LossReduction == Reduction.Mean ? (double)loss * global : loss;

    private void Decide(double trainingLoss)
    {
        if (Validation is InMemoryDataset validation)
        {
            Span<double> metrics = [double.NaN, double.NaN];
            if (_parallel.IsRoot)
            {
                _evaluator ??= new Trainer(_parallel.Model, _parallel.Optimizer, new DataLoader(validation, Math.Min(_parallel.Model.MaxBatch, validation.Count), 0));
                Evaluation evaluation = _evaluator.Evaluate(validation);
                metrics[0] = evaluation.Loss;
                metrics[1] = evaluation.Accuracy;
            }

            if (_parallel.Communicator.Size > 1)
            {
                _parallel.Communicator.Broadcast(MemoryMarshal.AsBytes(metrics), 0);
            }

            LastValidation = new Evaluation(metrics[0], metrics[1], validation.Count);
        }
        else if (Plateau is not null || EarlyStopping is { Monitor: not MonitoredMetric.TrainingLoss })
        {
            throw new InvalidOperationException("The plateau schedule and early stopping on a validation metric need a Validation set.");
        }

        Plateau?.Step(LastValidation!.Loss);
        if (EarlyStopping is { } rule)
        {
            double value = rule.Monitor switch
            {
                MonitoredMetric.TrainingLoss => trainingLoss,
                MonitoredMetric.ValidationAccuracy => LastValidation!.Accuracy,
                _ => LastValidation!.Loss,
            };
            if (rule.Update(_epoch, value) && _best is not null)
            {
                _parallel.Model.Parameters.CopyStateTo(_best);
            }
        }
    }

    private bool NeedsBestWeights() => _best is not null && EarlyStopping!.BestEpoch > 0 && EarlyStopping.BestEpoch != _epoch;

    /// <summary>
    /// The dropout stream of rank <paramref name="rank"/> &gt; 0 for an epoch: a generator seeded from rank 0's state at
    /// the epoch's start, the rank and the epoch, so the ranks draw independent masks, a run repeats bit for bit, and a
    /// checkpoint needs only rank 0's state.
    /// </summary>
    internal static (uint S0, uint S1, uint S2, uint S3) RankDropoutState((uint S0, uint S1, uint S2, uint S3) root, int rank, int epoch)
    {
        ulong seed = ((ulong)root.S1 << 32) | root.S0;
        seed ^= (((ulong)root.S3 << 32) | root.S2) * 0x9E3779B97F4A7C15UL;
        seed ^= ((ulong)(uint)rank << 32 | (uint)epoch) * 0xD1B54A32D192ED03UL;
        return new Rng(seed).GetState();
    }

    /// <summary>Gives every rank rank 0's <see cref="_rootDropout"/> (collective).</summary>
    private void ShareRootDropoutState()
    {
        if (_parallel.Communicator.Size == 1)
        {
            return;
        }

        Span<uint> words = [_rootDropout.S0, _rootDropout.S1, _rootDropout.S2, _rootDropout.S3];
        _parallel.Communicator.Broadcast(MemoryMarshal.AsBytes(words), 0);
        _rootDropout = (words[0], words[1], words[2], words[3]);
    }

    private void RestoreSchedules(SchedulerState? schedule, SchedulerState? plateau)
    {
        if (schedule is not null)
        {
            _scheduler!.SetState(schedule);
        }

        if (plateau is not null)
        {
            Plateau!.SetState(plateau);
        }
    }

    /// <summary>
    /// Early stopping's best parameters and buffers from the file beside the checkpoint (collective): rank 0 reads it and
    /// broadcasts them, after a status, so that no rank waits when rank 0 cannot read it.
    /// </summary>
    private ParameterSet ReadBestWeights(TrainingCheckpoint checkpoint, int bestEpoch)
    {
        ICommunicator communicator = _parallel.Communicator;
        var best = new ParameterSet(_parallel.Model.Parameters.Tensors, _parallel.Model.Parameters.Buffers);
        string path = TrainerMetadata.BestWeightsPath(checkpoint.Source);
        Exception? failure = null;
        if (communicator.Rank == 0)
        {
            try
            {
                ModelWeights.Load(best, path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                failure = e;
            }
        }

        Span<byte> status = [failure is null ? (byte)1 : (byte)0];
        communicator.Broadcast(status, 0);
        if (status[0] == 0)
        {
            throw new InvalidDataException($"{checkpoint.Source}: early stopping's best epoch is {bestEpoch} but rank 0 could not read its weights file '{path}': {failure?.Message ?? "see rank 0"}", failure);
        }

        communicator.Broadcast(best.Values, 0);
        if (best.BufferValues.Length > 0)
        {
            communicator.Broadcast(best.BufferValues, 0);
        }

        if (best.Counters.Length > 0)
        {
            communicator.Broadcast(MemoryMarshal.AsBytes(best.Counters), 0);
        }

        return best;
    }

    private IStatefulOptimizer StatefulOptimizer() => _parallel.Optimizer as IStatefulOptimizer
        ?? throw new InvalidOperationException($"The optimizer ({_parallel.Optimizer.GetType().Name}) does not implement IStatefulOptimizer, so its state cannot be saved or restored.");
}
