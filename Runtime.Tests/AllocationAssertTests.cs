using System;
using Xunit;
using Xunit.Sdk;

namespace StaticGrad.Runtime.Tests;

/// <summary>The allocation assertion itself: it must catch a call that allocates, however little.</summary>
public sealed class AllocationAssertTests
{
    private static object? s_sink;

    [Fact]
    public void FailsOnACallThatAllocatesEveryTime()
    {
        XunitException failure = Assert.ThrowsAny<XunitException>(() => AllocationAssert.None("new object()", () => s_sink = new object()));
        Assert.Contains("new object()", failure.Message);
        Assert.Contains("calling thread", failure.Message);
    }

    [Fact]
    public void FailsOnACallThatAllocatesEveryTenthTime()
    {
        int calls = 0;
        Assert.ThrowsAny<XunitException>(() => AllocationAssert.None("every tenth call", () =>
        {
            if (++calls % 10 == 0)
            {
                s_sink = new byte[1];
            }
        }));
    }

    [Fact]
    public void PassesOnACallThatDoesNotAllocate()
    {
        int[] counter = new int[1];
        AllocationAssert.None("increment", () => counter[0]++);
        Assert.True(counter[0] >= 103);
    }
}
