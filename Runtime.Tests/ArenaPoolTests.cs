using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class ArenaPoolTests
{
    [Fact]
    public void RentedArenasAreDistinctUntilReturned_ThenReused()
    {
        var pool = new ArenaPool(16, capacity: 2);
        float[] a = pool.Rent();
        float[] b = pool.Rent();
        float[] c = pool.Rent(); // more than the capacity: still a fresh arena

        Assert.Equal(16, a.Length);
        Assert.NotSame(a, b);
        Assert.NotSame(b, c);
        Assert.NotSame(a, c);

        pool.Return(a);
        pool.Return(b);
        pool.Return(c); // the pool is full: dropped
        var again = new HashSet<float[]>(ReferenceEqualityComparer.Instance) { pool.Rent(), pool.Rent() };
        Assert.Contains(a, again);
        Assert.Contains(b, again);
    }

    [Fact]
    public void ConcurrentRenters_NeverHoldTheSameArena()
    {
        var pool = new ArenaPool(4, capacity: 3);
        int collisions = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                float[] arena = pool.Rent();
                float mark = (thread * 100_000) + i;
                arena[0] = mark;
                Thread.SpinWait(10);
                if (arena[0] != mark)
                {
                    Interlocked.Increment(ref collisions);
                }

                pool.Return(arena);
            }
        });

        Assert.Equal(0, collisions);
    }

    [Fact]
    public void BadArguments_AreRejectedByName()
    {
        Assert.Equal("floats", Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaPool(0)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaPool(4, capacity: -1)).ParamName);
        var pool = new ArenaPool(4);
        Assert.True(pool.Capacity >= 8);
        Assert.Equal("arena", Assert.Throws<ArgumentNullException>(() => pool.Return(null!)).ParamName);
        ArgumentException wrong = Assert.Throws<ArgumentException>(() => pool.Return(new float[5]));
        Assert.Equal("arena", wrong.ParamName);
        Assert.Contains("4 floats", wrong.Message);
    }
}
