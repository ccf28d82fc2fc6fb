using System;
using System.Buffers;
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
/// <c>{</c>, with every string valid text (no JSON escape decoding to a lone UTF-16 surrogate; the
/// message gives the byte offset); at most <see cref="MaxTensorCount"/> tensors and
/// <see cref="MaxMetadataCount"/> metadata entries, counted before anything is built; each tensor entry must have exactly <c>dtype</c> (a known type), <c>shape</c>
/// (non-negative integers) and <c>data_offsets</c> (two non-negative integers, begin &lt;= end), with
/// <c>end - begin</c> equal to the element count times the element size, computed without overflow;
/// names must be unique and non-empty; <c>__metadata__</c> must map strings to strings; and the
/// tensors must tile the data section exactly, with no overlap, no gap and no trailing byte (the
/// rules of the reference implementation).
/// </para>
/// <para>
/// Only the header (at most <see cref="MaxHeaderLength"/> bytes, and never more than the file holds)
/// is held in memory, with per tensor its name, shape and entry, in structures sized from the count:
/// opening allocates a small multiple of the header's length (at most 8 bytes per byte of the file
/// for the densest headers). Tensors are read on demand straight into the caller's buffer.
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

    /// <summary>
    /// The largest number of tensor entries a header may declare: 100,000. Real <c>state_dict</c>s
    /// hold at most tens of thousands of tensors (a 70B-parameter transformer about 700; the largest
    /// mixture-of-experts checkpoints, with hundreds of experts per layer, tens of thousands, and they
    /// ship in shards), so the cap only refuses forged headers; it keeps the per-entry bookkeeping of
    /// a load under about 20 MB however the header is written.
    /// </summary>
    public const int MaxTensorCount = 100_000;

    /// <summary>
    /// The largest number of <c>__metadata__</c> entries: 10,000. Files carry a handful (<c>format</c>;
    /// a training checkpoint about fifteen plus the caller's own).
    /// </summary>
    public const int MaxMetadataCount = 10_000;

    /// <summary>What opening a reader may allocate per byte of the file at most (the header buffer included); tested with the densest headers.</summary>
    internal const int MaxAllocationPerHeaderByte = 8;

    /// <summary>The characters of a name or value a message shows before cutting it (<see cref="Shown"/>).</summary>
    public const int MaxShownChars = 48;

    /// <summary>The dtypes of the format, by element size; parsed dtypes are these instances.</summary>
    private static readonly string[] DTypes = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "I64", "U64", "F64", "C64"];

    private const string MetadataKey = "__metadata__";

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
            ReadExactly(prefix, new Place("the header length"));
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
            ReadExactly(header, new Place("the header"));
            (_tensors, _byName, _metadata) = Parse(header, DataLength);
        }
        catch
        {
            if (!leaveOpen)
            {
                stream.Dispose();
            }

            throw;
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
        FileStream stream = ReadableFile.Open(path, bufferSize: 1, FileOptions.RandomAccess);
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
            throw Invalid($"tensor '{Shown(tensor.Name)}' has dtype {tensor.DType}; only F32 can be read as floats (in PyTorch, save tensor.float()).");
        }

        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{Shown(tensor.Name)}' holds {tensor.ElementCount} floats; the destination holds {destination.Length}.", nameof(destination));
        }

        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        _stream.Position = DataStart + tensor.Begin;
        ReadExactly(bytes, new Place("tensor", tensor.Name));
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    /// <summary>
    /// Reads a floating-point tensor into <paramref name="destination"/>, converting it to float as PyTorch's
    /// <c>tensor.float()</c> does: <c>F32</c> as is, <c>F16</c> and <c>BF16</c> exactly, <c>F64</c> rounded to the
    /// nearest float (ties to even; beyond float's range, infinite).
    /// </summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> floats.</param>
    /// <exception cref="InvalidDataException">The tensor is not <c>F32</c>, <c>F16</c>, <c>BF16</c> or <c>F64</c>, or the file shrank since it was opened.</exception>
    /// <exception cref="ArgumentException">The tensor is not of this file, or <paramref name="destination"/> has another length.</exception>
    public void ReadAsSingles(SafeTensorInfo tensor, Span<float> destination)
    {
        CheckTensor(tensor);
        if (tensor.DType == "F32")
        {
            ReadSingles(tensor, destination);
            return;
        }

        if (!FloatConversion.IsConvertible(tensor.DType))
        {
            throw Invalid($"tensor '{Shown(tensor.Name)}' has dtype {tensor.DType}; only F32, F16, BF16 and F64 can be read as floats.");
        }

        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{Shown(tensor.Name)}' holds {tensor.ElementCount} values; the destination holds {destination.Length}.", nameof(destination));
        }

        // In chunks, so a large F64 tensor needs no second buffer of its size.
        const int ChunkBytes = 1 << 16;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            _stream.Position = DataStart + tensor.Begin;
            int perChunk = ChunkBytes / tensor.ElementSize;
            for (int done = 0; done < destination.Length; done += perChunk)
            {
                int count = Math.Min(perChunk, destination.Length - done);
                Span<byte> bytes = chunk.AsSpan(0, count * tensor.ElementSize);
                ReadExactly(bytes, new Place("tensor", tensor.Name));
                FloatConversion.ToSingles(tensor.DType, bytes, destination.Slice(done, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads an <c>I64</c> tensor (a batch counter) into <paramref name="destination"/>.</summary>
    /// <param name="tensor">A tensor of this file.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> values.</param>
    /// <exception cref="InvalidDataException">The tensor is not <c>I64</c>, or the file shrank since it was opened.</exception>
    /// <exception cref="ArgumentException">The tensor is not of this file, or <paramref name="destination"/> has another length.</exception>
    public void ReadInt64s(SafeTensorInfo tensor, Span<long> destination)
    {
        CheckTensor(tensor);
        if (tensor.DType != "I64")
        {
            throw Invalid($"tensor '{Shown(tensor.Name)}' has dtype {tensor.DType}; expected I64 (PyTorch stores num_batches_tracked as torch.long).");
        }

        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"Tensor '{Shown(tensor.Name)}' holds {tensor.ElementCount} values; the destination holds {destination.Length}.", nameof(destination));
        }

        _stream.Position = DataStart + tensor.Begin;
        ReadExactly(MemoryMarshal.AsBytes(destination), new Place("tensor", tensor.Name));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(destination, destination);
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
            throw new ArgumentException($"Tensor '{Shown(tensor.Name)}' holds {tensor.ByteLength} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        _stream.Position = DataStart + tensor.Begin;
        ReadExactly(destination, new Place("tensor", tensor.Name));
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
            throw new ArgumentException($"Tensor '{Shown(tensor.Name)}' is not an entry of {Source}.", nameof(tensor));
        }
    }

    private void ReadExactly(Span<byte> buffer, Place what)
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

    private InvalidDataException Invalid(string problem, Exception? inner = null) => new($"{Source}: {problem}", inner);

    private (SafeTensorInfo[] Tensors, Dictionary<string, SafeTensorInfo> ByName, Dictionary<string, string> Metadata) Parse(byte[] header, long dataLength)
    {
        if (header[0] != (byte)'{')
        {
            throw Invalid($"the header does not start with '{{' (byte 0x{header[0]:X2}); not a safetensors file, or a corrupt header length.");
        }

        if (!Utf8.IsValid(header))
        {
            throw Invalid("the header is not valid UTF-8.");
        }

        var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 4 };
        SafeTensorInfo[] tensors;
        Dictionary<string, SafeTensorInfo> byName;
        Dictionary<string, string> metadata;
        try
        {
            // Count first, allocating nothing, so the structures below are sized exactly and a header of
            // absurdly many entries is refused before any of them is built.
            (int tensorCount, int metadataCount) = CountEntries(header, options);
            tensors = new SafeTensorInfo[tensorCount];
            byName = new Dictionary<string, SafeTensorInfo>(tensorCount, StringComparer.Ordinal);
            metadata = new Dictionary<string, string>(metadataCount, StringComparer.Ordinal);
            bool sawMetadata = false;
            int count = 0;
            var json = new Utf8JsonReader(header, options);
            Expect(ref json, JsonTokenType.StartObject, new Place("the header"));
            while (true)
            {
                Next(ref json, new Place("the header"));
                if (json.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                string key = ReadText(ref json, new Place("a header key"));
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

                if (byName.ContainsKey(key))
                {
                    throw Invalid($"the header holds tensor '{Shown(key)}' twice.");
                }

                SafeTensorInfo tensor = ParseEntry(ref json, key, dataLength);
                byName.Add(key, tensor);
                tensors[count++] = tensor;
            }

            // Anything but whitespace after the root object makes Read throw.
            if (json.Read())
            {
                throw Invalid("the header holds more than one JSON value.");
            }
        }
        catch (JsonException e)
        {
            throw Invalid($"the header is not well-formed JSON: {e.Message}", e);
        }

        // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
        Array.Sort(tensors, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo tensor in tensors)
        {
            if (tensor.Begin < expected)
            {
                throw Invalid($"tensor '{Shown(tensor.Name)}' (bytes [{tensor.Begin}, {tensor.End})) overlaps tensor '{Shown(previous!.Name)}' (bytes [{previous.Begin}, {previous.End})).");
            }

            if (tensor.Begin > expected)
            {
                string after = previous is null ? "the start of the data section" : $"tensor '{Shown(previous.Name)}' (which ends at {expected})";
                throw Invalid($"tensor '{Shown(tensor.Name)}' starts at byte {tensor.Begin}, leaving a gap of {tensor.Begin - expected} unused byte(s) after {after}; tensors must tile the data section.");
            }

            expected = tensor.End;
            previous = tensor;
        }

        if (expected != dataLength)
        {
            string last = previous is null ? "the header declares no tensor" : $"the last tensor, '{Shown(previous.Name)}', ends at byte {expected}";
            throw Invalid($"the data section holds {dataLength} bytes but {last}: {dataLength - expected} unexpected trailing byte(s) (corrupt offsets or appended data).");
        }

        return (tensors, byName, metadata);
    }

    /// <summary>
    /// Counts the tensor entries and the metadata entries without building anything, and refuses counts
    /// above <see cref="MaxTensorCount"/> or <see cref="MaxMetadataCount"/>. Structural problems,
    /// malformed JSON included, are left to the full parse, which reports them with more context.
    /// </summary>
    private (int Tensors, int Metadata) CountEntries(byte[] header, JsonReaderOptions options)
    {
        var json = new Utf8JsonReader(header, options);
        int tensors = 0;
        int metadata = 0;
        try
        {
            if (json.Read() && json.TokenType == JsonTokenType.StartObject)
            {
                while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                {
                    if (!Utf8Text(ref json, new Place("a header key")).SequenceEqual("__metadata__"u8))
                    {
                        tensors++;
                        json.Skip();
                    }
                    else if (json.Read() && json.TokenType == JsonTokenType.StartObject)
                    {
                        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
                        {
                            metadata++;
                            json.Skip();
                        }
                    }
                    else
                    {
                        json.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is left to the full parse, which reports it with the tensor it is in. It
            // reads the same tokens, so it stops at the same byte at the latest: it cannot complete an
            // entry this pass did not count.
        }

        if (tensors > MaxTensorCount)
        {
            throw Invalid($"the header declares {tensors} tensors, more than the limit of {MaxTensorCount} (SafeTensorsReader.MaxTensorCount; a real state_dict holds at most tens of thousands).");
        }

        if (metadata > MaxMetadataCount)
        {
            throw Invalid($"'__metadata__' holds {metadata} entries, more than the limit of {MaxMetadataCount} (SafeTensorsReader.MaxMetadataCount).");
        }

        return (tensors, metadata);
    }

    private void ParseMetadata(ref Utf8JsonReader json, Dictionary<string, string> metadata)
    {
        Expect(ref json, JsonTokenType.StartObject, new Place("'__metadata__'"));
        while (true)
        {
            Next(ref json, new Place("'__metadata__'"));
            if (json.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            string key = ReadText(ref json, new Place("'__metadata__': a key"));
            var where = new Place("'__metadata__' entry", key);
            Next(ref json, where);
            if (json.TokenType != JsonTokenType.String)
            {
                throw Invalid($"{where} is {Describe(ref json, where)}; metadata values must be strings.");
            }

            if (!metadata.TryAdd(key, ReadText(ref json, where)))
            {
                throw Invalid($"'__metadata__' holds key '{Shown(key)}' twice.");
            }
        }
    }

    private SafeTensorInfo ParseEntry(ref Utf8JsonReader json, string name, long dataLength)
    {
        var where = new Place("tensor", name);
        Next(ref json, where);
        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid($"{where}: the entry is {Describe(ref json, where)}; expected an object with dtype, shape and data_offsets.");
        }

        string? dtype = null;
        Span<ulong> shape = stackalloc ulong[MaxRank];
        int rank = -1;
        Span<ulong> offsets = stackalloc ulong[2];
        int offsetCount = -1;
        while (true)
        {
            Next(ref json, where);
            if (json.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            ReadOnlySpan<byte> field = Utf8Text(ref json, where with { Field = "a field name" });
            if (field.SequenceEqual("dtype"u8))
            {
                if (dtype is not null)
                {
                    throw Invalid($"{where}: 'dtype' appears twice.");
                }

                dtype = ParseDType(ref json, where);
            }
            else if (field.SequenceEqual("shape"u8))
            {
                if (rank >= 0)
                {
                    throw Invalid($"{where}: 'shape' appears twice.");
                }

                rank = ParseIntegers(ref json, where, "'shape'", shape);
            }
            else if (field.SequenceEqual("data_offsets"u8))
            {
                if (offsetCount >= 0)
                {
                    throw Invalid($"{where}: 'data_offsets' appears twice.");
                }

                offsetCount = ParseIntegers(ref json, where, "'data_offsets'", offsets);
                if (offsetCount != 2)
                {
                    throw Invalid($"{where}: 'data_offsets' holds {offsetCount} number(s); expected two, [begin, end].");
                }
            }
            else
            {
                throw Invalid($"{where}: unknown field '{Shown(Encoding.UTF8.GetString(field))}'; an entry holds only dtype, shape and data_offsets.");
            }
        }

        if (dtype is null || rank < 0 || offsetCount < 0)
        {
            string missing = dtype is null ? "dtype" : rank < 0 ? "shape" : "data_offsets";
            throw Invalid($"{where}: the entry has no '{missing}'.");
        }

        return Validate(where, name, dtype, shape[..rank], offsets[0], offsets[1], dataLength);
    }

    /// <summary>Reads a dtype value as one of <see cref="DTypes"/> (the shared instance: no string per entry).</summary>
    private string ParseDType(ref Utf8JsonReader json, Place where)
    {
        Place what = where with { Field = "'dtype'" };
        Next(ref json, where);
        if (json.TokenType != JsonTokenType.String)
        {
            throw Invalid($"{what} is {Describe(ref json, what)}; expected a string such as \"F32\".");
        }

        ReadOnlySpan<byte> text = Utf8Text(ref json, what);
        foreach (string known in DTypes)
        {
            if (Ascii.Equals(text, known))
            {
                return known;
            }
        }

        throw Invalid($"{where}: unknown dtype '{Shown(Encoding.UTF8.GetString(text))}'.");
    }

    /// <summary>Reads an array of non-negative integers into <paramref name="values"/>, refusing more than it holds.</summary>
    private int ParseIntegers(ref Utf8JsonReader json, Place where, string field, scoped Span<ulong> values)
    {
        Place what = where with { Field = field };
        Next(ref json, where);
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid($"{what} is {Describe(ref json, what)}; expected an array of non-negative integers.");
        }

        int count = 0;
        while (true)
        {
            Next(ref json, where);
            if (json.TokenType == JsonTokenType.EndArray)
            {
                return count;
            }

            if (json.TokenType != JsonTokenType.Number || !json.TryGetUInt64(out ulong value))
            {
                throw Invalid($"{what} holds {Describe(ref json, what)}; expected non-negative integers below 2^64.");
            }

            if (count == values.Length)
            {
                throw Invalid($"{what} holds more than {values.Length} numbers.");
            }

            values[count++] = value;
        }
    }

    private SafeTensorInfo Validate(Place where, string name, string dtype, ReadOnlySpan<ulong> dimensions, ulong begin, ulong end, long dataLength)
    {
        int elementSize = ElementSizeOf(dtype);
        long[] shape = dimensions.Length == 0 ? [] : new long[dimensions.Length];
        ulong count = 1;
        bool overflow = false;
        for (int i = 0; i < shape.Length; i++)
        {
            ulong dimension = dimensions[i];
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
        if (begin > end)
        {
            throw Invalid($"{where}: data_offsets [{begin}, {end}] end before they begin.");
        }

        if (end > (ulong)dataLength)
        {
            throw Invalid($"{where}: data_offsets [{begin}, {end}] reach beyond the data section's {dataLength} bytes (truncated file or corrupt offsets).");
        }

        if (end - begin != (ulong)bytes)
        {
            throw Invalid($"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but dtype {dtype} and shape {SafeTensorInfo.FormatShape(shape)} need {bytes}.");
        }

        return new SafeTensorInfo(name, dtype, elementSize, shape, (long)count, (long)begin, (long)end);
    }

    /// <summary>
    /// Where in the file a token or tensor is, for a message: <c>the header</c>, <c>tensor 'fc1.weight'</c>,
    /// <c>tensor 'fc1.weight': 'shape'</c>. A value, so that parsing allocates no text per entry; the
    /// text is built only when a message needs it.
    /// </summary>
    private readonly record struct Place(string Text, string? Name = null, string? Field = null)
    {
        public override string ToString() => Name is null ? Text : Field is null ? $"{Text} '{Shown(Name)}'" : $"{Text} '{Shown(Name)}': {Field}";
    }

    /// <summary>
    /// Decodes the current string or property name: the one place a header string becomes a .NET
    /// string. JSON escapes that decode to invalid UTF-16 (a lone or reversed surrogate), which
    /// <see cref="Utf8JsonReader.GetString"/> refuses with <see cref="InvalidOperationException"/>,
    /// become an <see cref="InvalidDataException"/> naming <paramref name="what"/> and the file offset.
    /// </summary>
    private string ReadText(ref Utf8JsonReader json, Place what)
    {
        try
        {
            return json.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw Invalid($"{what} at byte {8 + json.TokenStartIndex} is not valid text: {e.Message}", e);
        }
    }

    /// <summary>The current string as unescaped UTF-8, without allocating unless it holds escapes (then through <see cref="ReadText"/>).</summary>
    private ReadOnlySpan<byte> Utf8Text(ref Utf8JsonReader json, Place what)
        => json.ValueIsEscaped ? Encoding.UTF8.GetBytes(ReadText(ref json, what)) : json.ValueSpan;

    private void Next(ref Utf8JsonReader json, Place where)
    {
        if (!json.Read())
        {
            throw Invalid($"the header ends inside {where}.");
        }
    }

    private void Expect(ref Utf8JsonReader json, JsonTokenType type, Place where)
    {
        Next(ref json, where);
        if (json.TokenType != type)
        {
            throw Invalid($"{where} is {Describe(ref json, where)}; expected a JSON object.");
        }
    }

    /// <summary>Describes the current token for a message; <paramref name="where"/> names it if a string in it is not valid text.</summary>
    private string Describe(ref Utf8JsonReader json, Place where) => json.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Shown(ReadText(ref json, where))}\"",
        JsonTokenType.Number => $"the number {Shown(Encoding.UTF8.GetString(json.ValueSpan.Length > MaxShownChars ? json.ValueSpan[..MaxShownChars] : json.ValueSpan))}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => json.TokenType.ToString(),
    };

    /// <summary>Names from a file for a one-line message: the first eight quoted and <see cref="Shown"/>, then how many more.</summary>
    /// <param name="names">The names.</param>
    /// <returns>For example <c>'fc1.weight', 'fc1.bias' and 3 more</c>.</returns>
    public static string ShownList(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        const int Listed = 8;
        var list = new StringBuilder();
        for (int i = 0; i < Math.Min(Listed, names.Count); i++)
        {
            list.Append(i == 0 ? "'" : ", '").Append(Shown(names[i], 64)).Append('\'');
        }

        return names.Count > Listed ? $"{list} and {names.Count - Listed} more" : list.ToString();
    }

    /// <summary>
    /// Text from a file made safe for a one-line message: control characters (a newline, a terminal
    /// escape) and lone surrogates are written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>, and
    /// text beyond <paramref name="maxChars"/> is cut (never inside a surrogate pair) and marked "...".
    /// Every message of this reader, <see cref="ModelWeights"/> and <see cref="TrainingCheckpoint"/>
    /// quotes names and values from the file through it; so should a caller that prints them.
    /// </summary>
    /// <param name="text">The text, e.g. a tensor name or a metadata value.</param>
    /// <param name="maxChars">How many characters to show at most; at least 1.</param>
    /// <returns>The text to show.</returns>
    public static string Shown(string text, int maxChars = MaxShownChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChars);
        int cut = text.Length;
        if (cut > maxChars)
        {
            cut = maxChars;
            if (char.IsHighSurrogate(text[cut - 1]) && char.IsLowSurrogate(text[cut]))
            {
                cut++;
            }
        }

        bool plain = true;
        for (int i = 0; i < cut && plain; i++)
        {
            plain = !char.IsControl(text[i]) && !char.IsSurrogate(text[i]);
        }

        string suffix = cut < text.Length ? "..." : string.Empty;
        if (plain)
        {
            return cut < text.Length ? text[..cut] + suffix : text;
        }

        var shown = new StringBuilder(cut + 16);
        for (int i = 0; i < cut; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < cut && char.IsLowSurrogate(text[i + 1]))
            {
                shown.Append(c).Append(text[++i]);
            }
            else if (!char.IsControl(c) && !char.IsSurrogate(c))
            {
                shown.Append(c);
            }
            else
            {
                shown.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:X4}" });
            }
        }

        return shown.Append(suffix).ToString();
    }
}
