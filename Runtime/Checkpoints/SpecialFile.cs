using System;
using System.Runtime.InteropServices;

namespace StaticGrad.Checkpoints;

/// <summary>
/// Tells a device, a FIFO or a socket from a regular file, which .NET's file APIs do not: they report all of them as
/// <see cref="System.IO.FileAttributes.Normal"/>. <see cref="AtomicFile"/> must not rename a file over such a node
/// (run as root, saving to <c>/dev/null</c> would replace the system's <c>/dev/null</c> with a regular file).
/// </summary>
/// <remarks>
/// Linux only, through <c>statx(2)</c>, whose result has the same layout on every architecture (glibc 2.28 and
/// later); elsewhere, or when libc lacks it, every path counts as regular.
/// </remarks>
internal static partial class SpecialFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int LinkType = 0xA000;

    /// <summary>Whether <paramref name="fullPath"/> exists and is a device, a FIFO or a socket (not a regular file, directory or symlink).</summary>
    public static bool Is(string fullPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, fullPath, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return false; // missing, or not reachable: the ordinary path reports it
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }

        int type = MemoryMarshal.Read<ushort>(buffer[ModeOffset..]) & TypeMask;
        return type is not (RegularType or DirectoryType or LinkType);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}
