using System;
using System.Collections.Generic;

namespace StaticGrad;

/// <summary>
/// One named, non-trainable tensor of a model's state (PyTorch's <c>register_buffer</c>): a batch norm's running
/// statistics and its batch counter. Buffers are saved and loaded with the parameters under their <c>state_dict</c>
/// names, but optimizers never see them: a forward pass in training mode updates them.
/// </summary>
public sealed class BufferTensor
{
    /// <summary>Describes a buffer.</summary>
    /// <param name="name">The <c>state_dict</c> name, e.g. <c>bn1.running_mean</c>.</param>
    /// <param name="offset">The index of its first element among the buffers of its element type.</param>
    /// <param name="shape">Its dimensions, outermost first, each positive; empty for a scalar (<c>num_batches_tracked</c>).</param>
    /// <param name="elementType">Float or 64-bit integer elements.</param>
    /// <param name="initialValue">Every element's value after <see cref="ParameterSet.Initialize"/>; finite, and whole for an integer buffer.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public BufferTensor(string name, int offset, int[] shape, BufferElementType elementType, double initialValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentNullException.ThrowIfNull(shape);
        if (elementType is not (BufferElementType.Float32 or BufferElementType.Int64))
        {
            throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Expected Float32 or Int64.");
        }

        if (!double.IsFinite(initialValue) || (elementType == BufferElementType.Int64 && Math.Floor(initialValue) != initialValue))
        {
            throw new ArgumentOutOfRangeException(nameof(initialValue), initialValue, $"Expected a finite{(elementType == BufferElementType.Int64 ? ", whole" : string.Empty)} initial value for '{name}'.");
        }

        int length = Shapes.CheckedLength(name, shape, nameof(shape));
        Name = name;
        Offset = offset;
        Shape = (int[])shape.Clone();
        Length = length;
        ElementType = elementType;
        InitialValue = initialValue;
    }

    /// <summary>The <c>state_dict</c> name.</summary>
    public string Name { get; }

    /// <summary>The index of the first element among the buffers of the same <see cref="ElementType"/>.</summary>
    public int Offset { get; }

    /// <summary>The number of elements (1 for a scalar).</summary>
    public int Length { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Float or 64-bit integer elements.</summary>
    public BufferElementType ElementType { get; }

    /// <summary>Every element's value after <see cref="ParameterSet.Initialize"/>.</summary>
    public double InitialValue { get; }

    /// <summary>The safetensors dtype: <c>F32</c> or <c>I64</c>.</summary>
    public string DType => ElementType == BufferElementType.Int64 ? "I64" : "F32";

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}] {DType}";
}
