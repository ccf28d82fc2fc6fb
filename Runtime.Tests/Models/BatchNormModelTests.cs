using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticGrad.Checkpoints;
using StaticGrad.Runtime.Tests.Checkpoints;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>
/// Generated models with BatchNorm1d: no allocation per step, gradients against finite differences, train and eval
/// modes (batch versus running statistics, running statistics updated only in training mode), and the buffers
/// (running statistics and the I64 batch counter) through training checkpoints, weights files and initialization.
/// </summary>
public sealed class BatchNormModelTests : IDisposable
{
    private const int Batch = 9;

    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void TrainStepAndForwardAllocateNothing()
    {
        var model = new BatchNormNet(seed: 1, maxBatch: 16);
        float[] inputs = KernelReference.Random(Batch * BatchNormNet.InputSize, seed: 2);
        int[] labels = Enumerable.Range(0, Batch).Select(i => i % 3).ToArray();
        float[] logits = new float[Batch * BatchNormNet.OutputSize];

        AllocationAssert.None("BatchNormNet.TrainStep", () => model.TrainStep(inputs, labels, Batch));
        AllocationAssert.None("BatchNormNet.Forward", () => model.Forward(inputs, logits, Batch));
        model.Mode = ModelMode.Training;
        AllocationAssert.None("BatchNormNet.Forward in training mode", () => model.Forward(inputs, logits, Batch));
    }

    [Fact]
    public void CumulativeAverageRegressionMatchesFiniteDifferencesOverEveryParameter()
    {
        const int B = 6;
        var model = new BatchNormCumulativeNet(seed: 7, maxBatch: 8);
        float[] inputs = KernelReference.Random(B * BatchNormCumulativeNet.InputSize, seed: 8, low: -2f, high: 2f);
        float[] targets = KernelReference.Random(B * BatchNormCumulativeNet.OutputSize, seed: 9, low: -0.5f, high: 0.5f);
        float[] buffers = model.Parameters.BufferValues.ToArray();
        long[] counters = model.Parameters.Counters.ToArray();

        float trainLoss = model.TrainStep(inputs, targets, B);
        float[] gradients = model.Parameters.Gradients.ToArray();
        Assert.Equal(1L, model.Bn.NumBatchesTracked[0]);
        Assert.Contains(gradients, g => g != 0f);

        // The training-mode loss through Forward, with the running statistics and the counter put back before each
        // evaluation so that every evaluation sees the same state.
        float[] outputs = new float[B * BatchNormCumulativeNet.OutputSize];
        model.Mode = ModelMode.Training;
        double Loss()
        {
            buffers.CopyTo(model.Parameters.BufferValues);
            counters.CopyTo(model.Parameters.Counters);
            model.Forward(inputs, outputs, B);
            double sum = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                double d = outputs[i] - (double)targets[i];
                sum += d * d;
            }

            return sum / outputs.Length;
        }

