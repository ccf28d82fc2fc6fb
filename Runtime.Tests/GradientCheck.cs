using System;
using System.Globalization;
using Xunit.Sdk;

namespace StaticGrad.Runtime.Tests;

/// <summary>
/// Finite-difference checks of analytic gradients: perturbs parameter elements one at a time and
/// compares the central difference of a loss (evaluated in double) with the gradient under test.
/// </summary>
internal static class GradientCheck
{
    /// <summary>
    /// For each checked element <c>i</c> of <paramref name="parameter"/>, sets it to <c>x ± eps</c> (rounded to
    /// float; the actual step is used), evaluates <paramref name="loss"/>, restores it, and asserts
    /// <c>|numeric - analytic| ≤ absoluteTolerance + relativeTolerance·max(|numeric|, |analytic|)</c>.
    /// </summary>
    /// <param name="loss">Computes the loss from the current contents of <paramref name="parameter"/> (in double, ideally).</param>
    /// <param name="parameter">The values the loss reads; each perturbed element is restored bit-exactly.</param>
    /// <param name="analyticGradient">The gradient under test, same layout as <paramref name="parameter"/>.</param>
    /// <param name="name">Names the tensor in failure messages.</param>
    /// <param name="eps">The perturbation.</param>
    /// <param name="relativeTolerance">Allowed error relative to the larger of the two gradients.</param>
    /// <param name="absoluteTolerance">Allowed error regardless of magnitude.</param>
    /// <param name="maxElements">Checks every element of tensors up to this size, else this many evenly spaced ones (first and last included).</param>
    /// <returns>The number of elements checked.</returns>
    public static int AssertGradientMatches(
        Func<double> loss,
        Span<float> parameter,
        ReadOnlySpan<float> analyticGradient,
        string name,
        double eps = 1e-3,
        double relativeTolerance = 1e-4,
        double absoluteTolerance = 1e-6,
        int maxElements = 64)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (analyticGradient.Length != parameter.Length)
        {
            throw new ArgumentException($"{name}: gradient has {analyticGradient.Length} elements, parameter {parameter.Length}.", nameof(analyticGradient));
        }

        int count = Math.Min(parameter.Length, maxElements);
        for (int s = 0; s < count; s++)
        {
            int i = count == parameter.Length || count == 1 ? s : (int)((long)s * (parameter.Length - 1) / (count - 1));
            double numeric = CentralDifference(loss, parameter, i, eps);
            double analytic = analyticGradient[i];
            double error = Math.Abs(numeric - analytic);
            double allowed = absoluteTolerance + (relativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(analytic)));
            if (!(error <= allowed))
            {
                throw new XunitException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}[{i}]: analytic {analytic:R}, finite difference {numeric:R}, error {error:E3} > allowed {allowed:E3}."));
            }
        }

        return count;
    }

    /// <summary>The central difference <c>(L(x+h) - L(x-h)) / (x+h - (x-h))</c> at element <paramref name="index"/>, with the float-rounded steps.</summary>
    public static double CentralDifference(Func<double> loss, Span<float> parameter, int index, double eps)
    {
        float original = parameter[index];
        float up = (float)(original + eps);
        float down = (float)(original - eps);
        parameter[index] = up;
        double lossUp = loss();
        parameter[index] = down;
        double lossDown = loss();
        parameter[index] = original;
        return (lossUp - lossDown) / ((double)up - down);
    }
}
