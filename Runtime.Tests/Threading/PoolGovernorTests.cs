using StaticGrad.Threading;
using Xunit;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// The worker pool's governor, driven with made-up timings (no clocks): split jobs that pay keep the pool
/// splitting; jobs no faster than one thread (a stalled or absent worker) make it run inline for a back-off that
/// doubles while probes keep failing and resets once one succeeds.
/// </summary>
public sealed class PoolGovernorTests
{
    private const long TicksPerSecond = 1_000_000; // 1 tick = 1 µs
    private const long Ms = 1000;

    [Fact]
    public void JobsThatPay_NeverBackOff()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        for (int i = 0; i < 1000; i++)
        {
            now += 100;
            Assert.False(governor.RunInline(now));
            governor.Record(wallTicks: 60, serialTicks: 100, now);
        }

        Assert.Equal(0, governor.Backoffs);
        Assert.InRange(governor.MeanRatio, 0.59, 0.61);
    }

    [Fact]
    public void StalledWorkers_BackOff_ThenProbe_AndTheBackoffDoubles()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        int jobs = RecordUntilBackoff(governor, ref now, wall: 250, serial: 100);
        Assert.Equal(PoolGovernor.ProbeJobs, jobs);
        Assert.Equal(1, governor.Backoffs);
        Assert.True(governor.RunInline(now + 1));
        Assert.True(governor.RunInline(now + (PoolGovernor.BaseBackoffMilliseconds * Ms) - 1));
        Assert.False(governor.RunInline(now + (PoolGovernor.BaseBackoffMilliseconds * Ms)));

        // The probe fails again: twice as long.
        now += PoolGovernor.BaseBackoffMilliseconds * Ms;
        RecordUntilBackoff(governor, ref now, wall: 250, serial: 100);
        Assert.Equal(2, governor.Backoffs);
        Assert.True(governor.RunInline(now + (2 * PoolGovernor.BaseBackoffMilliseconds * Ms) - 1));
        Assert.False(governor.RunInline(now + (2 * PoolGovernor.BaseBackoffMilliseconds * Ms)));
    }

    [Fact]
    public void Backoff_IsCapped_AndResetsAfterAProbeThatPays()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        for (int i = 0; i < 10; i++)
        {
            RecordUntilBackoff(governor, ref now, wall: 100, serial: 100);
            now += 10_000 * Ms; // past any back-off
        }

        RecordUntilBackoff(governor, ref now, wall: 100, serial: 100);
        Assert.True(governor.RunInline(now + (PoolGovernor.MaxBackoffMilliseconds * Ms) - 1));
        Assert.False(governor.RunInline(now + (PoolGovernor.MaxBackoffMilliseconds * Ms)));

        // A probe that pays resets the back-off to the base.
        now += PoolGovernor.MaxBackoffMilliseconds * Ms;
        for (int i = 0; i < PoolGovernor.ProbeJobs; i++)
        {
            governor.Record(55, 100, ++now);
        }

        int before = governor.Backoffs;
        RecordUntilBackoff(governor, ref now, wall: 150, serial: 100);
        Assert.Equal(before + 1, governor.Backoffs);
        Assert.False(governor.RunInline(now + (PoolGovernor.BaseBackoffMilliseconds * Ms)));
    }

    [Fact]
    public void OccasionalSlowJobs_AmongGoodOnes_DoNotBackOff()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        for (int i = 0; i < 2000; i++)
        {
            governor.Record(i % 10 == 0 ? 150 : 55, 100, now += 100);
        }

        Assert.Equal(0, governor.Backoffs);
    }

    [Fact]
    public void ARareLongStall_AmongGoodJobs_DoesNotBackOff()
    {
        // A quiet machine: about one job in 300 is held up by an interrupt or a page fault, taking many times its estimate.
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        for (int i = 0; i < 3000; i++)
        {
            governor.Record(i % 300 == 299 ? 1000 : 60, 100, now += 100);
        }

        Assert.Equal(0, governor.Backoffs);
    }

    [Fact]
    public void StallsInARow_AfterGoodJobs_BackOffWithinAFewJobs()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        long now = 0;
        for (int i = 0; i < 100; i++)
        {
            governor.Record(60, 100, now += 100);
        }

        int stalls = RecordUntilBackoff(governor, ref now, wall: 1000, serial: 100);
        Assert.InRange(stalls, 2, 6);
    }

    [Fact]
    public void JobsWithoutAnEstimate_AreIgnored()
    {
        var governor = new PoolGovernor(TicksPerSecond);
        for (int i = 0; i < 100; i++)
        {
            governor.Record(500, 0, i);
        }

        Assert.Equal(0, governor.Backoffs);
        Assert.Equal(0.5, governor.MeanRatio);
    }

    private static int RecordUntilBackoff(PoolGovernor governor, ref long now, long wall, long serial)
    {
        int before = governor.Backoffs;
        for (int jobs = 1; jobs <= 1000; jobs++)
        {
            now += wall;
            governor.Record(wall, serial, now);
            if (governor.Backoffs > before)
            {
                return jobs;
            }
        }

        throw new Xunit.Sdk.XunitException("never backed off");
    }
}
