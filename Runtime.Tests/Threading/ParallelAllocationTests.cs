using System;
using System.Threading;
using StaticGrad.Kernels;
using StaticGrad.Runtime.Tests.Models;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Multithreaded kernels, the worker pool and whole training steps allocate nothing once warmed up: not on
/// the calling thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) and not on the pool's workers
/// (each records its own <see cref="GC.GetAllocatedBytesForCurrentThread"/> after every job, summed by
/// <see cref="WorkerPool.WorkerAllocatedBytes"/>). <see cref="GC.GetTotalAllocatedBytes(bool)"/> is no use
/// inside the test runner, whose own threads allocate while tests run; <c>dotnet run -c Release --project
/// Benchmarks -- alloc</c> checks the whole process that way.
/// </summary>
public sealed unsafe class ParallelAllocationTests
{
    [Fact]
    public void ParallelKernelsAndPool_AllocateNothing()
    {
        const int M = 96, K = 300, N = 200;
        float[] a = KernelReference.Random(M * K, seed: 1);
        float[] b = KernelReference.Random(K * N, seed: 2);
        float[] bt = KernelReference.Random(N * K, seed: 3);
        float[] at = KernelReference.Random(K * M, seed: 4);
        float[] bias = KernelReference.Random(N, seed: 5);
        float[] c = new float[M * N];
        float[] g = KernelReference.Random(M * N, seed: 6);
        float[] biasGradient = new float[N];
        float[] weightGradient = new float[20 * K];
        float[] inputGradient = new float[M * K];
        var parameters = new ParameterSet([new ParameterTensor("w", 0, [50_000], fanIn: 10)]);
        var adam = new Adam(parameters);
        var sgd = new Sgd(parameters, 0.1f, momentum: 0.9f);
        var rmsprop = new RMSprop(parameters, momentum: 0.9f, centered: true);
        var adagrad = new Adagrad(parameters, lrDecay: 0.01f);
        ElementwiseOptimizer[] elementwise = [new Adadelta(parameters, weightDecay: 1e-4f), new Adamax(parameters), new NAdam(parameters), new RAdam(parameters)];
        int[] counts = new int[8];

        using (Partition.Override(2, splitAlways: true))
        {
            AssertNoAllocation("Gemm.Multiply", () => Gemm.Multiply(a, b, c, M, K, N));
            AssertNoAllocation("Gemm.MultiplyTransposeA", () => Gemm.MultiplyTransposeA(at, b, c, M, K, N));
            AssertNoAllocation("Gemm.MultiplyTransposeB", () => Gemm.MultiplyTransposeB(a, bt, c, M, K, N));
            AssertNoAllocation("LinearForward", () => LinearForward.Run(a, bt, bias, c, M, K, N, Activation.Tanh));
            AssertNoAllocation("LinearForward one row", () => LinearForward.Run(a.AsSpan(0, K), bt, bias, c, 1, K, N, Activation.ReLU));
            // 20 outputs: 576 k multiply-adds a product, under the split threshold, so the two run side by side.
            AssertNoAllocation("LinearBackward side by side", () => LinearBackward.Run(g.AsSpan(0, M * 20), a, bt.AsSpan(0, 20 * K), weightGradient, inputGradient, M, K, 20));
            AssertNoAllocation("ApplyAndReduceBias", () => ActivationBackward.ApplyAndReduceBias(g, c, biasGradient, M, N, Activation.ReLU));
            AssertNoAllocation("Adam.Step", adam.Step);
            AssertNoAllocation("Sgd.Step", sgd.Step);
            AssertNoAllocation("RMSprop.Step", rmsprop.Step);
            AssertNoAllocation("Adagrad.Step", adagrad.Step);
            foreach (ElementwiseOptimizer optimizer in elementwise)
            {
                AssertNoAllocation(optimizer.GetType().Name + ".Step", optimizer.Step);
            }

            AssertNoAllocation("WorkerPool.Run", () =>
            {
                fixed (int* p = counts)
                {
                    WorkerPool.Run(8, 2, &Touch, p);
                }
            });
        }
    }

    [Fact]
    public void TrainingStepWithTwoThreads_AllocatesNothing()
    {
        const int Batch = 64;
        var model = new ParallelTestModel(seed: 1, maxBatch: Batch);
        var adam = new Adam(model.Parameters);
        float[] x = KernelReference.Random(Batch * ParallelTestModel.InputSize, seed: 9, low: 0f, high: 1f);
        int[] labels = KernelReference.RandomLabels(Batch, ParallelTestModel.OutputSize, seed: 10);
        float[] probabilities = new float[ParallelTestModel.OutputSize];
        using (Partition.Override(2, splitAlways: true))
        {
            AssertNoAllocation("TrainStep + Adam.Step", () =>
            {
                model.TrainStep(x, labels, Batch);
                adam.Step();
            });
            AssertNoAllocation("Predict", () => model.Predict(x.AsSpan(0, ParallelTestModel.InputSize), probabilities));
        }
    }

    private static void Touch(void* context, int part) => Interlocked.Increment(ref ((int*)context)[part]);

    private static void AssertNoAllocation(string what, Action action)
    {
        AllocationAssert.None(what, action, warmUp: 300); // JIT tiers, packing buffers, worker threads
        Assert.True(WorkerPool.WorkerCount > 0, "the pool should have started a worker");
    }
}
