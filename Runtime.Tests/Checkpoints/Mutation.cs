using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>What a corrupted variant must do.</summary>
internal enum Expect
{
    /// <summary>The corruption breaks the format's rules: the load must throw <see cref="InvalidDataException"/>.</summary>
    Reject,

    /// <summary>The bytes changed where the format cannot notice (tensor data, free-form metadata text): a clean load is allowed.</summary>
    MayAccept,
}

/// <summary>
/// One corrupted variant of a valid file: a length (a truncation, or longer for appended bytes) and byte
/// patches applied to a shared working copy, or a whole replacement for edits that change the length.
/// </summary>
internal sealed record Variant(string Family, Expect Expect, int Length, (int Offset, byte Value)[] Patches, byte[]? Replacement = null);

/// <summary>Generates corrupted variants of a file deterministically and runs a loader on each.</summary>
internal sealed class Mutation
{
    private const int Slack = 8192;
    private readonly byte[] _original;
    private readonly byte[] _work;

    public Mutation(byte[] original)
    {
        _original = original;
        _work = new byte[original.Length + Slack];
        original.CopyTo(_work, 0);
    }

    public int Length => _original.Length;

    public byte this[int offset] => _original[offset];

    public static bool IsJsonWhitespace(byte b) => b is 0x20 or 0x09 or 0x0A or 0x0D;

    public IEnumerable<Variant> Truncations(string family, int from, int to, Expect expect = Expect.Reject)
    {
        for (int length = from; length < to && length < Length; length++)
        {
            yield return new Variant(family, expect, length, []);
        }
    }

    public IEnumerable<Variant> SpreadTruncations(string family, int from, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return new Variant(family, Expect.Reject, from + (int)((long)(Length - from) * i / count), []);
        }

