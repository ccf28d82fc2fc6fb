using System;
using StaticGrad.Kernels;

namespace StaticGrad;

/// <summary>
/// What <see cref="MseLoss"/>, <see cref="L1Loss"/>, <see cref="SmoothL1Loss"/> and <see cref="HuberLoss"/> share:
/// an element-wise loss of every output of the last layer against a float target of the same shape,
/// <c>[batch, outputs]</c>, computed by <see cref="RegressionLoss"/>. Only those four derive from it.
/// </summary>
public abstract class ElementwiseRegressionLoss
{
    private readonly RegressionLossKind _kind;
    private readonly float _parameter;

    private protected ElementwiseRegressionLoss(int outputs, Reduction reduction, RegressionLossKind kind, float parameter)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        Outputs = outputs;
        Reduction = LossWeights.CheckedReduction(reduction);
        _kind = kind;
        _parameter = parameter;
    }

    /// <summary>The head width: predictions and targets per sample.</summary>
    public int Outputs { get; }

    /// <summary>How per-element losses are combined; <see cref="Reduction.Mean"/> divides by <c>batch * Outputs</c>.</summary>
    public Reduction Reduction { get; }

    /// <summary>Computes the loss of <paramref name="batch"/> rows of predictions and overwrites them with its gradient, one pass per element.</summary>
    /// <param name="predictions"><c>batch * Outputs</c> predictions; receives their gradient.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss (<see cref="Reduction.None"/>: the sum).</returns>
    public float ForwardBackward(Span<float> predictions, ReadOnlySpan<float> targets, int batch)
        => ForwardBackward(predictions, targets, Span<float>.Empty, batch);

    /// <summary>As <see cref="ForwardBackward(Span{float}, ReadOnlySpan{float}, int)"/>, also writing each element's unreduced loss.</summary>
    /// <param name="predictions"><c>batch * Outputs</c> predictions; receives their gradient.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets.</param>
    /// <param name="losses">Empty, or at least <c>batch * Outputs</c> elements for the per-element losses.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float ForwardBackward(Span<float> predictions, ReadOnlySpan<float> targets, Span<float> losses, int batch)
        => RegressionLoss.ForwardBackward(predictions, targets, losses, batch, Outputs, _kind, _parameter, Reduction);

    /// <summary>Computes the loss of <paramref name="batch"/> rows of predictions without touching them.</summary>
    /// <param name="predictions"><c>batch * Outputs</c> predictions.</param>
    /// <param name="targets"><c>batch * Outputs</c> targets.</param>
    /// <param name="batch">The number of rows.</param>
    /// <returns>The reduced loss.</returns>
    public float Evaluate(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch)
        => RegressionLoss.Loss(predictions, targets, Span<float>.Empty, batch, Outputs, _kind, _parameter, Reduction);

    /// <summary>Returns <paramref name="value"/> if it is finite and above (or, with <paramref name="allowZero"/>, equal to) zero; throws otherwise.</summary>
    private protected static float CheckedParameter(float value, bool allowZero, string paramName) =>
        float.IsFinite(value) && (value > 0f || (allowZero && value == 0f))
            ? value
            : throw new ArgumentOutOfRangeException(paramName, value, allowZero ? $"Expected a finite {paramName} >= 0." : $"Expected a finite {paramName} > 0.");
}
