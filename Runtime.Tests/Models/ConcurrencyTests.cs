using System;
using System.Threading;
using System.Threading.Tasks;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// The threading contract of generated models: any number of threads may run inference on one instance at
/// once and get exactly the serial answers; a second thread entering TrainStep of a busy instance gets an
/// exception instead of corrupting the first one's step.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int Samples = 256;
    private const int Rounds = 40;

    [Fact]
    public void ForwardAndPredictFromEightThreads_MatchTheSerialResultsBitForBit()
    {
        var model = new MnistClassifier128(seed: 5, maxBatch: 64);
        float[] inputs = KernelReference.Random(Samples * 784, seed: 6, low: 0f, high: 1f);
        float[] serialLogits = new float[Samples * 10];
        float[] serialBatch = new float[64 * 10];
        for (int n = 0; n < Samples; n++)
        {
            model.Forward(inputs.AsSpan(n * 784, 784), serialLogits.AsSpan(n * 10, 10), 1);
        }

        model.Predict(inputs.AsSpan(0, 64 * 784), serialBatch, 64);

        int mismatches = 0;
        using var start = new Barrier(Threads);
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            float[] logits = new float[10];
            float[] batch = new float[64 * 10];
            start.SignalAndWait();
            for (int round = 0; round < Rounds; round++)
            {
                for (int n = 0; n < Samples; n++)
                {
                    int sample = (n + (thread * 37)) % Samples; // threads work on different samples at the same time
                    model.Forward(inputs.AsSpan(sample * 784, 784), logits, 1);
                    if (!logits.AsSpan().SequenceEqual(serialLogits.AsSpan(sample * 10, 10)))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }

                model.Predict(inputs.AsSpan(0, 64 * 784), batch, 64);
                if (!batch.AsSpan().SequenceEqual(serialBatch))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void InferenceOnlyModelFromEightThreads_MatchesTheSerialResultsBitForBit()
    {
        var model = new SoftmaxInferenceModel(seed: 7, maxBatch: 4);
        float[] inputs = KernelReference.Random(Samples * SoftmaxInferenceModel.InputSize, seed: 8);
        int outputs = SoftmaxInferenceModel.OutputSize;
        float[] serial = new float[Samples * outputs];
        for (int n = 0; n < Samples; n++)
        {
            model.Forward(inputs.AsSpan(n * SoftmaxInferenceModel.InputSize, SoftmaxInferenceModel.InputSize), serial.AsSpan(n * outputs, outputs), 1);
        }

        int mismatches = 0;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            float[] row = new float[outputs];
            for (int round = 0; round < Rounds * 10; round++)
            {
                int n = (round + (thread * 13)) % Samples;
                model.Forward(inputs.AsSpan(n * SoftmaxInferenceModel.InputSize, SoftmaxInferenceModel.InputSize), row, 1);
                if (!row.AsSpan().SequenceEqual(serial.AsSpan(n * outputs, outputs)))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void InferenceFromSeveralThreads_AllocatesNothingOnceEachThreadHasRun()
    {
        var model = new MnistClassifier128(seed: 9, maxBatch: 8);
        float[] inputs = KernelReference.Random(8 * 784, seed: 10, low: 0f, high: 1f);
        using var start = new Barrier(4);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            float[] probabilities = new float[8 * 10];
            start.SignalAndWait(); // all four run at once from here, so the pool holds as many arenas as callers overlap
            AllocationAssert.None("Predict on one of four threads", () => model.Predict(inputs, probabilities, 8), calls: 200, warmUp: 50);
        });
    }

    [Fact]
    public void TrainingModeForwardFromTwoThreadsAtOnce_SaysWhatRan()
    {
        const int Batch = 64;
        var model = new BatchNormNet(seed: 11, maxBatch: Batch) { Mode = ModelMode.Training };
        float[] inputs = KernelReference.Random(Batch * 6, seed: 12);
        InvalidOperationException? caught = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            float[] outputs = new float[Batch * BatchNormNet.OutputSize];
            while (Volatile.Read(ref caught) is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    model.Forward(inputs, outputs, Batch);
                }
                catch (InvalidOperationException e)
                {
                    Interlocked.CompareExchange(ref caught, e, null);
                }
            }
        });

        Assert.NotNull(caught);
        Assert.Contains("Forward/Predict with Mode = ModelMode.Training", caught.Message);
        Assert.Contains("in eval mode (the default) may run on any number of threads", caught.Message);
    }

    /// <summary>Two threads stepping one optimizer lost or interleaved updates silently; the second now gets an exception.</summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void OptimizerStepFromTwoThreadsAtOnce_Throws(string algorithm)
    {
        var model = new MnistClassifier128(seed: 13, maxBatch: 8);
        IOptimizer optimizer = algorithm switch
        {
            "sgd" => new Sgd(model.Parameters, 0.01f, momentum: 0.9f),
            "adam" => new Adam(model.Parameters),
            "rmsprop" => new RMSprop(model.Parameters),
            _ => new Adagrad(model.Parameters),
        };
        InvalidOperationException? caught = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            while (Volatile.Read(ref caught) is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    optimizer.Step();
                }
                catch (InvalidOperationException e)
                {
                    Interlocked.CompareExchange(ref caught, e, null);
                }
            }
        });

        Assert.NotNull(caught);
        Assert.Contains($"Step started on this {optimizer.GetType().Name} while another thread was inside Step", caught.Message);
        optimizer.Step(); // the flag is clear again
    }

    [Fact]
    public void TrainStepFromTwoThreadsAtOnce_ThrowsInsteadOfCorrupting()
    {
        const int Batch = 256;
        var model = new MnistClassifier128(seed: 11, maxBatch: Batch);
        var reference = new MnistClassifier128(seed: 11, maxBatch: Batch);
        float[] inputs = KernelReference.Random(Batch * 784, seed: 12, low: 0f, high: 1f);
        int[] labels = KernelReference.RandomLabels(Batch, 10, seed: 13);
        float expected = reference.TrainStep(inputs, labels, Batch);

        InvalidOperationException? caught = null;
        int wrongLosses = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            while (Volatile.Read(ref caught) is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    if (model.TrainStep(inputs, labels, Batch) != expected)
                    {
                        Interlocked.Increment(ref wrongLosses);
                    }
                }
                catch (InvalidOperationException e)
                {
                    Interlocked.CompareExchange(ref caught, e, null);
                }
            }
        });

        Assert.NotNull(caught);
        Assert.Contains("TrainStep", caught.Message);
        Assert.Contains(nameof(MnistClassifier128), caught.Message);
        Assert.Contains("one thread at a time", caught.Message);
        Assert.Equal(0, wrongLosses);

        // The step that was running finished and released the model: a later step runs and matches.
        Assert.Equal(expected, model.TrainStep(inputs, labels, Batch));
        Assert.True(model.Parameters.Gradients.SequenceEqual(reference.Parameters.Gradients));
    }

    [Fact]
    public void ARejectedTrainStep_LeavesTheModelUsable()
    {
        var model = new MnistClassifier128(seed: 14, maxBatch: 4);
        float[] inputs = new float[4 * 784];
        int[] bad = [0, 1, 2, 12];
        int[] good = [0, 1, 2, 3];

        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(inputs, bad, 4));

        Assert.True(float.IsFinite(model.TrainStep(inputs, good, 4)));
    }
}
