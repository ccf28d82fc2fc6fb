using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace StaticGrad.Threading;

/// <summary>
/// A persistent pool of worker threads that run the parts of one job alongside the calling thread.
/// A job is a static function pointer and a pointer to a context the caller keeps on its stack, so
/// submitting one allocates nothing and creates no task or delegate.
/// </summary>
/// <remarks>
/// <para>
/// Protocol. The caller owns the pool for the duration of a job (a second caller that finds it busy,
/// or a part that submits a nested job, runs its parts inline). It publishes the job, then opens
/// <c>threads - 1</c> join slots. An idle worker that sees the new job takes a slot with a CAS and
/// claims parts from the bottom of the remaining range while the caller claims from the top. When the caller finds no part
/// left it closes the slots, which tells it how many workers joined, and waits until that many have
/// finished. A worker that wakes late finds the slots closed and never touches the caller's context.
/// </para>
/// <para>
/// Parts are claimed dynamically, so which thread runs a part depends on timing; callers make each
/// part write disjoint outputs with a fixed sequence of operations, so results do not.
/// </para>
/// <para>
/// Under load. A part no thread has claimed yet goes to whichever thread asks first, so the caller takes over the
/// parts of a worker that has not woken up. A part a worker claimed and then stalled on (the OS gave its core to
/// another process) cannot be taken back; when the split jobs stop paying for that reason, <see cref="PoolGovernor"/>
/// has the caller run every part itself for a while (20-320 ms), and the workers, not woken, stop spinning and
/// sleep, which leaves the shared core to the other process. The results are the same either way.
/// </para>
/// <para>
/// Idle workers spin (with <c>pause</c>) for <see cref="SpinMicroseconds"/> after their last job, so
/// the back-to-back kernel calls of a training step reach an already-running core, then block on a
/// semaphore until the next job wakes them.
/// </para>
/// </remarks>
internal static unsafe class WorkerPool
{
    /// <summary>How long an idle worker spins before it sleeps.</summary>
    public const int SpinMicroseconds = 2000;