        yield return new Variant(family, Expect.Reject, Length - 1, []);
    }

    public IEnumerable<Variant> Appends(string family, params int[] counts)
    {
        foreach (int count in counts)
        {
            yield return new Variant(family, Expect.Reject, Length + count, [.. Enumerable.Range(Length, count).Select(i => (i, (byte)(i * 7)))]);
        }
    }

    public IEnumerable<Variant> ByteXors(string family, int from, int to, Func<int, Expect> expect)
    {
        for (int i = from; i < to; i++)
        {
            yield return new Variant(family, expect(i), Length, [(i, (byte)(_original[i] ^ 0xFF))]);
        }
    }

    public IEnumerable<Variant> BitFlips(string family, int from, int to, Func<int, int, Expect> expect)
    {
        for (int i = from; i < to; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                yield return new Variant(family, expect(i, bit), Length, [(i, (byte)(_original[i] ^ (1 << bit)))]);
            }
        }
    }

    /// <summary>Overwrites 1 to <paramref name="maxBytes"/> random positions with random values (never JSON whitespace, never the same byte).</summary>
    public IEnumerable<Variant> RandomOverwrites(string family, int from, int to, int count, int maxBytes, Func<int, bool> allowed, ulong seed, Expect expect = Expect.Reject)
    {
        var rng = new Rng(seed);
        for (int v = 0; v < count; v++)
        {
            int n = 1 + rng.NextInt32(maxBytes);
            var patches = new List<(int, byte)>();
            while (patches.Count < n)
            {
                int offset = from + rng.NextInt32(to - from);
                byte value = (byte)rng.NextInt32(256);
                if (!allowed(offset) || value == _original[offset] || IsJsonWhitespace(value) || patches.Any(p => p.Item1 == offset))
                {
                    continue;
                }

                patches.Add((offset, value));
            }

            yield return new Variant(family, expect, Length, patches.ToArray());
        }
    }

    public Variant Replace(string family, byte[] bytes, Expect expect = Expect.Reject) => new(family, expect, bytes.Length, [], bytes);

    /// <summary>Runs <paramref name="load"/> on every variant and checks the outcome.</summary>
    /// <param name="variants">The variants.</param>
    /// <param name="load">Loads from the stream; throws <see cref="InvalidDataException"/> to reject.</param>
    /// <param name="unchanged">After a rejected load: whether the target is unchanged (the message says what changed otherwise).</param>
    /// <param name="accepted">After an accepted load: checks it and resets the target.</param>
    /// <param name="stats">Receives the counts.</param>
    public void Run(IEnumerable<Variant> variants, Action<Stream> load, Func<string?> unchanged, Action<Variant> accepted, MutationStats stats)
    {
        foreach (Variant variant in variants)
        {
            byte[] buffer;
            byte[]? saved = null;
            if (variant.Replacement is not null)
            {
                buffer = variant.Replacement;
            }
            else
            {
                buffer = _work;
                saved = new byte[variant.Patches.Length];
                for (int i = 0; i < variant.Patches.Length; i++)
                {
                    saved[i] = _work[variant.Patches[i].Offset];
                    _work[variant.Patches[i].Offset] = variant.Patches[i].Value;
                }
            }

            var stream = new MemoryStream(buffer, 0, variant.Length, writable: false);
            (Exception? error, long allocated, TimeSpan elapsed) = Measure(() => load(stream));
            if (elapsed > MutationStats.TimeBound && error is InvalidDataException)
            {
                // The machine is shared: time a slow refusal once more (a refused load changed nothing) and keep the faster run.
                TimeSpan again = Measure(() => load(new MemoryStream(buffer, 0, variant.Length, writable: false))).Elapsed;
                elapsed = again < elapsed ? again : elapsed;
            }

            stats.Record(variant, error, allocated, elapsed);
            if (error is InvalidDataException && unchanged() is string change)
            {
                stats.Failures.Add($"{variant.Family}: a rejected load changed the target: {change}");
            }
            else if (error is null)
            {
                accepted(variant);
            }

            if (saved is not null)
            {
                for (int i = 0; i < variant.Patches.Length; i++)
                {
                    _work[variant.Patches[i].Offset] = saved[i];
                }
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> once: what it threw, what this thread allocated, how long it took.</summary>
    public static (Exception? Error, long Allocated, TimeSpan Elapsed) Measure(Action action)
    {
        long timestamp = Stopwatch.GetTimestamp();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try
        {
            action();
        }
        catch (Exception e)
        {
            error = e;
        }

        return (error, GC.GetAllocatedBytesForCurrentThread() - before, Stopwatch.GetElapsedTime(timestamp));
    }

    /// <summary>The bytes of a variant (for checking an accepted load).</summary>
    public byte[] BytesOf(Variant variant)
    {
        if (variant.Replacement is not null)
        {
            return variant.Replacement;
        }

        byte[] bytes = _work.AsSpan(0, variant.Length).ToArray();
        foreach ((int offset, byte value) in variant.Patches)
        {
            if (offset < bytes.Length)
            {
                bytes[offset] = value;
            }
        }

        return bytes;
    }
}

/// <summary>
/// Counts per family, the worst allocation and time, and every broken expectation. A load may
/// allocate <paramref name="allocationBound"/> bytes plus the length of the variant's file.
/// </summary>
internal sealed class MutationStats(string corpus, long allocationBound)
{
    private readonly SortedDictionary<string, (int Variants, int Rejected, int Accepted)> _families = new(StringComparer.Ordinal);

    /// <summary>How long one load may take.</summary>
    public static TimeSpan TimeBound { get; } = TimeSpan.FromSeconds(2);

    public List<string> Failures { get; } = new();

    public int Variants { get; private set; }

    public int MustReject { get; private set; }

    public int Rejected { get; private set; }

    public int Accepted { get; private set; }

    public long MaxAllocated { get; private set; }

    public TimeSpan MaxElapsed { get; private set; }

    public TimeSpan TotalElapsed { get; private set; }

    public void Record(Variant variant, Exception? error, long allocated, TimeSpan elapsed)
    {
        Variants++;
        MustReject += variant.Expect == Expect.Reject ? 1 : 0;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        MaxElapsed = elapsed > MaxElapsed ? elapsed : MaxElapsed;
        TotalElapsed += elapsed;
        _families.TryGetValue(variant.Family, out var counts);
        counts.Variants++;
        if (error is InvalidDataException)
        {
            Rejected++;
            counts.Rejected++;
        }
        else if (error is null)
        {
            Accepted++;
            counts.Accepted++;
            if (variant.Expect == Expect.Reject)
            {
                Failures.Add($"{variant.Family}: a corrupted variant was accepted (length {variant.Length}, patches {string.Join(", ", variant.Patches.Take(4).Select(p => $"[{p.Offset}]=0x{p.Value:X2}"))})");
            }
        }
        else
        {
            Failures.Add($"{variant.Family}: {error.GetType().Name} instead of InvalidDataException: {error.Message}");
        }

        if (allocated > allocationBound + variant.Length)
        {
            Failures.Add($"{variant.Family}: one load of a {variant.Length:N0}-byte file allocated {allocated:N0} bytes, more than the bound of {allocationBound:N0} plus the file's length");
        }

        if (elapsed > TimeBound)
        {
            Failures.Add($"{variant.Family}: one load took {elapsed.TotalMilliseconds:F0} ms");
        }

        _families[variant.Family] = counts;
    }

    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"{corpus}: {Variants} variants ({MustReject} must be rejected): {Rejected} rejected with InvalidDataException, {Accepted} accepted, {Variants - Rejected - Accepted} other outcomes; " +
            $"max allocation per load {MaxAllocated:N0} bytes (bound {allocationBound:N0} + the file's length), max time per load {MaxElapsed.TotalMilliseconds:F1} ms, total {TotalElapsed.TotalMilliseconds:F0} ms");
        foreach ((string family, var counts) in _families)
        {
            text.AppendLine($"  {family,-28} {counts.Variants,6} variants {counts.Rejected,6} rejected {counts.Accepted,6} accepted");
        }

        return text.ToString();
    }
}

/// <summary>
/// The test classes that bound the time of one load (the mutation corpora, the hostile headers): on
/// a shared 2-core machine the bounds hold only when no other test class trains a model beside them,
/// and a 16 MiB header's collection does not wait on another test's heap.
/// </summary>
[Xunit.CollectionDefinition(nameof(TimedLoads), DisableParallelization = true)]
public sealed class TimedLoads
{
}
