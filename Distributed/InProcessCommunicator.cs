using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace StaticGrad.Distributed;

/// <summary>
/// An <see cref="ICommunicator"/> whose ranks are threads of one process, for tests and for trying data-parallel
/// code without MPI. Sums are taken in rank order (<c>((r0 + r1) + r2) + ...</c>), so results are the same on every
/// rank and on every run.
/// </summary>
/// <remarks>
/// <see cref="Run{T}"/> starts one thread per rank. A rank that throws, calls <see cref="Abort"/>, or waits longer
/// than the group's timeout in a collective ends the group: every other rank's pending or next collective throws
/// <see cref="CommunicatorAbortedException"/> naming the cause, so a failure never hangs the others.
/// </remarks>
public sealed class InProcessCommunicator : ICommunicator
{
    private readonly Group _group;

    private InProcessCommunicator(Group group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size => _group.Size;

    /// <summary>Creates the communicators of a group of <paramref name="size"/> ranks; give each to its own thread.</summary>
    /// <param name="size">The number of ranks; positive.</param>
    /// <param name="timeout">How long a rank waits in a collective for the others before the group is aborted; null for 10 minutes.</param>
    /// <returns>One communicator per rank, indexed by rank.</returns>
    public static InProcessCommunicator[] CreateGroup(int size, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var group = new Group(size, timeout ?? TimeSpan.FromMinutes(10));
        var ranks = new InProcessCommunicator[size];
        for (int r = 0; r < size; r++)
        {
            ranks[r] = new InProcessCommunicator(group, r);
        }

        return ranks;
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank, and returns each rank's result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="size">The number of ranks; positive.</param>
    /// <param name="body">The code every rank runs with its communicator.</param>
    /// <param name="timeout">How long a collective may wait; null for 10 minutes.</param>
    /// <returns>The results, indexed by rank.</returns>
    /// <exception cref="AggregateException">A rank failed; holds every rank's exception, the failing rank's first.</exception>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        InProcessCommunicator[] ranks = CreateGroup(size, timeout);
        var results = new T[size];
        var failures = new Exception?[size];
        var threads = new Thread[size];
        for (int r = 0; r < size; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    results[rank] = body(ranks[rank]);
                }
                catch (Exception ex)
                {
                    failures[rank] = ex;
                    ranks[rank]._group.Abort(string.Create(CultureInfo.InvariantCulture, $"rank {rank} failed: {ex.GetType().Name}: {ex.Message}"));
                }
            })
            {
                IsBackground = true,
                Name = string.Create(CultureInfo.InvariantCulture, $"rank {rank}"),
            };
            threads[r].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        var thrown = new List<Exception>();
        thrown.AddRange(Array.FindAll(failures, e => e is not null and not CommunicatorAbortedException)!);
        thrown.AddRange(Array.FindAll(failures, e => e is CommunicatorAbortedException)!);
        if (thrown.Count > 0)
        {
            throw new AggregateException($"{thrown.Count} of {size} ranks failed; first: {thrown[0].Message}", thrown);
        }

        return results;
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        float[] mine = _group.Stage(Rank, values.Length);
        values.CopyTo(mine);
        _group.Sync(Rank);
        for (int i = 0; i < values.Length; i++)
        {
            float sum = _group.Slot(0)[i];
            for (int r = 1; r < Size; r++)
            {
                sum += _group.Slot(r)[i];
            }

            values[i] = sum;
        }

        _group.Sync(Rank);
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<long> values)
    {
        long[] mine = _group.StageLongs(Rank, values.Length);
        values.CopyTo(mine);
        _group.Sync(Rank);
        for (int i = 0; i < values.Length; i++)
        {
            long sum = 0;
            for (int r = 0; r < Size; r++)
            {
                sum = checked(sum + _group.LongSlot(r)[i]);
            }

            values[i] = sum;
        }

        _group.Sync(Rank);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        if (Rank == root)
        {
            values.CopyTo(_group.Stage(Rank, values.Length));
        }

        _group.Sync(Rank);
        if (Rank != root)
        {
            _group.Slot(root).AsSpan(0, values.Length).CopyTo(values);
        }

        _group.Sync(Rank);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> values, int root)
    {
        CheckRoot(root);
        if (Rank == root)
        {
            _group.Bytes = values.ToArray();
        }

        _group.Sync(Rank);
        if (Rank != root)
        {
            _group.Bytes.AsSpan(0, values.Length).CopyTo(values);
        }

        _group.Sync(Rank);
    }

    /// <inheritdoc/>
    public void Barrier() => _group.Sync(Rank);

    /// <inheritdoc/>
    public void Abort(int errorCode)
    {
        _group.Abort(string.Create(CultureInfo.InvariantCulture, $"rank {Rank} aborted the job with error code {errorCode}"));
        throw new CommunicatorAbortedException(string.Create(CultureInfo.InvariantCulture, $"Rank {Rank} aborted the job with error code {errorCode}."));
    }

    /// <summary>Nothing to release; the group ends with its threads.</summary>
    public void Dispose()
    {
    }

    private void CheckRoot(int root) => ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)root, (uint)Size, nameof(root));

    /// <summary>What the ranks of one group share.</summary>
    private sealed class Group(int size, TimeSpan timeout)
    {
        private readonly Barrier _barrier = new(size);
        private readonly CancellationTokenSource _abort = new();
        private readonly float[][] _slots = CreateSlots<float>(size);
        private readonly long[][] _longSlots = CreateSlots<long>(size);
        private string? _reason;

        public int Size { get; } = size;

        public byte[] Bytes { get; set; } = [];

        /// <summary>Rank <paramref name="rank"/>'s staging buffer, grown to at least <paramref name="length"/> (only its owner writes it, before a sync).</summary>
        public float[] Stage(int rank, int length) => Grow(_slots, rank, length);

        public float[] Slot(int rank) => _slots[rank];

        /// <summary>As <see cref="Stage"/>, for 64-bit integers.</summary>
        public long[] StageLongs(int rank, int length) => Grow(_longSlots, rank, length);

        public long[] LongSlot(int rank) => _longSlots[rank];

        public void Sync(int rank)
        {
            bool arrived;
            try
            {
                arrived = _barrier.SignalAndWait(timeout, _abort.Token);
            }
            catch (OperationCanceledException ex)
            {
                throw new CommunicatorAbortedException($"Rank {rank}: the job was aborted ({_reason}).", ex);
            }

            if (!arrived)
            {
                string reason = string.Create(CultureInfo.InvariantCulture, $"rank {rank} waited more than {timeout.TotalSeconds:0.#} s for the other ranks in a collective");
                Abort(reason);
                throw new CommunicatorAbortedException($"Rank {rank}: the job was aborted ({reason}).");
            }
        }

        public void Abort(string reason)
        {
            Interlocked.CompareExchange(ref _reason, reason, null);
            _abort.Cancel();
        }

        private static T[] Grow<T>(T[][] slots, int rank, int length)
        {
            if (slots[rank].Length < length)
            {
                slots[rank] = new T[length];
            }

            return slots[rank];
        }

        private static T[][] CreateSlots<T>(int size)
        {
            var slots = new T[size][];
            for (int r = 0; r < size; r++)
            {
                slots[r] = [];
            }

            return slots;
        }
    }
}
