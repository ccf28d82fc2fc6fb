using System;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The one way the tests assert that product code allocates nothing in steady state, in Debug and Release
/// alike. It counts bytes allocated on the calling thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>)
/// and on the worker pool's threads (<see cref="WorkerPool.WorkerAllocatedBytes"/>) while the action runs
/// <c>calls</c> times after a warm-up, and passes as soon as one such window allocates nothing.
/// </summary>
/// <remarks>
/// An allocation the product makes on every call (or every few calls) shows in every window and fails the
/// test. What the later windows forgive is an allocation that happens to land in a window without being the
/// action's: a one-time allocation of the runtime, such as a method's tier-up or a type being loaded, or another
/// test class's job on the shared worker pool (xUnit runs classes in parallel, and the workers' count is one sum:
/// CI once saw 112 bytes on the workers in each of three windows while a NormalizedCnn step allocated nothing,
/// alone or in six reruns of its class). Eight windows outlast such a neighbour; a product allocation still fails
/// all eight. <see cref="GC.GetTotalAllocatedBytes(bool)"/> is no use here because the test runner's own threads
/// allocate while tests run. The action must not
/// allocate itself: build every argument (arrays, spans, labels) outside it, because a Debug build keeps
/// temporaries that Release elides, such as a collection expression passed as a span.
/// </remarks>
internal static class AllocationAssert
{
    private const int Windows = 8;

    /// <summary>Fails unless <paramref name="action"/> runs <paramref name="calls"/> times without allocating, in one of eight windows.</summary>
    /// <param name="what">Names the action in the failure message.</param>
    /// <param name="action">The product call; it must not allocate itself.</param>
    /// <param name="calls">Calls per window.</param>
    /// <param name="warmUp">Calls before the first window: JIT, static constructors, lazily rented buffers, worker threads.</param>
    public static void None(string what, Action action, int calls = 100, int warmUp = 3)
    {
        for (int i = 0; i < warmUp; i++)
        {
            action();
        }

        long smallestThread = long.MaxValue, smallestWorkers = long.MaxValue;
        for (int window = 0; window < Windows; window++)
        {
            long thread = GC.GetAllocatedBytesForCurrentThread();
            long workers = WorkerPool.WorkerAllocatedBytes;
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            long threadAllocated = GC.GetAllocatedBytesForCurrentThread() - thread;
            long workersAllocated = WorkerPool.WorkerAllocatedBytes - workers;
            if (threadAllocated == 0 && workersAllocated == 0)
            {
                return;
            }

            smallestThread = Math.Min(smallestThread, threadAllocated);
            smallestWorkers = Math.Min(smallestWorkers, workersAllocated);
        }

        Assert.Fail($"{what} allocated in each of {Windows} windows of {calls} calls: at least {smallestThread} bytes on the calling thread and {smallestWorkers} on the worker threads.");
    }
}
