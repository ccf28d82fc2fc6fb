using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>
/// The β₁ of the Adam family as PyTorch's parameter group holds it: <see cref="Value"/>, the float the update multiplies
/// the first moment by, and <see cref="Exact"/>, the group's Python float, from which <c>1 - β₁</c> and the bias
/// correction <c>1 - β₁ᵗ</c> are computed in float64. From a constructor's float, <see cref="Exact"/> is that float's
/// shortest decimal (as the Python literal); from a one-cycle schedule, the float64 the schedule computed, which the
/// float cannot hold.
/// </summary>
/// <param name="Value">β₁ as a float.</param>
/// <param name="Exact">β₁ as PyTorch's float64.</param>
internal readonly record struct Beta1(float Value, double Exact)
{
    /// <summary><c>1 - β₁</c> in float64, rounded to float: the weight of the gradient in the first moment.</summary>
    public float OneMinus => (float)(1.0 - Exact);

    /// <summary>β₁ given as a float (a constructor's argument, <see cref="IMomentumOptimizer.Momentum"/>); in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public static Beta1 FromFloat(float value, string paramName)
    {
        HyperParameter.ZeroToOneExclusive(value, paramName);
        return new(value, HyperParameter.ToDouble(value));
    }

    /// <summary>β₁ a schedule computed in float64; its float must be in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value, or its float, is outside [0, 1).</exception>
    public static Beta1 FromDouble(double value, string paramName)
    {
        HyperParameter.ZeroToOneExclusive((float)value, paramName);
        return new((float)value, value);
    }

    /// <summary>The checkpoint setting: <see cref="Exact"/>, shortest round trip (the float's own text when it came from a float).</summary>
    public string Format() => Exact.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A checkpoint setting <see cref="Format"/> wrote (or a plain float's text); null when it is not a β₁ in [0, 1).</summary>
    public static Beta1? Parse(string? text)
        => text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 && (float)value < 1f
            ? new((float)value, value)
            : null;
}
