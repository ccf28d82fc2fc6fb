using System;
using System.Collections.Generic;
using System.IO;

namespace StaticGrad.Data;

/// <summary>
/// An in-memory image classification dataset in the MNIST layout: <see cref="Count"/> images of
/// <see cref="Rows"/> x <see cref="Columns"/> pixels as floats in [0, 1] (byte / 255, no other
/// normalization, like <c>torchvision.transforms.ToTensor</c>) and one byte label per image.
/// </summary>
/// <remarks>The pixels are converted to floats once, at load, so batches are plain copies.</remarks>
public sealed class MnistDataset
{
    private static readonly string[] s_trainImages = ["train-images-idx3-ubyte", "train-images.idx3-ubyte"];
    private static readonly string[] s_trainLabels = ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"];
    private static readonly string[] s_testImages = ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"];
    private static readonly string[] s_testLabels = ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"];

    private readonly float[] _images;
    private readonly byte[] _labels;

    /// <summary>Creates a dataset from raw pixel bytes and labels (copied; pixels become byte / 255).</summary>
    /// <param name="pixels">Row-major pixels, image after image: <c>labels.Length * rows * columns</c> bytes.</param>
    /// <param name="labels">One class index per image.</param>
    /// <param name="rows">Rows per image; positive.</param>
    /// <param name="columns">Columns per image; positive.</param>
    public MnistDataset(ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        long features = (long)rows * columns;
        if (features > int.MaxValue || features * labels.Length != pixels.Length)
        {
            throw new ArgumentException(
                $"Expected {labels.Length} images x {rows} x {columns} = {features * labels.Length} pixel bytes, got {pixels.Length}.",
                nameof(pixels));
        }

        Rows = rows;
        Columns = columns;
        Features = (int)features;
        _labels = labels.ToArray();
        _images = ToUnitFloats(pixels);
        Classes = ComputeClasses(_labels);
    }

    private MnistDataset(float[] images, byte[] labels, int rows, int columns)
    {
        _images = images;
        _labels = labels;
        Rows = rows;
        Columns = columns;
        Features = rows * columns;
        Classes = ComputeClasses(labels);
    }

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Pixels per image: <see cref="Rows"/> * <see cref="Columns"/>.</summary>
    public int Features { get; }

    /// <summary>Rows per image.</summary>
    public int Rows { get; }

    /// <summary>Columns per image.</summary>
    public int Columns { get; }

    /// <summary>The number of classes: 10, or the largest label + 1 if that is larger.</summary>
    public int Classes { get; }

    /// <summary>All images, <see cref="Count"/> x <see cref="Features"/> floats (byte / 255f), image after image.</summary>
    public ReadOnlySpan<float> Images => _images;

    /// <summary>The class index of each image.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>The pixels of one image.</summary>
    /// <param name="index">The image index, in [0, <see cref="Count"/>).</param>
    /// <returns><see cref="Features"/> floats.</returns>
    public ReadOnlySpan<float> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _images.AsSpan(index * Features, Features);
    }

    /// <summary>Loads an images file and its labels file (IDX, raw or gzip).</summary>
    /// <param name="imagesPath">The IDX images file (magic <c>0x00000803</c>).</param>
    /// <param name="labelsPath">The IDX labels file (magic <c>0x00000801</c>).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="InvalidDataException">A file is malformed, or the two files hold different numbers of items.</exception>
    public static MnistDataset Load(string imagesPath, string labelsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        (byte[] pixels, int count, int rows, int columns) = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != count)
        {
            throw new InvalidDataException(
                $"The images file '{imagesPath}' holds {count} images but the labels file '{labelsPath}' holds {labels.Length} labels; the counts must match.");
        }

        return new MnistDataset(ToUnitFloats(pixels), labels, rows, columns);
    }

    /// <summary>
    /// Loads the training and test sets from a directory in the standard MNIST layout:
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>
    /// and <c>t10k-labels-idx1-ubyte</c>, each optionally with a <c>.gz</c> suffix, also accepting the
    /// dotted names (<c>train-images.idx3-ubyte</c>) some mirrors use.
    /// </summary>
    /// <param name="directory">The directory holding the four files.</param>
    /// <returns>The training and test sets.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists every name looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or an images/labels pair differs in count.</exception>
    public static (MnistDataset Train, MnistDataset Test) LoadDirectory(string directory)
    {
        // Every file is found before any is read: a missing one is reported without reading the others.
        (string Images, string Labels) train = FindSet(directory, training: true), test = FindSet(directory, training: false);
        return (Load(train.Images, train.Labels), Load(test.Images, test.Labels));
    }

    /// <summary>
    /// Loads one set from a directory in the standard MNIST layout (see <see cref="LoadDirectory"/>), reading only its
    /// two files: <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c> for the training set,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c> for the test set (each optionally <c>.gz</c>, or dotted).
    /// </summary>
    /// <param name="directory">The directory holding the set's two files.</param>
    /// <param name="training">True for the training set, false for the test set.</param>
    /// <returns>The set.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the set is missing; the message lists every name looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the images and labels differ in count.</exception>
    public static MnistDataset LoadSet(string directory, bool training)
    {
        (string images, string labels) = FindSet(directory, training);
        return Load(images, labels);
    }

    /// <summary>The paths of one set's images and labels files in <paramref name="directory"/>, which must exist.</summary>
    private static (string Images, string Labels) FindSet(string directory, bool training)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The MNIST data directory '{Path.GetFullPath(directory)}' does not exist.");
        }

        return (Find(directory, training ? s_trainImages : s_testImages), Find(directory, training ? s_trainLabels : s_testLabels));
    }

    private static string Find(string directory, string[] names)
    {
        List<string> tried = new(names.Length * 2);
        foreach (string name in names)
        {
            foreach (string candidate in (ReadOnlySpan<string>)[name, name + ".gz"])
            {
                string path = Path.Combine(directory, candidate);
                if (File.Exists(path))
                {
                    return path;
                }

                tried.Add(candidate);
            }
        }

        string fullDirectory = Path.GetFullPath(directory);
        throw new FileNotFoundException(
            $"No MNIST file '{names[0]}' in '{fullDirectory}'. Looked for: {string.Join(", ", tried)}.",
            Path.Combine(fullDirectory, names[0] + ".gz"));
    }

    private static float[] ToUnitFloats(ReadOnlySpan<byte> pixels)
    {
        Span<float> table = stackalloc float[256];
        for (int b = 0; b < table.Length; b++)
        {
            table[b] = b / 255f;
        }

        float[] result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            result[i] = table[pixels[i]];
        }

        return result;
    }

    private static int ComputeClasses(ReadOnlySpan<byte> labels)
    {
        int max = -1;
        foreach (byte label in labels)
        {
            max = Math.Max(max, label);
        }

        return Math.Max(10, max + 1);
    }
}
