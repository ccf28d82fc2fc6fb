using System;
using System.IO;
using StaticGrad.Data;
using Xunit;

namespace StaticGrad.Runtime.Tests;

public sealed class MnistDatasetTests : IDisposable
{
    // Per-class counts of the shipped split (Models/Data/README.md, scripts/make_mnist_idx.py).
    private static readonly int[] s_trainPerClass = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
    private static readonly int[] s_testPerClass = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_ConvertsPixelsToByteOver255()
    {
        byte[] pixels = new byte[256];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)i;
        }

        string images = _files.Write("images", IdxTestFiles.ImagesBytes(4, 8, 8, pixels), gzip: true);
        string labels = _files.Write("labels", IdxTestFiles.LabelsBytes([0, 3, 9, 1]));

        MnistDataset data = MnistDataset.Load(images, labels);

        Assert.Equal(4, data.Count);
        Assert.Equal(8, data.Rows);
        Assert.Equal(8, data.Columns);
        Assert.Equal(64, data.Features);
        Assert.Equal(10, data.Classes);
        Assert.Equal(256, data.Images.Length);
        Assert.Equal(new byte[] { 0, 3, 9, 1 }, data.Labels.ToArray());
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(i / 255f, data.Images[i]);
        }

        Assert.Equal(0f, data.Images[0]);
        Assert.Equal(1f, data.Images[255]);
        Assert.Equal(data.Images.Slice(128, 64).ToArray(), data.Image(2).ToArray());
    }

    [Fact]
    public void Classes_IsMaxLabelPlusOne_WhenAboveTen()
    {
        MnistDataset data = new(new byte[3], [0, 14, 2], rows: 1, columns: 1);

        Assert.Equal(15, data.Classes);
    }

    [Fact]
    public void Constructor_ValidatesPixelCount()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new MnistDataset(new byte[5], [1, 2], rows: 1, columns: 2));

        Assert.Contains("4 pixel bytes, got 5", e.Message);
    }

    [Fact]
    public void Load_CountMismatch_NamesBothCounts()
    {
        string images = _files.Write("images", IdxTestFiles.ImagesBytes(3, 2, 2, new byte[12]));
        string labels = _files.Write("labels", IdxTestFiles.LabelsBytes([1, 2]));

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(images, labels));

        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
    }

    [Fact]
    public void LoadDirectory_AcceptsRawDottedNames()
    {
        _files.Write("train-images.idx3-ubyte", IdxTestFiles.ImagesBytes(3, 2, 2, IdxTestFiles.Pixels(12)));
        _files.Write("train-labels.idx1-ubyte", IdxTestFiles.LabelsBytes([1, 2, 3]));
        _files.Write("t10k-images-idx3-ubyte", IdxTestFiles.ImagesBytes(2, 2, 2, IdxTestFiles.Pixels(8)));
        _files.Write("t10k-labels-idx1-ubyte.gz", IdxTestFiles.LabelsBytes([4, 5]), gzip: true);

        (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(_files.Directory);

        Assert.Equal(3, train.Count);
        Assert.Equal(2, test.Count);
        Assert.Equal(new byte[] { 4, 5 }, test.Labels.ToArray());
    }

    [Fact]
    public void LoadDirectory_MissingFile_ListsWhatWasLookedFor()
    {
        _files.Write("train-images-idx3-ubyte.gz", IdxTestFiles.ImagesBytes(1, 1, 1, [0]), gzip: true);

        FileNotFoundException e = Assert.Throws<FileNotFoundException>(() => MnistDataset.LoadDirectory(_files.Directory));

        Assert.Contains("train-labels-idx1-ubyte, train-labels-idx1-ubyte.gz, train-labels.idx1-ubyte, train-labels.idx1-ubyte.gz", e.Message);
        Assert.Contains(_files.Directory, e.Message);
    }

    [Fact]
    public void LoadDirectory_MissingDirectory_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.LoadDirectory(_files.PathOf("absent")));
    }

    [Fact]
    public void ShippedData_Loads_WithExactClassBalance()
    {
        (MnistDataset train, MnistDataset test) = MnistDataset.LoadDirectory(RepoPaths.MnistDataDirectory);

        Assert.Equal(8000, train.Count);
        Assert.Equal(2000, test.Count);
        foreach (MnistDataset data in (ReadOnlySpan<MnistDataset>)[train, test])
        {
            Assert.Equal(28, data.Rows);
            Assert.Equal(28, data.Columns);
            Assert.Equal(784, data.Features);
            Assert.Equal(10, data.Classes);
            Assert.Equal(data.Count * 784, data.Images.Length);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in data.Images)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            Assert.Equal(0f, min);
            Assert.Equal(1f, max);
        }

        int[] trainCounts = CountPerClass(train);
        int[] testCounts = CountPerClass(test);
        Assert.Equal(s_trainPerClass, trainCounts);
        Assert.Equal(s_testPerClass, testCounts);
        for (int c = 0; c < 10; c++)
        {
            int total = trainCounts[c] + testCounts[c];
            Assert.Equal((2 * total + 5) / 10, testCounts[c]); // 20%, rounded half up
        }
    }

    private static int[] CountPerClass(MnistDataset data)
    {
        int[] counts = new int[data.Classes];
        foreach (byte label in data.Labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
