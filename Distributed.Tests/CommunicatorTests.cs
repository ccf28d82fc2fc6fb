using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace StaticGrad.Distributed.Tests;

public sealed class CommunicatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void AllReduceSumAddsEveryRanksValuesOnEveryRank(int size)
    {
        float[][] results = InProcessCommunicator.Run(size, c =>
        {
            float[] values = Enumerable.Range(0, 1000).Select(i => (float)(i * (c.Rank + 1))).ToArray();
            c.AllReduceSum(values);
            c.AllReduceSum(values.AsSpan(0, 3)); // a shorter second call reuses the staging buffers
            return values;
        });

        int factor = size * (size + 1) / 2;
        for (int r = 0; r < size; r++)
        {
            Assert.Equal(Enumerable.Range(0, 3).Select(i => (float)(i * factor * size)), results[r].Take(3));
            Assert.Equal(Enumerable.Range(3, 997).Select(i => (float)(i * factor)), results[r].Skip(3));
        }
    }

    [Fact]
    public void AllReduceSumsInRankOrderSoEveryRankGetsTheSameBits()
    {
        // (1e8 + 1) + -1e8 = 0 in float, while 1e8 + (1 + -1e8) = 8: the order is visible.
        float[][] results = InProcessCommunicator.Run(3, c =>
        {
            float[] values = [c.Rank switch { 0 => 1e8f, 1 => 1f, _ => -1e8f }];
            c.AllReduceSum(values);
            return values;
        });

        Assert.All(results, r => Assert.Equal((1e8f + 1f) + -1e8f, r[0]));
    }

    [Fact]
    public void AllReduceSumOfIntegersIsExact()
    {
        long[][] results = InProcessCommunicator.Run(3, c =>
        {
            long[] values = [(1L << 60) + c.Rank, -c.Rank, long.MinValue / 4];
            c.AllReduceSum(values);
            return values;
        });

        Assert.All(results, r => Assert.Equal(new[] { (3L << 60) + 3, -3, 3 * (long.MinValue / 4) }, r));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void BroadcastCopiesTheRootsFloatsAndBytes(int root)
    {
        (float[] Floats, byte[] Bytes)[] results = InProcessCommunicator.Run(3, c =>
        {
            float[] floats = [c.Rank, c.Rank * 10, 7];
            byte[] bytes = [(byte)c.Rank, 42];
            c.Broadcast(floats, root);
            c.Broadcast(bytes, root);
            c.Barrier();
            return (floats, bytes);
        });

        Assert.All(results, r =>
        {
            Assert.Equal(new float[] { root, root * 10, 7 }, r.Floats);
            Assert.Equal(new byte[] { (byte)root, 42 }, r.Bytes);
        });
    }

    [Fact]
    public void ARankThatThrowsEndsTheOthersCollectivesWithAClearError()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(3, c =>
        {
            if (c.Rank == 1)
            {
                throw new InvalidOperationException("disk full");
            }

            float[] values = [1];
            c.AllReduceSum(values); // would wait forever for rank 1
            return 0;
        }));

        Assert.IsType<InvalidOperationException>(error.InnerExceptions[0]);
        Assert.Equal(3, error.InnerExceptions.Count);
        Assert.All(error.InnerExceptions.Skip(1), e =>
        {
            Assert.IsType<CommunicatorAbortedException>(e);
            Assert.Contains("rank 1 failed", e.Message, StringComparison.Ordinal);
            Assert.Contains("disk full", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void ARankThatNeverArrivesTimesOutInsteadOfHanging()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(2, c =>
        {
            if (c.Rank == 0)
            {
                c.Barrier();
            }
            else
            {
                Thread.Sleep(TimeSpan.FromSeconds(3)); // skips the collective, then ends
            }

            return 0;
        }, TimeSpan.FromMilliseconds(300)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("waited more than 0.3 s", Assert.Single(error.InnerExceptions).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbortStopsEveryRank()
    {
        var error = Assert.Throws<AggregateException>(() => InProcessCommunicator.Run(2, c =>
        {
            if (c.Rank == 0)
            {
                c.Abort(7);
            }

            c.Barrier();
            return 0;
        }));

        Assert.All(error.InnerExceptions, e => Assert.IsType<CommunicatorAbortedException>(e));
        Assert.Contains(error.InnerExceptions, e => e.Message.Contains("error code 7", StringComparison.Ordinal));
    }

    [Fact]
    public void AMissingMpiLibraryIsNamedInTheError()
    {
        var error = Assert.Throws<DllNotFoundException>(() => MpiLibrary.Load(["libmpi-not-here.so.99"]));
        Assert.Contains("libmpi-not-here.so.99", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install openmpi-bin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, 1, 1)]
    [InlineData(64, 3, 1)]
    [InlineData(7, 3, 1)]
    [InlineData(2, 3, 1)]
    [InlineData(0, 2, 1)]
    [InlineData(64, 3, 8)]
    [InlineData(40, 3, 8)]
    [InlineData(7, 2, 4)]
    [InlineData(3, 3, 4)]
    public void SlicesCoverTheGlobalBatchInOrderWithoutOverlap(int batch, int size, int block)
    {
        int next = 0, blocks = (batch + block - 1) / block;
        for (int r = 0; r < size; r++)
        {
            (int start, int count) = DataParallel.SliceOf(batch, r, size, block);
            Assert.Equal(next, start);
            Assert.True(count == 0 || start % block == 0, "whole blocks only");
            int owned = (count + block - 1) / block;
            Assert.InRange(owned, blocks / size, (blocks / size) + 1);
            next += count;
        }

        Assert.Equal(batch, next);
    }
}
