using System;
using System.IO;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder, which is
/// flushed to the disk and then renamed over the destination. Readers see the old file or the new
/// one, never a partial write; an exception (or a crash) while writing leaves the old file intact.
/// </summary>
/// <remarks>
/// The temporary file is named <c>.{name}.{random}.tmp</c> beside the destination, so the rename
/// stays within one file system, and is deleted when writing fails. A process killed mid-write can
/// leave one behind; it is never read and can be deleted.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <param name="path">The destination; its folder must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given (which it must not dispose).</param>
    /// <exception cref="IOException">Creating, writing, flushing or renaming failed; the destination is unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or the destination is not writable; the destination is unchanged.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string fileName = Path.GetFileName(fullPath);
        string? directory = Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(fileName) || string.IsNullOrEmpty(directory))
        {
            throw new ArgumentException($"'{path}' does not name a file.", nameof(path));
        }

        if (Directory.Exists(fullPath))
        {
            throw new IOException($"Cannot write '{fullPath}': it is a directory.");
        }

        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write '{fullPath}': the folder '{directory}' does not exist.");
        }

        string temporary = Path.Combine(directory, $".{fileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
