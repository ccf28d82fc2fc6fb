using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticGrad;

/// <summary>
/// The span kernels behind <see cref="GradientClipping"/>. They use <see cref="Vector256{T}"/> (a fixed
/// width, emulated where the hardware lacks it) and never fused multiply-add, so a reduction adds in the
/// same order and gives the same bits on every machine: eight float lanes widened to two four-lane double
/// accumulators, combined in a fixed order, then the tail in index order.
/// </summary>
internal static class ClippingKernels
{
    /// <summary>Σ x², accumulated in double in the fixed order described on the class.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        double sum = 0;
        if (values.Length >= Vector256<float>.Count)
        {
            Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256<double> a, Vector256<double> b) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i));
                low += a * a;
                high += b * b;
            }

            Vector256<double> lanes = low + high;
            sum = (lanes.GetElement(0) + lanes.GetElement(1)) + (lanes.GetElement(2) + lanes.GetElement(3));
        }

        for (; i < values.Length; i++)
        {
            double x = Unsafe.Add(ref start, i);
            sum += x * x;
        }

        return sum;
    }

    /// <summary>Σ |x|^p in double, in index order (<c>Math.Pow</c> per value: the norms other than 2 and ∞ are rare).</summary>
    public static double SumOfPowers(ReadOnlySpan<float> values, double p)
    {
        double sum = 0;
        foreach (float x in values)
        {
            sum += p == 1 ? Math.Abs((double)x) : Math.Pow(Math.Abs((double)x), p);
        }

        return sum;
    }

    /// <summary>max |x| (0 for an empty span); NaN if any value is NaN, as <c>torch.max</c>.</summary>
    public static float MaxAbs(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        float max = 0;
        bool nan = false;
        if (values.Length >= Vector256<float>.Count)
        {
            Vector256<float> lanes = Vector256<float>.Zero;
            Vector256<float> anyNaN = Vector256<float>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i));
                anyNaN |= ~Vector256.Equals(x, x);
                lanes = Vector256.ConditionalSelect(Vector256.GreaterThan(x, lanes), x, lanes);
            }

            nan = anyNaN != Vector256<float>.Zero;
            for (int lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = MathF.Max(max, lanes.GetElement(lane));
            }
        }

        for (; i < values.Length; i++)
        {
            float x = MathF.Abs(Unsafe.Add(ref start, i));
            nan |= float.IsNaN(x);
            max = MathF.Max(max, x);
        }

        return nan ? float.NaN : max;
    }

    /// <summary>x *= factor for every value.</summary>
    public static void Scale(Span<float> values, float factor)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        Vector256<float> f = Vector256.Create(factor);
        for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            (Vector256.LoadUnsafe(ref start, (nuint)i) * f).StoreUnsafe(ref start, (nuint)i);
        }

        for (; i < values.Length; i++)
        {
            Unsafe.Add(ref start, i) *= factor;
        }
    }

    /// <summary>x = clamp(x, -limit, limit) for every value; NaN stays NaN, as <c>torch.clamp_</c>.</summary>
    public static void Clamp(Span<float> values, float limit)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        Vector256<float> high = Vector256.Create(limit), low = Vector256.Create(-limit);
        for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref start, (nuint)i);
            x = Vector256.ConditionalSelect(Vector256.LessThan(x, low), low, x);
            x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, high), high, x);
            x.StoreUnsafe(ref start, (nuint)i);
        }

        for (; i < values.Length; i++)
        {
            ref float x = ref Unsafe.Add(ref start, i);
            x = x < -limit ? -limit : x > limit ? limit : x;
        }
    }
}
