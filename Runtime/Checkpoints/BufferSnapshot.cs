using System;
using System.Collections.Generic;
using System.IO;

namespace StaticGrad.Checkpoints;

/// <summary>
/// A copy of a model's buffers (batch norm running statistics and counters) inside a training checkpoint. The file
/// stores them under their <c>state_dict</c> names, F32 or I64, and lists those names in the metadata entry
/// <see cref="NamesKey"/> so that they are not taken for parameters.
/// </summary>
internal sealed class BufferSnapshot
{
    /// <summary>The metadata key listing the buffer tensors' names, comma-separated.</summary>
    public const string NamesKey = "training.buffers";

    private readonly List<(string Name, int[] Shape, bool IsCounter, int Offset)> _entries;
    private readonly float[] _floats;
    private readonly long[] _counters;

    private BufferSnapshot(List<(string Name, int[] Shape, bool IsCounter, int Offset)> entries, float[] floats, long[] counters)
    {
        _entries = entries;
        _floats = floats;
        _counters = counters;
    }

    /// <summary>Whether the checkpoint holds no buffer.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>Copies the buffers of <paramref name="parameters"/>.</summary>
    public static BufferSnapshot Capture(ParameterSet parameters)
    {
        var entries = new List<(string, int[], bool, int)>(parameters.Buffers.Count);
        foreach (BufferTensor buffer in parameters.Buffers)
        {
            entries.Add((buffer.Name, ModelWeights.ToArray(buffer.Shape), buffer.ElementType == BufferElementType.Int64, buffer.Offset));
        }

        return new BufferSnapshot(entries, parameters.BufferValues.ToArray(), parameters.Counters.ToArray());
    }

    /// <summary>The names of the buffer tensors a checkpoint file lists (none when it has no <see cref="NamesKey"/>).</summary>
    public static HashSet<string> NamesIn(SafeTensorsReader reader)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (reader.Metadata.TryGetValue(NamesKey, out string? text) && text.Length > 0)
        {
            foreach (string name in text.Split(','))
            {
                if (!reader.TryGetTensor(name, out _) || !names.Add(name))
                {
                    throw new InvalidDataException($"{reader.Source}: metadata '{NamesKey}' names '{SafeTensorsReader.Shown(name)}', which is {(names.Contains(name) ? "listed twice" : "not a tensor of the file")}.");
                }
            }
        }

        return names;
    }

    /// <summary>Reads the buffers <paramref name="names"/> lists (F32 or I64 tensors) from the file.</summary>
    public static BufferSnapshot Read(SafeTensorsReader reader, HashSet<string> names)
    {
        var entries = new List<(string, int[], bool, int)>(names.Count);
        int floats = 0;
        int counters = 0;
        var infos = new List<SafeTensorInfo>();
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            if (!names.Contains(info.Name))
            {
                continue;
            }

            bool isCounter = info.DType == "I64";
            if (!isCounter && info.DType != "F32")
            {
                throw new InvalidDataException($"{reader.Source}: buffer '{SafeTensorsReader.Shown(info.Name)}' has dtype {info.DType}; buffers are F32 or I64.");
            }

            int[] shape = new int[info.Shape.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                shape[i] = info.Shape[i] is > 0 and <= int.MaxValue
                    ? (int)info.Shape[i]
                    : throw new InvalidDataException($"{reader.Source}: buffer '{SafeTensorsReader.Shown(info.Name)}' has dimension {info.Shape[i]}; expected 1 to {int.MaxValue}.");
            }

            ref int next = ref isCounter ? ref counters : ref floats;
            entries.Add((info.Name, shape, isCounter, next));
            next = checked(next + (int)info.ElementCount);
            infos.Add(info);
        }

        var snapshot = new BufferSnapshot(entries, new float[floats], new long[counters]);
        for (int i = 0; i < infos.Count; i++)
        {
            (_, _, bool isCounter, int offset) = entries[i];
            int length = (int)infos[i].ElementCount;
            if (isCounter)
            {
                reader.ReadInt64s(infos[i], snapshot._counters.AsSpan(offset, length));
            }
            else
            {
                reader.ReadSingles(infos[i], snapshot._floats.AsSpan(offset, length));
            }
        }

        return snapshot;
    }

    /// <summary>Writes the buffers and the <see cref="NamesKey"/> entry.</summary>
    public void AddTo(SafeTensorsWriter writer)
    {
        if (IsEmpty)
        {
            return;
        }

        var names = new List<string>(_entries.Count);
        foreach ((string name, int[] shape, bool isCounter, int offset) in _entries)
        {
            int length = Shapes.Length(shape);
            if (isCounter)
            {
                writer.AddInt64(name, _counters.AsSpan(offset, length), shape);
            }
            else
            {
                writer.Add(name, _floats.AsSpan(offset, length), shape);
            }

            names.Add(name);
        }

        writer.AddMetadata(NamesKey, string.Join(",", names));
    }

    /// <summary>Checks that the snapshot holds exactly the model's buffers, with their shapes and element types.</summary>
    /// <exception cref="InvalidDataException">A buffer is missing, unexpected, or has another shape or type.</exception>
    public void CheckFits(ParameterSet parameters, string source)
    {
        var missing = new List<string>();
        foreach (BufferTensor buffer in parameters.Buffers)
        {
            int i = IndexOf(buffer.Name);
            if (i < 0)
            {
                missing.Add(buffer.Name);
                continue;
            }

            (_, int[] shape, bool isCounter, _) = _entries[i];
            if (isCounter != (buffer.ElementType == BufferElementType.Int64) || !Shapes.Equal(shape, buffer.Shape))
            {
                throw new InvalidDataException(
                    $"{source}: buffer '{buffer.Name}' is {SafeTensorInfo.FormatShape(shape)} {(isCounter ? "I64" : "F32")} in the checkpoint but the model's is {SafeTensorInfo.FormatShape(buffer.Shape)} {buffer.DType}.");
            }
        }

        var unexpected = new List<string>();
        foreach ((string name, _, _, _) in _entries)
        {
            if (!parameters.TryGetBuffer(name, out _))
            {
                unexpected.Add(name);
            }
        }

        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>(2);
            if (missing.Count > 0)
            {
                parts.Add($"missing buffer(s) {SafeTensorsReader.ShownList(missing)}");
            }

            if (unexpected.Count > 0)
            {
                parts.Add($"unexpected buffer(s) {SafeTensorsReader.ShownList(unexpected)}");
            }

            string problems = string.Join("; ", parts);
            throw new InvalidDataException($"{source}: the checkpoint does not fit the model: {problems}. The model's buffers: {string.Join(", ", parameters.Buffers)}.");
        }
    }

    /// <summary>Copies the buffers into the model (after <see cref="CheckFits"/>).</summary>
    public void CopyTo(ParameterSet parameters)
    {
        foreach (BufferTensor buffer in parameters.Buffers)
        {
            (_, _, bool isCounter, int offset) = _entries[IndexOf(buffer.Name)];
            if (isCounter)
            {
                _counters.AsSpan(offset, buffer.Length).CopyTo(parameters.CountersOf(buffer));
            }
            else
            {
                _floats.AsSpan(offset, buffer.Length).CopyTo(parameters.ValuesOf(buffer));
            }
        }
    }

    private int IndexOf(string name) => _entries.FindIndex(e => string.Equals(e.Name, name, StringComparison.Ordinal));
}
