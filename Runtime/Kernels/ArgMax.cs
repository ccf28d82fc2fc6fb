using System;

namespace StaticGrad.Kernels;

/// <summary>The index of the largest element, for turning scores into a predicted class.</summary>
public static class ArgMax
{
    /// <summary>
    /// Returns the index of the largest element of <paramref name="row"/>; ties go to the first. As in
    /// PyTorch's <c>argmax</c>, a NaN counts as larger than every number (the first NaN wins).
    /// </summary>
    /// <param name="row">The scores; not empty.</param>
    /// <returns>The index of the maximum.</returns>
    /// <exception cref="ArgumentException"><paramref name="row"/> is empty.</exception>
    public static int Row(ReadOnlySpan<float> row)
    {
        KernelGuard.NotEmpty(row.Length, nameof(row));
        int best = 0;
        float bestValue = row[0];
        if (float.IsNaN(bestValue))
        {
            return 0;
        }

        for (int i = 1; i < row.Length; i++)
        {
            float value = row[i];
            if (value > bestValue)
            {
                best = i;
                bestValue = value;
            }
            else if (float.IsNaN(value))
            {
                return i;
            }
        }

        return best;
    }
}
