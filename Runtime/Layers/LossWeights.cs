using System;
using System.Globalization;

namespace StaticGrad;

/// <summary>Validation and storage shared by the losses' weight vectors.</summary>
internal static class LossWeights
{
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
