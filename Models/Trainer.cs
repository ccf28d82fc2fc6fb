using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticGrad.Checkpoints;
using StaticGrad.Data;

namespace StaticGrad.Models;

/// <summary>
/// The classic minibatch loop: reshuffle every epoch, one <see cref="IModel.TrainStep"/> and one
/// optimizer step per batch, then test accuracy. Allocates nothing per step.
/// </summary>
/// <remarks>
/// Between epochs the run can be saved (<see cref="CreateCheckpoint"/>, <see cref="SaveCheckpoint"/>)
/// and resumed in a new trainer (<see cref="Resume"/>): the parameters, the optimizer's state and the
/// shuffling generator's state are restored, so the resumed run ends bit-identical to an uninterrupted one.
/// </remarks>
public sealed class Trainer
{
    private readonly IModel _model;
    private readonly IOptimizer _optimizer;
    private readonly MnistDataset _test;
    /// <summary>The metadata key of the dropout generator's state in a checkpoint.</summary>
    public const string DropoutStateKey = "dropout.state";

    private readonly MinibatchSampler _sampler;
    private readonly Rng _shuffle;
    private readonly float[] _logits;
    private readonly Stopwatch _clock = new();
    private int _epoch;
    private long _steps;

    /// <summary>Prepares training of <paramref name="model"/> on <paramref name="train"/>.</summary>
    /// <param name="model">The model; its <see cref="IModel.MaxBatch"/> must be at least <paramref name="batchSize"/>.</param>
    /// <param name="optimizer">An optimizer over the model's parameters.</param>
    /// <param name="train">The training set.</param>
    /// <param name="test">The test set, evaluated after every epoch.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="shuffleSeed">Seeds the per-epoch reshuffle.</param>
    public Trainer(IModel model, IOptimizer optimizer, MnistDataset train, MnistDataset test, int batchSize, ulong shuffleSeed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (batchSize <= 0 || batchSize > model.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Expected 1 to the model's maximum batch {model.MaxBatch}.");
        }

        if (train.Features != model.InputSize || test.Features != model.InputSize)
        {
            throw new ArgumentException($"The model takes {model.InputSize} features per sample; the data has {train.Features} (train) and {test.Features} (test).", nameof(train));
        }

        _model = model;
        _optimizer = optimizer;
        _test = test;
        _shuffle = new Rng(shuffleSeed);
        _sampler = new MinibatchSampler(train, batchSize, _shuffle);
        _logits = new float[model.MaxBatch * model.OutputSize];
    }

    /// <summary>The number of steps in one epoch.</summary>
    public int StepsPerEpoch => _sampler.BatchCount;

    /// <summary>Epochs finished, including those of a resumed checkpoint.</summary>
    public int EpochsCompleted => _epoch;

    /// <summary>Optimizer steps taken, including those of a resumed checkpoint.</summary>
    public long StepsCompleted => _steps;

