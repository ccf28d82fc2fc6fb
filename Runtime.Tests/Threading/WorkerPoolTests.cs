using System;
using System.Threading;
using System.Threading.Tasks;
using StaticGrad.Kernels;
using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>The persistent worker pool: every part runs exactly once, nesting and concurrent callers fall back to inline, failures surface.</summary>
public sealed unsafe class WorkerPoolTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(7, 3)]
    [InlineData(1000, 2)]
    [InlineData(5, 8)]
    public void EveryPartRunsExactlyOnce(int parts, int threads)
    {
        for (int round = 0; round < 50; round++)
        {
            int[] counts = new int[parts];
            fixed (int* p = counts)
            {
                // Rounds alternate the governor's say (forced splits, then as it decides).
                using (Partition.Override(threads, splitAlways: round % 2 == 0))
                {
                    WorkerPool.Run(parts, threads, &Count, p);
                }
            }

            Assert.All(counts, c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public void NestedJob_RunsInline()
    {
        int[] counts = new int[16];
        fixed (int* p = counts)
        {
            WorkerPool.Run(4, 2, &Nested, p);
        }

        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void ConcurrentCallers_AllComplete()
    {
        const int Callers = 4, Jobs = 200, Parts = 9;
        int[][] counts = new int[Callers][];
        Parallel.For(0, Callers, caller =>
        {
            counts[caller] = new int[Jobs * Parts];
            for (int job = 0; job < Jobs; job++)
            {
                fixed (int* p = &counts[caller][job * Parts])
                {
                    WorkerPool.Run(Parts, 2, &Count, p);
                }
            }
        });
        foreach (int[] c in counts)
        {
            Assert.All(c, x => Assert.Equal(1, x));
        }
    }

    [Fact]
    public void FailingPart_ThrowsOnTheCaller_AndThePoolStillWorks()
    {
        var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(6, 2, &Fail, null));
        Assert.Equal("part 3", e.Message);

        int[] counts = new int[6];
        fixed (int* p = counts)
        {
            WorkerPool.Run(6, 2, &Count, p);
        }

        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void SleepingWorkers_WakeForTheNextJob()
    {
        int[] counts = new int[64];
        Thread.Sleep((WorkerPool.SpinMicroseconds / 1000) + 20); // let the workers go to sleep
        fixed (int* p = counts)
        using (Partition.Override(2, splitAlways: true))
        {
            WorkerPool.Run(64, 2, &SlowCount, p);
        }

        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void MaxThreads_RejectsOutOfRange_AndRoundTrips()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = 0);
            Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxThreads = Parallelism.ThreadLimit + 1);
            Parallelism.MaxThreads = 1;
            Assert.Equal(1, Parallelism.MaxThreads);
            Assert.InRange(Parallelism.DefaultThreadCount, 1, Parallelism.ThreadLimit);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(null, 2, 2, null)]
    [InlineData("", 2, 2, null)]
    [InlineData("  ", 6, 6, null)]
    [InlineData("1", 2, 1, null)]
    [InlineData(" 3 ", 2, 3, null)]
    [InlineData("64", 2, 64, null)]
    [InlineData("1000", 2, 64, "StaticGrad: STATICGRAD_THREADS=1000 is above the limit of 64 threads; using 64.")]
    [InlineData("0", 2, 2, "StaticGrad: ignoring STATICGRAD_THREADS='0': expected an integer from 1 to 64; using 2 (the processor count, at most 64).")]
    [InlineData("-1", 4, 4, "StaticGrad: ignoring STATICGRAD_THREADS='-1': expected an integer from 1 to 64; using 4 (the processor count, at most 64).")]
    [InlineData("abc", 2, 2, "StaticGrad: ignoring STATICGRAD_THREADS='abc': expected an integer from 1 to 64; using 2 (the processor count, at most 64).")]
    [InlineData("1e3", 2, 2, "StaticGrad: ignoring STATICGRAD_THREADS='1e3': expected an integer from 1 to 64; using 2 (the processor count, at most 64).")]
    [InlineData("abc", 200, 64, "StaticGrad: ignoring STATICGRAD_THREADS='abc': expected an integer from 1 to 64; using 64 (the processor count, at most 64).")]
    public void ThreadSetting_TakesAnIntegerFrom1To64_AndWarnsAboutAnythingElse(string? text, int processors, int expected, string? expectedWarning)
    {
        Assert.Equal(expected, Parallelism.ThreadSetting(text, processors, out string? warning));
        Assert.Equal(expectedWarning, warning);
    }

    [Fact]
    public void Split_CoversTheRangeInWholeUnits()
    {
        foreach ((int length, int unit, int parts) in new[] { (1, 16, 2), (100, 16, 2), (784, 32, 2), (784, 32, 5), (10, 16, 8), (4096, 16, 3) })
        {
            int count = Partition.Split(length, unit, parts, out int size);
            Assert.InRange(count, 1, parts);
            Assert.Equal(0, size % unit);
            Assert.True((long)count * size >= length);
            Assert.True((long)(count - 1) * size < length);
        }
    }

    private static void Count(void* context, int part) => Interlocked.Increment(ref ((int*)context)[part]);

    private static void SlowCount(void* context, int part)
    {
        Thread.SpinWait(2000);
        Interlocked.Increment(ref ((int*)context)[part]);
    }

    private static void Nested(void* context, int part) => WorkerPool.Run(4, 2, &Count, (int*)context + (4 * part));

    private static void Fail(void* context, int part)
    {
        if (part == 3)
        {
            throw new InvalidOperationException("part 3");
        }
    }
}
