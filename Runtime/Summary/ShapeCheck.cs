using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticGrad;

/// <summary>The per-sample shapes of <see cref="ModelSummary"/> and <see cref="LayerSummary"/>: checked, copied, printed.</summary>
internal static class ShapeCheck
{
    /// <summary>A copy of <paramref name="shape"/> after checking it has at least one dimension, each positive.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentException">It is empty or a dimension is not positive.</exception>
    public static int[] PerSample(IReadOnlyList<int> shape, string argument)
    {
        ArgumentNullException.ThrowIfNull(shape, argument);
        int[] copy = shape.ToArray();
        if (copy.Length == 0 || copy.Any(d => d <= 0))
        {
            throw new ArgumentException($"Expected at least one dimension, each positive; got [{string.Join(", ", copy)}].", argument);
        }

        return copy;
    }

    /// <summary>The values per sample of a checked shape (the product of its dimensions).</summary>
    /// <exception cref="ArgumentException">The product exceeds <see cref="int.MaxValue"/>.</exception>
    public static int Features(int[] shape, string argument)
    {
        long product = 1;
        foreach (int d in shape)
        {
            product *= d;
            if (product > int.MaxValue)
            {
                throw new ArgumentException($"The shape [{string.Join(", ", shape)}] has more than {int.MaxValue} values per sample; expected a product of the dimensions of at most {int.MaxValue}.", argument);
            }
        }

        return (int)product;
    }

    /// <summary><c>[batch, d0, d1, ...]</c>, as torchinfo prints shapes.</summary>
    public static string Format(string batch, IReadOnlyList<int> shape)
        => "[" + batch + ", " + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
