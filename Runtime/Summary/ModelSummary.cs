using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace StaticGrad;

/// <summary>
/// What a compiled model is made of, like torchinfo's <c>summary(model)</c>: each layer with its output shape and
/// parameter count, the totals, and the memory the model holds at its maximum batch (parameters, gradients,
/// buffers, the training arena, one inference arena and the convolutions' kernel workspaces). <see cref="ToString()"/>
/// renders it as a table.
/// </summary>
public sealed class ModelSummary
{
    private readonly int[] _inputShape;

    /// <summary>Describes a model.</summary>
    /// <param name="modelName">The model class's name.</param>
    /// <param name="inputFeatures">Input features per sample; positive.</param>
    /// <param name="layers">The layers in data-flow order; at least one.</param>
    /// <param name="maxBatch">The batch the arenas are sized for; positive.</param>
    /// <param name="trainingArenaFloats">Floats of the training arena at <paramref name="maxBatch"/> (0 for an inference-only model).</param>
    /// <param name="inferenceArenaFloats">Floats of one inference arena at <paramref name="maxBatch"/>.</param>
    /// <param name="workspaceFloats">Floats of the layers' kernel workspaces (see <see cref="WorkspaceBytes"/>); 0 for none.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public ModelSummary(string modelName, int inputFeatures, IReadOnlyList<LayerSummary> layers, int maxBatch, long trainingArenaFloats, long inferenceArenaFloats, long workspaceFloats = 0)
        : this(modelName, new[] { inputFeatures }, layers, maxBatch, trainingArenaFloats, inferenceArenaFloats, workspaceFloats)
    {
    }

    /// <summary>Describes a model whose input per sample has the shape <paramref name="inputShape"/>.</summary>
    /// <param name="modelName">The model class's name.</param>
    /// <param name="inputShape">The input's dimensions per sample (<c>[1, 28, 28]</c>, or <c>[784]</c>); each positive, with a product of at most <see cref="int.MaxValue"/>.</param>
    /// <param name="layers">The layers in data-flow order; at least one, none null.</param>
    /// <param name="maxBatch">The batch the arenas are sized for; positive.</param>
    /// <param name="trainingArenaFloats">Floats of the training arena at <paramref name="maxBatch"/> (0 for an inference-only model); at most <see cref="long.MaxValue"/> / 4, so its bytes fit a long.</param>
    /// <param name="inferenceArenaFloats">Floats of one inference arena at <paramref name="maxBatch"/>; at most <see cref="long.MaxValue"/> / 4.</param>
    /// <param name="workspaceFloats">Floats of the layers' kernel workspaces (see <see cref="WorkspaceBytes"/>); 0 for none, at most <see cref="long.MaxValue"/> / 4.</param>
    /// <exception cref="ArgumentException">An argument is out of range, or a layer is null (the message gives its index).</exception>
    public ModelSummary(string modelName, IReadOnlyList<int> inputShape, IReadOnlyList<LayerSummary> layers, int maxBatch, long trainingArenaFloats, long inferenceArenaFloats, long workspaceFloats = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        _inputShape = ShapeCheck.PerSample(inputShape, nameof(inputShape));
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("Expected at least one layer.", nameof(layers));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        ModelName = modelName;
        InputFeatures = ShapeCheck.Features(_inputShape, nameof(inputShape));
        LayerSummary[] copy = layers.ToArray();
        int missing = Array.IndexOf(copy, null);
        if (missing >= 0)
        {
            throw new ArgumentException($"layers[{missing}] is null; expected a LayerSummary for every layer.", nameof(layers));
        }

        Layers = copy;
        MaxBatch = maxBatch;
        TrainingArenaBytes = ArenaBytes(trainingArenaFloats, nameof(trainingArenaFloats));
        InferenceArenaBytes = ArenaBytes(inferenceArenaFloats, nameof(inferenceArenaFloats));
        WorkspaceBytes = ArenaBytes(workspaceFloats, nameof(workspaceFloats));
    }

    /// <summary>The model class's name.</summary>
    public string ModelName { get; }

    /// <summary>Input values per sample (the product of <see cref="InputShape"/>).</summary>
    public int InputFeatures { get; }

    /// <summary>The input's dimensions per sample: the input is <c>[batch, ..InputShape]</c>.</summary>
    public IReadOnlyList<int> InputShape => _inputShape;

    /// <summary>The layers in data-flow order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>The batch the arenas are sized for.</summary>
    public int MaxBatch { get; }

    /// <summary>Parameter scalars in all layers, trainable or frozen (torchinfo's "Total params"; the summary is built with the model, so freezing does not change it).</summary>
    public long TotalParameters => Layers.Sum(l => (long)l.Parameters);

