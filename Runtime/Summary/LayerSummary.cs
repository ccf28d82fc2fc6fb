using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>One row of a <see cref="ModelSummary"/>: a node of the compiled graph (fused ops are one row).</summary>
public sealed class LayerSummary
{
    private readonly int[] _outputShape;

    /// <summary>Describes a layer.</summary>
    /// <param name="name">The member's <c>state_dict</c> prefix (<c>fc1</c>).</param>
    /// <param name="description">The op as the generated graph comment describes it (<c>Linear 784 -> 128, ReLU</c>).</param>
    /// <param name="outputFeatures">Features per sample of the output; positive.</param>
    /// <param name="parameters">Parameter scalars of the layer, trainable or frozen; zero or more.</param>
    /// <param name="buffers">Buffer elements of the layer (running statistics, counters); zero or more.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public LayerSummary(string name, string description, int outputFeatures, int parameters, int buffers)
        : this(name, description, new[] { outputFeatures }, parameters, buffers)
    {
    }

    /// <summary>Describes a layer whose output per sample has the shape <paramref name="outputShape"/>.</summary>
    /// <param name="name">The member's <c>state_dict</c> prefix (<c>conv1</c>).</param>
    /// <param name="description">The op as the generated graph comment describes it.</param>
    /// <param name="outputShape">The output's dimensions per sample (<c>[6, 28, 28]</c>, or <c>[128]</c>); each positive, with a product of at most <see cref="int.MaxValue"/>.</param>
    /// <param name="parameters">Parameter scalars of the layer, trainable or frozen; zero or more.</param>
    /// <param name="buffers">Buffer elements of the layer (running statistics, counters); zero or more.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public LayerSummary(string name, string description, IReadOnlyList<int> outputShape, int parameters, int buffers)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(description);
        _outputShape = ShapeCheck.PerSample(outputShape, nameof(outputShape));
        ArgumentOutOfRangeException.ThrowIfNegative(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(buffers);
        Name = name;
        Description = description;
        OutputFeatures = ShapeCheck.Features(_outputShape, nameof(outputShape));
        Parameters = parameters;
        Buffers = buffers;
    }

    /// <summary>The member's <c>state_dict</c> prefix.</summary>
    public string Name { get; }

    /// <summary>The op, with its options and any fused activation.</summary>
    public string Description { get; }

    /// <summary>Values per sample of the output (the product of <see cref="OutputShape"/>).</summary>
    public int OutputFeatures { get; }

    /// <summary>The output's dimensions per sample: the output is <c>[batch, ..OutputShape]</c>.</summary>
    public IReadOnlyList<int> OutputShape => _outputShape;

    /// <summary>Parameter scalars, trainable or frozen (the summary is built with the model; freezing does not change it).</summary>
    public int Parameters { get; }

    /// <summary>Buffer elements (not trained).</summary>
    public int Buffers { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Description} {ShapeCheck.Format("B", OutputShape)}, {Parameters} parameters";
}
