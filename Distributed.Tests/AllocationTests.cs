using System;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Distributed.Tests;

/// <summary>Steps allocate nothing: measured with a communicator that allocates nothing itself (MPI's calls pin spans, no more).</summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void AStepAllocatesNothing(int block)
    {
        var model = new MnistClassifier128(1, 64);
        var step = new DataParallel(model, new Adam(model.Parameters), new Mirror(), GradientAveraging.For(model.Loss), block);
        float[] inputs = new float[64 * MnistClassifier128.InputSize];
        int[] labels = new int[64];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (i % 251) / 251f;
            labels[i / MnistClassifier128.InputSize] = i % 10;
        }

        for (int i = 0; i < 5; i++)
        {
            step.Step(inputs, labels, 64); // warm up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            step.Step(inputs, labels, 64);
        }

        step.VerifyReplicas();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Rank 0 of two whose partner always sends the same values (sums double), without threads or allocation.</summary>
    private sealed class Mirror : ICommunicator
    {
        public int Rank => 0;

        public int Size => 2;

        public void AllReduceSum(Span<float> values)
        {
            foreach (ref float value in values)
            {
                value *= 2;
            }
        }

        public void AllReduceSum(Span<long> values)
        {
            foreach (ref long value in values)
            {
                value *= 2;
            }
        }

        public void Broadcast(Span<float> values, int root)
        {
        }

        public void Broadcast(Span<byte> values, int root)
        {
        }

        public void Barrier()
        {
        }

        public void Abort(int errorCode) => throw new InvalidOperationException("aborted");

        public void Dispose()
        {
        }
    }
}
