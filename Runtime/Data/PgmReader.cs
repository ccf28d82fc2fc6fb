using System;
using System.IO;

namespace StaticGrad.Data;

/// <summary>A grayscale image read by <see cref="PgmReader"/>: its size and its pixels scaled to [0, 1].</summary>
public sealed class PgmImage
{
    internal PgmImage(int width, int height, int maxValue, float[] pixels)
    {
        Width = width;
        Height = height;
        MaxValue = maxValue;
        _pixels = pixels;
    }

    private readonly float[] _pixels;

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>The file's white level (<c>maxval</c>): a sample of this value becomes 1.</summary>
    public int MaxValue { get; }

    /// <summary>The pixels, row-major, each <c>sample / MaxValue</c> (0 black, 1 white).</summary>
    public ReadOnlySpan<float> Pixels => _pixels;
}

/// <summary>
/// Reads Netpbm grayscale images: binary <c>P5</c> (8- or 16-bit samples) and plain-text <c>P2</c>,
/// with <c>#</c> comments in the header. Every malformed input throws an
/// <see cref="InvalidDataException"/> naming the file and the problem.
/// </summary>
public static class PgmReader
{
    /// <summary>The largest file accepted, in bytes (64 MiB).</summary>
    public const int MaxFileLength = 64 << 20;

    /// <summary>The largest number of pixels (width times height) accepted.</summary>
    public const int MaxPixels = 1 << 24;

    /// <summary>Reads a PGM file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The image.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed P5 or P2 image.</exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static PgmImage Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = ReadableFile.Open(path, bufferSize: 1);
        if (file.Length > MaxFileLength)
        {
            throw new InvalidDataException($"{path}: {file.Length} bytes is more than the {MaxFileLength} a PGM image may take here.");
        }

        byte[] bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a PGM file.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="source">The name error messages use.</param>
    /// <returns>The image.</returns>
    /// <exception cref="InvalidDataException">The data is not a well-formed P5 or P2 image.</exception>
    public static PgmImage Parse(ReadOnlySpan<byte> data, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (data.Length < 2 || data[0] != (byte)'P' || (data[1] != (byte)'5' && data[1] != (byte)'2'))
        {
            string found = data.Length >= 2 && data[0] == (byte)'P' ? $"'P{(char)data[1]}'" : "no 'P' magic";
            throw new InvalidDataException($"{source}: not a grayscale PGM image: expected 'P5' (binary) or 'P2' (plain) at the start, found {found}. (Color PPM 'P6'/'P3' and PNG are not supported; convert with e.g. 'convert in.png -colorspace gray out.pgm'.)");
        }

        bool binary = data[1] == (byte)'5';
        int position = 2;
        int width = ReadHeaderNumber(data, ref position, source, "width", 1, 65535);
        int height = ReadHeaderNumber(data, ref position, source, "height", 1, 65535);
        int maxValue = ReadHeaderNumber(data, ref position, source, "maxval", 1, 65535);
        long pixels = (long)width * height;
        if (pixels > MaxPixels)
        {
            throw new InvalidDataException($"{source}: the image is {width} x {height}, more than the {MaxPixels} pixels accepted.");
        }

        float white = maxValue;
        float[] values;
        if (binary)
        {
            // Exactly one whitespace character separates maxval from the raster.
            if (position >= data.Length || !IsWhitespace(data[position]))
            {
                throw new InvalidDataException($"{source}: expected one whitespace character after maxval, then {pixels} samples.");
            }

            position++;
            int bytesPerSample = maxValue < 256 ? 1 : 2;
            long expected = pixels * bytesPerSample;
            long available = data.Length - position;
            if (available < expected)
            {
                throw new InvalidDataException($"{source}: truncated raster: a {width} x {height} image with maxval {maxValue} needs {expected} bytes; the file holds {available}.");
            }

            if (available > expected)
            {
                // A header written with Windows line ends ("255\r\n") leaves the '\n' as the raster's first byte and one byte over.
                string cause = data[position - 1] == (byte)'\r' && data[position] == (byte)'\n'
                    ? "the header's lines end in \\r\\n: P5 allows one whitespace byte after maxval, so the '\\n' was read as the first pixel; write the header with \\n line ends"
                    : "multi-image files are not supported";
                throw new InvalidDataException($"{source}: {available - expected} unexpected byte(s) after the {width} x {height} raster ({cause}).");
            }

            values = new float[pixels];
            for (int i = 0; i < values.Length; i++)
            {
                int sample = bytesPerSample == 1 ? data[position + i] : (data[position + (2 * i)] << 8) | data[position + (2 * i) + 1];
                if (sample > maxValue)
                {
                    throw new InvalidDataException($"{source}: pixel {i} (row {i / width}, column {i % width}) is {sample}, above maxval {maxValue}.");
                }

                values[i] = sample / white; // like MnistDataset's byte / 255f
            }
        }
        else
        {
            // Every sample takes a digit and the separator before it: data too short for them all is refused, at the first
            // sample missing, before the pixels are allocated.
            if (data.Length - position < 2 * pixels)
            {
                ReadPlainSamples(data, position, Span<float>.Empty, (int)pixels, width, maxValue, source);
                throw new InvalidDataException($"{source}: expected {pixels} samples, but {data.Length - position} bytes after maxval cannot hold them.");
            }

            values = new float[pixels];
            position = ReadPlainSamples(data, position, values, values.Length, width, maxValue, source);
            SkipWhitespaceAndComments(data, ref position);
            if (position < data.Length)
            {
                throw new InvalidDataException($"{source}: unexpected data after the {pixels} samples of the {width} x {height} image.");
            }
        }

        return new PgmImage(width, height, maxValue, values);
    }

