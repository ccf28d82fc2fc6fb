using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Writes a safetensors file: the 8-byte little-endian header length, the JSON header (metadata
/// first, then the tensors in the order they were added, padded with spaces so the data section
/// starts at a multiple of 8), then each tensor's little-endian bytes back to back.
/// </summary>
/// <remarks>
/// <c>F32</c> tensors (parameters, optimizer state, running statistics; or <c>F16</c>/<c>BF16</c> on request) and <c>I64</c> tensors (batch counters).
/// The output is deterministic: the same tensors and metadata give the same bytes. Tensors are
/// copied when added, so the writer is a snapshot.
/// </remarks>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, int[] Shape, string DType, byte[] Data)> _tensors = new();
    private readonly List<KeyValuePair<string, string>> _metadata = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _metadataKeys = new(StringComparer.Ordinal);

    /// <summary>The number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a <c>__metadata__</c> entry.</summary>
    /// <param name="key">The key; unique.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The key is empty or already added, or the key or value holds a lone UTF-16 surrogate (which UTF-8 cannot encode).</exception>
    /// <exception cref="InvalidOperationException"><see cref="SafeTensorsReader.MaxMetadataCount"/> entries were already added.</exception>
    public void AddMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckMetadataText(key, value, nameof(key), nameof(value));
        if (_metadata.Count == SafeTensorsReader.MaxMetadataCount)
        {
            throw new InvalidOperationException($"A file holds at most {SafeTensorsReader.MaxMetadataCount} metadata entries (SafeTensorsReader.MaxMetadataCount): a file with more could not be loaded again.");
        }

        if (!_metadataKeys.Add(key))
        {
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        }

        _metadata.Add(new(key, value));
    }

    /// <summary>Adds an <c>F32</c> tensor (the values are copied).</summary>
    /// <param name="name">The name; unique, not <c>__metadata__</c>.</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">The dimensions, outermost first; their product must equal the number of values.</param>
    /// <exception cref="ArgumentException">The name is empty, reserved or repeated, or the shape does not fit the values.</exception>
    /// <exception cref="InvalidOperationException"><see cref="SafeTensorsReader.MaxTensorCount"/> tensors were already added.</exception>
    public void Add(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> shape) => Add(name, values, shape, FloatDType.F32);

    /// <summary>Adds a float tensor stored as <paramref name="dtype"/> (the values are converted, rounding to nearest even as PyTorch does).</summary>
    /// <param name="name">The name; unique, not <c>__metadata__</c>.</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">The dimensions, outermost first; their product must equal the number of values.</param>
    /// <param name="dtype">The stored element type: <c>F32</c>, <c>F16</c> or <c>BF16</c>.</param>
    /// <exception cref="ArgumentException">The name is empty, reserved or repeated, the shape does not fit the values, or a finite value is beyond <paramref name="dtype"/>'s range (it would be stored as infinity).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a <see cref="FloatDType"/>.</exception>
    /// <exception cref="InvalidOperationException"><see cref="SafeTensorsReader.MaxTensorCount"/> tensors were already added.</exception>
    public void Add(string name, ReadOnlySpan<float> values, ReadOnlySpan<int> shape, FloatDType dtype)
    {
        string dtypeName = FloatConversion.NameOf(dtype);
        CheckNew(name, values.Length, shape);
        if (FloatConversion.FirstOverflow(values, dtype) is int overflow and >= 0)
        {
            // torch's .half() would store infinity; a weight that silently became infinite is worse than no file.
            throw new ArgumentException(
                $"Tensor '{name}' holds {values[overflow].ToString("R", CultureInfo.InvariantCulture)} at element {overflow}, beyond the range of {dtypeName} ({(dtype == FloatDType.F16 ? "±65504" : "±3.39e38")}): stored as {dtypeName} it would become infinity. Save it as FloatDType.F32{(dtype == FloatDType.F16 ? " or BF16" : string.Empty)}.",
                nameof(dtype));
        }

        byte[] data = new byte[FloatConversion.SizeOf(dtype) * values.Length];
        FloatConversion.FromSingles(values, dtype, data);
        _tensors.Add((name, shape.ToArray(), dtypeName, data));
        _names.Add(name);
    }

    /// <summary>Adds an <c>I64</c> tensor (the values are copied), such as a batch norm's <c>num_batches_tracked</c>.</summary>
    /// <param name="name">The name; unique, not <c>__metadata__</c>.</param>
    /// <param name="values">The elements, row-major.</param>
    /// <param name="shape">The dimensions, outermost first (empty for a scalar); their product must equal the number of values.</param>
    /// <exception cref="ArgumentException">The name is empty, reserved or repeated, or the shape does not fit the values.</exception>
    /// <exception cref="InvalidOperationException"><see cref="SafeTensorsReader.MaxTensorCount"/> tensors were already added.</exception>
    public void AddInt64(string name, ReadOnlySpan<long> values, ReadOnlySpan<int> shape)
    {
        CheckNew(name, values.Length, shape);
        byte[] data = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        }

        _tensors.Add((name, shape.ToArray(), "I64", data));
        _names.Add(name);
    }

    private void CheckNew(string name, int valueCount, ReadOnlySpan<int> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
        {
            throw new ArgumentException("'__metadata__' is reserved for the metadata entry.", nameof(name));
        }

        if (_tensors.Count == SafeTensorsReader.MaxTensorCount)
        {
            throw new InvalidOperationException($"A file holds at most {SafeTensorsReader.MaxTensorCount} tensors (SafeTensorsReader.MaxTensorCount): a file with more could not be loaded again.");
        }

        long count = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(shape), dimension, $"Tensor '{name}' has a negative dimension.");
            }

            count *= dimension;
        }

        if (count != valueCount)
        {
            throw new ArgumentException($"Tensor '{name}' has shape {SafeTensorInfo.FormatShape(shape.ToArray())} ({count} elements) but {valueCount} values.", nameof(shape));
        }

        if (_names.Contains(name))
        {
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        }
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">The header (mostly metadata) is longer than <see cref="SafeTensorsReader.DefaultMaxHeaderLength"/>, so loading the file again would fail; nothing is written.</exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = BuildHeader();
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach ((_, _, _, byte[] data) in _tensors)
        {
            stream.Write(data);
        }
    }

    /// <summary>Returns the file's bytes.</summary>
    /// <returns>The whole file.</returns>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the file atomically (<see cref="AtomicFile.Write"/>): the previous file at <paramref name="path"/> survives any failure.</summary>
    /// <param name="path">The destination.</param>
    /// <exception cref="IOException">Writing or renaming failed.</exception>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>
    /// Refuses a metadata key or value with a lone UTF-16 surrogate: UTF-8 cannot encode it, so it would be written as
    /// U+FFFD and the file would not hold what was given (and the reader refuses such escapes).
    /// </summary>
    /// <exception cref="ArgumentException">The key (named <paramref name="keyParameter"/>) or the value (<paramref name="valueParameter"/>) holds one.</exception>
    internal static void CheckMetadataText(string key, string value, string keyParameter, string valueParameter)
    {
        CheckText(key, $"Metadata key '{SafeTensorsReader.Shown(key)}'", keyParameter);
        CheckText(value, $"The value of metadata key '{SafeTensorsReader.Shown(key)}'", valueParameter);
    }

    private static void CheckText(string text, string what, string parameterName)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw new ArgumentException($"{what} holds a lone UTF-16 surrogate (U+{(int)text[i]:X4}) at index {i}; expected valid Unicode text.", parameterName);
            }
        }
    }

    private byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 96 * _tensors.Count);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in _metadata)
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, int[] shape, string dtype, byte[] data) in _tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (int dimension in shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                long end = offset + data.Length;
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the data section (at 8 + header length) starts on an 8-byte boundary.
        int length = buffer.WrittenCount;
        if (((length + 7) & ~7) > SafeTensorsReader.DefaultMaxHeaderLength)
        {
            throw new InvalidOperationException(
                $"The file's header would be {length:N0} bytes, more than the {SafeTensorsReader.DefaultMaxHeaderLength:N0} that loading accepts (SafeTensorsReader.DefaultMaxHeaderLength), so the file could not be loaded again; store less metadata ({_metadata.Sum(pair => (long)pair.Key.Length + pair.Value.Length):N0} characters now).");
        }

        int padded = (length + 7) & ~7;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}
