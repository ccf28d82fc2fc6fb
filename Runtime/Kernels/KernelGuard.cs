using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace StaticGrad.Kernels;

/// <summary>
/// Argument checks shared by the kernels. The checks themselves are cheap comparisons that inline
/// into the caller; everything that formats a message or allocates an exception lives in separate
/// non-inlined methods, so a call that passes validation allocates nothing.
/// </summary>
internal static class KernelGuard
{
    /// <summary>Throws unless <paramref name="value"/> is at least 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Positive(int value, string paramName)
    {
        if (value <= 0)
        {
            ThrowNotPositive(value, paramName);
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is at least 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NonNegative(int value, string paramName)
    {
        if (value < 0)
        {
            ThrowNegative(value, paramName);
        }
    }

    /// <summary>Throws unless a span of <paramref name="length"/> elements holds <paramref name="rows"/>·<paramref name="cols"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Holds(int length, int rows, int cols, string paramName, string formula)
    {
        if (length < (long)rows * cols)
        {
            ThrowTooShort(length, rows, cols, paramName, formula);
        }
    }

    /// <summary>Throws unless a span of <paramref name="length"/> elements holds <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Holds(int length, int count, string paramName, string formula)
    {
        if (length < count)
        {
            ThrowTooShort(length, count, paramName, formula);
        }
    }

    /// <summary>
    /// Throws unless a span of <paramref name="length"/> elements is empty or holds <paramref name="count"/>: an optional
    /// output (a frozen parameter's gradient is passed empty).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void HoldsOrEmpty(int length, int count, string paramName, string formula)
    {
        if (length != 0 && length < count)
        {
            ThrowTooShortOrEmpty(length, count, paramName, formula);
        }
    }

    /// <summary>
    /// The element count <c>a·b·…</c> of dimensions already checked to be zero or more, as an int: throws an
    /// <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/> (by convention the last factor of
    /// <paramref name="formula"/>), with the product and the limit, when it exceeds <see cref="int.MaxValue"/>, the most
    /// elements a span holds.
    /// </summary>
    public static int Product(string paramName, string formula, params ReadOnlySpan<int> factors)
    {
        long product = 1;
        for (int i = 0; i < factors.Length; i++)
        {
            product *= factors[i]; // at most int.MaxValue · int.MaxValue: no long overflow
            if (product > int.MaxValue)
            {
                if (factors.Slice(i + 1).Contains(0))
                {
                    return 0;
                }

                ThrowTooLarge(paramName, formula, factors);
            }
        }

        return (int)product;
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> (both zero or more) as an int; throws as <see cref="Product"/> does when it exceeds <see cref="int.MaxValue"/>.</summary>
    public static int Sum(int a, int b, string paramName, string formula)
    {
        long sum = (long)a + b;
        if (sum > int.MaxValue)
        {
            ThrowTooLarge(paramName, formula, string.Create(CultureInfo.InvariantCulture, $"{a}+{b}"), sum);
        }

        return (int)sum;
    }

    /// <summary>An element count computed in long as an int; throws as <see cref="Product"/> does when it exceeds <see cref="int.MaxValue"/>.</summary>
    public static int Fits(long count, string paramName, string formula)
    {
        if (count > int.MaxValue)
        {
            ThrowTooLarge(paramName, formula, null, count);
        }

        return (int)count;
    }

    /// <summary>Throws if a span is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NotEmpty(int length, string paramName)
    {
        if (length == 0)
        {
            ThrowEmpty(paramName);
        }
    }

    /// <summary>Throws if an output span shares memory with an input span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NoOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output))
        {
            ThrowOverlap(inputName, outputName);
        }
    }

    /// <summary>Throws unless <paramref name="input"/> and <paramref name="output"/> are the same span or do not overlap (an in-place kernel).</summary>
    public static void SameOrDisjoint(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output, out int offset) && !(offset == 0 && input.Length == output.Length))
        {
            throw new ArgumentException($"{outputName} must be the same span as {inputName} (in place) or not overlap it.", outputName);
        }
    }

    /// <summary>Throws for an <see cref="Activation"/> value that is not a named member.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowUnknownActivation(Activation activation) =>
        throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected Activation.None, ReLU, Sigmoid or Tanh.");

    /// <summary>Throws for a <see cref="Reduction"/> value that is not a named member.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowUnknownReduction(Reduction reduction) =>
        throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean or Reduction.Sum.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotPositive(int value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Expected {paramName} >= 1, got {value}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegative(int value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Expected {paramName} >= 0, got {value}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(int length, int rows, int cols, string paramName, string formula) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected at least {(long)rows * cols} elements ({formula} = {rows}*{cols}), got {length}."),
            paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(int length, int count, string paramName, string formula) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected at least {count} elements ({formula} = {count}), got {length}."),
            paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShortOrEmpty(int length, int count, string paramName, string formula) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Expected at least {count} elements ({formula} = {count}) or none, got {length}."),
            paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooLarge(string paramName, string formula, ReadOnlySpan<int> factors)
    {
        BigInteger product = BigInteger.One;
        var values = new string[factors.Length];
        for (int i = 0; i < factors.Length; i++)
        {
            product *= factors[i];
            values[i] = factors[i].ToString(CultureInfo.InvariantCulture);
        }

        ThrowTooLarge(paramName, formula, string.Join('*', values), product);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooLarge(string paramName, string formula, string? values, BigInteger count) =>
        throw new ArgumentOutOfRangeException(
            paramName,
            string.Create(CultureInfo.InvariantCulture, $"Expected {formula} to be at most {int.MaxValue} (the most elements a span holds), got {(values is null ? string.Empty : values + " = ")}{count}."));

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowEmpty(string paramName) =>
        throw new ArgumentException("Expected at least 1 element, got 0.", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException($"'{outputName}' must not share memory with '{inputName}'.", outputName);
}
