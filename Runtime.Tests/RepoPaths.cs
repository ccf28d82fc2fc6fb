using System;
using System.IO;

namespace StaticGrad.Runtime.Tests;

/// <summary>Locates files of the repository from a test run, wherever the test binaries are.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the test binaries that holds <c>Models/Data/train-images-idx3-ubyte.gz</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>The directory of the shipped MNIST IDX files (<c>Models/Data</c>).</summary>
    public static string MnistDataDirectory => Path.Combine(Root, "Models", "Data");

    private static string FindRoot()
    {
        string start = AppContext.BaseDirectory;
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Models", "Data", "train-images-idx3-ubyte.gz")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No ancestor of '{start}' contains Models/Data/train-images-idx3-ubyte.gz; run scripts/make_mnist_idx.py to create the data.");
    }
}
