using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>Validation and storage shared by the losses' weight vectors, and their reduction check.</summary>
internal static class LossWeights
{
    /// <summary>Returns <paramref name="reduction"/> if it is <see cref="Reduction.Mean"/>, <see cref="Reduction.Sum"/> or <see cref="Reduction.None"/>; throws otherwise.</summary>
    /// <param name="reduction">A loss constructor's reduction argument.</param>
    /// <returns><paramref name="reduction"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Another value.</exception>
    public static Reduction CheckedReduction(Reduction reduction) => reduction is Reduction.Mean or Reduction.Sum or Reduction.None
        ? reduction
        : throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Expected Reduction.Mean, Reduction.Sum or Reduction.None.");

    /// <summary>
    /// Returns a copy of <paramref name="weights"/> after checking it has <paramref name="length"/> finite,
    /// non-negative values; the messages name the argument, the index and the value at fault.
    /// </summary>
    public static float[] Checked(ReadOnlySpan<float> weights, int length, string what, string paramName)
    {
        if (weights.Length != length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Expected {length} {what} (one per {(what == "class weights" ? "class" : "output")}), got {weights.Length}."),
                paramName);
        }

        for (int i = 0; i < weights.Length; i++)
        {
            if (!(float.IsFinite(weights[i]) && weights[i] >= 0f))
            {
                throw new ArgumentOutOfRangeException(
                    paramName,
                    string.Create(CultureInfo.InvariantCulture, $"{paramName}[{i}] = {weights[i]}; {what} must be finite and non-negative."));
            }
        }

        return weights.ToArray();
    }
}
