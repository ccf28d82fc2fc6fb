using System.Runtime.InteropServices;

namespace StaticGrad.Benchmarks;

/// <summary>
/// The calling thread's CPU time (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>): on a machine that other jobs
/// keep busy, a one-thread kernel's CPU time leaves out the time the OS gave its core to others, so its GFLOP/s
/// stay comparable with a quiet run (caches refilled after a switch still cost a little).
/// </summary>
public static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Whether the clock is readable here (Linux).</summary>
    public static bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    /// <summary>Seconds of CPU the calling thread has used.</summary>
    public static double Seconds()
    {
        _ = ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t);
        return t.Seconds + (t.Nanoseconds * 1e-9);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