    /// <summary>Runs one epoch and evaluates the test set.</summary>
    /// <param name="progress">Called after each step with (steps done, steps in the epoch, running mean loss); may be null.</param>
    /// <returns>The epoch's loss, accuracy and speed.</returns>
    public EpochResult RunEpoch(Action<int, int, double>? progress = null)
    {
        _clock.Start();
        _epoch++;
        _sampler.Shuffle();
        double lossSum = 0;
        int samples = 0;
        long start = Stopwatch.GetTimestamp();
        for (int b = 0; b < _sampler.BatchCount; b++)
        {
            int batch = _sampler.Gather(b);
            float loss = _model.TrainStep(_sampler.Inputs, _sampler.Labels, batch);
            _optimizer.Step();
            _steps++;
            lossSum += (double)loss * batch;
            samples += batch;
            progress?.Invoke(b + 1, _sampler.BatchCount, lossSum / samples);
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double accuracy = Evaluate(_test);
        _clock.Stop();
        return new EpochResult(_epoch, lossSum / samples, accuracy, samples / Math.Max(seconds, 1e-9), _clock.Elapsed);
    }

    /// <summary>Captures the run as it stands between epochs: parameters, optimizer state and data order.</summary>
    /// <param name="metadata">Extra entries to store (e.g. the model's name); keys must not be reserved.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="InvalidOperationException">The optimizer cannot export its state (it is not an <see cref="IStatefulOptimizer"/>).</exception>
    public TrainingCheckpoint CreateCheckpoint(IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        IStatefulOptimizer optimizer = StatefulOptimizer();
        var progress = new TrainingProgress(_epoch, _steps, _shuffle.GetState(), _sampler.BatchSize, _sampler.Dataset.Count);
        var entries = new List<KeyValuePair<string, string>>(metadata ?? Array.Empty<KeyValuePair<string, string>>());
        if (_model is IStochasticModel stochastic)
        {
            (uint s0, uint s1, uint s2, uint s3) = stochastic.DropoutGenerator.GetState();
            entries.Add(new KeyValuePair<string, string>(DropoutStateKey, string.Join(",", new[] { s0, s1, s2, s3 }.Select(w => w.ToString("x8", CultureInfo.InvariantCulture)))));
        }

        return TrainingCheckpoint.Capture(_model.Parameters, optimizer, progress, entries);
    }

    /// <summary>Writes a checkpoint of the run to <paramref name="path"/> atomically (the previous file survives a failed write).</summary>
    /// <param name="path">The destination.</param>
    /// <param name="metadata">Extra entries to store; keys must not be reserved.</param>
    /// <exception cref="IOException">Writing failed.</exception>
    public void SaveCheckpoint(string path, IEnumerable<KeyValuePair<string, string>>? metadata = null) => CreateCheckpoint(metadata).Save(path);

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/>: restores the parameters, the optimizer's
    /// state, the epoch and step counters and the shuffling generator, so the next <see cref="RunEpoch"/>
    /// is the epoch after the saved one. Everything is checked before anything changes.
    /// </summary>
    /// <param name="checkpoint">A checkpoint of a run with the same model, optimizer settings, batch size and training set size.</param>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this run (the message says what differs); nothing changed.</exception>
    /// <exception cref="InvalidOperationException">The optimizer cannot import state.</exception>
    public void Resume(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        IStatefulOptimizer optimizer = StatefulOptimizer();
        TrainingProgress progress = checkpoint.Progress;
        if (progress.BatchSize != _sampler.BatchSize)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with batch size {progress.BatchSize}; this trainer uses {_sampler.BatchSize}. Resume with the same batch size to continue the same run.");
        }

        if (progress.SampleCount != _sampler.Dataset.Count)
        {
            throw new InvalidDataException(
                $"{checkpoint.Source}: the run was saved with {progress.SampleCount} training samples; this trainer has {_sampler.Dataset.Count}. Resume on the same training set to continue the same run.");
        }

        (uint, uint, uint, uint)? dropout = null;
        if (_model is IStochasticModel)
        {
            dropout = ParseDropoutState(checkpoint);
        }

        checkpoint.Restore(_model.Parameters, optimizer);
        _shuffle.SetState(progress.ShuffleState);
        if (dropout is { } state)
        {
            ((IStochasticModel)_model).DropoutGenerator.SetState(state);
        }
        _epoch = progress.EpochsCompleted;
        _steps = progress.StepsCompleted;
    }

    /// <summary>The fraction of <paramref name="data"/> the model classifies correctly.</summary>
    /// <param name="data">Samples and labels with the model's input size.</param>
    /// <returns>Accuracy in [0, 1].</returns>
    public double Evaluate(MnistDataset data) => Classification.Accuracy(Classification.ConfusionMatrix(_model, data, _logits));

    /// <summary>The dropout generator's state a checkpoint of a model with dropout holds (four hexadecimal words).</summary>
    private static (uint, uint, uint, uint) ParseDropoutState(TrainingCheckpoint checkpoint)
    {
        if (!checkpoint.Metadata.TryGetValue(DropoutStateKey, out string? text))
        {
            throw new InvalidDataException($"{checkpoint.Source}: the model has dropout but the checkpoint holds no '{DropoutStateKey}'; it was saved from another model.");
        }

        string[] words = text.Split(',');
        var values = new uint[4];
        if (words.Length != 4 || words.Where((w, i) => !uint.TryParse(w, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out values[i])).Any())
        {
            throw new InvalidDataException($"{checkpoint.Source}: '{DropoutStateKey}' must be four hexadecimal 32-bit words, got '{SafeTensorsReader.Shown(text)}'.");
        }

        return (values[0], values[1], values[2], values[3]);
    }

    private IStatefulOptimizer StatefulOptimizer() => _optimizer as IStatefulOptimizer
        ?? throw new InvalidOperationException($"The optimizer ({_optimizer.GetType().Name}) does not implement IStatefulOptimizer, so its state cannot be saved or restored.");
}
