using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// Gradient clipping as PyTorch 1.13's <c>torch.nn.utils.clip_grad_norm_</c> and
/// <c>clip_grad_value_</c>, applied to a <see cref="ParameterSet"/>'s gradients in place between the
/// backward pass and the optimizer step. Neither allocates.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients so that their total norm is at most <paramref name="maxNorm"/>, like
    /// <c>clip_grad_norm_</c>: the norm of each tensor's gradient, then the norm of those norms
    /// (for ∞, the largest absolute value); every gradient is multiplied by
    /// <c>min(1, maxNorm / (total + 1e-6))</c> in float.
    /// </summary>
    /// <param name="parameters">The parameters whose <see cref="ParameterSet.Gradients"/> are clipped.</param>
    /// <param name="maxNorm">The largest allowed total norm; finite and at least 0.</param>
    /// <param name="normType">The order <c>p</c> of the norm: positive, finite (2 by default, 1, 3, ...) or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonfinite">Throw instead of scaling when the total norm is NaN or infinite.</param>
    /// <returns>The total norm of the gradients before clipping (PyTorch's return value), in float.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> or <paramref name="normType"/> is out of range.</exception>
    /// <exception cref="ArithmeticException"><paramref name="errorIfNonfinite"/> is set and the total norm is NaN or infinite; the gradients are left unchanged.</exception>
    public static float ClipGradNorm(ParameterSet parameters, float maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.NonNegative(maxNorm, nameof(maxNorm));
        HyperParameter.Finite(maxNorm, nameof(maxNorm));
        float total = TotalNorm(parameters, normType);
        if (errorIfNonfinite && !float.IsFinite(total))
        {
            throw new ArithmeticException(
                $"The total norm of order {normType} of the gradients is {total}, so it cannot be clipped; pass errorIfNonfinite: false to scale by it anyway.");
        }

        float coefficient = maxNorm / (total + 1e-6f);
        ClippingKernels.Scale(parameters.Gradients, float.IsNaN(coefficient) || coefficient < 1f ? coefficient : 1f);
        return total;
    }

    /// <summary>
    /// The total gradient norm <see cref="ClipGradNorm"/> would return, without clipping.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are measured.</param>
    /// <param name="normType">The order <c>p</c> of the norm: positive, finite (2 by default, 1, 3, ...) or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>
    /// <c>(Σ_t float(‖g_t‖_p)^p)^(1/p)</c> over the tensors <c>t</c> (each tensor's norm rounded to float, as PyTorch's); for ∞,
    /// <c>max |g|</c>. PyTorch sums |g|^p in float32: a sum past float's range (a tensor's, or the one over the tensors'
    /// norms) makes the norm infinite here too.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="normType"/> is not positive, or NaN.</exception>
    public static float TotalNorm(ParameterSet parameters, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (double.IsPositiveInfinity(normType))
        {
            return ClippingKernels.MaxAbs(parameters.Gradients);
        }

        if (!(normType > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), normType, $"Invalid normType: {normType}; expected a positive order (2, 1, 3, ...) or double.PositiveInfinity.");
        }

        // Like PyTorch: each tensor's norm as a float, then the norm of those floats.
        IReadOnlyList<ParameterTensor> tensors = parameters.Tensors;
        double sum = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            ReadOnlySpan<float> gradients = parameters.GradientsOf(tensors[t]);
            double norm = normType == 2
                ? (float)Math.Sqrt(InFloatRange(ClippingKernels.SumOfSquares(gradients)))
                : (float)Math.Pow(InFloatRange(ClippingKernels.SumOfPowers(gradients, normType)), 1 / normType);
            sum += normType == 2 ? norm * norm : Math.Pow(norm, normType);
        }

        sum = InFloatRange(sum);
        return (float)(normType == 2 ? Math.Sqrt(sum) : Math.Pow(sum, 1 / normType));
    }

    /// <summary>
    /// A sum of |g|^p as PyTorch's float32 accumulation ends: infinite once past float's range (gradients of norm above
    /// about 1.8e19 for p = 2), so exploding gradients give an infinite norm and are scaled by 0, as in PyTorch.
    /// </summary>
    private static double InFloatRange(double sum) => float.IsPositiveInfinity((float)sum) ? double.PositiveInfinity : sum;

    /// <summary>Clamps every gradient to [<c>-clipValue</c>, <c>clipValue</c>], like <c>clip_grad_value_</c> (NaN stays NaN).</summary>
    /// <param name="parameters">The parameters whose <see cref="ParameterSet.Gradients"/> are clipped.</param>
    /// <param name="clipValue">The largest allowed absolute gradient; finite and at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative, NaN or infinite.</exception>
    public static void ClipGradValue(ParameterSet parameters, float clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        HyperParameter.NonNegative(clipValue, nameof(clipValue));
        HyperParameter.Finite(clipValue, nameof(clipValue));
        ClippingKernels.Clamp(parameters.Gradients, clipValue);
    }
}
