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
/// leave one behind; it is never read and can be deleted. As <c>torch.save</c>: a symbolic link is
/// followed (its target is replaced, the link stays), a device or FIFO (e.g. <c>/dev/null</c>) is
/// written in place, not replaced, and a replaced file keeps its permissions.
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
        string fullPath = FollowLinks(Path.GetFullPath(path));
        if (SpecialFile.Is(fullPath))
        {
            using var device = new FileStream(fullPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1 << 16);
            write(device);
            device.Flush();
            return;
        }

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
        FileStream created;
        try
        {
            created = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException($"Cannot write '{fullPath}': the folder '{directory}' is not writable ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw Failed(fullPath, e);
        }

        try
        {
            using (FileStream stream = created)
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(fullPath))
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(fullPath));
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (IOException e)
        {
            TryDelete(temporary);
            throw Failed(fullPath, e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// A failure of the temporary file (a read-only file system, a full disk) reported for the destination the caller
    /// named: the system's message names only the temporary file.
    /// </summary>
    private static IOException Failed(string fullPath, IOException e)
        => new($"Cannot write '{fullPath}' (through a temporary file beside it; the file that was there is unchanged): {e.Message}", e);

    /// <summary>The final target of a symbolic link (a dangling one's too), or the path itself.</summary>
    private static string FollowLinks(string fullPath)
    {
        var file = new FileInfo(fullPath);
        return file.LinkTarget is null ? fullPath : file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fullPath;
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
