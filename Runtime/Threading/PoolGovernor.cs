using System;

namespace StaticGrad.Threading;

/// <summary>
/// Decides whether <see cref="WorkerPool"/> still splits jobs, from how the last ones went. After each split job
/// the pool reports its wall time and the serial time it stands for (the caller's own time scaled to all the
/// parts); while the running mean of their ratio stays below <see cref="BadRatio"/> splitting pays. When it does
/// not (the workers join late or stall holding a part, as when another process competes for the cores), the pool
/// runs every part on the calling thread for a back-off period, then probes again with <see cref="ProbeJobs"/>
/// split jobs; each failed probe doubles the period up to <see cref="MaxBackoffMilliseconds"/>.
/// </summary>
/// <remarks>
/// The serial estimate assumes the caller's parts are as long as the others. The caller claims from the top, where
/// <see cref="Partition.Split"/> leaves the shorter last part, so a split of 3 units into 2 + 1 reads as a ratio of
/// 1.0 even when it pays; with 5 or more units the error stays under 0.2. Kernels rarely split that small (each part
/// must carry about 1 µs of work), but a workload made only of such jobs would stop splitting.
/// Which thread runs a part never changes its result, so this changes speed only, never bits. Not thread-safe:
/// only the pool's current owner calls it. Time is passed in (Stopwatch ticks) so tests drive it without clocks.
/// </remarks>
internal sealed class PoolGovernor
{
    /// <summary>Split jobs taking at least this fraction of their serial estimate did not pay (2 threads at best reach 0.5).</summary>
    public const double BadRatio = 0.9;

    /// <summary>Split jobs measured before a decision (after start and after every back-off).</summary>
    public const int ProbeJobs = 16;

    /// <summary>The first back-off.</summary>
    public const int BaseBackoffMilliseconds = 20;

    /// <summary>The longest back-off.</summary>
    public const int MaxBackoffMilliseconds = 320;

    /// <summary>
    /// The most one job adds to the mean: a job that took this many times its serial estimate lost all the time
    /// splitting could save and then some. Without the cap, one job a timer interrupt or a page fault held up on a quiet
    /// machine (over 1.5x its estimate: about 1 job in 300-500 of a LeNet step, some at the old cap of 4x) could lift the
    /// mean over <see cref="BadRatio"/> on its own, and the pool ran inline for 20-320 ms each time (`Benchmarks -- lenet` counted 50-185 such back-offs per run, 12-16
    /// with the cap).
    /// Workers that share their cores with another process stall or miss job after job, which still lifts the mean
    /// within a few jobs.
    /// </summary>
    public const double MaxRatio = 1.5;

    private const double Weight = 0.125;
    private const double Neutral = 0.5;

    private readonly long _ticksPerMillisecond;
    private long _inlineUntil = long.MinValue;
    private long _backoff;
    private double _mean = Neutral;
    private int _jobs;

    /// <summary>Creates a governor for a clock of <paramref name="ticksPerSecond"/>.</summary>
    public PoolGovernor(long ticksPerSecond)
    {
        _ticksPerMillisecond = Math.Max(1, ticksPerSecond / 1000);
        _backoff = BaseBackoffMilliseconds * _ticksPerMillisecond;
    }

    /// <summary>Split jobs given up so far (each began a back-off).</summary>
    public int Backoffs { get; private set; }

    /// <summary>The running mean of wall / serial-estimate over the recent split jobs.</summary>
    public double MeanRatio => _mean;

    /// <summary>Whether a job starting at <paramref name="now"/> should run all its parts on the calling thread.</summary>
    public bool RunInline(long now) => now < _inlineUntil;

    /// <summary>
    /// Records a split job that took <paramref name="wallTicks"/> where one thread would have taken about
    /// <paramref name="serialTicks"/>, finishing at <paramref name="now"/>.
    /// </summary>
    public void Record(long wallTicks, long serialTicks, long now)
    {
        if (serialTicks <= 0)
        {
            return;
        }

        double ratio = Math.Min(MaxRatio, (double)wallTicks / serialTicks);
        _mean += Weight * (ratio - _mean);
        if (++_jobs < ProbeJobs)
        {
            return;
        }

        if (_mean >= BadRatio)
        {
            _inlineUntil = now + _backoff;
            _backoff = Math.Min(2 * _backoff, MaxBackoffMilliseconds * _ticksPerMillisecond);
            _mean = Neutral;
            _jobs = 0;
            Backoffs++;
        }
        else
        {
            _backoff = BaseBackoffMilliseconds * _ticksPerMillisecond;
        }
    }
}
