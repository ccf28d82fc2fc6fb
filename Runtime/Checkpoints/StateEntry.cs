using System;
using System.Collections.Generic;

namespace StaticGrad.Checkpoints;

/// <summary>
/// One entry of a model's <c>state_dict</c> as a file sees it: a trainable tensor or a buffer, with its name, shape,
/// safetensors dtype and storage, so loading treats both alike.
/// </summary>
internal readonly struct StateEntry
{
    private readonly ParameterTensor? _tensor;
    private readonly BufferTensor? _buffer;

    private StateEntry(ParameterTensor? tensor, BufferTensor? buffer)
    {
        _tensor = tensor;
        _buffer = buffer;
    }

    public string Name => _tensor?.Name ?? _buffer!.Name;

    public IReadOnlyList<int> Shape => _tensor?.Shape ?? _buffer!.Shape;

    public int Length => _tensor?.Length ?? _buffer!.Length;

    public string DType => _tensor is null ? _buffer!.DType : "F32";

    /// <summary>Whether the entry holds 64-bit integers.</summary>
    public bool IsCounter => _buffer is { ElementType: BufferElementType.Int64 };

    /// <summary>Every tensor, then every buffer, of <paramref name="parameters"/>.</summary>
    public static IEnumerable<StateEntry> Of(ParameterSet parameters)
    {
        foreach (ParameterTensor tensor in parameters.Tensors)
        {
            yield return new StateEntry(tensor, null);
        }

        foreach (BufferTensor buffer in parameters.Buffers)
        {
            yield return new StateEntry(null, buffer);
        }
    }

    public Span<float> Floats(ParameterSet parameters) => _tensor is not null ? parameters.ValuesOf(_tensor) : parameters.ValuesOf(_buffer!);

    public Span<long> Counters(ParameterSet parameters) => parameters.CountersOf(_buffer!);

    public override string ToString() => _tensor?.ToString() ?? _buffer!.ToString();
}
