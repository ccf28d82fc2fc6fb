using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace StaticGrad.Distributed.Tests;

/// <summary>Files of the repository, found from the test binaries.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StaticGrad.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No ancestor of '{AppContext.BaseDirectory}' holds StaticGrad.slnx.");
    });

    /// <summary>The repository root.</summary>
    public static string Root => s_root.Value;

    /// <summary>The shipped MNIST digits.</summary>
    public static string MnistData => Path.Combine(Root, "Models", "Data");

    /// <summary>The built train app (Models, assembly <c>train</c>), in the configuration of these tests, which build it first.</summary>
    public static string TrainProgram
    {
        get
        {
            // bin/<Configuration>/net10.0/ of the tests; the app is built in the same configuration.
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string path = Path.Combine(Root, "Models", "bin", configuration, "net10.0", "train.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build Models ({configuration}) first: {path} is missing.", path);
        }
    }

    /// <summary><paramref name="count"/> evenly spaced digits of the shipped training set (every class: the shipped digits are grouped by class).</summary>
    /// <param name="count">Digits to keep.</param>
    /// <returns>The digits, in memory.</returns>
    public static StaticGrad.Data.InMemoryDataset SpreadDigits(int count)
    {
        (StaticGrad.Data.MnistDataset train, _) = StaticGrad.Data.MnistDataset.LoadDirectory(MnistData);
        int[] spread = new int[count];
        for (int i = 0; i < count; i++)
        {
            spread[i] = (int)((long)i * train.Count / count);
        }

        return StaticGrad.Data.InMemoryDataset.FromMnist(train).Subset(spread);
    }

    /// <summary>
    /// Writes a folder of IDX files holding <paramref name="count"/> evenly spaced digits of the shipped training set
    /// (every class: the shipped digits are grouped by class) and the whole shipped test set, for <c>train --data</c>.
    /// </summary>
    /// <param name="directory">The folder to write into.</param>
    /// <param name="count">Training digits to keep.</param>
    /// <returns><paramref name="directory"/>.</returns>
    public static string WriteMnistSubset(string directory, int count)
    {
        byte[] images = Gunzip("train-images-idx3-ubyte.gz"), labels = Gunzip("train-labels-idx1-ubyte.gz");
        int total = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4)), pixels = 28 * 28;
        using (var imageFile = File.Create(Path.Combine(directory, "train-images-idx3-ubyte")))
        using (var labelFile = File.Create(Path.Combine(directory, "train-labels-idx1-ubyte")))
        {
            byte[] header = images[..16];
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
            imageFile.Write(header);
            byte[] labelHeader = labels[..8];
            BinaryPrimitives.WriteInt32BigEndian(labelHeader.AsSpan(4), count);
            labelFile.Write(labelHeader);
            for (int i = 0; i < count; i++)
            {
                int index = (int)((long)i * total / count);
                imageFile.Write(images.AsSpan(16 + (index * pixels), pixels));
                labelFile.WriteByte(labels[8 + index]);
            }
        }

        foreach (string name in (string[])["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        {
            File.Copy(Path.Combine(MnistData, name), Path.Combine(directory, name));
        }

        return directory;
    }

    private static byte[] Gunzip(string name)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(MnistData, name)), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
