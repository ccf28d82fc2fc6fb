using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace StaticGrad.Runtime.Tests;

/// <summary>Writes IDX files (raw or gzip) for reader tests, and owns a scratch directory.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "staticgrad-idx-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>An IDX images file image: magic 0x803, count, rows, columns, pixels.</summary>
    public static byte[] ImagesBytes(int count, int rows, int columns, ReadOnlySpan<byte> pixels)
        => Concat(Header(0x00000803, (uint)count, (uint)rows, (uint)columns), pixels);

    /// <summary>An IDX labels file image: magic 0x801, count, labels.</summary>
    public static byte[] LabelsBytes(ReadOnlySpan<byte> labels)
        => Concat(Header(0x00000801, (uint)labels.Length), labels);

    /// <summary>A big-endian header: the magic number, then one 32-bit size per dimension.</summary>
    public static byte[] Header(uint magic, params uint[] dimensions)
    {
        byte[] header = new byte[4 + 4 * dimensions.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        }

        return header;
    }

    public static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        byte[] result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    public static byte[] Gzip(ReadOnlySpan<byte> content)
    {
        using MemoryStream output = new();
        using (GZipStream gzip = new(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    /// <summary>Writes <paramref name="content"/> as <paramref name="name"/>, gzip-compressed if asked.</summary>
    public string Write(string name, ReadOnlySpan<byte> content, bool gzip = false)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content.ToArray());
        return path;
    }

    /// <summary>Deterministic pseudo-random pixels for tests.</summary>
    public static byte[] Pixels(int length, int salt = 0)
    {
        byte[] pixels = new byte[length];
        for (int i = 0; i < length; i++)
        {
            pixels[i] = (byte)((i * 31 + salt * 17 + (i >> 5)) & 0xFF);
        }

        return pixels;
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
