using System;
using System.Globalization;
using System.Threading;

namespace StaticGrad;

/// <summary>
/// How many threads the kernels may use. The matrix products, the fused linear forward pass, the
/// activation backward pass and the optimizer steps split large problems across a persistent pool of
/// worker threads; small problems run on the calling thread, because waking a second core costs more
/// than it saves.
/// </summary>
/// <remarks>
/// <para>
/// Results never depend on the thread count: work is split only across independent outputs (tiles of a
/// matrix product, column ranges of a bias gradient, ranges of parameters), never across a reduction,
/// and every output element is computed by the same sequence of operations whichever thread computes
/// it. Training is therefore bit-reproducible for a given seed with 1, 2 or any number of threads.
/// </para>
/// <para>
/// The default is the environment variable <c>STATICGRAD_THREADS</c> when it holds a positive integer,
/// otherwise <see cref="Environment.ProcessorCount"/>. Setting it affects calls that start afterwards.
/// Idle workers spin briefly after each job (so consecutive kernel calls of a training step hand work
/// over in well under a microsecond), then sleep.
/// </para>
/// </remarks>
public static class Parallelism
{
    /// <summary>The largest value <see cref="MaxThreads"/> accepts.</summary>
    public const int ThreadLimit = 64;

    private static int s_maxThreads = DefaultThreads();

    /// <summary>
    /// The most threads (the caller included) one kernel call may use; 1 runs everything on the calling
    /// thread. Between 1 and <see cref="ThreadLimit"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="ThreadLimit"/>.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, ThreadLimit);
            Volatile.Write(ref s_maxThreads, value);
        }
    }

    /// <summary>The thread count used when <see cref="MaxThreads"/> is not set: <c>STATICGRAD_THREADS</c>, else the processor count.</summary>
    public static int DefaultThreadCount => DefaultThreads();

    private static int DefaultThreads()
    {
        string? text = Environment.GetEnvironmentVariable("STATICGRAD_THREADS");
        if (text is not null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 1)
        {
            return Math.Min(value, ThreadLimit);
        }

        return Math.Clamp(Environment.ProcessorCount, 1, ThreadLimit);
    }
}
