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
/// The default is the environment variable <c>STATICGRAD_THREADS</c> when it holds an integer from 1 to
/// <see cref="ThreadLimit"/> (a larger one is taken as the limit), otherwise <see cref="Environment.ProcessorCount"/>;
/// a value that is not such an integer is ignored with one line on standard error saying so, as OpenMP's runtime does
/// for <c>OMP_NUM_THREADS</c>. Setting <see cref="MaxThreads"/> affects calls that start afterwards.
/// Idle workers spin briefly after each job (so consecutive kernel calls of a training step hand work
/// over in well under a microsecond), then sleep.
/// </para>
/// </remarks>
public static class Parallelism
{
    /// <summary>The largest value <see cref="MaxThreads"/> accepts.</summary>
    public const int ThreadLimit = 64;

    private const string Variable = "STATICGRAD_THREADS";

    private static int s_maxThreads = DefaultThreadsWarningOnce();

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
    public static int DefaultThreadCount => ThreadSetting(Environment.GetEnvironmentVariable(Variable), Environment.ProcessorCount, out _);

    /// <summary>
    /// The thread count that <paramref name="text"/>, the value of <c>STATICGRAD_THREADS</c> (null when unset), chooses on a
    /// machine of <paramref name="processorCount"/> processors, and the warning to print when the value is not taken as
    /// written (null otherwise).
    /// </summary>
    internal static int ThreadSetting(string? text, int processorCount, out string? warning)
    {
        int processors = Math.Clamp(processorCount, 1, ThreadLimit);
        warning = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            // Unset, or set to nothing (VAR= in a shell): the default, as for OMP_NUM_THREADS.
            return processors;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < 1)
        {
            warning = $"StaticGrad: ignoring {Variable}='{text}': expected an integer from 1 to {ThreadLimit}; using {processors} (the processor count, at most {ThreadLimit}).";
            return processors;
        }

        if (value > ThreadLimit)
        {
            warning = $"StaticGrad: {Variable}={value} is above the limit of {ThreadLimit} threads; using {ThreadLimit}.";
            return ThreadLimit;
        }

        return value;
    }

    private static int DefaultThreadsWarningOnce()
    {
        int threads = ThreadSetting(Environment.GetEnvironmentVariable(Variable), Environment.ProcessorCount, out string? warning);
        if (warning is not null)
        {
            Console.Error.WriteLine(warning);
        }

        return threads;
    }
}
