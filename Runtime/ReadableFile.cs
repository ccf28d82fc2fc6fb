using System.IO;

namespace StaticGrad;

/// <summary>
/// Opens a file for reading with errors a user can act on: a directory given for a file says so, where .NET reports
/// "access denied" (a missing file is .NET's <see cref="FileNotFoundException"/>, which names the full path).
/// </summary>
internal static class ReadableFile
{
    /// <summary>Opens <paramref name="path"/> for reading, shared for reading by others.</summary>
    /// <exception cref="IOException">The path is a directory, or the file cannot be opened (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static FileStream Open(string path, int bufferSize, FileOptions options = FileOptions.None)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"Cannot read '{Path.GetFullPath(path)}': it is a directory, not a file.");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
    }
}
