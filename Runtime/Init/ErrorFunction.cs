using System;

namespace StaticGrad;

/// <summary>
/// The error function, its complement and its inverse in double precision, for the truncated normal initialization
/// (PyTorch's <c>trunc_normal_</c> maps uniform draws through <c>erfinv</c>, with bounds from <c>math.erf</c>).
/// .NET has none of the three.
/// </summary>
/// <remarks>
/// Each keeps its relative error within a few units in the last place over the whole double range (checked against
/// mpmath in <c>InitTests</c>): a series of positive terms where erf is small, the continued fraction of erfc, evaluated
/// backwards, where erfc is (a forward evaluation accumulated 8e-15 near x = 1), and the inverse refined through the
/// complement where 1 - |y| is small.
/// </remarks>
internal static class ErrorFunction
{
    private const double TwoOverSqrtPi = 1.1283791670955126; // 2/√π


    /// <summary>erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        double ax = Math.Abs(x);
        // From 1 on, erfc(x) < 0.16 and its own error vanishes in 1 - erfc(x); erfc(6) < 2.2e-17 is below half an ulp of 1.
        double result = ax < 1.0 ? Series(ax) : ax < 6.0 ? 1.0 - ContinuedFraction(ax) : 1.0;
        return x < 0 ? -result : result;
    }

    /// <summary>erfc(x) = 1 - erf(x), accurate also where it is tiny (x large).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x < 0.5)
        {
            // Below 0.5 erfc(x) > 0.47 (for x < 0 it is 1 + erf(|x|)), so the subtraction loses at most one bit.
            return x < 0 ? 1.0 + Erf(-x) : 1.0 - Series(x);
        }

        // Past 27.3 erfc(x) is below the smallest subnormal double (and 2x² would overflow long before the fraction did).
        return x > 27.3 ? 0.0 : ContinuedFraction(x);
    }

    /// <summary>The inverse of <see cref="Erf"/> on [-1, 1]: ±∞ at ±1, NaN outside (as <c>torch.erfinv</c>).</summary>
    public static double Erfinv(double y)
    {
        if (!(Math.Abs(y) <= 1.0))
        {
            return double.NaN;
        }

        if (y == 0 || Math.Abs(y) == 1.0)
        {
            return y == 0 ? y : y * double.PositiveInfinity;
        }

        double a = Math.Abs(y);
        double q = 1.0 - a; // exact for a >= 0.5 (Sterbenz); where it matters, the tail residual below uses it

        // Winitzki's closed form (relative error below 2e-3) as the start; (1 - a)(1 + a) keeps 1 - y² accurate near 1.
        const double A = 0.147;
        double w = Math.Log(q * (1.0 + a));
        double c = (2.0 / (Math.PI * A)) + (w / 2.0);
        double x = Math.Sqrt(Math.Max(0.0, Math.Sqrt((c * c) - (w / A)) - c));

        // Halley's iteration (cubic: 2e-3, 1e-8, then rounding). f(x) = erf(x) - a; near 1 the residual is computed as
        // 1 - a - erfc(x), whose terms are small, because erf(x) - a would cancel to the rounding error of erf(x) near 1
        // (PyTorch's float64 erfinv loses 7 digits at 1 - 1e-10 that way).
        for (int iteration = 0; iteration < 8; iteration++)
        {
            double residual = a <= 0.85 ? Erf(x) - a : q - Erfc(x);
            double step = residual / (TwoOverSqrtPi * ExpMinusSquare(x));
            x -= step / (1.0 + (x * step)); // f''/f' = -2x
            if (!(Math.Abs(step) > 4e-16 * x))
            {
                break;
            }
        }

        return y < 0 ? -x : x;
    }

    /// <summary>
    /// erf(x) for 0 ≤ x &lt; 1: 2/√π e^(-x²) Σ 2ⁿ x^(2n+1) / (1·3···(2n+1)), whose terms are all positive (unlike the
    /// alternating Taylor series').
    /// </summary>
    private static double Series(double x)
    {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 100 && term > 1e-17 * sum; n++)
        {
            term *= 2.0 * x2 / ((2 * n) + 1);
            sum += term;
        }

        return TwoOverSqrtPi * ExpMinusSquare(x) * sum;
    }

    /// <summary>
    /// erfc(x) for 0.5 ≤ x ≤ 27.3 from its continued fraction in the contracted form
    /// 2x e^(-x²)/√π / (2x²+1 - 1·2/(2x²+5 - 3·4/(2x²+9 - ...))), evaluated from the depth 100/x² + 12 back to the top:
    /// the forward (Lentz) evaluation needs about as many terms (95 at x = 1, 28 at 2, 6 at 8) but accumulates their
    /// rounding, the backward one damps it (5e-16 at most over [0.3, 6] against mpmath).
    /// </summary>
    private static double ContinuedFraction(double x)
    {
        double z = 2.0 * x * x;
        int depth = (int)(100.0 / (x * x)) + 12;
        double tail = z + (4.0 * depth) + 1.0;
        for (int n = depth - 1; n >= 0; n--)
        {
            tail = z + (4.0 * n) + 1.0 - ((double)((2 * n) + 1) * ((2 * n) + 2) / tail);
        }

        return TwoOverSqrtPi * x * ExpMinusSquare(x) / tail;
    }

    /// <summary>
    /// e^(-x²) without the rounding error of x², which e^(-x²) would multiply by x² (4e-15 at x = 6): x² = hi + lo
    /// exactly, and e^(-lo) ≈ 1 - lo.
    /// </summary>
    private static double ExpMinusSquare(double x)
    {
        double hi = x * x;
        double lo = Math.FusedMultiplyAdd(x, x, -hi);
        return Math.Exp(-hi) * (1.0 - lo);
    }
}
