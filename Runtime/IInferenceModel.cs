using System;

namespace StaticGrad;

/// <summary>
/// What every generated model offers for inference, whatever its loss: shapes, parameters, the forward
/// pass and probabilities. A model declared without a loss (an output activation on its last layer)
/// implements only this interface.
/// </summary>
/// <remarks>
/// Threading: <see cref="Forward"/> and <see cref="Predict"/> are safe to call from any number of threads on one
/// instance at once; each call rents its own activation arena from a small pool, so concurrent answers are
/// bit-identical to serial ones and steady-state inference allocates nothing. A training step runs on one
/// thread at a time per instance (a concurrent <c>TrainStep</c> throws <see cref="InvalidOperationException"/>);
/// an optimizer step or a weight load changes the parameters in place and must not overlap inference.
/// </remarks>
public interface IInferenceModel
{
    /// <summary>Input features per sample.</summary>
    int InputSize { get; }

    /// <summary>Outputs per sample (the last layer's width).</summary>
    int OutputSize { get; }

    /// <summary>The largest batch the model's arena was sized for at construction.</summary>
    int MaxBatch { get; }

    /// <summary>All parameters (weights and biases) and their gradients.</summary>
    ParameterSet Parameters { get; }

    /// <summary>The compiled model's layers, output shapes, parameter counts and memory, like torchinfo's <c>summary</c>.</summary>
    ModelSummary Summary { get; }

    /// <summary>
    /// Computes the outputs of the first <paramref name="batch"/> samples: the last layer's values after its
    /// declared output activation — the raw logits for a model whose loss takes logits, log-probabilities
    /// for <c>[LogSoftmax]</c>, probabilities for <c>[Softmax]</c> or <c>[Sigmoid]</c>.
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="outputs">Receives <c>batch * OutputSize</c> values.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int batch);

    /// <summary>
    /// Computes the probabilities of the first <paramref name="batch"/> samples: a softmax over the classes for
    /// softmax-family models, an independent sigmoid per output for binary and multi-label heads.
    /// </summary>
    /// <param name="inputs">At least <c>batch * InputSize</c> features, row-major.</param>
    /// <param name="probabilities">Receives <c>batch * OutputSize</c> probabilities.</param>
    /// <param name="batch">Samples, 1 to <see cref="MaxBatch"/>.</param>
    void Predict(ReadOnlySpan<float> inputs, Span<float> probabilities, int batch);
}
