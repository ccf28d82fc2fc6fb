using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace StaticGrad.Kernels;

/// <summary>Elementwise sums and copies: residual connections, gradients that add up where a tensor feeds several ops, and accumulated micro-batches.</summary>
public static class Elementwise
{
    /// <summary><c>output[i] = a[i] + b[i]</c> for the first <paramref name="length"/> elements; <paramref name="output"/> may be <paramref name="a"/> or <paramref name="b"/>.</summary>
    /// <param name="a">The first addend.</param>
    /// <param name="b">The second addend.</param>
    /// <param name="output">Receives the sum; the same span as an addend or disjoint from both.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short, or <paramref name="output"/> partially overlaps an addend.</exception>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(a.Length, length, nameof(a), "length");
        KernelGuard.Holds(b.Length, length, nameof(b), "length");
        KernelGuard.Holds(output.Length, length, nameof(output), "length");
        a = a.Slice(0, length);
        b = b.Slice(0, length);
        output = output.Slice(0, length);
        KernelGuard.SameOrDisjoint(a, output, nameof(a), nameof(output));
        KernelGuard.SameOrDisjoint(b, output, nameof(b), nameof(output));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            Span<Vector<float>> vo = MemoryMarshal.Cast<float, Vector<float>>(output);
            for (int v = 0; v < vo.Length; v++)
            {
                vo[v] = va[v] + vb[v];
            }

            i = vo.Length * Vector<float>.Count;
        }

        for (; i < length; i++)
        {
            output[i] = a[i] + b[i];
        }
    }

    /// <summary>
    /// <c>target[i] += scale · source[i]</c> for the first <paramref name="length"/> elements (a multiply then an add,
    /// rounded alike at every vector width): a micro-batch's gradients added to the accumulated ones.
    /// </summary>
    /// <param name="source">The values to add.</param>
    /// <param name="scale">Their weight; finite.</param>
    /// <param name="target">Receives the sum; disjoint from <paramref name="source"/>.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or <paramref name="scale"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A span is too short, or the spans overlap.</exception>
    public static void AddScaled(ReadOnlySpan<float> source, float scale, Span<float> target, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a finite scale.");
        }

        KernelGuard.Holds(source.Length, length, nameof(source), "length");
        KernelGuard.Holds(target.Length, length, nameof(target), "length");
        source = source.Slice(0, length);
        target = target.Slice(0, length);
        if (source.Overlaps(target))
        {
            throw new ArgumentException("Expected the source and the target not to overlap.", nameof(target));
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<Vector<float>> vs = MemoryMarshal.Cast<float, Vector<float>>(source);
            Span<Vector<float>> vt = MemoryMarshal.Cast<float, Vector<float>>(target);
            var factor = new Vector<float>(scale);
            for (int v = 0; v < vt.Length; v++)
            {
                vt[v] += factor * vs[v];
            }

            i = vt.Length * Vector<float>.Count;
        }

        for (; i < length; i++)
        {
            target[i] += scale * source[i];
        }
    }

    /// <summary><c>destination[i] = source[i]</c> for the first <paramref name="length"/> elements.</summary>
    /// <param name="source">The values.</param>
    /// <param name="destination">Receives them.</param>
    /// <param name="length">Elements; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination, int length)
    {
        KernelGuard.NonNegative(length, nameof(length));
        KernelGuard.Holds(source.Length, length, nameof(source), "length");
        KernelGuard.Holds(destination.Length, length, nameof(destination), "length");
        source.Slice(0, length).CopyTo(destination);
    }
}
