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
/// (each adds what its <see cref="GC.GetAllocatedBytesForCurrentThread"/> grew while running a job's parts to the job's
/// submitter, read by <see cref="WorkerPool.WorkerAllocatedBytes"/>). <see cref="GC.GetTotalAllocatedBytes(bool)"/> is no use
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

    [Fact]
    public void WorkerAllocations_CountForTheThreadThatSubmittedTheJob_AndNoOtherThread()
    {
        // Two parts, each allocating 4 KB, that wait a little for each other so that a worker runs one. While another
        // test's job holds the pool, a job runs on its calling thread alone: then try again.
        bool workerRan = false;
        for (int attempt = 0; attempt < 100 && !workerRan; attempt++)
        {
            var job = new TwoParts { Caller = Environment.CurrentManagedThreadId };
            long before = WorkerPool.WorkerAllocatedBytes;
            using (Partition.Override(2, splitAlways: true))
            {
                WorkerPool.Run(2, 2, &AllocateTogether, &job);
            }

            Assert.Equal(2, job.Arrived);
            long allocated = WorkerPool.WorkerAllocatedBytes - before;
            workerRan = job.WorkerRan != 0;
            Assert.True(workerRan ? allocated >= 4096 : allocated == 0, $"a worker {(workerRan ? "ran" : "did not run")} a part; the workers allocated {allocated} bytes for this thread");
        }

        Assert.True(workerRan, "no worker ran a part in 100 jobs");

        // A thread that submitted nothing sees nothing of it (other tests' jobs run on the same pool).
        long elsewhere = -1;
        var thread = new Thread(() => elsewhere = WorkerPool.WorkerAllocatedBytes);
        thread.Start();
        thread.Join();
        Assert.Equal(0, elsewhere);
    }

    private static void Touch(void* context, int part) => Interlocked.Increment(ref ((int*)context)[part]);

    /// <summary>Allocates 4 KB, notes whether it runs on a worker, then waits up to 0.2 s until both parts have started.</summary>
    private static void AllocateTogether(void* context, int part)
    {
        var job = (TwoParts*)context;
        GC.KeepAlive(new byte[4096]);
        if (Environment.CurrentManagedThreadId != job->Caller)
        {
            job->WorkerRan = 1;
        }

        Interlocked.Increment(ref job->Arrived);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref job->Arrived) < 2 && watch.Elapsed.TotalSeconds < 0.2)
        {
            Thread.SpinWait(100);
        }
    }

    private static void AssertNoAllocation(string what, Action action)
    {
        AllocationAssert.None(what, action, warmUp: 300); // JIT tiers, packing buffers, worker threads
        Assert.True(WorkerPool.WorkerCount > 0, "the pool should have started a worker");
    }

    /// <summary>What <see cref="AllocateTogether"/>'s parts share.</summary>
    private struct TwoParts
    {
        public int Caller;
        public int Arrived;
        public int WorkerRan;
    }
}
