using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace StaticGrad.Data;

/// <summary>
/// Reads files in the IDX format that MNIST ships in: a big-endian header (a magic number whose
/// third byte is the element type and fourth byte the number of dimensions, then one 32-bit size
/// per dimension) followed by the elements. Files may be raw or gzip-compressed; gzip is detected
/// from the magic bytes <c>1f 8b</c>, not from the file name.
/// </summary>
/// <remarks>
/// Only the two unsigned-byte layouts MNIST uses are supported: labels (magic <c>0x00000801</c>,
/// one dimension) and images (magic <c>0x00000803</c>, three dimensions). Every malformed input
/// throws an <see cref="InvalidDataException"/> that names the file and the problem. The header
/// is validated against fixed limits (and, for raw files, against the file length) before any
/// buffer is sized from it; gzip data is read incrementally, so a forged header in a small file
/// cannot make the reader allocate more than the data actually present. A gzip file must be one
/// complete gzip member: its CRC is checked by the decompressor and its size field (the last four
/// bytes) must match the decompressed length, which catches a cut-off trailer and bytes appended
/// after the member.
/// </remarks>
public static class IdxReader
{
    /// <summary>The IDX magic number of a one-dimensional unsigned-byte file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The IDX magic number of a three-dimensional unsigned-byte file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The largest item count a header may declare.</summary>
    public const int MaxCount = 100_000_000;

    /// <summary>The largest number of bytes per image (rows times columns) a header may declare.</summary>
    public const int MaxItemSize = 1 << 24;

    private const int InitialGzipBuffer = 1 << 20;
    private const int MaxTrailingBytesCounted = 1 << 20;
    private const int MinGzipLength = 18; // a 10-byte header and an 8-byte trailer (CRC-32, ISIZE)

