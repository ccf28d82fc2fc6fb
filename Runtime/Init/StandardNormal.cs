using System;

namespace StaticGrad;

/// <summary>Standard normal draws for the initializers: the Box–Muller transform of two uniform doubles of an <see cref="Rng"/>.</summary>
/// <remarks>
/// PyTorch's CPU <c>normal_</c> is Box–Muller too (in float, over its own generator), so the distribution is the same and
/// the bits are not. Box–Muller rather than a rejection method: a fixed four <see cref="Rng.NextUInt32"/> calls per
/// pair, so how far a draw advances the generator does not depend on the values.
/// </remarks>
internal static class StandardNormal
{
    /// <summary>Two independent N(0, 1) values.</summary>
    public static (double First, double Second) NextPair(Rng rng)
    {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble()));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * rng.NextDouble());
        return (radius * cos, radius * sin);
    }

    /// <summary>Fills <paramref name="values"/> with <c>mean + std · z</c>, z ~ N(0, 1), computed in double and rounded once.</summary>
    public static void Fill(Span<float> values, Rng rng, double mean, double std)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            (double first, double second) = NextPair(rng);
            values[i] = (float)((first * std) + mean);
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)((second * std) + mean);
            }
        }
    }

    /// <summary>Fills <paramref name="values"/> with N(0, 1) draws.</summary>
    public static void Fill(Span<double> values, Rng rng)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            (double first, double second) = NextPair(rng);
            values[i] = first;
            if (i + 1 < values.Length)
            {
                values[i + 1] = second;
            }
        }
    }
}
