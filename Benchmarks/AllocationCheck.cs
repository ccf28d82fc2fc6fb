using System;
using System.Globalization;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The whole-process allocation check the test runner cannot do: after warm-up, thousands of training
/// steps and predictions with the default thread count must leave <see cref="GC.GetTotalAllocatedBytes(bool)"/>
/// (every thread, precise) unchanged.
/// </summary>
public static class AllocationCheck
{
    /// <summary>Prints the bytes allocated per case; returns 1 if any allocated.</summary>
    public static int Run()
    {
        bool clean = true;
        clean &= Check("784-128-10 batch 64 TrainStep + Adam", new Steps.Seed128AdamStep(64));
        clean &= Check("784-256-10 batch 64 TrainStep + SGD", new Steps.Mlp256SgdStep(64));
        clean &= Check("784-1024-10 batch 1024 TrainStep + Adam", new Steps.Mlp1024AdamStep(1024), calls: 50);
        clean &= Check("784-128-10 Predict one sample", new Steps.Seed128Predict(), calls: 100_000);
        return clean ? 0 : 1;
    }

    private static bool Check<T>(string what, T step, int calls = 2000)
        where T : struct, ITimedStep
    {
        for (int i = 0; i < Math.Max(200, calls / 10); i++)
        {
            step.Run();
        }

        long total = GC.GetTotalAllocatedBytes(precise: true);
        long thread = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            step.Run();
        }

        long totalAllocated = GC.GetTotalAllocatedBytes(precise: true) - total;
        long threadAllocated = GC.GetAllocatedBytesForCurrentThread() - thread;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what,-45} {calls,7} calls, {Parallelism.MaxThreads} threads: process allocated {totalAllocated} bytes, calling thread {threadAllocated} bytes"));
        return totalAllocated == 0 && threadAllocated == 0;
    }
}