    /// <summary>Reads an IDX labels file (magic <c>0x00000801</c>): one unsigned byte per item.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <returns>The labels, one byte per item.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX labels file.</exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(path, expectImages: false, out _, out _, out _);
    }

    /// <summary>Reads an IDX images file (magic <c>0x00000803</c>): count x rows x columns unsigned bytes, row-major.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <returns>The pixels (<c>Count * Rows * Columns</c> bytes, image after image) and the three dimensions.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX images file.</exception>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] pixels = Read(path, expectImages: true, out int count, out int rows, out int columns);
        return (pixels, count, rows, columns);
    }

    /// <summary>Reads an IDX labels file from a stream (see <see cref="ReadLabels(string)"/>).</summary>
    /// <param name="stream">A readable, seekable stream holding the whole file from position 0, raw or gzip-compressed (left open).</param>
    /// <param name="sourceName">The name error messages use for the stream.</param>
    /// <returns>The labels, one byte per item.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a well-formed IDX labels file.</exception>
    public static byte[] ReadLabels(Stream stream, string sourceName)
    {
        CheckStream(stream, sourceName);
        return Read(stream, sourceName, expectImages: false, out _, out _, out _);
    }

    /// <summary>Reads an IDX images file from a stream (see <see cref="ReadImages(string)"/>).</summary>
    /// <param name="stream">A readable, seekable stream holding the whole file from position 0, raw or gzip-compressed (left open).</param>
    /// <param name="sourceName">The name error messages use for the stream.</param>
    /// <returns>The pixels and the three dimensions.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a well-formed IDX images file.</exception>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(Stream stream, string sourceName)
    {
        CheckStream(stream, sourceName);
        byte[] pixels = Read(stream, sourceName, expectImages: true, out int count, out int rows, out int columns);
        return (pixels, count, rows, columns);
    }

    private static void CheckStream(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("An IDX stream must be readable and seekable.", nameof(stream));
        }
    }

    private static byte[] Read(string path, bool expectImages, out int count, out int rows, out int columns)
    {
        using FileStream file = ReadableFile.Open(path, bufferSize: 0, FileOptions.SequentialScan);
        return Read(file, path, expectImages, out count, out rows, out columns);
    }

    private static byte[] Read(Stream file, string path, bool expectImages, out int count, out int rows, out int columns)
    {
        file.Position = 0;
        Span<byte> probe = stackalloc byte[2];
        int probed = ReadUpTo(file, probe, path, compressed: false);
        file.Position = 0;
        bool gzip = probed == 2 && probe[0] == 0x1f && probe[1] == 0x8b;
        if (!gzip)
        {
            return ReadIdx(file, path, compressed: false, rawLength: file.Length, expectImages, out count, out rows, out columns);
        }

        // .NET's GZipStream reports neither a missing trailer nor bytes after the gzip member, so the
        // stream's end is checked against the trailer's ISIZE field (the last 4 bytes of the file).
        long gzipLength = file.Length;
        uint? trailerSize = null;
        if (gzipLength >= MinGzipLength)
        {
            Span<byte> trailer = stackalloc byte[4];
            file.Position = gzipLength - 4;
            ReadUpTo(file, trailer, path, compressed: false);
            file.Position = 0;
            trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }

        byte[] result;
        using (GZipStream unzip = new(file, CompressionMode.Decompress, leaveOpen: true))
        {
            result = ReadIdx(unzip, path, compressed: true, rawLength: -1, expectImages, out count, out rows, out columns);
        }

        uint decompressed = unchecked((uint)(4 + 4 * (expectImages ? 3 : 1) + (long)result.Length));
        if (trailerSize != decompressed)
        {
            string declared = trailerSize is uint size ? $"gives an uncompressed size of {size}" : "is missing";
            throw new InvalidDataException(
                $"{path}: the gzip stream is truncated or followed by other bytes: its trailer {declared} but {decompressed} bytes were decompressed " +
                "(files of several concatenated gzip members are not supported).");
        }

        return result;
    }

    private static byte[] ReadIdx(Stream stream, string path, bool compressed, long rawLength, bool expectImages, out int count, out int rows, out int columns)
    {
        string where = compressed ? $"{path} (after gzip decompression)" : path;
        int dimensions = expectImages ? 3 : 1;
        int headerSize = 4 + 4 * dimensions;
        string kind = expectImages ? "images" : "labels";
        int expectedMagic = expectImages ? ImagesMagic : LabelsMagic;

        Span<byte> header = stackalloc byte[16];
        int got = ReadUpTo(stream, header[..4], path, compressed);
        if (got < 4)
        {
            throw new InvalidDataException($"{where}: truncated IDX header: the file holds {got} byte(s), fewer than the 4-byte magic number.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException($"{where}: not an IDX {kind} file: {DescribeMagic(magic, expectImages)}");
        }

        got = ReadUpTo(stream, header[4..headerSize], path, compressed);
        if (got < headerSize - 4)
        {
            throw new InvalidDataException($"{where}: truncated IDX header: expected {headerSize} bytes ({dimensions} dimension size(s) after the magic number), found {got + 4}.");
        }

        uint rawCount = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        uint rawRows = expectImages ? BinaryPrimitives.ReadUInt32BigEndian(header[8..]) : 1;
        uint rawColumns = expectImages ? BinaryPrimitives.ReadUInt32BigEndian(header[12..]) : 1;
        if (rawCount > MaxCount)
        {
            throw new InvalidDataException($"{where}: absurd IDX dimensions: the header declares {rawCount} items, more than the limit of {MaxCount}.");
        }

        if (expectImages)
        {
            if (rawRows == 0 || rawColumns == 0)
            {
                throw new InvalidDataException($"{where}: absurd IDX dimensions: the header declares {rawRows} x {rawColumns} images; rows and columns must be positive.");
            }

            if ((ulong)rawRows * rawColumns > MaxItemSize)
            {
                throw new InvalidDataException($"{where}: absurd IDX dimensions: the header declares {rawRows} x {rawColumns} images, more than the limit of {MaxItemSize} pixels per image.");
            }
        }

        ulong itemSize = (ulong)rawRows * rawColumns;
        ulong total = rawCount * itemSize;
        string shape = expectImages ? $"{rawCount} x {rawRows} x {rawColumns}" : $"{rawCount} labels";
        if (total > (ulong)Array.MaxLength)
        {
            throw new InvalidDataException($"{where}: absurd IDX dimensions: the header declares {shape} = {total} bytes of data, more than the {Array.MaxLength} an array can hold.");
        }

        if (rawLength >= 0)
        {
            long available = rawLength - headerSize;
            if (available < (long)total)
            {
                throw new InvalidDataException($"{where}: truncated IDX data: the header declares {shape} = {total} bytes of data but the file holds only {available} after the {headerSize}-byte header.");
            }

            if (available > (long)total)
            {
                throw new InvalidDataException($"{where}: {available - (long)total} unexpected trailing byte(s) after the {total} bytes of data the header declares ({shape}).");
            }
        }

        // Grow the buffer as data arrives (it is only as large as the header says when raw, where
        // the length was checked above), so a forged gzip header cannot trigger a huge allocation.
        int length = (int)total;
        byte[] data = new byte[rawLength >= 0 ? length : Math.Min(length, InitialGzipBuffer)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(length, 2L * data.Length));
            }

            int n = ReadUpTo(stream, data.AsSpan(filled), path, compressed);
            filled += n;
            if (filled < data.Length)
            {
                throw new InvalidDataException($"{where}: truncated IDX data: the header declares {shape} = {total} bytes of data but the file holds only {filled}.");
            }
        }

        Span<byte> extra = stackalloc byte[4096];
        long trailing = 0;
        int read;
        while (trailing < MaxTrailingBytesCounted && (read = ReadUpTo(stream, extra, path, compressed)) > 0)
        {
            trailing += read;
        }

        if (trailing > 0)
        {
            string amount = trailing >= MaxTrailingBytesCounted ? $"at least {trailing}" : $"{trailing}";
            throw new InvalidDataException($"{where}: {amount} unexpected trailing byte(s) after the {total} bytes of data the header declares ({shape}).");
        }

        count = (int)rawCount;
        rows = (int)rawRows;
        columns = (int)rawColumns;
        return data;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; wraps decompression errors with the file name.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> buffer, string path, bool compressed)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (InvalidDataException e) when (compressed)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data (the decompressor reported: {e.Message})", e);
        }

        return total;
    }

    private static string DescribeMagic(int magic, bool expectImages)
    {
        string expected = expectImages
            ? "expected 0x00000803 (unsigned bytes, 3 dimensions: count, rows, columns)"
            : "expected 0x00000801 (unsigned bytes, 1 dimension: count)";
        string found = $"the magic number is 0x{magic:X8}, {expected}";
        if ((magic & unchecked((int)0xFFFF0000)) != 0)
        {
            return found + "; the first two bytes of an IDX file are always zero.";
        }

        int type = (magic >> 8) & 0xFF;
        int dims = magic & 0xFF;
        if (type != 0x08)
        {
            return found + $"; element type 0x{type:X2} ({TypeName(type)}) is not supported, only unsigned bytes (0x08).";
        }

        if (!expectImages && dims == 3)
        {
            return found + "; this is an images file (3 dimensions). Were the images and labels paths swapped?";
        }

        if (expectImages && dims == 1)
        {
            return found + "; this is a labels file (1 dimension). Were the images and labels paths swapped?";
        }

        return found + $"; the file has {dims} dimension(s).";
    }

    private static string TypeName(int type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "short",
        0x0C => "int",
        0x0D => "float",
        0x0E => "double",
        _ => "unknown",
    };
}
