using System;

namespace StaticGrad;

/// <summary>
/// A small, seedable pseudo-random generator (xoshiro128**, seeded through SplitMix64).
/// </summary>
/// <remarks>
/// The same seed gives the same sequence on every machine and runtime, which is what makes
/// initialization and shuffling reproducible. It is used instead of
/// <see cref="System.Random"/> because <see cref="System.Random"/>'s seeded algorithm is an
/// implementation detail that is not promised to stay the same across .NET versions.
/// </remarks>
public sealed class Rng
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator whose whole sequence is determined by <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; equal seeds give equal sequences.</param>
    public Rng(ulong seed)
    {
        ulong x = seed;
        ulong a = SplitMix64(ref x);
        ulong b = SplitMix64(ref x);
        _s0 = (uint)a;
        _s1 = (uint)(a >> 32);
        _s2 = (uint)b;
        _s3 = (uint)(b >> 32);
    }

    /// <summary>Returns the next 32 uniformly distributed bits.</summary>
    public uint NextUInt32()
    {
        uint result = RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>Returns a float uniformly distributed in [0, 1), with 24 random bits.</summary>
    public float NextSingle() => (NextUInt32() >> 8) * (1.0f / (1 << 24));

    /// <summary>Returns a double uniformly distributed in [0, 1), with 53 random bits (two draws).</summary>
    public double NextDouble()
    {
        ulong high = NextUInt32() >> 5, low = NextUInt32() >> 6; // 27 + 26 bits
        return ((high << 26) | low) * (1.0 / (1UL << 53));
    }

    /// <summary>Returns a float uniformly distributed in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound; must be greater than <paramref name="low"/>.</param>
    public float NextSingle(float low, float high)
    {
        if (!(high > low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high, $"Expected high > low ({low}).");
        }

        return low + (high - low) * NextSingle();
    }

    /// <summary>Returns an integer uniformly distributed in [0, <paramref name="exclusiveMax"/>) without modulo bias.</summary>
    /// <param name="exclusiveMax">The exclusive upper bound; must be positive.</param>
    public int NextInt32(int exclusiveMax)
    {
        if (exclusiveMax <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "Expected a positive bound.");
        }

        // Lemire's multiply-and-reject: unbiased, and almost never loops.
        uint bound = (uint)exclusiveMax;
        ulong product = (ulong)NextUInt32() * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (uint)(-(int)bound) % bound;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * bound;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    /// <summary>Shuffles <paramref name="values"/> in place with the Fisher–Yates algorithm.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values to permute.</param>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>Copies the generator's state, so a run can be resumed exactly.</summary>
    /// <returns>The four state words.</returns>
    public (uint S0, uint S1, uint S2, uint S3) GetState() => (_s0, _s1, _s2, _s3);

    /// <summary>Restores a state captured with <see cref="GetState"/>.</summary>
    /// <param name="state">The four state words; not all zero.</param>
    public void SetState((uint S0, uint S1, uint S2, uint S3) state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("The all-zero state is not a valid xoshiro128** state.", nameof(state));
        }

        (_s0, _s1, _s2, _s3) = state;
    }

    private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
