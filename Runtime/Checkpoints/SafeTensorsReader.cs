using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Reads a safetensors file, the weight format of Hugging Face and PyTorch users that holds no code:
/// an unsigned 64-bit little-endian header length <c>N</c>, <c>N</c> bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}</c>, possibly padded with spaces), then the data section, where
/// each tensor's little-endian, row-major bytes sit at <c>[begin, end)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Opening validates the whole header before anything is read from the data section, and every
/// failure is an <see cref="InvalidDataException"/> whose message names the file, the tensor and the
/// problem: the file must hold the 8-byte length; <c>N</c> must fit in the file and stay under
/// <see cref="MaxHeaderLength"/>; the header must be valid UTF-8 and well-formed JSON starting with
/// <c>{</c>; each tensor entry must have exactly <c>dtype</c> (a known type), <c>shape</c>
/// (non-negative integers) and <c>data_offsets</c> (two non-negative integers, begin &lt;= end), with
/// <c>end - begin</c> equal to the element count times the element size, computed without overflow;
/// names must be unique and non-empty; <c>__metadata__</c> must map strings to strings; and the
/// tensors must tile the data section exactly, with no overlap, no gap and no trailing byte (the
/// rules of the reference implementation).
/// </para>
/// <para>
/// Only the header (at most <see cref="MaxHeaderLength"/> bytes, and never more than the file holds)
/// is held in memory; tensors are read on demand straight into the caller's buffer.
/// </para>
/// </remarks>
public sealed class SafeTensorsReader : IDisposable
{
    /// <summary>The default limit on the header length: 16 MiB, far above the few kilobytes a model's header takes.</summary>
    public const long DefaultMaxHeaderLength = 16 << 20;

    /// <summary>The largest number of dimensions a tensor may declare.</summary>
    public const int MaxRank = 64;

    /// <summary>The metadata key PyTorch and Hugging Face tools use for the tensor layout convention.</summary>
    public const string FormatKey = "format";

    private const string MetadataKey = "__metadata__";
    private const int MaxShownChars = 48;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly SafeTensorInfo[] _tensors;
    private readonly Dictionary<string, SafeTensorInfo> _byName;
    private readonly Dictionary<string, string> _metadata;
    private bool _disposed;

    /// <summary>Reads and validates the header of a safetensors stream.</summary>
    /// <param name="stream">A readable, seekable stream positioned anywhere; the file is taken to start at position 0.</param>
    /// <param name="sourceName">The name error messages use for the stream, e.g. its path.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when this reader is disposed.</param>
    /// <param name="maxHeaderLength">The largest header length accepted; positive.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot read or seek.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file (the message says why).</exception>
    /// <exception cref="IOException">Reading failed.</exception>
    public SafeTensorsReader(Stream stream, string sourceName, bool leaveOpen = false, long maxHeaderLength = DefaultMaxHeaderLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderLength);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("A safetensors stream must be readable and seekable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        Source = sourceName;
        MaxHeaderLength = maxHeaderLength;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw Invalid($"the file holds {fileLength} byte(s), fewer than the 8-byte header length that starts every safetensors file.");
            }

            Span<byte> prefix = stackalloc byte[8];
            stream.Position = 0;
            ReadExactly(prefix, "the header length");
            ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (declared < 2)
            {
                throw Invalid($"the header length is {declared}; a header is at least the 2 bytes of '{{}}'.");
            }

            if (declared > (ulong)maxHeaderLength)
            {
                throw Invalid($"the header length is {declared} bytes, more than the limit of {maxHeaderLength} (a corrupt length, or not a safetensors file).");
            }

            if (declared > (ulong)(fileLength - 8))
            {
                throw Invalid($"the header length is {declared} bytes but only {fileLength - 8} follow the 8-byte length (truncated file or corrupt length).");
            }

