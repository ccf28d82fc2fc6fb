using System;
using System.Collections.Generic;
using System.Numerics;

namespace StaticGrad;

/// <summary>Tensor shape arithmetic shared by parameters, buffers and checkpoints.</summary>
internal static class Shapes
{
    /// <summary>The element count of a declared tensor's shape, every dimension positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or the count exceeds <see cref="int.MaxValue"/>.</exception>
    public static int CheckedLength(string name, int[] shape, string paramName)
    {
        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentOutOfRangeException(paramName, dimension, $"Every dimension of '{name}' must be positive.");
            }

            // Stops growing once too large (a long holds int.MaxValue · int.MaxValue, not a third factor).
            length = length > int.MaxValue ? length : length * dimension;
        }

        if (length > int.MaxValue)
        {
            BigInteger count = BigInteger.One;
            foreach (int dimension in shape)
            {
                count *= dimension;
            }

            throw new ArgumentOutOfRangeException(
                paramName, $"The shape [{string.Join(", ", shape)}] of '{name}' has {count} elements; expected at most {int.MaxValue}.");
        }

        return (int)length;
    }

    /// <summary>The element count of an already validated shape (1 for a scalar).</summary>
    public static int Length(int[] shape)
    {
        int length = 1;
        foreach (int dimension in shape)
        {
            length *= dimension;
        }

        return length;
    }

    /// <summary>Whether two shapes have the same dimensions.</summary>
    public static bool Equal(int[] a, IReadOnlyList<int> b)
    {
        if (a.Length != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
