using System;
using System.Diagnostics;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Models;

/// <summary>
/// The classic minibatch loop: reshuffle every epoch, one <see cref="IModel.TrainStep"/> and one
/// optimizer step per batch, then test accuracy. Allocates nothing per step.
/// </summary>
public sealed class Trainer
{
    private readonly IModel _model;
    private readonly IOptimizer _optimizer;
    private readonly MnistDataset _test;
    private readonly MinibatchSampler _sampler;
    private readonly float[] _logits;
    private readonly Stopwatch _clock = new();
    private int _epoch;

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
        _sampler = new MinibatchSampler(train, batchSize, new Rng(shuffleSeed));
        _logits = new float[model.MaxBatch * model.OutputSize];
    }

    /// <summary>The number of steps in one epoch.</summary>
    public int StepsPerEpoch => _sampler.BatchCount;

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
            lossSum += (double)loss * batch;
            samples += batch;
            progress?.Invoke(b + 1, _sampler.BatchCount, lossSum / samples);
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double accuracy = Evaluate(_test);
        _clock.Stop();
        return new EpochResult(_epoch, lossSum / samples, accuracy, samples / Math.Max(seconds, 1e-9), _clock.Elapsed);
    }

    /// <summary>The fraction of <paramref name="data"/> the model classifies correctly.</summary>
    /// <param name="data">Samples and labels with the model's input size.</param>
    /// <returns>Accuracy in [0, 1].</returns>
    public double Evaluate(MnistDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int classes = _model.OutputSize;
        int features = _model.InputSize;
        int correct = 0;
        for (int start = 0; start < data.Count; start += _model.MaxBatch)
        {
            int batch = Math.Min(_model.MaxBatch, data.Count - start);
            _model.Forward(data.Images.Slice(start * features, batch * features), _logits, batch);
            for (int i = 0; i < batch; i++)
            {
                if (ArgMax.Row(_logits.AsSpan(i * classes, classes)) == data.Labels[start + i])
                {
                    correct++;
                }
            }
        }

        return (double)correct / data.Count;
    }
}