            HeaderLength = (long)declared;
            DataStart = 8 + HeaderLength;
            DataLength = fileLength - DataStart;
            byte[] header = new byte[HeaderLength];
            ReadExactly(header, "the header");
            (_tensors, _metadata) = Parse(header, DataLength);
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }

            throw;
        }

        _byName = new Dictionary<string, SafeTensorInfo>(_tensors.Length, StringComparer.Ordinal);
        foreach (SafeTensorInfo tensor in _tensors)
        {
            _byName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The name used in error messages (the path for <see cref="Open"/>).</summary>
    public string Source { get; }

    /// <summary>The header length limit this reader was opened with.</summary>
    public long MaxHeaderLength { get; }

    /// <summary>The length of the JSON header in bytes (<c>N</c>).</summary>
    public long HeaderLength { get; }

    /// <summary>The file offset of the data section: 8 + <see cref="HeaderLength"/>.</summary>
    public long DataStart { get; }

    /// <summary>The length of the data section in bytes.</summary>
    public long DataLength { get; }

    /// <summary>The tensors, in data-section order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors => _tensors;

    /// <summary>The <c>__metadata__</c> entries (empty if the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxHeaderLength">The largest header length accepted; positive.</param>
    /// <returns>The reader; dispose it to close the file.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file (the message says why).</exception>
    /// <exception cref="IOException">The file cannot be opened or read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static SafeTensorsReader Open(string path, long maxHeaderLength = DefaultMaxHeaderLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        return new SafeTensorsReader(stream, path, leaveOpen: false, maxHeaderLength);
    }

    /// <summary>Finds a tensor by name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="tensor">The tensor, if found.</param>
    /// <returns>True if the file holds a tensor of that name.</returns>
    public bool TryGetTensor(string name, out SafeTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out tensor!);
    }

    /// <summary>Reads an <c>F32</c> tensor into <paramref name="destination"/>.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> floats.</param>
    /// <exception cref="InvalidDataException">The tensor is not <c>F32</c>, or the file shrank since it was opened.</exception>
    /// <exception cref="ArgumentException">The tensor is not of this file, or <paramref name="destination"/> has another length.</exception>
    public void ReadSingles(SafeTensorInfo tensor, Span<float> destination)
    {
        CheckTensor(tensor);
        if (tensor.DType != "F32")
        {
            throw Invalid($"tensor '{tensor.Name}' has dtype {tensor.DType}; only F32 can be read as floats (in PyTorch, save tensor.float()).");
        }

        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' holds {tensor.ElementCount} floats; the destination holds {destination.Length}.", nameof(destination));
        }

        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        _stream.Position = DataStart + tensor.Begin;
        ReadExactly(bytes, $"tensor '{tensor.Name}'");
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    /// <summary>Reads the raw little-endian bytes of any tensor into <paramref name="destination"/>.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ByteLength"/> bytes.</param>
    /// <exception cref="ArgumentException">The tensor is not of this file, or <paramref name="destination"/> has another length.</exception>
    /// <exception cref="InvalidDataException">The file shrank since it was opened.</exception>
    public void ReadBytes(SafeTensorInfo tensor, Span<byte> destination)
    {
        CheckTensor(tensor);
        if (destination.Length != tensor.ByteLength)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' holds {tensor.ByteLength} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        _stream.Position = DataStart + tensor.Begin;
        ReadExactly(destination, $"tensor '{tensor.Name}'");
    }

    /// <summary>Closes the stream unless it was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    /// <summary>The bytes per element of a safetensors dtype, or 0 if the name is not a known dtype.</summary>
    /// <param name="dtype">The dtype as the format spells it.</param>
    /// <returns>1, 2, 4 or 8; 0 if unknown.</returns>
    public static int ElementSizeOf(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" or "C64" => 8,
        _ => 0,
    };

    private void CheckTensor(SafeTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_byName.TryGetValue(tensor.Name, out SafeTensorInfo? mine) || !ReferenceEquals(mine, tensor))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is not an entry of {Source}.", nameof(tensor));
        }
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _stream.Read(buffer[total..]);
            if (n == 0)
            {
                throw Invalid($"the file ended while reading {what}: {total} of {buffer.Length} bytes (was it truncated while being read?).");
            }

            total += n;
        }
    }

    private InvalidDataException Invalid(string problem) => new($"{Source}: {problem}");

    private (SafeTensorInfo[] Tensors, Dictionary<string, string> Metadata) Parse(byte[] header, long dataLength)
    {
        if (header[0] != (byte)'{')
        {
            throw Invalid($"the header does not start with '{{' (byte 0x{header[0]:X2}); not a safetensors file, or a corrupt header length.");
        }

        if (!Utf8.IsValid(header))
        {
            throw Invalid("the header is not valid UTF-8.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<RawEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 4 };
        var json = new Utf8JsonReader(header, options);
        try
        {
            Expect(ref json, JsonTokenType.StartObject, "the header");
            while (true)
            {
                Next(ref json, "the header");
                if (json.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                string key = json.GetString()!;
                if (key == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw Invalid("the header holds '__metadata__' twice.");
                    }

                    sawMetadata = true;
                    ParseMetadata(ref json, metadata);
                    continue;
                }

                if (key.Length == 0)
                {
                    throw Invalid("the header holds a tensor with an empty name.");
                }

                if (!names.Add(key))
                {
                    throw Invalid($"the header holds tensor '{key}' twice.");
                }

                entries.Add(ParseEntry(ref json, key));
            }

            // Anything but whitespace after the root object makes Read throw.
            if (json.Read())
            {
                throw Invalid("the header holds more than one JSON value.");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Source}: the header is not well-formed JSON: {e.Message}", e);
        }

        var tensors = new SafeTensorInfo[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            tensors[i] = Validate(entries[i], dataLength);
        }

        // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
        Array.Sort(tensors, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo tensor in tensors)
        {
            if (tensor.Begin < expected)
            {
                throw Invalid($"tensor '{tensor.Name}' (bytes [{tensor.Begin}, {tensor.End})) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End})).");
            }

            if (tensor.Begin > expected)
            {
                string after = previous is null ? "the start of the data section" : $"tensor '{previous.Name}' (which ends at {expected})";
                throw Invalid($"tensor '{tensor.Name}' starts at byte {tensor.Begin}, leaving a gap of {tensor.Begin - expected} unused byte(s) after {after}; tensors must tile the data section.");
            }

            expected = tensor.End;
            previous = tensor;
        }

        if (expected != dataLength)
        {
            string last = previous is null ? "the header declares no tensor" : $"the last tensor, '{previous.Name}', ends at byte {expected}";
            throw Invalid($"the data section holds {dataLength} bytes but {last}: {dataLength - expected} unexpected trailing byte(s) (corrupt offsets or appended data).");
        }

        return (tensors, metadata);
    }

    private void ParseMetadata(ref Utf8JsonReader json, Dictionary<string, string> metadata)
    {
        Expect(ref json, JsonTokenType.StartObject, "'__metadata__'");
        while (true)
        {
            Next(ref json, "'__metadata__'");
            if (json.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            string key = json.GetString()!;
            Next(ref json, "'__metadata__'");
            if (json.TokenType != JsonTokenType.String)
            {
                throw Invalid($"'__metadata__' entry '{key}' is {Describe(ref json)}; metadata values must be strings.");
            }

            if (!metadata.TryAdd(key, json.GetString()!))
            {
                throw Invalid($"'__metadata__' holds key '{key}' twice.");
            }
        }
    }

    private RawEntry ParseEntry(ref Utf8JsonReader json, string name)
    {
        string where = $"tensor '{name}'";
        Next(ref json, where);
        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid($"{where}: the entry is {Describe(ref json)}; expected an object with dtype, shape and data_offsets.");
        }

        string? dtype = null;
        List<ulong>? shape = null;
        List<ulong>? offsets = null;
        while (true)
        {
            Next(ref json, where);
            if (json.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string field = json.GetString()!;
            switch (field)
            {
                case "dtype":
                    if (dtype is not null)
                    {
                        throw Invalid($"{where}: 'dtype' appears twice.");
                    }

                    Next(ref json, where);
                    if (json.TokenType != JsonTokenType.String)
                    {
                        throw Invalid($"{where}: 'dtype' is {Describe(ref json)}; expected a string such as \"F32\".");
                    }

                    dtype = json.GetString()!;
                    break;
                case "shape":
                    if (shape is not null)
                    {
                        throw Invalid($"{where}: 'shape' appears twice.");
                    }

                    shape = ParseIntegers(ref json, where, "shape", MaxRank);
                    break;
                case "data_offsets":
                    if (offsets is not null)
                    {
                        throw Invalid($"{where}: 'data_offsets' appears twice.");
                    }

                    offsets = ParseIntegers(ref json, where, "data_offsets", 2);
                    if (offsets.Count != 2)
                    {
                        throw Invalid($"{where}: 'data_offsets' holds {offsets.Count} number(s); expected two, [begin, end].");
                    }

                    break;
                default:
                    throw Invalid($"{where}: unknown field '{Shorten(field)}'; an entry holds only dtype, shape and data_offsets.");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Invalid($"{where}: the entry has no '{missing}'.");
        }

        return new RawEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private List<ulong> ParseIntegers(ref Utf8JsonReader json, string where, string field, int maxCount)
    {
        Next(ref json, where);
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid($"{where}: '{field}' is {Describe(ref json)}; expected an array of non-negative integers.");
        }

        var values = new List<ulong>();
        while (true)
        {
            Next(ref json, where);
            if (json.TokenType == JsonTokenType.EndArray)
            {
                return values;
            }

            if (json.TokenType != JsonTokenType.Number || !json.TryGetUInt64(out ulong value))
            {
                throw Invalid($"{where}: '{field}' holds {Describe(ref json)}; expected non-negative integers below 2^64.");
            }

            if (values.Count == maxCount)
            {
                throw Invalid($"{where}: '{field}' holds more than {maxCount} numbers.");
            }

            values.Add(value);
        }
    }

    private SafeTensorInfo Validate(RawEntry entry, long dataLength)
    {
        string where = $"tensor '{entry.Name}'";
        int elementSize = ElementSizeOf(entry.DType);
        if (elementSize == 0)
        {
            throw Invalid($"{where}: unknown dtype '{Shorten(entry.DType)}'.");
        }

        long[] shape = new long[entry.Shape.Count];
        ulong count = 1;
        bool overflow = false;
        for (int i = 0; i < shape.Length; i++)
        {
            ulong dimension = entry.Shape[i];
            if (dimension > long.MaxValue)
            {
                throw Invalid($"{where}: shape dimension {i} is {dimension}, beyond any file's size.");
            }

            shape[i] = (long)dimension;
            overflow |= dimension != 0 && count > ulong.MaxValue / dimension;
            count = unchecked(count * dimension);
        }

        if (overflow || count > long.MaxValue / (ulong)elementSize)
        {
            throw Invalid($"{where}: shape {SafeTensorInfo.FormatShape(shape)} holds more elements than any file can (the product overflows).");
        }

        long bytes = (long)count * elementSize;
        if (entry.Begin > entry.End)
        {
            throw Invalid($"{where}: data_offsets [{entry.Begin}, {entry.End}] end before they begin.");
        }

        if (entry.End > (ulong)dataLength)
        {
            throw Invalid($"{where}: data_offsets [{entry.Begin}, {entry.End}] reach beyond the data section's {dataLength} bytes (truncated file or corrupt offsets).");
        }

        if (entry.End - entry.Begin != (ulong)bytes)
        {
            throw Invalid($"{where}: data_offsets [{entry.Begin}, {entry.End}] span {entry.End - entry.Begin} bytes but dtype {entry.DType} and shape {SafeTensorInfo.FormatShape(shape)} need {bytes}.");
        }

        return new SafeTensorInfo(entry.Name, entry.DType, elementSize, shape, (long)count, (long)entry.Begin, (long)entry.End);
    }

    private void Next(ref Utf8JsonReader json, string where)
    {
        if (!json.Read())
        {
            throw Invalid($"the header ends inside {where}.");
        }
    }

    private void Expect(ref Utf8JsonReader json, JsonTokenType type, string where)
    {
        Next(ref json, where);
        if (json.TokenType != type)
        {
            throw Invalid($"{where} is {Describe(ref json)}; expected a JSON object.");
        }
    }

    private static string Describe(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Shorten(json.GetString()!)}\"",
        JsonTokenType.Number => $"the number {Shorten(Encoding.UTF8.GetString(json.ValueSpan.Length > MaxShownChars ? json.ValueSpan[..MaxShownChars] : json.ValueSpan))}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => json.TokenType.ToString(),
    };

    private static string Shorten(string text) => text.Length <= MaxShownChars ? text : text[..MaxShownChars] + "...";

    private sealed record RawEntry(string Name, string DType, List<ulong> Shape, ulong Begin, ulong End);
}
