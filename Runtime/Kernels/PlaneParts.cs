using System;
using StaticGrad.Threading;

namespace StaticGrad.Kernels;

/// <summary>A pass over independent planes (the pools'): planes <c>[first, end)</c>, whatever thread runs them.</summary>
internal interface IPlanePass
{
    /// <summary>Runs planes <c>[first, end)</c>.</summary>
    void Run(int first, int end);
}

/// <summary>
/// Runs an <see cref="IPlanePass"/> over its planes on as many threads as their size is worth
/// (<see cref="MaxPool2d.MinWorkPerThread"/> input values a thread), in contiguous ranges of planes. Planes are
/// independent, so any split gives the same bits.
/// </summary>
internal static unsafe class PlaneParts
{
    /// <summary>Runs <paramref name="pass"/> over <paramref name="planes"/> planes of <paramref name="floatsPerPlane"/> values each.</summary>
    public static void Run<TPass>(ref TPass pass, int planes, long floatsPerPlane)
        where TPass : unmanaged, IPlanePass
    {
        int parts = Math.Min(planes, Partition.Threads(planes * floatsPerPlane, MaxPool2d.MinWorkPerThread));
        if (parts <= 1)
        {
            pass.Run(0, planes);
            return;
        }

        fixed (TPass* p = &pass)
        {
            var job = new Job<TPass> { Pass = p, Planes = planes, Parts = parts };
            WorkerPool.Run(parts, parts, &Part<TPass>, &job);
        }
    }

    private static void Part<TPass>(void* context, int part)
        where TPass : unmanaged, IPlanePass
    {
        var job = (Job<TPass>*)context;
        int first = (int)((long)part * job->Planes / job->Parts), end = (int)((long)(part + 1) * job->Planes / job->Parts);
        job->Pass->Run(first, end);
    }

    private struct Job<TPass>
        where TPass : unmanaged
    {
        public TPass* Pass;
        public int Planes;
        public int Parts;
    }
}
