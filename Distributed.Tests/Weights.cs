using System;

namespace StaticGrad.Distributed.Tests;

/// <summary>How far apart two weight vectors are.</summary>
internal static class Weights
{
    /// <summary>max |a - b| / max |b|: the largest difference relative to the largest weight (the ∞-norm relative error).</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"Lengths differ: {actual.Length} and {expected.Length}.", nameof(actual));
        }

        double difference = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }

        return difference / scale; // NaN when a value is NaN (Math.Max propagates it)
    }

    /// <summary>‖a - b‖₂ / ‖b‖₂.</summary>
    public static double RelativeL2(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            difference += d * d;
            norm += (double)expected[i] * expected[i];
        }

        return Math.Sqrt(difference / norm);
    }

    /// <summary>
    /// The largest per-weight relative difference |a - b| / |b|, over all weights and over those with |b| at least 1% of
    /// max |b| (reported, not asserted: a weight near 0 turns any rounding difference into a large ratio).
    /// </summary>
    public static (double All, double Large) WorstElementRelative(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double scale = 0;
        foreach (float value in expected)
        {
            scale = Math.Max(scale, Math.Abs((double)value));
        }

        double all = 0, large = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double relative = Math.Abs((double)actual[i] - expected[i]) / Math.Abs((double)expected[i]);
            all = Math.Max(all, relative);
            large = Math.Abs(expected[i]) >= 0.01 * scale ? Math.Max(large, relative) : large;
        }

        return (all, large);
    }

    /// <summary>
    /// Asserts data-parallel weights match one process's: ‖·‖₂-relative ≤ 1e-6, and max |diff| / max |w| ≤ 1e-6 (SGD)
    /// or ≤ 1e-5 (Adam: a gradient element near Adam's eps of 1e-8 nearly cancels, its last bits depend on the summation
    /// order, and its weight's step changes visibly; measured up to 3.6e-6, see docs/distributed.md).
    /// </summary>
    /// <returns>The two errors, for the test's output.</returns>
    public static string AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, bool adam, string what)
    {
        double error = RelativeError(actual, expected), l2 = RelativeL2(actual, expected);
        (double all, double large) = WorstElementRelative(actual, expected);
        string text = $"{what}: max |diff| / max |w| = {error:E2}, L2 relative {l2:E2}; per weight |diff| / |w| up to {all:E2} (weights >= 1% of max |w|: {large:E2})";
        Xunit.Assert.True(l2 <= 1e-6 && error <= (adam ? 1e-5 : 1e-6), text);
        return text;
    }

    /// <summary>Whether the two vectors are equal bit for bit.</summary>
    public static bool BitIdentical(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}