    private static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency * SpinMicroseconds / 1_000_000);
    private static readonly Worker?[] s_workers = new Worker?[Parallelism.ThreadLimit];
    private static readonly object s_createLock = new();
    private static readonly PoolGovernor s_governor = new(Stopwatch.Frequency);

    private static delegate*<void*, int, void> s_body;
    private static void* s_context;
    private static long s_range;
    private static int s_slots;
    private static int s_finished;
    private static int s_busy;
    private static int s_workerCount;
    private static long s_generation;
    private static Exception? s_exception;

    /// <summary>How many times the pool has stopped splitting for a while because split jobs did not pay (<see cref="PoolGovernor"/>).</summary>
    public static int Backoffs => s_governor.Backoffs;

    /// <summary>The number of worker threads started so far (the pool grows on demand, never shrinks).</summary>
    public static int WorkerCount => Volatile.Read(ref s_workerCount);

    /// <summary>
    /// The bytes the worker threads have allocated, as each recorded after its last job
    /// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): what a test compares before and after a run of
    /// kernel calls to prove the workers allocate nothing, whatever the rest of the process does.
    /// </summary>
    public static long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < Volatile.Read(ref s_workerCount); i++)
            {
                total += Volatile.Read(ref s_workers[i]!.AllocatedBytes);
            }

            return total;
        }
    }

    /// <summary>
    /// Runs <c>body(context, part)</c> for every <c>part</c> in <c>[0, parts)</c> on up to
    /// <paramref name="threads"/> threads, the calling thread included, and returns when all have run.
    /// </summary>
    /// <param name="parts">The number of parts.</param>
    /// <param name="threads">The most threads to use; 1 runs every part on the calling thread.</param>
    /// <param name="body">Runs one part; must be safe to call concurrently for different parts.</param>
    /// <param name="context">Passed to <paramref name="body"/>; must stay valid until this method returns.</param>
    public static void Run(int parts, int threads, delegate*<void*, int, void> body, void* context)
    {
        threads = Math.Min(threads, parts);
        if (threads <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
            {
                body(context, part);
            }

            return;
        }

        try
        {
            long start = Stopwatch.GetTimestamp();
            if (!Partition.SplitForced && s_governor.RunInline(start))
            {
                for (int part = 0; part < parts; part++)
                {
                    body(context, part);
                }

                return;
            }

            int helpers = threads - 1;
            EnsureWorkers(helpers);
            s_body = body;
            s_context = context;
            s_exception = null;
            Volatile.Write(ref s_finished, 0);
            Volatile.Write(ref s_range, (long)parts << 32);
            Volatile.Write(ref s_slots, helpers);
            Interlocked.Increment(ref s_generation);
            for (int i = 0; i < helpers; i++)
            {
                Worker worker = s_workers[i]!;
                if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1)
                {
                    worker.Wake.Release();
                }
            }

            int mine = 0;
            try
            {
                mine = RunParts(body, context, fromTop: true);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_exception, e, null);
            }

            long callerDone = Stopwatch.GetTimestamp();
            int joined = helpers - Interlocked.Exchange(ref s_slots, 0);
            if (Volatile.Read(ref s_finished) != joined)
            {
                var spinner = default(SpinWait);
                while (Volatile.Read(ref s_finished) != joined)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
            }

            if (mine > 0)
            {
                long end = Stopwatch.GetTimestamp();
                s_governor.Record(end - start, (callerDone - start) * parts / mine, end);
            }

            Exception? failure = s_exception;
            if (failure is not null)
            {
                s_exception = null;
                ExceptionDispatchInfo.Throw(failure);
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>
    /// Claims and runs parts until none is left. The unclaimed parts are the range <c>[low, high)</c> packed in
    /// <see cref="s_range"/>: workers take the lowest, the submitting thread the highest, so with one part per
    /// thread the caller always runs the last part and the first worker the first. Kernels split their data
    /// the same way call after call, so each core keeps working on the same rows (weights, their gradients,
    /// the optimizer state) in its own cache, and the caller, which runs the serial kernels in between,
    /// holds the last layer's parameters.
    /// </summary>
    private static int RunParts(delegate*<void*, int, void> body, void* context, bool fromTop)
    {
        int count = 0;
        while (true)
        {
            long range = Volatile.Read(ref s_range);
            int low = (int)range, high = (int)(range >> 32);
            if (low >= high)
            {
                return count;
            }

            long claimed = fromTop ? ((long)(high - 1) << 32) | (uint)low : ((long)high << 32) | (uint)(low + 1);
            if (Interlocked.CompareExchange(ref s_range, claimed, range) == range)
            {
                body(context, fromTop ? high - 1 : low);
                count++;
            }
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (Volatile.Read(ref s_workerCount) >= count)
        {
            return;
        }

        lock (s_createLock)
        {
            for (int i = s_workerCount; i < count; i++)
            {
                var worker = new Worker();
                var thread = new Thread(WorkerLoop, maxStackSize: 256 * 1024)
                {
                    IsBackground = true,
                    Name = "StaticGrad worker " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                s_workers[i] = worker;
                thread.Start(worker);
            }

            Volatile.Write(ref s_workerCount, Math.Max(s_workerCount, count));
        }
    }

    private static void WorkerLoop(object? state)
    {
        var worker = (Worker)state!;
        long seen = Volatile.Read(ref s_generation);
        while (true)
        {
            seen = WaitForNewJob(worker, seen);
            int slots;
            while ((slots = Volatile.Read(ref s_slots)) > 0)
            {
                if (Interlocked.CompareExchange(ref s_slots, slots - 1, slots) == slots)
                {
                    try
                    {
                        RunParts(s_body, s_context, fromTop: false);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref s_exception, e, null);
                    }

                    Volatile.Write(ref worker.AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                    Interlocked.Increment(ref s_finished);
                    break;
                }
            }
        }
    }

    /// <summary>Spins, then sleeps, until the job generation moves past <paramref name="seen"/>; returns the new generation.</summary>
    private static long WaitForNewJob(Worker worker, long seen)
    {
        long start = Stopwatch.GetTimestamp();
        int spins = 0;
        while (true)
        {
            long generation = Volatile.Read(ref s_generation);
            if (generation != seen)
            {
                return generation;
            }

            if (X86Base.IsSupported)
            {
                X86Base.Pause();
            }
            else
            {
                Thread.SpinWait(1);
            }

            if ((++spins & 255) == 0 && Stopwatch.GetTimestamp() - start > s_spinTicks)
            {
                Interlocked.Exchange(ref worker.Sleeping, 1);
                if (Volatile.Read(ref s_generation) != seen && Interlocked.Exchange(ref worker.Sleeping, 0) == 1)
                {
                    continue; // a job arrived while going to sleep, and nobody will release the semaphore
                }

                worker.Wake.Wait();
                start = Stopwatch.GetTimestamp();
            }
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0, int.MaxValue);
        public int Sleeping;
        public long AllocatedBytes;
    }
}
