using System;
using StaticGrad.Data;
using StaticGrad.Kernels;

namespace StaticGrad.Training;

/// <summary>Inference over whole datasets, in batches of the model's <see cref="IInferenceModel.MaxBatch"/>, for any generated model.</summary>
public static class Inference
{
    /// <summary>
    /// Computes <see cref="IInferenceModel.Predict"/> (probabilities) for every sample, in eval mode: a model with modes
    /// (<see cref="IModalModel"/>) in training mode is switched to eval mode for the call and back after it.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="features">Samples × <c>InputSize</c> features, row-major.</param>
    /// <param name="probabilities">Receives samples × <c>OutputSize</c> values.</param>
    /// <exception cref="ArgumentException">The spans' lengths do not fit the model.</exception>
    public static void Predict(IInferenceModel model, ReadOnlySpan<float> features, Span<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(model);
        int inputs = model.InputSize, outputs = model.OutputSize;
        if (features.Length % inputs != 0)
        {
            throw new ArgumentException($"features has {features.Length} values; expected a multiple of the model's {inputs} inputs.", nameof(features));
        }

        int count = features.Length / inputs;
        if (probabilities.Length != (long)count * outputs)
        {
            throw new ArgumentException($"probabilities has {probabilities.Length} values; expected {count} samples × {outputs} outputs = {(long)count * outputs}.", nameof(probabilities));
        }

        using var evalMode = new EvalModeScope(model);
        for (int start = 0; start < count; start += model.MaxBatch)
        {
            int batch = Math.Min(model.MaxBatch, count - start);
            model.Predict(features.Slice(start * inputs, batch * inputs), probabilities.Slice(start * outputs, batch * outputs), batch);
        }
    }

    /// <summary>
    /// Counts, for each label (row), how often each class (column) is the model's highest output
    /// (<see cref="IInferenceModel.Forward"/>, in eval mode as <see cref="Predict"/> runs it); samples at the data's
    /// <see cref="InMemoryDataset.IgnoreIndex"/> are not counted.
    /// </summary>
    /// <param name="model">A classifier with at least two outputs.</param>
    /// <param name="data">Labelled samples with the model's input size and labels below its output size.</param>
    /// <returns>The <c>OutputSize × OutputSize</c> confusion matrix.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model (the message says how).</exception>
    public static ConfusionMatrix ConfusionMatrix(IInferenceModel model, InMemoryDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        int classes = model.OutputSize;
        if (!data.HasLabels || data.Classes > classes || data.Features != model.InputSize)
        {
            throw new ArgumentException(
                $"Expected labelled samples of {model.InputSize} features with labels below {classes}; the data has {data.Features} features and {(data.HasLabels ? $"labels up to {data.Classes - 1}" : $"{data.Targets} float targets")}.",
                nameof(data));
        }

        float[] outputs = new float[model.MaxBatch * classes];
        var matrix = new ConfusionMatrix(classes);
        using var evalMode = new EvalModeScope(model);
        for (int start = 0; start < data.Count; start += model.MaxBatch)
        {
            int batch = Math.Min(model.MaxBatch, data.Count - start);
            model.Forward(data.FeatureValues.Slice(start * model.InputSize, batch * model.InputSize), outputs, batch);
            for (int i = 0; i < batch; i++)
            {
                // A sample at the data's ignore index has no class to count it under.
                if (!data.IsIgnored(start + i))
                {
                    matrix.Add(data.Labels[start + i], ArgMax.Row(outputs.AsSpan(i * classes, classes)));
                }
            }
        }

        return matrix;
    }
}
