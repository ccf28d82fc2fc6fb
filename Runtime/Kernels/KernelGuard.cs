using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
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
    private static void ThrowEmpty(string paramName) =>
        throw new ArgumentException("Expected at least 1 element, got 0.", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException($"'{outputName}' must not share memory with '{inputName}'.", outputName);
}
