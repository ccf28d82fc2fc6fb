using System;
using System.IO;

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

    /// <summary>The built training program, in the configuration of these tests.</summary>
    public static string TrainProgram
    {
        get
        {
            // bin/<Configuration>/net10.0/ of the tests; the program is built in the same configuration.
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string path = Path.Combine(Root, "Distributed.Train", "bin", configuration, "net10.0", "StaticGrad.Distributed.Train.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build Distributed.Train ({configuration}) first: {path} is missing.", path);
        }
    }
}