        double loss = Loss();
        Assert.True(Math.Abs(loss - trainLoss) <= 1e-6 * (1 + loss), $"Forward's training-mode MSE {loss} differs from TrainStep's {trainLoss}");
        int checkedCount = GradientCheck.AssertGradientMatches(Loss, model.Parameters.Values, gradients, "BatchNormCumulativeNet parameters", relativeTolerance: 2e-3, absoluteTolerance: 2e-5, maxElements: 200);
        Assert.Equal(model.Parameters.Count, checkedCount);
        Assert.Contains(model.Parameters.Tensors, t => t.Name == "bn.weight");
        Assert.Contains(model.Parameters.Tensors, t => t.Name == "bn.bias");
    }

    [Fact]
    public void AModeOutsideTheEnumIsRefused_AndTheModeStays()
    {
        var model = new BatchNormNet(seed: 3, maxBatch: 16) { Mode = ModelMode.Training };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Mode = (ModelMode)42);
        Assert.Equal("value", error.ParamName);
        Assert.Contains("ModelMode.Evaluation or ModelMode.Training", error.Message, StringComparison.Ordinal);
        Assert.Equal(ModelMode.Training, model.Mode);
    }

    [Fact]
    public void EvalModeIsTheDefault_UsesTheRunningStatistics_AndChangesNoBuffer()
    {
        var model = new BatchNormNet(seed: 3, maxBatch: 16);
        float[] inputs = KernelReference.Random(Batch * BatchNormNet.InputSize, seed: 4);
        Assert.Equal(ModelMode.Evaluation, model.Mode);

        float[] eval = Forward(model, inputs, Batch);
        Assert.Equal(eval, Forward(model, inputs, Batch));
        Assert.All(model.Parameters.Counters.ToArray(), c => Assert.Equal(0L, c));
        Assert.All(model.Bn1.RunningMean.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Bn1.RunningVar.ToArray(), v => Assert.Equal(1f, v));

        model.Bn1.RunningMean[2] = 0.75f;
        Assert.NotEqual(eval, Forward(model, inputs, Batch));
        model.Bn1.RunningMean[2] = 0f;
        Assert.Equal(eval, Forward(model, inputs, Batch));

        model.Bn2.RunningVar[1] = 4f;
        Assert.NotEqual(eval, Forward(model, inputs, Batch));
        model.Bn2.RunningVar[1] = 1f;
        Assert.Equal(eval, Forward(model, inputs, Batch));

        // With fixed statistics a sample's output does not depend on the rest of the batch.
        float[] alone = Forward(model, inputs.AsSpan(0, BatchNormNet.InputSize).ToArray(), 1);
        for (int j = 0; j < alone.Length; j++)
        {
            Assert.True(Math.Abs(alone[j] - eval[j]) <= 1e-5f, $"sample 0 output {j}: alone {alone[j]}, in the batch {eval[j]}");
        }
    }

    [Fact]
    public void TrainingModeForwardUsesTheBatchStatistics_AndUpdatesTheRunningStatisticsAndCounters()
    {
        var model = new BatchNormNet(seed: 5, maxBatch: 16);
        float[] inputs = KernelReference.Random(Batch * BatchNormNet.InputSize, seed: 6, low: -2f, high: 3f);
        float[] eval = Forward(model, inputs, Batch);

        model.Mode = ModelMode.Training;
        float[] train = Forward(model, inputs, Batch);
        Assert.NotEqual(eval, train);
        Assert.Equal(1L, model.Bn1.NumBatchesTracked[0]);
        Assert.Equal(1L, model.Bn2.NumBatchesTracked[0]);

        // bn1 normalizes fc1's output: running = 0.9 · (0, 1) + 0.1 · (batch mean, unbiased batch variance).
        double[] h = Fc1(model, inputs, Batch);
        const int Features = 8;
        for (int j = 0; j < Features; j++)
        {
            double mean = 0;
            for (int n = 0; n < Batch; n++)
            {
                mean += h[(n * Features) + j];
            }

            mean /= Batch;
            double squares = 0;
            for (int n = 0; n < Batch; n++)
            {
                squares += (h[(n * Features) + j] - mean) * (h[(n * Features) + j] - mean);
            }

            double expectedMean = 0.1 * mean;
            double expectedVar = 0.9 + (0.1 * squares / (Batch - 1));
            Assert.True(Math.Abs(model.Bn1.RunningMean[j] - expectedMean) <= 1e-6, $"bn1.running_mean[{j}]: expected {expectedMean}, got {model.Bn1.RunningMean[j]}");
            Assert.True(Math.Abs(model.Bn1.RunningVar[j] - expectedVar) <= 1e-5 * (1 + expectedVar), $"bn1.running_var[{j}]: expected {expectedVar}, got {model.Bn1.RunningVar[j]}");
        }

        // Normalized with the batch statistics, the training output does not move when the running statistics do.
        model.Bn1.RunningMean[0] = 5f;
        model.Bn2.RunningVar[0] = 9f;
        float[] again = Forward(model, inputs, Batch);
        Assert.Equal(train, again);
        Assert.Equal(2L, model.Bn1.NumBatchesTracked[0]);

        // A training step counts too, and does not switch the mode.
        model.Mode = ModelMode.Evaluation;
        model.TrainStep(inputs, Enumerable.Range(0, Batch).Select(i => i % 3).ToArray(), Batch);
        Assert.Equal(ModelMode.Evaluation, model.Mode);
        Assert.Equal(3L, model.Bn1.NumBatchesTracked[0]);
        Assert.Equal(3L, model.Bn2.NumBatchesTracked[0]);
    }

    [Fact]
    public void TrainingCheckpointRoundTrip_RestoresRunningStatisticsAndCountersBitForBit()
    {
        (BatchNormNet model, Adam adam) = Trained(seed: 11, steps: 3);
        string path = _files.PathOf("bn.safetensors");
        TrainingCheckpoint.Capture(model.Parameters, adam, Progress()).Save(path);

        using (SafeTensorsReader reader = SafeTensorsReader.Open(path))
        {
            Assert.True(reader.TryGetTensor("bn2.num_batches_tracked", out SafeTensorInfo counter));
            Assert.Equal("I64", counter.DType);
            Assert.True(reader.TryGetTensor("bn1.running_var", out SafeTensorInfo variance));
            Assert.Equal("F32", variance.DType);
        }

        var fresh = new BatchNormNet(seed: 99, maxBatch: 16);
        var freshAdam = new Adam(fresh.Parameters, 1e-2f);
        TrainingCheckpoint.Load(path).Restore(fresh.Parameters, freshAdam);

        Assert.Equal(Bits(model.Parameters.Values), Bits(fresh.Parameters.Values));
        Assert.Equal(Bits(model.Parameters.BufferValues), Bits(fresh.Parameters.BufferValues));
        Assert.Equal(model.Parameters.Counters.ToArray(), fresh.Parameters.Counters.ToArray());
        Assert.Equal(3L, fresh.Bn1.NumBatchesTracked[0]);
        Assert.Contains(fresh.Bn1.RunningMean.ToArray(), v => v != 0f);

        // Training continues identically, running statistics included.
        float[] inputs = KernelReference.Random(Batch * BatchNormNet.InputSize, seed: 12);
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 2) % 3).ToArray();
        Assert.Equal(model.TrainStep(inputs, labels, Batch), fresh.TrainStep(inputs, labels, Batch));
        adam.Step();
        freshAdam.Step();
        Assert.Equal(Bits(model.Parameters.Values), Bits(fresh.Parameters.Values));
        Assert.Equal(Bits(model.Parameters.BufferValues), Bits(fresh.Parameters.BufferValues));
        Assert.Equal(4L, fresh.Bn2.NumBatchesTracked[0]);
    }

    [Fact]
    public void ACumulativeAverageResumesFromTheRestoredCounter()
    {
        const int B = 5;
        var model = new BatchNormCumulativeNet(seed: 13, maxBatch: 8);
        var adam = new Adam(model.Parameters, 1e-2f);
        float[] inputs = KernelReference.Random(B * BatchNormCumulativeNet.InputSize, seed: 14);
        float[] targets = KernelReference.Random(B * BatchNormCumulativeNet.OutputSize, seed: 15);
        for (int step = 0; step < 4; step++)
        {
            model.TrainStep(inputs, targets, B);
            adam.Step();
        }

        using var stream = new MemoryStream();
        TrainingCheckpoint.Capture(model.Parameters, adam, Progress()).WriteTo(stream);
        stream.Position = 0;
        var fresh = new BatchNormCumulativeNet(seed: 16, maxBatch: 8);
        var freshAdam = new Adam(fresh.Parameters, 1e-2f);
        TrainingCheckpoint.Read(stream, "memory").Restore(fresh.Parameters, freshAdam);
        Assert.Equal(4L, fresh.Bn.NumBatchesTracked[0]);

        // The fifth batch weighs 1/5: a counter restored as 0 would make the running mean that batch's own mean.
        model.TrainStep(inputs, targets, B);
        fresh.TrainStep(inputs, targets, B);
        Assert.Equal(5L, fresh.Bn.NumBatchesTracked[0]);
        Assert.Equal(Bits(model.Parameters.BufferValues), Bits(fresh.Parameters.BufferValues));
    }

    [Fact]
    public void ACheckpointWhoseCounterIsF32_IsRefused_NamingTheBufferAndI64_AndChangesNothing()
    {
        (BatchNormNet model, Adam adam) = Trained(seed: 17, steps: 2);
        using var original = new MemoryStream();
        TrainingCheckpoint.Capture(model.Parameters, adam, Progress()).WriteTo(original);
        string path = _files.Write("f32-counter.safetensors", WithF32Counter(original.ToArray(), "bn1.num_batches_tracked"));

        var target = new BatchNormNet(seed: 18, maxBatch: 16);
        var targetAdam = new Adam(target.Parameters, 1e-2f);
        byte[] values = Bits(target.Parameters.Values);
        byte[] buffers = Bits(target.Parameters.BufferValues);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(path).Restore(target.Parameters, targetAdam));
        Assert.Contains("'bn1.num_batches_tracked'", e.Message);
        Assert.Contains("I64", e.Message);
        Assert.Contains("F32", e.Message);
        Assert.Equal(values, Bits(target.Parameters.Values));
        Assert.Equal(buffers, Bits(target.Parameters.BufferValues));
        Assert.All(target.Parameters.Counters.ToArray(), c => Assert.Equal(0L, c));
    }

    [Fact]
    public void AWeightsFileWhoseCounterIsF32_IsRefused_NamingTheBufferAndI64_AndChangesNothing()
    {
        (BatchNormNet model, _) = Trained(seed: 19, steps: 2);
        using var original = new MemoryStream();
        ModelWeights.Save(model.Parameters, original);
        string path = _files.Write("f32-counter-weights.safetensors", WithF32Counter(original.ToArray(), "bn2.num_batches_tracked"));

        var target = new BatchNormNet(seed: 20, maxBatch: 16);
        byte[] values = Bits(target.Parameters.Values);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(target.Parameters, path));
        Assert.Contains("'bn2.num_batches_tracked'", e.Message);
        Assert.Contains("I64", e.Message);
        Assert.Equal(values, Bits(target.Parameters.Values));
        Assert.All(target.Parameters.Counters.ToArray(), c => Assert.Equal(0L, c));

        // The unmodified file loads.
        ModelWeights.Load(target.Parameters, new MemoryStream(original.ToArray()), "original");
        Assert.Equal(2L, target.Bn2.NumBatchesTracked[0]);
    }

    [Fact]
    public void ACheckpointRestoredIntoParametersWithOtherBuffers_IsRefusedNamingTheBuffer()
    {
        (BatchNormNet model, Adam adam) = Trained(seed: 21, steps: 1);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Capture(model.Parameters, adam, Progress());
        var fresh = new BatchNormNet(seed: 22, maxBatch: 16);
        IReadOnlyList<ParameterTensor> tensors = fresh.Parameters.Tensors;

        // The same parameters without buffers (as if bn1 had track_running_stats=False).
        var withoutBuffers = new ParameterSet(tensors, fresh.Parameters.Buffers.Where(b => !b.Name.StartsWith("bn1.", StringComparison.Ordinal)).Select(Renumbered()).ToArray());
        InvalidDataException unexpected = Assert.Throws<InvalidDataException>(() => checkpoint.Restore(withoutBuffers, new Adam(withoutBuffers, 1e-2f)));
        Assert.Contains("unexpected buffer(s)", unexpected.Message);
        Assert.Contains("bn1.running_mean", unexpected.Message);
        Assert.Contains("bn1.num_batches_tracked", unexpected.Message);

        // The same parameters with a running variance of another length.
        var otherShape = new ParameterSet(tensors, fresh.Parameters.Buffers.Select(b => b.Name == "bn2.running_var" ? new BufferTensor(b.Name, b.Offset, [6], b.ElementType, b.InitialValue) : b).ToArray());
        InvalidDataException shape = Assert.Throws<InvalidDataException>(() => checkpoint.Restore(otherShape, new Adam(otherShape, 1e-2f)));
        Assert.Contains("'bn2.running_var'", shape.Message);
        Assert.All(otherShape.Values.ToArray(), v => Assert.Equal(0f, v));

        // The model it came from takes it.
        checkpoint.Restore(fresh.Parameters, new Adam(fresh.Parameters, 1e-2f));
        Assert.Equal(model.Parameters.Counters.ToArray(), fresh.Parameters.Counters.ToArray());
    }

    [Fact]
    public void InitializeResetsTheBuffers()
    {
        (BatchNormNet model, _) = Trained(seed: 23, steps: 2);
        Assert.Contains(model.Bn1.RunningMean.ToArray(), v => v != 0f);
        Assert.Contains(model.Bn2.RunningVar.ToArray(), v => v != 1f);
        Assert.Equal(2L, model.Bn1.NumBatchesTracked[0]);

        model.Parameters.Initialize(new Rng(5));

        Assert.All(model.Bn1.RunningMean.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Bn2.RunningMean.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Bn1.RunningVar.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(model.Bn2.RunningVar.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(model.Parameters.Counters.ToArray(), c => Assert.Equal(0L, c));
        Assert.All(model.Bn1.Weight.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(model.Bn1.Bias.ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>A model trained with Adam for a few steps, so that parameters, running statistics and counters all moved.</summary>
    private static (BatchNormNet Model, Adam Optimizer) Trained(int seed, int steps)
    {
        var model = new BatchNormNet(seed, maxBatch: 16);
        var adam = new Adam(model.Parameters, 1e-2f);
        for (int step = 0; step < steps; step++)
        {
            float[] inputs = KernelReference.Random(Batch * BatchNormNet.InputSize, seed: (ulong)(1000 + step), low: -2f, high: 3f);
            int[] labels = Enumerable.Range(0, Batch).Select(i => (i + step) % 3).ToArray();
            model.TrainStep(inputs, labels, Batch);
            adam.Step();
        }

        return (model, adam);
    }

    private static TrainingProgress Progress() => new(1, 3, (1, 2, 3, 4), Batch, 100);

    private static float[] Forward(BatchNormNet model, float[] inputs, int batch)
    {
        float[] outputs = new float[batch * BatchNormNet.OutputSize];
        model.Forward(inputs, outputs, batch);
        return outputs;
    }

    /// <summary>fc1's output <c>x · Wᵀ + b</c> in double.</summary>
    private static double[] Fc1(BatchNormNet model, float[] inputs, int batch)
    {
        Span<float> w = model.Parameters.ValuesOf(model.Parameters["fc1.weight"]);
        Span<float> b = model.Parameters.ValuesOf(model.Parameters["fc1.bias"]);
        int outputs = b.Length;
        double[] h = new double[batch * outputs];
        for (int n = 0; n < batch; n++)
        {
            for (int j = 0; j < outputs; j++)
            {
                double sum = b[j];
                for (int k = 0; k < BatchNormNet.InputSize; k++)
                {
                    sum += (double)inputs[(n * BatchNormNet.InputSize) + k] * w[(j * BatchNormNet.InputSize) + k];
                }

                h[(n * outputs) + j] = sum;
            }
        }

        return h;
    }

    private static byte[] Bits(Span<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    /// <summary>Renumbers buffers so that each element type tiles its storage again after some were dropped.</summary>
    private static Func<BufferTensor, BufferTensor> Renumbered()
    {
        int floats = 0, counters = 0;
        return b =>
        {
            ref int next = ref b.ElementType == BufferElementType.Int64 ? ref counters : ref floats;
            var renumbered = new BufferTensor(b.Name, next, b.Shape.ToArray(), b.ElementType, b.InitialValue);
            next += b.Length;
            return renumbered;
        };
    }

    /// <summary>Rewrites a safetensors file with the I64 tensor <paramref name="counter"/> stored as F32, everything else as it was.</summary>
    private static byte[] WithF32Counter(byte[] file, string counter)
    {
        using var reader = new SafeTensorsReader(new MemoryStream(file), "original");
        var writer = new SafeTensorsWriter();
        foreach (KeyValuePair<string, string> entry in reader.Metadata)
        {
            writer.AddMetadata(entry.Key, entry.Value);
        }

        bool found = false;
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            int[] shape = info.Shape.Select(d => (int)d).ToArray();
            if (info.DType == "I64")
            {
                long[] longs = new long[info.ElementCount];
                reader.ReadInt64s(info, longs);
                if (info.Name == counter)
                {
                    writer.Add(info.Name, longs.Select(v => (float)v).ToArray(), shape);
                    found = true;
                }
                else
                {
                    writer.AddInt64(info.Name, longs, shape);
                }
            }
            else
            {
                float[] floats = new float[info.ElementCount];
                reader.ReadSingles(info, floats);
                writer.Add(info.Name, floats, shape);
            }
        }

        Assert.True(found, $"The file has no I64 tensor '{counter}'.");
        return writer.ToArray();
    }
}
