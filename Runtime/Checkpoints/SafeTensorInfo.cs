using System;
using System.Collections.Generic;

namespace StaticGrad.Checkpoints;

/// <summary>One tensor entry of a safetensors header: its name, element type, shape and byte range in the data section.</summary>
public sealed class SafeTensorInfo
{
    internal SafeTensorInfo(string name, string dtype, int elementSize, long[] shape, long elementCount, long begin, long end)
    {
        Name = name;
        DType = dtype;
        ElementSize = elementSize;
        Shape = shape;
        ElementCount = elementCount;
        Begin = begin;
        End = end;
    }

    /// <summary>The tensor's name (for model weights, the PyTorch <c>state_dict</c> key such as <c>fc1.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The element type as the format spells it: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>, <c>I64</c>, ...</summary>
    public string DType { get; }

    /// <summary>Bytes per element of <see cref="DType"/>.</summary>
    public int ElementSize { get; }

    /// <summary>The dimensions, outermost first (empty for a scalar).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The first byte of the tensor, relative to the start of the data section.</summary>
    public long Begin { get; }

    /// <summary>One past the last byte of the tensor, relative to the start of the data section.</summary>
    public long End { get; }

    /// <summary>The tensor's size in bytes, <see cref="End"/> - <see cref="Begin"/>.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Whether the shape equals <paramref name="shape"/> exactly (same rank, same dimensions).</summary>
    /// <param name="shape">The expected dimensions.</param>
    /// <returns>True if equal.</returns>
    public bool HasShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != Shape.Count)
        {
            return false;
        }

        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] != Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Formats a shape the way error messages show it: <c>[128, 784]</c>.</summary>
    /// <typeparam name="T">The dimension type.</typeparam>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The text.</returns>
    public static string FormatShape<T>(IReadOnlyList<T> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return "[" + string.Join(", ", shape) + "]";
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType} {FormatShape(Shape)} bytes [{Begin}, {End})";
}
