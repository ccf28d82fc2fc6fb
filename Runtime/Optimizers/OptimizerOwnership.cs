using System;

namespace StaticGrad;

/// <summary>The trainers' check that an optimizer updates their model's parameters.</summary>
internal static class OptimizerOwnership
{
    /// <summary>
    /// Refuses an optimizer built over another <see cref="ParameterSet"/> than the model's: it would step another
    /// model's weights (or a copy) while the model's gradients went unused, and training would change nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The optimizer is over other parameters (the exception names <paramref name="parameterName"/>).</exception>
    public static void ThrowIfNotOver(IOptimizer optimizer, IInferenceModel model, string parameterName) =>
        ThrowIfNotOver(optimizer, model.Parameters, $"{model.GetType().Name}'s", parameterName);

    /// <summary>Refuses an optimizer built over another <see cref="ParameterSet"/> than <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">The optimizer is over other parameters (the exception names <paramref name="parameterName"/>).</exception>
    public static void ThrowIfNotOver(IOptimizer optimizer, ParameterSet parameters, string owner, string parameterName)
    {
        if (!ReferenceEquals(optimizer.Parameters, parameters))
        {
            throw new ArgumentException(
                $"The optimizer updates another ParameterSet ({optimizer.Parameters.Count} parameters) than {owner} ({parameters.Count} parameters); expected one created over model.Parameters, e.g. new Adam(model.Parameters).",
                parameterName);
        }
    }
}
