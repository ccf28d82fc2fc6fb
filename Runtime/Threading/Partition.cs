using System;

namespace StaticGrad.Threading;

/// <summary>How kernels cut a range into parts for <see cref="WorkerPool"/>.</summary>
internal static class Partition
{
    [ThreadStatic]
    private static int t_threads;

    [ThreadStatic]
    private static bool t_splitAlways;

    /// <summary>Whether a test's <see cref="Override"/> on the calling thread forces every split (the pool then splits too, whatever its governor says).</summary>
    public static bool SplitForced => t_splitAlways;

    /// <summary>
    /// The number of threads worth using for <paramref name="work"/> units when each thread should get at
    /// least <paramref name="minWorkPerThread"/>: between 1 and <see cref="Parallelism.MaxThreads"/>.
    /// </summary>
    public static int Threads(long work, long minWorkPerThread)
    {
        int max = t_threads > 0 ? t_threads : Parallelism.MaxThreads;
        return t_splitAlways ? max : (int)Math.Min(max, Math.Max(1, work / Math.Max(1, minWorkPerThread)));
    }

    /// <summary>
    /// For tests: until the scope is disposed, kernels started on the calling thread use
    /// <paramref name="threads"/> as their thread limit and, with <paramref name="splitAlways"/>, split
    /// every problem however small. Thread-static, so tests running concurrently do not see it.
    /// </summary>
    public static Scope Override(int threads, bool splitAlways)
    {
        var scope = new Scope(t_threads, t_splitAlways);
        t_threads = threads;
        t_splitAlways = splitAlways;
        return scope;
    }

    /// <summary>
    /// Splits <c>[0, length)</c> into at most <paramref name="parts"/> ranges of whole <paramref name="unit"/>s
    /// (the last may be shorter); returns the number of ranges and their size.
    /// </summary>
    public static int Split(int length, int unit, int parts, out int partSize)
    {
        int units = (length + unit - 1) / unit;
        int count = Math.Max(1, Math.Min(parts, units));
        partSize = ((units + count - 1) / count) * unit;
        return Math.Max(1, (length + partSize - 1) / partSize);
    }

    /// <summary>Restores the previous override when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly int _threads;
        private readonly bool _splitAlways;

        internal Scope(int threads, bool splitAlways)
        {
            _threads = threads;
            _splitAlways = splitAlways;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            t_threads = _threads;
            t_splitAlways = _splitAlways;
        }
    }
}
