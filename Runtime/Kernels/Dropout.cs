using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Inverted dropout, as <c>torch.nn.functional.dropout</c> in training mode: each element is zeroed with probability
/// <c>p</c> and the others scaled by <c>1/(1-p)</c> (<see cref="Scale"/>: PyTorch's rounding), so eval mode is the identity. The mask comes from a seeded
/// <see cref="Rng"/> (one draw per element, in order), so a run is reproducible; it is not PyTorch's bit stream.
/// </summary>
public static class Dropout
{
    /// <summary>Draws a mask into <paramref name="mask"/> (0 or <c>1/(1-p)</c>) and writes <c>output = input · mask</c>.</summary>
    /// <param name="input">The values.</param>
    /// <param name="output">Receives the result; the same span as <paramref name="input"/> (in place) or disjoint from it.</param>
    /// <param name="mask">Receives the mask, kept for <see cref="Backward"/>; must not overlap the other spans.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <param name="p">The probability of zeroing an element, in [0, 1]. 0 copies the input and 1 writes zeros; neither draws.</param>
    /// <param name="rng">The generator the mask is drawn from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rng"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> or <paramref name="p"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or the spans overlap wrongly.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, int length, float p, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        KernelGuard.NonNegative(length, nameof(length));
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected a dropout probability between 0 and 1.");
        }

        KernelGuard.Holds(input.Length, length, nameof(input), "length");
        KernelGuard.Holds(output.Length, length, nameof(output), "length");
        KernelGuard.Holds(mask.Length, length, nameof(mask), "length");
        input = input.Slice(0, length);
        output = output.Slice(0, length);
        mask = mask.Slice(0, length);
        KernelGuard.SameOrDisjoint(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(input, mask, nameof(input), nameof(mask));
        KernelGuard.NoOverlap(output, mask, nameof(output), nameof(mask));

        if (p == 0f || p == 1f)
        {
            mask.Fill(p == 0f ? 1f : 0f);
        }
        else
        {
            float scale = Scale(p);
            for (int i = 0; i < length; i++)
            {
                mask[i] = rng.NextSingle() >= p ? scale : 0f;
            }
        }

        for (int i = 0; i < length; i++)
        {
            output[i] = input[i] * mask[i];
        }
    }

    /// <summary>
    /// The kept elements' factor, as PyTorch computes it: <c>noise.div_(1 - p)</c> with <c>p</c> a Python float divides
    /// a float 1 by <c>float(1 - p)</c>, <c>1 - p</c> taken in double. <paramref name="p"/> is the float of the attribute
    /// (<c>[Dropout(0.9f)]</c>); it is read back as the decimal the user wrote (a float to decimal conversion keeps 7
    /// significant digits: 0.9f is 0.9), so the factor is PyTorch's for <c>nn.Dropout(0.9)</c>: 10, where
    /// <c>1f / (1f - 0.9f)</c> gives 9.999998.
    /// </summary>
    /// <param name="p">The dropout probability, in (0, 1).</param>
    /// <returns><c>1 / (1 - p)</c>, rounded as PyTorch rounds it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in (0, 1).</exception>
    public static float Scale(float p)
    {
        if (!(p > 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected a dropout probability between 0 and 1, both excluded (0 and 1 keep or drop everything).");
        }

        return 1f / (float)(1.0 - (double)(decimal)p);
    }

    /// <summary><c>gradient *= mask</c> in place: the gradient flows only through the kept elements, scaled like them.</summary>
    /// <param name="gradient">On entry dL/dy, on return dL/dx.</param>
    /// <param name="mask">The mask <see cref="Forward"/> drew.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short, or they overlap.</exception>
    public static void Backward(Span<float> gradient, ReadOnlySpan<float> mask, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(gradient.Length, length, nameof(gradient), "length");
        KernelGuard.Holds(mask.Length, length, nameof(mask), "length");
        KernelGuard.NoOverlap(mask.Slice(0, length), gradient.Slice(0, length), nameof(mask), nameof(gradient));
        for (int i = 0; i < length; i++)
        {
            gradient[i] *= mask[i];
        }
    }
}
