using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using StaticGrad.Checkpoints;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Training;

/// <summary>
/// Fits any generated model: epochs of minibatch steps from a <see cref="DataLoader"/>, validation after every epoch,
/// a learning-rate schedule, gradient clipping, early stopping with best-weights restore, callbacks, a progress
/// reporter, cancellation, and atomic checkpoints that resume bit for bit. Also evaluates and predicts.
/// </summary>
/// <remarks>
/// <para>
/// The model is an <see cref="IModel"/> (class-index labels: the loader's dataset has labels) or an
/// <see cref="IProbabilityTargetModel"/> (float targets: probabilities, or regression values). Buffers are allocated by
/// the constructor; the step loop allocates nothing unless a callback or the progress reporter does.
/// </para>
/// <para>
/// A checkpoint (<see cref="CreateCheckpoint"/>, <see cref="TrainerOptions.CheckpointPath"/>) holds the last epoch's
/// parameters and buffers (also after <see cref="Fit"/> put the best epoch back into the model), the optimizer's state, the epoch and step counters, the loader's generator, and the trainer's own state: the dropout
/// generator of an <see cref="IStochasticModel"/>, the schedules' <see cref="SchedulerState"/> and early stopping's
/// counters. With <see cref="EarlyStopping.RestoreBestWeights"/>, the best epoch's parameters and buffers are written beside the file
/// (<c>PATH.best.safetensors</c>) when they differ from the current ones. <see cref="Resume"/> restores all of it into a
/// trainer built with the same settings, so the resumed run ends bit-identical to an uninterrupted one.
/// </para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>The probability below which a label's cross-entropy is clipped in <see cref="Evaluate"/>.</summary>
    public const double MinProbability = 1e-7;

    private readonly IInferenceModel _model;
    private readonly IModel? _labelModel;
    private readonly IProbabilityTargetModel? _targetModel;
    private readonly IOptimizer _optimizer;
    private readonly DataLoader _loader;
    private readonly TrainerOptions _options;
    private readonly ITrainingCallback[] _callbacks;
    private readonly float[] _outputs;
    private readonly ParameterSet? _best;

    /// <summary>
    /// Whether <see cref="Fit"/> ended by swapping the best epoch's state into the model: <see cref="_best"/> then holds the
    /// last epoch's, which the run continues from (a checkpoint, a later <see cref="Fit"/>).
    /// </summary>
    private bool _showingBest;
    private readonly List<EpochMetrics> _history = [];
    private readonly Stopwatch _clock = new();
    private bool _stopRequested;

    /// <summary>Prepares training of <paramref name="model"/> with <paramref name="optimizer"/> on the batches of <paramref name="train"/>.</summary>
    /// <param name="model">An <see cref="IModel"/> or <see cref="IProbabilityTargetModel"/>; its <see cref="IInferenceModel.MaxBatch"/> must hold the loader's batch.</param>
    /// <param name="optimizer">An optimizer over the model's parameters (its <see cref="IOptimizer.Parameters"/> is <c>model.Parameters</c>).</param>
    /// <param name="train">The training batches (at least one per epoch); labels for an <see cref="IModel"/>, <c>OutputSize</c> targets per sample otherwise.</param>
    /// <param name="options">Validation, schedules, clipping, early stopping, checkpoints, callbacks; null for none.</param>
    /// <exception cref="ArgumentException">The model kind, the data or an option does not fit (the message names it).</exception>
    public Trainer(IInferenceModel model, IOptimizer optimizer, DataLoader train, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new TrainerOptions();
        _labelModel = model as IModel;
        _targetModel = _labelModel is null ? model as IProbabilityTargetModel : null;
        if (_labelModel is null && _targetModel is null)
        {
            throw new ArgumentException($"{model.GetType().Name} has no loss to train (it implements neither IModel nor IProbabilityTargetModel).", nameof(model));
        }

        if (train.BatchSize > model.MaxBatch && train.SamplesPerEpoch > model.MaxBatch)
        {
            throw new ArgumentException($"The loader's batch size is {train.BatchSize}; expected at most the model's maximum batch {model.MaxBatch}.", nameof(train));
        }

        if (train.BatchCount == 0)
        {
            throw new ArgumentException(
                $"The loader yields no batch: an epoch has {train.SamplesPerEpoch} samples, the batch size is {train.BatchSize} and dropLast is {(train.DropLast ? "true" : "false")}; expected at least one batch per epoch (a batch size of at most {train.SamplesPerEpoch}, or dropLast: false).",
                nameof(train));
        }

        OptimizerOwnership.ThrowIfNotOver(optimizer, model, nameof(optimizer));
        CheckData(model, train.Dataset, nameof(train));
        if (options.Validation is { } validation)
        {
            CheckData(model, validation, nameof(options));
        }

        CheckOptions(options, optimizer, _labelModel is not null);
        _model = model;
        _optimizer = optimizer;
        _loader = train;
        _options = options;
        _callbacks = [.. options.Callbacks];
        _outputs = new float[model.MaxBatch * model.OutputSize];
        _best = options.EarlyStopping is { RestoreBestWeights: true } ? new ParameterSet(model.Parameters.Tensors, model.Parameters.Buffers) : null;
    }

    /// <summary>The model being trained.</summary>
    public IInferenceModel Model => _model;

    /// <summary>The early stopping of the options (its best epoch and value so far), or null.</summary>
    public EarlyStopping? EarlyStopping => _options.EarlyStopping;

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>The training batches.</summary>
    public DataLoader Loader => _loader;

    /// <summary>Epochs finished, including those of a resumed checkpoint.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>Optimizer steps taken, including those of a resumed checkpoint.</summary>
    public long StepsCompleted { get; private set; }

    /// <summary>Optimizer steps per epoch: the loader's batches, or their groups under <see cref="TrainerOptions.AccumulationSteps"/> (a last, smaller group included).</summary>
    public int StepsPerEpoch => (_loader.BatchCount + _options.AccumulationSteps - 1) / _options.AccumulationSteps;

    /// <summary>The metrics of every epoch this trainer ran since it was created or last resumed (a resume starts it again: the checkpoint's epochs are not in it).</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>
    /// Trains until <see cref="EpochsCompleted"/> reaches <paramref name="epochs"/>, early stopping stops it, or a
    /// callback calls <see cref="RequestStop"/>. Then, with <see cref="EarlyStopping.RestoreBestWeights"/>, puts the best
    /// epoch's parameters and buffers into the model and keeps the last epoch's, which the run continues from: a
    /// checkpoint holds them, and a later <c>Fit</c> first puts them back (taking the model's as the best epoch's), so
    /// that <c>Fit(3)</c> then <c>Fit(6)</c> trains as one <c>Fit(6)</c>.
    /// </summary>
    /// <param name="epochs">The epoch to train up to, counting those of a resumed checkpoint; positive.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>Why training ended.</returns>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled. The model, optimizer and loader are left after the last finished
    /// step, inside an epoch; continue from the last checkpoint.
    /// </exception>
    /// <exception cref="IOException">A checkpoint could not be written.</exception>
    public StopReason Fit(int epochs, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        cancellationToken.ThrowIfCancellationRequested();
        _stopRequested = false;
        if (_showingBest)
        {
            SwapBest(); // the run continues from the last epoch's state, not the best one the model was showing
        }

        StopReason reason = _options.EarlyStopping is { ShouldStop: true } ? StopReason.EarlyStopped : StopReason.Completed;
        _clock.Start();
        try
        {
            while (reason == StopReason.Completed && EpochsCompleted < epochs)
            {
                EpochMetrics metrics = RunEpoch(epochs, cancellationToken);
                bool last = EpochsCompleted >= epochs || _options.EarlyStopping is { ShouldStop: true } || _stopRequested;
                if (_options.CheckpointPath is string path && (last || EpochsCompleted % _options.CheckpointEvery == 0))
                {
                    SaveCheckpoint(path);
                }

                _options.Progress?.EpochCompleted(metrics);
                foreach (ITrainingCallback callback in _callbacks)
                {
                    callback.OnEpochEnd(this, metrics);
                }

                reason = _options.EarlyStopping is { ShouldStop: true } ? StopReason.EarlyStopped
                    : _stopRequested ? StopReason.Requested
                    : StopReason.Completed;
            }
        }
        finally
        {
            _clock.Stop();
        }

        if (NeedsBestWeights(EpochsCompleted))
        {
            SwapBest();
        }

        return reason;
    }

    /// <summary>Ends <see cref="Fit"/> after the current epoch (its checkpoint and callbacks still run).</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>
    /// The model's loss and accuracy on <paramref name="data"/> (see <see cref="Evaluation"/>), in eval mode: a model with
    /// modes (<see cref="IModalModel"/>) left in training mode is switched to eval mode for the call and back after it, so
    /// dropout is off and batch norm's running statistics are used, not moved.
    /// </summary>
    /// <param name="data">Samples with the model's input size: labels for a model trained on class indices, <c>OutputSize</c> targets otherwise.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public Evaluation Evaluate(InMemoryDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(_model, data, nameof(data));
        int classes = _model.OutputSize;
        double lossSum = 0;
        long correct = 0;
        using var evalMode = new EvalModeScope(_model);
        for (int start = 0; start < data.Count; start += _model.MaxBatch)
        {
            int batch = Math.Min(_model.MaxBatch, data.Count - start);
            ReadOnlySpan<float> features = data.FeatureValues.Slice(start * _model.InputSize, batch * _model.InputSize);
            Span<float> outputs = _outputs.AsSpan(0, batch * classes);
            if (_labelModel is not null)
            {
                _model.Predict(features, outputs, batch);
                for (int i = 0; i < batch; i++)
                {
                    if (data.IsIgnored(start + i))
                    {
                        continue;
                    }

                    ReadOnlySpan<float> row = outputs.Slice(i * classes, classes);
                    int label = data.Labels[start + i];
                    lossSum -= Math.Log(Math.Max(row[label], MinProbability));
                    correct += ArgMax.Row(row) == label ? 1 : 0;
                }
            }
            else
            {
                // The model's own loss, as TrainingLoss counts it: a mean-reduced batch loss times its batch, a sum as it is.
                _model.Forward(features, outputs, batch);
                float loss = _targetModel!.EvaluateLoss(outputs, data.TargetValues.Slice(start * classes, batch * classes), batch);
                lossSum += LossReduction == Reduction.Mean ? (double)loss * batch : loss;
            }
        }

        int evaluated = data.Count - data.IgnoredCount;
        return new Evaluation(lossSum / evaluated, _labelModel is not null ? (double)correct / evaluated : double.NaN, evaluated);
    }

    /// <summary>Computes the model's <see cref="IInferenceModel.Predict"/> output (probabilities) for every sample, in batches of <see cref="IInferenceModel.MaxBatch"/>, in eval mode (<see cref="Inference.Predict"/>).</summary>
    /// <param name="features">Samples × <c>InputSize</c> features, row-major.</param>
    /// <param name="probabilities">Receives samples × <c>OutputSize</c> values.</param>
    /// <exception cref="ArgumentException">The spans' lengths do not fit the model.</exception>
    public void Predict(ReadOnlySpan<float> features, Span<float> probabilities) => Inference.Predict(_model, features, probabilities);

    /// <summary>Captures the run between two epochs (see the remarks of <see cref="Trainer"/>).</summary>
    /// <returns>The checkpoint, with the last epoch's parameters and buffers even when the model shows the best epoch's; the best weights of early stopping are not part of it (<see cref="SaveCheckpoint"/> writes them).</returns>
    /// <exception cref="InvalidOperationException">The loader is inside an epoch (after a cancellation), or the optimizer is not an <see cref="IStatefulOptimizer"/>.</exception>
    public TrainingCheckpoint CreateCheckpoint()
    {
        IStatefulOptimizer optimizer = StatefulOptimizer();
        DataLoaderState loader = _loader.GetState();
        if (loader.NextBatch != _loader.BatchCount)
        {
            throw new InvalidOperationException($"The loader is inside epoch {loader.Epoch} (next batch {loader.NextBatch} of {_loader.BatchCount}); a checkpoint is taken between epochs.");
        }

        var entries = new Dictionary<string, string>(_options.CheckpointMetadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (_model is IStochasticModel stochastic)
        {
            entries[TrainerMetadata.DropoutKey] = TrainerMetadata.FormatGenerator(stochastic.DropoutGenerator.GetState());
        }

        if (_options.Scheduler is { } scheduler)
        {
            entries[TrainerMetadata.SchedulerKey] = SchedulerStateText.Format(scheduler.GetState());
        }

        if (_options.Plateau is { } plateau)
        {
            entries[TrainerMetadata.PlateauKey] = SchedulerStateText.Format(plateau.GetState());
        }

        entries[TrainerMetadata.AccumulationKey] = _options.AccumulationSteps.ToString(CultureInfo.InvariantCulture);
        entries[TrainerMetadata.LoaderKey] = TrainerMetadata.FormatLoader(_loader.Sampling, _loader.SamplesPerEpoch, _loader.DropLast);
        if (_options.EarlyStopping is { } rule)
        {
            entries[TrainerMetadata.EarlyStoppingKey] = TrainerMetadata.FormatEarlyStopping(rule);
        }

        var progress = new TrainingProgress(EpochsCompleted, StepsCompleted, loader.Rng, _loader.BatchSize, _loader.Dataset.Count);
        if (!_showingBest)
        {
            return TrainingCheckpoint.Capture(_model.Parameters, optimizer, progress, entries);
        }

        // The checkpoint holds the last epoch's state, which its optimizer state, schedules and counters belong to;
        // Capture copies the model's, so the two states trade places around it and the model shows the best one again.
        SwapBest();
        try
        {
            return TrainingCheckpoint.Capture(_model.Parameters, optimizer, progress, entries);
        }
        finally
        {
            SwapBest();
        }
    }

    /// <summary>Writes <see cref="CreateCheckpoint"/> to <paramref name="path"/> atomically, and the best weights beside it when early stopping needs them.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="IOException">Writing failed; the previous files survive.</exception>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TrainingCheckpoint checkpoint = CreateCheckpoint();
        if (NeedsBestWeights(EpochsCompleted))
        {
            ModelWeights.Save(_showingBest ? _model.Parameters : _best!, TrainerMetadata.BestWeightsPath(path));
        }

        checkpoint.Save(path);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/>: parameters, optimizer state, counters, the loader's
    /// generator, the dropout generator, the schedules and early stopping (with the best weights from
    /// <c>PATH.best.safetensors</c> when needed). Everything is read and checked before anything changes.
    /// </summary>
    /// <param name="checkpoint">A checkpoint of a run with the same model, optimizer settings, batch size, <see cref="TrainerOptions.AccumulationSteps"/>, training set size, loader sampling and samples per epoch, schedules and early stopping.</param>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this trainer (the message says what differs); nothing changed.</exception>
    /// <exception cref="InvalidOperationException">The optimizer cannot import state.</exception>
    public void Resume(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        IStatefulOptimizer optimizer = StatefulOptimizer();
        TrainingProgress progress = checkpoint.Progress;
        if (progress.BatchSize != _loader.BatchSize)
        {
            throw new InvalidDataException($"{checkpoint.Source}: the run was saved with batch size {progress.BatchSize}; this trainer uses {_loader.BatchSize}. Resume with the same batch size to continue the same run.");
        }

        if (progress.SampleCount != _loader.Dataset.Count)
        {
            throw new InvalidDataException($"{checkpoint.Source}: the run was saved with {progress.SampleCount} training samples; this trainer has {_loader.Dataset.Count}. Resume on the same training set to continue the same run.");
        }

        if (TrainerMetadata.ParseAccumulationSteps(checkpoint) is int accumulation && accumulation != _options.AccumulationSteps)
        {
            throw new InvalidDataException($"{checkpoint.Source}: the run was saved with AccumulationSteps {accumulation}; this trainer uses {_options.AccumulationSteps}. Resume with the same AccumulationSteps to continue the same run.");
        }

        // The step counters and a per-step schedule assume the saved epoch length; a weighted loader's is its samplesPerEpoch,
        // which the training set size above does not reveal, and another sampling would continue a different run.
        (DataSampling Sampling, int SamplesPerEpoch, bool? DropLast)? savedLoader = TrainerMetadata.ParseLoader(checkpoint);
        if (savedLoader is { } loader && (loader.Sampling != _loader.Sampling || loader.SamplesPerEpoch != _loader.SamplesPerEpoch))
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with a {loader.Sampling} loader of {loader.SamplesPerEpoch} samples per epoch; this trainer's loader is {_loader.Sampling} with {_loader.SamplesPerEpoch}. Resume with the same loader settings to continue the same run.");
        }

        // Dropping the last partial batch or not changes the steps per epoch only when there is one.
        if (savedLoader is { DropLast: bool savedDropLast } && savedDropLast != _loader.DropLast && _loader.SamplesPerEpoch % _loader.BatchSize != 0)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with a loader whose dropLast is {(savedDropLast ? "true" : "false")}; this trainer's is {(_loader.DropLast ? "true" : "false")}, and with {_loader.SamplesPerEpoch} samples in batches of {_loader.BatchSize} that changes the steps per epoch. Resume with the same dropLast to continue the same run.");
        }

        (uint, uint, uint, uint)? dropout = _model is IStochasticModel ? TrainerMetadata.ParseGenerator(checkpoint) : null;
        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.SchedulerKey, _options.Scheduler is not null, "a learning-rate schedule");
        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.PlateauKey, _options.Plateau is not null, "a plateau schedule");
        TrainerMetadata.CheckPresence(checkpoint, TrainerMetadata.EarlyStoppingKey, _options.EarlyStopping is not null, "early stopping");
        SchedulerState? schedule = _options.Scheduler is null ? null : TrainerMetadata.ParseScheduler(checkpoint, TrainerMetadata.SchedulerKey);
        SchedulerState? plateau = _options.Plateau is null ? null : TrainerMetadata.ParseScheduler(checkpoint, TrainerMetadata.PlateauKey);
        (double Best, int BestEpoch, int Wait)? rule = _options.EarlyStopping is null ? null : TrainerMetadata.ParseEarlyStopping(checkpoint);
        ParameterSet? best = null;
        if (_best is not null && rule is { } saved && saved.BestEpoch > 0 && saved.BestEpoch != progress.EpochsCompleted)
        {
            best = new ParameterSet(_model.Parameters.Tensors, _model.Parameters.Buffers);
            string path = TrainerMetadata.BestWeightsPath(checkpoint.Source);
            try
            {
                ModelWeights.Load(best, path);
            }
            catch (FileNotFoundException e)
            {
                throw new InvalidDataException($"{checkpoint.Source}: early stopping's best epoch is {saved.BestEpoch} but its weights file '{path}' is missing.", e);
            }
        }

        SchedulerState? previous = _options.Scheduler?.GetState();
        SchedulerState? previousPlateau = _options.Plateau?.GetState();
        try
        {
            SetSchedules(schedule, plateau);
            checkpoint.Restore(_model.Parameters, optimizer);
        }
        catch (ArgumentException e)
        {
            SetSchedules(previous, previousPlateau);
            throw new InvalidDataException($"{checkpoint.Source}: the saved schedule does not fit this trainer's: {e.Message}", e);
        }
        catch (InvalidDataException)
        {
            SetSchedules(previous, previousPlateau);
            throw;
        }

        _loader.SetState(new DataLoaderState(progress.EpochsCompleted, _loader.BatchCount, progress.ShuffleState, progress.ShuffleState));
        if (dropout is { } state)
        {
            ((IStochasticModel)_model).DropoutGenerator.SetState(state);
        }

        if (rule is { } r)
        {
            _options.EarlyStopping!.SetState(r.Best, r.BestEpoch, r.Wait);
        }

        if (_best is not null)
        {
            (best ?? _model.Parameters).CopyStateTo(_best);
        }

        _showingBest = false; // the model now holds the checkpoint's last epoch

        EpochsCompleted = progress.EpochsCompleted;
        StepsCompleted = progress.StepsCompleted;
        _history.Clear(); // epochs this trainer ran before are not part of the resumed run
    }

    private EpochMetrics RunEpoch(int epochs, CancellationToken cancellationToken)
    {
        int epoch = EpochsCompleted + 1;
        int stepsPerEpoch = StepsPerEpoch;
        _options.Progress?.EpochStarted(epoch, epochs, stepsPerEpoch);
        _loader.BeginEpoch();
        double lossSum = 0;
        long samples = 0;
        int step = 0; // micro-batches so far in the epoch
        int optimizerStep = 0;

        // The current optimizer step's per-sample loss sum and rows, over its micro-batches under accumulation.
        double stepLossSum = 0;
        int stepRows = 0;
        float learningRate = _optimizer.LearningRate;
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_loader.MoveNext())
            {
                break;
            }

            int batch = _loader.CurrentBatchSize;
            learningRate = _optimizer.LearningRate;
            float loss = _options.AccumulationSteps == 1 ? TrainStep(batch) : AccumulateStep(batch, step);

            // The per-sample losses' sum: a mean-reduced loss times its batch; a sum-reduced one (or None's sum) as it is.
            double batchLossSum = LossReduction == Reduction.Mean ? (double)loss * batch : loss;
            lossSum += batchLossSum;
            samples += batch;
            stepLossSum += batchLossSum;
            stepRows += batch;
            if (_options.AccumulationSteps > 1 && (step + 1) % _options.AccumulationSteps != 0 && step + 1 < _loader.BatchCount)
            {
                step++;
                continue;
            }

            if (_options.ClipGradNorm is float maxNorm)
            {
                GradientClipping.ClipGradNorm(_model.Parameters, maxNorm);
            }

            _optimizer.Step();
            StepsCompleted++;
            if (_options.SchedulerInterval == SchedulerInterval.Step)
            {
                _options.Scheduler?.Step();
            }

            step++;
            var info = new TrainingStep(epoch, ++optimizerStep, stepsPerEpoch, StepsCompleted, stepRows, StepLoss(stepLossSum, stepRows), lossSum / samples, learningRate);
            stepLossSum = 0;
            stepRows = 0;
            _options.Progress?.StepCompleted(in info);
            foreach (ITrainingCallback callback in _callbacks)
            {
                callback.OnStep(this, in info);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Evaluation? validation = _options.Validation is { } data ? Evaluate(data) : null;
        EpochsCompleted = epoch;
        var metrics = new EpochMetrics(
            epoch, samples == 0 ? double.NaN : lossSum / samples, validation?.Loss ?? double.NaN, validation?.Accuracy ?? double.NaN,
            learningRate, samples / Math.Max(seconds, 1e-9), _clock.Elapsed);
        _history.Add(metrics);
        if (_options.SchedulerInterval == SchedulerInterval.Epoch)
        {
            _options.Scheduler?.Step();
        }

        _options.Plateau?.Step(metrics.Value(_options.PlateauMonitor));
        if (_options.EarlyStopping is { } rule && rule.Update(epoch, metrics.Value(rule.Monitor)) && _best is not null)
        {
            _model.Parameters.CopyStateTo(_best);
        }

        return metrics;
    }

    /// <summary>How the model's loss reduces a batch.</summary>
    private Reduction LossReduction => _labelModel?.LossReduction ?? _targetModel!.LossReduction;

    /// <summary>
    /// An optimizer step's loss from the per-sample loss sum of its micro-batches: the rows-weighted mean under a mean
    /// loss (the loss whose gradient the step applied, as the micro-batches are scaled by their share of the rows), the
    /// sum otherwise. One batch's own loss comes back exactly.
    /// </summary>
    private float StepLoss(double lossSum, int rows) => LossReduction == Reduction.Mean ? (float)(lossSum / rows) : (float)lossSum;

    private float TrainStep(int batch) => _labelModel is not null
        ? _labelModel.TrainStep(_loader.Features, _loader.Labels, batch)
        : _targetModel!.TrainStep(_loader.Features, _loader.Targets, batch);

    /// <summary>
    /// One micro-batch of an accumulated step: the first of a group clears the gradients; each adds its gradients
    /// weighted by its share of the group's samples (mean loss) or by 1 (sum).
    /// </summary>
    private float AccumulateStep(int batch, int index)
    {
        int k = _options.AccumulationSteps;
        int first = index - (index % k);
        if (index == first)
        {
            _model.Parameters.ZeroGradients();
        }

        int last = Math.Min(first + k, _loader.BatchCount) - 1;
        long groupSamples = ((long)(last - first) * _loader.BatchSize) + (last == _loader.BatchCount - 1 ? LastBatchSize() : _loader.BatchSize);
        float scale = LossReduction == Reduction.Mean ? (float)((double)batch / groupSamples) : 1f;
        return _labelModel is not null
            ? _labelModel.AccumulateGradients(_loader.Features, _loader.Labels, batch, scale)
            : _targetModel!.AccumulateGradients(_loader.Features, _loader.Targets, batch, scale);
    }

    private int LastBatchSize()
    {
        int remainder = _loader.SamplesPerEpoch % _loader.BatchSize;
        return _loader.DropLast || remainder == 0 ? _loader.BatchSize : remainder;
    }

    private void SetSchedules(SchedulerState? schedule, SchedulerState? plateau)
    {
        if (schedule is not null)
        {
            _options.Scheduler!.SetState(schedule);
        }

        if (plateau is not null)
        {
            _options.Plateau!.SetState(plateau);
        }
    }

    private bool NeedsBestWeights(int epochsCompleted)
        => _best is not null && _options.EarlyStopping!.BestEpoch > 0 && _options.EarlyStopping.BestEpoch != epochsCompleted;

    /// <summary>
    /// Exchanges the model's state with <see cref="_best"/>'s, element by element so that nothing is allocated, and
    /// records which of the two the model now shows.
    /// </summary>
    private void SwapBest()
    {
        _model.Parameters.SwapStateWith(_best!);
        _showingBest = !_showingBest;
    }

    private IStatefulOptimizer StatefulOptimizer() => _optimizer as IStatefulOptimizer
        ?? throw new InvalidOperationException($"The optimizer ({_optimizer.GetType().Name}) does not implement IStatefulOptimizer, so its state cannot be saved or restored.");

    private static void CheckData(IInferenceModel model, InMemoryDataset data, string paramName)
    {
        if (data.Features != model.InputSize)
        {
            throw new ArgumentException($"The data has {data.Features} features per sample; expected the model's {model.InputSize}.", paramName);
        }

        if (model is IModel labelModel)
        {
            if (!data.HasLabels || data.Classes > model.OutputSize)
            {
                throw new ArgumentException(
                    data.HasLabels
                        ? $"The data has labels up to {data.Classes - 1}; expected labels below the model's {model.OutputSize} classes."
                        : $"The model trains on class-index labels; the data has {data.Targets} float targets per sample.",
                    paramName);
            }

            data.CheckIgnoreIndex(labelModel.LossIgnoreIndex, paramName);
        }
        else if (data.HasLabels || data.Targets != model.OutputSize)
        {
            throw new ArgumentException(
                $"The model trains on {model.OutputSize} float targets per sample; the data has {(data.HasLabels ? "class-index labels" : $"{data.Targets} targets")}.", paramName);
        }
    }

    private static void CheckOptions(TrainerOptions options, IOptimizer optimizer, bool labels)
    {
        TrainerMetadata.CheckCallerKeys(options.CheckpointMetadata, nameof(options));
        if (options.CheckpointEvery <= 0)
        {
            throw new ArgumentException($"CheckpointEvery is {options.CheckpointEvery}; expected at least 1.", nameof(options));
        }

        if (options.AccumulationSteps < 1)
        {
            throw new ArgumentException($"AccumulationSteps is {options.AccumulationSteps}; expected 1 or more batches per optimizer step.", nameof(options));
        }

        if (!Enum.IsDefined(options.SchedulerInterval))
        {
            throw new ArgumentException($"SchedulerInterval is {(int)options.SchedulerInterval}; expected SchedulerInterval.Epoch or SchedulerInterval.Step.", nameof(options));
        }

        if (options.Callbacks is null)
        {
            throw new ArgumentException("Callbacks is null; expected a list (empty for none).", nameof(options));
        }

        for (int i = 0; i < options.Callbacks.Count; i++)
        {
            if (options.Callbacks[i] is null)
            {
                throw new ArgumentException($"Callbacks[{i}] is null; expected callback objects.", nameof(options));
            }
        }

        if (options.CheckpointPath is string checkpoint && Path.GetDirectoryName(Path.GetFullPath(checkpoint)) is string folder && !Directory.Exists(folder))
        {
            // Found here rather than when the first epoch's checkpoint is written.
            throw new ArgumentException($"CheckpointPath's folder '{folder}' does not exist; create it or choose another path.", nameof(options));
        }

        if (options.ClipGradNorm is float maxNorm && !(float.IsFinite(maxNorm) && maxNorm > 0))
        {
            throw new ArgumentException($"ClipGradNorm is {maxNorm}; expected a finite value > 0.", nameof(options));
        }

        if (options.Scheduler is { } scheduler && !ReferenceEquals(scheduler.Optimizer, optimizer))
        {
            throw new ArgumentException("Scheduler schedules another optimizer; expected one built over the trainer's optimizer.", nameof(options));
        }

        if (options.Plateau is { } plateau && !ReferenceEquals(plateau.Optimizer, optimizer))
        {
            throw new ArgumentException("Plateau schedules another optimizer; expected one built over the trainer's optimizer.", nameof(options));
        }

        CheckMetric(options.Plateau is null ? null : options.PlateauMonitor, options, labels, "PlateauMonitor");
        if (options.Plateau is { } watched)
        {
            PlateauMode expected = options.PlateauMonitor == MonitoredMetric.ValidationAccuracy ? PlateauMode.Max : PlateauMode.Min;
            if (watched.Mode != expected)
            {
                throw new ArgumentException(
                    $"Plateau's mode is {watched.Mode} but PlateauMonitor is {options.PlateauMonitor}, which improves as it {(expected == PlateauMode.Max ? "rises" : "falls")}; expected a ReduceLROnPlateau with PlateauMode.{expected}.",
                    nameof(options));
            }
        }

        CheckMetric(options.EarlyStopping?.Monitor, options, labels, "EarlyStopping.Monitor");
    }

    private static void CheckMetric(MonitoredMetric? metric, TrainerOptions options, bool labels, string what)
    {
        if (metric is MonitoredMetric.ValidationLoss or MonitoredMetric.ValidationAccuracy && options.Validation is null)
        {
            throw new ArgumentException($"{what} is {metric}; expected TrainingLoss, or a Validation set.", nameof(options));
        }

        if (metric == MonitoredMetric.ValidationAccuracy && !labels)
        {
            throw new ArgumentException($"{what} is ValidationAccuracy, which a model trained on float targets does not have; expected ValidationLoss or TrainingLoss.", nameof(options));
        }

        if (metric is not null && !Enum.IsDefined(metric.Value))
        {
            throw new ArgumentException($"{what} is {metric}; expected ValidationLoss, ValidationAccuracy or TrainingLoss.", nameof(options));
        }
    }
}