    /// <summary>Buffer elements in all layers.</summary>
    public long TotalBuffers => Layers.Sum(l => (long)l.Buffers);

    /// <summary>Bytes of the activation arena a training step uses at <see cref="MaxBatch"/>.</summary>
    public long TrainingArenaBytes { get; }

    /// <summary>Bytes of one inference arena at <see cref="MaxBatch"/> (each concurrent Forward rents one).</summary>
    public long InferenceArenaBytes { get; }

    /// <summary>
    /// Bytes of the convolution layers' kernel scratch, allocated with the model whatever the batch (expanded inputs,
    /// packed weights, transposed planes); each thread that runs <c>Forward</c> or <c>Predict</c> keeps as much again.
    /// </summary>
    public long WorkspaceBytes { get; }

    /// <summary>Bytes of the parameters and their gradients (float32 each).</summary>
    public long ParameterBytes => 8 * TotalParameters;

    /// <summary>The summary as a table, torchinfo-style; its "Total params" counts every parameter, trainable or frozen.</summary>
    /// <returns>Lines separated by <c>\n</c>.</returns>
    public override string ToString() => Render(null);

    /// <summary>
    /// The table of <see cref="ToString()"/> with torchinfo's split of the total into "Trainable params" and
    /// "Non-trainable params" (frozen ones, <see cref="ParameterSet.Freeze"/>), read from <paramref name="parameters"/> now.
    /// </summary>
    /// <param name="parameters">The model's own parameters (<c>model.Parameters</c>).</param>
    /// <returns>Lines separated by <c>\n</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> holds another number of scalars than <see cref="TotalParameters"/>.</exception>
    public string ToString(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count != TotalParameters)
        {
            throw new ArgumentException(
                $"parameters holds {parameters.Count} scalars; this summary counts {TotalParameters}: expected the ParameterSet of the model the summary describes.", nameof(parameters));
        }

        return Render(parameters.TrainableCount);
    }

    private string Render(long? trainable)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var rows = new List<(string Layer, string Shape, string Parameters)> { ("input", ShapeCheck.Format(MaxBatch.ToString(c), InputShape), string.Empty) };
        rows.AddRange(Layers.Select(l => ($"{l.Name}: {l.Description}", ShapeCheck.Format(MaxBatch.ToString(c), l.OutputShape), l.Parameters.ToString("N0", c))));
        int first = Math.Max("Layer".Length, rows.Max(r => r.Layer.Length));
        int second = Math.Max("Output shape".Length, rows.Max(r => r.Shape.Length));
        int third = Math.Max("Param #".Length, rows.Max(r => r.Parameters.Length));
        string rule = new('=', first + second + third + 4);
        var text = new StringBuilder();
        text.Append(ModelName).Append('\n').Append(rule).Append('\n');
        text.Append("Layer".PadRight(first)).Append("  ").Append("Output shape".PadRight(second)).Append("  ").Append("Param #".PadLeft(third)).Append('\n');
        text.Append(new string('-', rule.Length)).Append('\n');
        foreach ((string layer, string shape, string parameters) in rows)
        {
            text.Append(layer.PadRight(first)).Append("  ").Append(shape.PadRight(second)).Append("  ").Append(parameters.PadLeft(third)).Append('\n');
        }

        text.Append(rule).Append('\n');
        text.Append(c, $"Total params: {TotalParameters:N0}\n");
        if (trainable is { } count)
        {
            text.Append(c, $"Trainable params: {count:N0}\n");
            text.Append(c, $"Non-trainable params: {TotalParameters - count:N0}\n");
        }

        text.Append(c, $"Buffers (not trained): {TotalBuffers:N0}\n");
        text.Append(c, $"Parameters and gradients: {Megabytes(ParameterBytes)}\n");
        text.Append(c, $"Training arena at batch {MaxBatch}: {Megabytes(TrainingArenaBytes)}\n");
        text.Append(c, $"Inference arena at batch {MaxBatch}: {Megabytes(InferenceArenaBytes)} (one per concurrent Forward)\n");
        if (WorkspaceBytes > 0)
        {
            text.Append(c, $"Kernel workspaces: {Megabytes(WorkspaceBytes)} (the convolutions' scratch; as much again per thread running Forward)\n");
        }
        return text.ToString();
    }

    private static long ArenaBytes(long floats, string argument)
    {
        if (floats < 0 || floats > long.MaxValue / sizeof(float))
        {
            throw new ArgumentOutOfRangeException(argument, floats, $"Invalid {argument}: {floats}; expected 0 to {long.MaxValue / sizeof(float)} (its bytes must fit a long).");
        }

        return sizeof(float) * floats;
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F2} MB ({bytes:N0} bytes)");
}
