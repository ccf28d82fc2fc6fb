using System;

namespace StaticGrad.Kernels;

/// <summary>
/// Channel dropout, as <c>torch.nn.functional.dropout2d</c> in training mode on <c>[batch, channels, height, width]</c>:
/// each plane (one channel of one sample) is zeroed as a whole with probability <c>p</c> and the others scaled by
/// <c>1/(1-p)</c>. One draw per plane, in order, from a seeded <see cref="Rng"/>: reproducible, not PyTorch's bit stream.
/// </summary>
public static class Dropout2d
{
    /// <summary>Draws one mask value per plane (0 or <c>1/(1-p)</c>) and writes <c>output = input · mask</c>, plane by plane.</summary>
    /// <param name="input">The values, <c>planes × plane</c>.</param>
    /// <param name="output">Receives the result; the same span as <paramref name="input"/> (in place) or disjoint from it.</param>
    /// <param name="mask">Receives one value per plane, kept for <see cref="Backward"/>; must not overlap the other spans.</param>
    /// <param name="planes">Planes (<c>batch · channels</c>); zero or more.</param>
    /// <param name="plane">Values per plane (<c>height · width</c>); positive.</param>
    /// <param name="p">The probability of zeroing a plane, in [0, 1]. 0 copies the input and 1 writes zeros; neither draws.</param>
    /// <param name="rng">The generator the mask is drawn from.</param>
    /// <exception cref="ArgumentNullException"><paramref name="rng"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or <paramref name="p"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or the spans overlap wrongly.</exception>
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> mask, int planes, int plane, float p, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        KernelGuard.NonNegative(planes, nameof(planes));
        KernelGuard.Positive(plane, nameof(plane));
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Expected a dropout probability between 0 and 1.");
        }

        KernelGuard.Holds(input.Length, planes, plane, nameof(input), "planes*plane");
        KernelGuard.Holds(output.Length, planes, plane, nameof(output), "planes*plane");
        KernelGuard.Holds(mask.Length, planes, nameof(mask), "planes");
        int length = planes * plane;
        input = input.Slice(0, length);
        output = output.Slice(0, length);
        mask = mask.Slice(0, planes);
        KernelGuard.SameOrDisjoint(input, output, nameof(input), nameof(output));
        KernelGuard.NoOverlap(input, mask, nameof(input), nameof(mask));
        KernelGuard.NoOverlap(output, mask, nameof(output), nameof(mask));

        if (p == 0f || p == 1f)
        {
            mask.Fill(p == 0f ? 1f : 0f);
        }
        else
        {
            float scale = Dropout.Scale(p);
            for (int i = 0; i < planes; i++)
            {
                mask[i] = rng.NextSingle() >= p ? scale : 0f;
            }
        }

        for (int i = 0; i < planes; i++)
        {
            Multiply.Scaled(input.Slice(i * plane, plane), mask[i], output.Slice(i * plane, plane));
        }
    }

    /// <summary><c>gradient *= mask</c> plane by plane, in place: the gradient flows only through the kept planes, scaled like them.</summary>
    /// <param name="gradient">On entry dL/dy, on return dL/dx; <c>planes × plane</c>.</param>
    /// <param name="mask">The mask <see cref="Forward"/> drew, one value per plane.</param>
    /// <param name="planes">Planes; zero or more.</param>
    /// <param name="plane">Values per plane; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short, or they overlap.</exception>
    public static void Backward(Span<float> gradient, ReadOnlySpan<float> mask, int planes, int plane)
    {
        KernelGuard.NonNegative(planes, nameof(planes));
        KernelGuard.Positive(plane, nameof(plane));
        KernelGuard.Holds(gradient.Length, planes, plane, nameof(gradient), "planes*plane");
        KernelGuard.Holds(mask.Length, planes, nameof(mask), "planes");
        KernelGuard.NoOverlap(mask.Slice(0, planes), gradient.Slice(0, planes * plane), nameof(mask), nameof(gradient));
        for (int i = 0; i < planes; i++)
        {
            Span<float> values = gradient.Slice(i * plane, plane);
            Multiply.Scaled(values, mask[i], values);
        }
    }
}
