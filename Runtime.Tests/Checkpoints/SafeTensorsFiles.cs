using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using StaticGrad.Checkpoints;

namespace StaticGrad.Runtime.Tests.Checkpoints;

/// <summary>Hand-built safetensors files for reader tests, and a scratch folder.</summary>
internal sealed class SafeTensorsFiles : IDisposable
{
    public SafeTensorsFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "staticgrad-ckpt-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>The 8-byte little-endian length, the header text as UTF-8, then <paramref name="data"/>.</summary>
    public static byte[] Build(string header, ReadOnlySpan<byte> data) => Build(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Build(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        byte[] file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file.AsSpan(8));
        data.CopyTo(file.AsSpan(8 + header.Length));
        return file;
    }

    /// <summary>
    /// A file of <paramref name="count"/> zero-size <c>U8</c> tensors with 4-character names, the densest
    /// legal header; padded with spaces to <paramref name="headerLength"/> bytes if given.
    /// </summary>
    public static byte[] ZeroSizeTensors(int count, int? headerLength = null)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var header = new StringBuilder(2 + (56 * count));
        header.Append('{');
        for (int i = 0; i < count; i++)
        {
            header.Append(i == 0 ? "\"" : ",\"");
            for (int n = i, d = 0; d < 4; d++, n /= Digits.Length)
            {
                header.Append(Digits[n % Digits.Length]);
            }

            header.Append("\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }

        header.Append('}');
        if (headerLength is int length)
        {
            if (header.Length > length)
            {
                throw new ArgumentOutOfRangeException(nameof(headerLength), length, $"{count} entries take {header.Length} bytes.");
            }

            header.Append(' ', length - header.Length);
        }

        return Build(header.ToString(), []);
    }

    /// <summary>Floats as little-endian bytes.</summary>
    public static byte[] Bytes(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Opens <paramref name="file"/> from memory.</summary>
    public static SafeTensorsReader Open(byte[] file, string name = "test.safetensors") => new(new MemoryStream(file, writable: false), name);

    /// <summary>The header JSON of a file.</summary>
    public static string HeaderOf(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return Encoding.UTF8.GetString(file, 8, length);
    }

    /// <summary>Replaces the header of <paramref name="file"/>, keeping its data section.</summary>
    public static byte[] WithHeader(byte[] file, string header)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return Build(header, file.AsSpan(8 + length));
    }

    public string Write(string name, byte[] content)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
