using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>One row of a <see cref="ModelSummary"/>: a node of the compiled graph (fused ops are one row).</summary>
public sealed class LayerSummary
{
    /// <summary>Describes a layer.</summary>
    /// <param name="name">The member's <c>state_dict</c> prefix (<c>fc1</c>).</param>
    /// <param name="description">The op as the generated graph comment describes it (<c>Linear 784 -> 128, ReLU</c>).</param>
    /// <param name="outputFeatures">Features per sample of the output; positive.</param>
    /// <param name="parameters">Trainable scalars of the layer; zero or more.</param>
    /// <param name="buffers">Buffer elements of the layer (running statistics, counters); zero or more.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public LayerSummary(string name, string description, int outputFeatures, int parameters, int buffers)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(description);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(buffers);
        Name = name;
        Description = description;
        OutputFeatures = outputFeatures;
        Parameters = parameters;
        Buffers = buffers;
    }

    /// <summary>The member's <c>state_dict</c> prefix.</summary>
    public string Name { get; }

    /// <summary>The op, with its options and any fused activation.</summary>
    public string Description { get; }

    /// <summary>Features per sample of the output: the output shape is <c>[batch, OutputFeatures]</c>.</summary>
    public int OutputFeatures { get; }

    /// <summary>Trainable scalars.</summary>
    public int Parameters { get; }

    /// <summary>Buffer elements (not trained).</summary>
    public int Buffers { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Description} [B, {OutputFeatures}], {Parameters} parameters";
}
