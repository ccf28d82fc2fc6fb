using System;
using System.Threading;

namespace StaticGrad;

/// <summary>
/// A small lock-free pool of equally sized activation arenas. A generated model's <c>Forward</c> and
/// <c>Predict</c> rent one arena per call, so any number of threads can run inference on one model instance
/// at once without sharing activations. Arenas are created on first demand and kept: once as many arenas
/// exist as calls ever ran at the same time (up to <see cref="Capacity"/>), renting allocates nothing.
/// </summary>
/// <remarks>
/// Renting and returning cost one interlocked exchange each in the common case (a slot holding an arena).
/// When more calls overlap than the pool has slots, the extra calls get fresh arenas that are dropped on
/// return: still correct, but allocating.
/// </remarks>
public sealed class ArenaPool
{
    private readonly float[]?[] _slots;

    /// <summary>Creates an empty pool of arenas of <paramref name="floats"/> floats each.</summary>
    /// <param name="floats">The length of every arena: the model's inference floats per sample times its maximum batch.</param>
    /// <param name="capacity">How many idle arenas the pool keeps; the default is twice the processor count, at least 8.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="floats"/> or <paramref name="capacity"/> is not positive.</exception>
    public ArenaPool(int floats, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(floats);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArenaFloats = floats;
        _slots = new float[]?[capacity == 0 ? Math.Max(8, 2 * Environment.ProcessorCount) : capacity];
    }

    /// <summary>The length of every arena in floats.</summary>
    public int ArenaFloats { get; }

    /// <summary>How many idle arenas the pool keeps.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Takes an idle arena, or creates one when every kept arena is in use. Its contents are undefined.</summary>
    /// <returns>An arena of <see cref="ArenaFloats"/> floats that no other caller holds until it is returned.</returns>
    public float[] Rent()
    {
        // A second pass catches an arena returned behind the first scan by another thread, so that in steady
        // state (as many arenas kept as callers overlap) a rent practically never allocates.
        float[]?[] slots = _slots;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } arena)
                {
                    return arena;
                }
            }
        }

        return new float[ArenaFloats];
    }

    /// <summary>Gives back an arena from <see cref="Rent"/>; the caller must not use it afterwards.</summary>
    /// <param name="arena">The rented arena.</param>
    /// <exception cref="ArgumentNullException"><paramref name="arena"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="arena"/> is not <see cref="ArenaFloats"/> long, so it did not come from this pool.</exception>
    public void Return(float[] arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        if (arena.Length != ArenaFloats)
        {
            throw new ArgumentException($"Expected an arena of {ArenaFloats} floats from this pool, got {arena.Length}.", nameof(arena));
        }

        float[]?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], arena, null) is null)
            {
                return;
            }
        }
    }
}