    /// <summary>
    /// Reads the <paramref name="pixels"/> samples of a plain image from <paramref name="position"/> into
    /// <paramref name="values"/> (or only checks them, when it is empty); returns the position after the last.
    /// </summary>
    private static int ReadPlainSamples(ReadOnlySpan<byte> data, int position, Span<float> values, int pixels, int width, int maxValue, string source)
    {
        float white = maxValue;
        for (int i = 0; i < pixels; i++)
        {
            NumberRead read = ReadNumber(data, ref position, out long sample, out int digits);
            if (read == NumberRead.Missing)
            {
                string problem = position >= data.Length ? "the file ends" : $"found byte 0x{data[position]:X2}";
                throw new InvalidDataException($"{source}: expected {pixels} samples but {problem} at sample {i} (row {i / width}, column {i % width}).");
            }

            if (read == NumberRead.TooLong || sample > maxValue)
            {
                string value = read == NumberRead.TooLong ? $"a number of {digits} digits" : $"{sample}";
                throw new InvalidDataException($"{source}: pixel {i} (row {i / width}, column {i % width}) is {value}, above maxval {maxValue}.");
            }

            if (!values.IsEmpty)
            {
                values[i] = sample / white; // like MnistDataset's byte / 255f
            }
        }

        return position;
    }

    private static int ReadHeaderNumber(ReadOnlySpan<byte> data, ref int position, string source, string name, int min, int max)
    {
        if (position < data.Length && !IsWhitespace(data[position]) && data[position] != (byte)'#')
        {
            throw new InvalidDataException($"{source}: expected whitespace before the {name} in the PGM header.");
        }

        NumberRead read = ReadNumber(data, ref position, out long value, out int digits);
        if (read == NumberRead.Missing)
        {
            string problem = position >= data.Length ? "the file ends" : $"found byte 0x{data[position]:X2}";
            throw new InvalidDataException($"{source}: expected the {name} (a decimal number) in the PGM header, but {problem}.");
        }

        if (read == NumberRead.TooLong || value < min || value > max)
        {
            string found = read == NumberRead.TooLong ? $"a number of {digits} digits" : $"{value}";
            throw new InvalidDataException($"{source}: the {name} is {found}; expected {min} to {max}.");
        }

        return (int)value;
    }

    /// <summary>
    /// Skips whitespace and comments, then reads a decimal number that ends at whitespace, a comment or the end of the data.
    /// Leading zeros are skipped wherever the number stands (<c>00255</c> is 255, as Netpbm reads it); a number of more than
    /// <see cref="MaxDigits"/> significant digits is <see cref="NumberRead.TooLong"/>, with <paramref name="digits"/> counting them.
    /// </summary>
    private static NumberRead ReadNumber(ReadOnlySpan<byte> data, ref int position, out long value, out int digits)
    {
        SkipWhitespaceAndComments(data, ref position);
        value = 0;
        digits = 0;
        int start = position;
        while (position < data.Length && data[position] >= (byte)'0' && data[position] <= (byte)'9')
        {
            int digit = data[position] - (byte)'0';
            if (digits > 0 || digit != 0)
            {
                digits++;
                value = digits <= MaxDigits ? (value * 10) + digit : value;
            }

            position++;
        }

        bool ended = position == data.Length || IsWhitespace(data[position]) || data[position] == (byte)'#';
        return position == start || !ended ? NumberRead.Missing : digits > MaxDigits ? NumberRead.TooLong : NumberRead.Ok;
    }

    private static void SkipWhitespaceAndComments(ReadOnlySpan<byte> data, ref int position)
    {
        while (position < data.Length)
        {
            if (IsWhitespace(data[position]))
            {
                position++;
            }
            else if (data[position] == (byte)'#')
            {
                while (position < data.Length && data[position] != (byte)'\n' && data[position] != (byte)'\r')
                {
                    position++;
                }
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>The most significant digits of a number read exactly (a long holds them).</summary>
    private const int MaxDigits = 18;

    /// <summary>What <see cref="ReadNumber"/> found.</summary>
    private enum NumberRead
    {
        /// <summary>A number, in the value.</summary>
        Ok,

        /// <summary>No digits, or digits followed by something other than whitespace or a comment.</summary>
        Missing,

        /// <summary>A number of more than <see cref="MaxDigits"/> significant digits.</summary>
        TooLong,
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
